package actions

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/internal/errkind"
)

// RecordMessage remembers a Slack message that shows the run (its channel
// and ts), so later changes update it in place, after a restart too. A
// message for the same purpose and channel replaces the one recorded.
func (e *Engine) RecordMessage(ctx context.Context, id string, m MessageRef) error {
	_, err := e.store.UpdateRun(ctx, id, func(r *Run) ([]AuditEvent, error) {
		for i, old := range r.Messages {
			if old.Purpose == m.Purpose && old.Channel == m.Channel {
				if old.TS == m.TS {
					return nil, ErrNoChange
				}
				r.Messages[i] = m
				return nil, nil
			}
		}
		r.Messages = append(r.Messages, m)
		return nil, nil
	})
	return err
}

// MayStart checks what can be known before the form is filled: whether
// actor may start def at all (spec.allowed by group or user). Owners of an
// entity input are only known once it is chosen, so an action open to
// them passes here and is checked by Submit. Errors: errkind.Forbidden.
func (e *Engine) MayStart(ctx context.Context, def *Action, actor Actor) error {
	if def.Spec.Allowed.OwnersOf != "" {
		return nil
	}
	return e.checkAllowed(ctx, def, actor, nil)
}

// maxApprovers bounds the people an approval request is sent to directly.
const maxApprovers = 25

// Approvers returns the catalog users who may decide run (members of the
// approval groups and their sub-groups, and the listed users), without the
// requester, at most 25, for sending the request to each of them.
func (e *Engine) Approvers(ctx context.Context, run *Run) ([]catalog.Entity, error) {
	users, err := e.approverRefs(ctx, run.Definition.Spec.Approval, run.Requester.Ref, maxApprovers)
	if err != nil {
		return nil, err
	}
	out := make([]catalog.Entity, 0, len(users))
	for _, u := range users {
		ent, err := e.cat.Get(ctx, u.String())
		if err != nil {
			continue
		}
		out = append(out, *ent)
	}
	return out, nil
}

// approverRefs returns up to limit people who may approve under ap (the
// listed users, then the members of the groups and of their sub-groups),
// without the person whose ref is exclude, sorted.
func (e *Engine) approverRefs(ctx context.Context, ap Approval, exclude string, limit int) ([]catalog.Ref, error) {
	seen := map[catalog.Ref]bool{}
	var users []catalog.Ref
	add := func(r catalog.Ref) {
		if !seen[r] && r.String() != exclude {
			seen[r] = true
			users = append(users, r)
		}
	}
	for _, u := range ap.Users {
		if r, err := catalog.ParseRef(u, "user", catalog.DefaultNamespace); err == nil {
			add(r)
		}
	}
	visited := map[catalog.Ref]bool{}
	var queue []catalog.Ref
	for _, g := range ap.Groups {
		if r, err := catalog.ParseRef(g, "group", catalog.DefaultNamespace); err == nil {
			queue = append(queue, r)
		}
	}
	for len(queue) > 0 && len(users) < limit {
		g := queue[0]
		queue = queue[1:]
		if visited[g] {
			continue
		}
		visited[g] = true
		ent, err := e.cat.Get(ctx, g.String())
		if errkind.Is(err, errkind.NotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, m := range ent.RelationTargets(catalog.RelHasMember) {
			add(m)
		}
		queue = append(queue, ent.RelationTargets(catalog.RelParentOf)...)
	}
	sort.Slice(users, func(i, j int) bool { return users[i].String() < users[j].String() })
	if len(users) > limit {
		users = users[:limit]
	}
	return users, nil
}

// checkApprovable refuses a request that could never be approved. The
// requester never counts, so when they are one of the few people who may
// approve, the others must still be enough: `required` of them (in mode
// all: that many in each group, and every listed user, who therefore may
// not be the requester). Errors: errkind.Forbidden, saying why.
func (e *Engine) checkApprovable(ctx context.Context, def *Action, actor Actor) error {
	ap := def.Spec.Approval
	if !ap.Needed() {
		return nil
	}
	n := ap.Count()
	never := func(why string) error {
		return errkind.New(errkind.Forbidden, "this request could never be approved, so it is not made: %s, and nobody may approve their own request. "+
			"Ask someone else to request it, or the action's maintainers to change its spec.approval", why)
	}
	if ap.Mode == ModeAll {
		for _, u := range ap.Users {
			if r, err := catalog.ParseRef(u, "user", catalog.DefaultNamespace); err == nil && r.String() == actor.Ref {
				return never(fmt.Sprintf("%s needs an approval from each listed user, you among them", def.Title()))
			}
		}
		for _, g := range ap.Groups {
			others, err := e.approverRefs(ctx, Approval{Groups: []string{g}}, actor.Ref, n)
			if err != nil {
				return err
			}
			if len(others) < n {
				return never(fmt.Sprintf("%s needs %s from %s, and %s other than you can give them", def.Title(), approvals(n), shortRef(g, "group"), people(len(others))))
			}
		}
		return nil
	}
	others, err := e.approverRefs(ctx, ap, actor.Ref, n)
	if err != nil {
		return err
	}
	if len(others) < n {
		return never(fmt.Sprintf("%s needs %s from %s, and %s other than you can give them", def.Title(), approvals(n), approversText(ap), people(len(others))))
	}
	return nil
}

func people(n int) string {
	switch n {
	case 0:
		return "nobody"
	case 1:
		return "only one person"
	}
	return fmt.Sprintf("only %d people", n)
}

// ApprovalChannel returns where a run's approval request goes: the
// action's approval.channel, else the first approval group's
// gantry.dev/slack-channel; "" means each approver's direct messages.
func (e *Engine) ApprovalChannel(ctx context.Context, run *Run) string {
	ap := run.Definition.Spec.Approval
	switch {
	case ap.Channel == "dm":
		return ""
	case ap.Channel != "":
		return ap.Channel
	}
	for _, g := range ap.Groups {
		ent, err := e.cat.Get(ctx, g)
		if err != nil {
			continue
		}
		if ch := strings.TrimSpace(ent.Annotation(catalog.AnnotationSlackChannel)); ch != "" {
			return ch
		}
	}
	return ""
}
