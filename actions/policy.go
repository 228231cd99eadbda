package actions

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/internal/errkind"
)

// Catalog is what the engine asks the catalog: entities chosen in forms,
// who belongs to which group, what a person owns. *catalog.Catalog
// implements it.
type Catalog interface {
	Get(ctx context.Context, ref string) (*catalog.Entity, error)
	IsMember(ctx context.Context, user, group catalog.Ref) (bool, error)
	Profile(ctx context.Context, user catalog.Ref) (*catalog.Profile, error)
	Store() catalog.Store
}

// unknownPerson is the hint for someone the catalog does not know.
func unknownPerson(a Actor) string {
	if a.SlackID != "" {
		return fmt.Sprintf(" (the catalog doesn't know you: add gantry.dev/slack-user-id: %s to your User entity)", a.SlackID)
	}
	return ""
}

// checkAllowed decides whether actor may start def with these inputs.
// Errors: errkind.Forbidden saying who may.
func (e *Engine) checkAllowed(ctx context.Context, def *Action, actor Actor, inputs map[string]any) error {
	al := def.Spec.Allowed
	if al.Open() {
		return nil
	}
	var who []string
	for _, g := range al.Groups {
		who = append(who, "members of "+shortRef(g, "group"))
	}
	for _, u := range al.Users {
		who = append(who, shortRef(u, "user"))
	}
	if al.OwnersOf != "" {
		who = append(who, "the owners of the chosen "+strings.ToLower(inputKind(def, al.OwnersOf)))
	}
	refuse := func(extra string) error {
		return errkind.New(errkind.Forbidden, "you may not run %s: it is for %s%s", def.Title(), strings.Join(who, ", "), extra)
	}
	if actor.Ref == "" {
		return refuse(unknownPerson(actor))
	}
	user, err := catalog.ParseRef(actor.Ref, "user", catalog.DefaultNamespace)
	if err != nil {
		return refuse("")
	}
	for _, u := range al.Users {
		if r, err := catalog.ParseRef(u, "user", catalog.DefaultNamespace); err == nil && r == user {
			return nil
		}
	}
	for _, g := range al.Groups {
		ok, err := e.member(ctx, user, g)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
	}
	if al.OwnersOf != "" {
		ref, _ := inputs[al.OwnersOf].(string)
		if ref != "" {
			ok, err := e.owns(ctx, user, ref)
			if err != nil {
				return err
			}
			if ok {
				return nil
			}
		}
	}
	return refuse("")
}

// member reports whether user is in group (a ref as written in a
// definition); a group missing from the catalog admits nobody.
func (e *Engine) member(ctx context.Context, user catalog.Ref, group string) (bool, error) {
	g, err := catalog.ParseRef(group, "group", catalog.DefaultNamespace)
	if err != nil {
		return false, nil
	}
	ok, err := e.cat.IsMember(ctx, user, g)
	if errkind.Is(err, errkind.NotFound) {
		e.log.Warn("an action names a group the catalog does not have; it admits nobody", "group", group)
		return false, nil
	}
	return ok, err
}

// owns reports whether user owns the entity ref, directly or as a member of
// its owning group.
func (e *Engine) owns(ctx context.Context, user catalog.Ref, ref string) (bool, error) {
	ent, err := e.cat.Get(ctx, ref)
	if errkind.Is(err, errkind.NotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	owners := ent.RelationTargets(catalog.RelOwnedBy)
	for _, o := range owners {
		if o == user {
			return true, nil
		}
		if strings.EqualFold(o.Kind, catalog.KindGroup) {
			ok, err := e.cat.IsMember(ctx, user, o)
			if err != nil && !errkind.Is(err, errkind.NotFound) {
				return false, err
			}
			if ok {
				return true, nil
			}
		}
	}
	return false, nil
}

func inputKind(def *Action, name string) string {
	if in, ok := def.Input(name); ok && in.EntityKind != "" {
		return in.EntityKind
	}
	return "entity"
}

func shortRef(s, kind string) string {
	r, err := catalog.ParseRef(s, kind, catalog.DefaultNamespace)
	if err != nil {
		return s
	}
	return r.Short()
}

// approverGroups checks that actor may decide run and returns the approval
// groups they belong to (and "user" when listed by name). Errors:
// errkind.Forbidden for the requester and for anyone not an approver.
func (e *Engine) approverGroups(ctx context.Context, run *Run, actor Actor) ([]string, error) {
	ap := run.Definition.Spec.Approval
	if actor.Same(run.Requester) {
		return nil, errkind.New(errkind.Forbidden, "you requested this run, so you cannot decide on it: someone else in %s must", approversText(ap))
	}
	if actor.Ref == "" {
		return nil, errkind.New(errkind.Forbidden, "you are not an approver of this action%s", unknownPerson(actor))
	}
	user, err := catalog.ParseRef(actor.Ref, "user", catalog.DefaultNamespace)
	if err != nil {
		return nil, errkind.New(errkind.Forbidden, "you are not an approver of this action")
	}
	var matched []string
	for _, u := range ap.Users {
		if r, err := catalog.ParseRef(u, "user", catalog.DefaultNamespace); err == nil && r == user {
			matched = append(matched, r.String())
		}
	}
	for _, g := range ap.Groups {
		ok, err := e.member(ctx, user, g)
		if err != nil {
			return nil, err
		}
		if ok {
			r, _ := catalog.ParseRef(g, "group", catalog.DefaultNamespace)
			matched = append(matched, r.String())
		}
	}
	if len(matched) == 0 {
		return nil, errkind.New(errkind.Forbidden, "you are not an approver of this action (approvers: %s)", approversText(ap))
	}
	sort.Strings(matched)
	return matched, nil
}

// approversText names who approves, for people.
func approversText(ap Approval) string {
	var parts []string
	for _, g := range ap.Groups {
		parts = append(parts, shortRef(g, "group"))
	}
	for _, u := range ap.Users {
		parts = append(parts, shortRef(u, "user"))
	}
	return strings.Join(parts, ", ")
}

// settled reports whether the approvals meet the policy. In "all" mode
// each approver counts once, toward one requirement (a group's seat or a
// listed user's own): someone in two approval groups cannot stand for
// both, so the approvals settle the policy only when they can be spread
// over every requirement, one person per seat.
func settled(ap Approval, approvals []Decision) bool {
	n := ap.Count()
	if ap.Mode != ModeAll {
		return len(approvals) >= n
	}
	// The seats: n per group, one per listed user, each naming who may
	// fill it (a group ref, or the user's own ref).
	var seats []string
	for _, g := range ap.Groups {
		r, err := catalog.ParseRef(g, "group", catalog.DefaultNamespace)
		if err != nil {
			return false
		}
		for range n {
			seats = append(seats, r.String())
		}
	}
	for _, u := range ap.Users {
		r, err := catalog.ParseRef(u, "user", catalog.DefaultNamespace)
		if err != nil {
			return false
		}
		seats = append(seats, r.String())
	}
	if len(approvals) < len(seats) {
		return false
	}
	fits := func(d Decision, seat string) bool {
		return slices.Contains(d.Groups, seat) || (strings.HasPrefix(seat, "user:") && d.Actor.Ref == seat)
	}
	return seatEveryone(len(seats), len(approvals), func(seat, person int) bool { return fits(approvals[person], seats[seat]) })
}

// seatEveryone reports whether every one of seats can be given a distinct
// person among people, where fits says who may sit where: a maximum
// bipartite matching (augmenting paths; approval policies are small).
func seatEveryone(seats, people int, fits func(seat, person int) bool) bool {
	holder := make([]int, people) // person → seat + 1, 0 for none
	var place func(seat int, tried []bool) bool
	place = func(seat int, tried []bool) bool {
		for p := range people {
			if tried[p] || !fits(seat, p) {
				continue
			}
			tried[p] = true
			if holder[p] == 0 || place(holder[p]-1, tried) {
				holder[p] = seat + 1
				return true
			}
		}
		return false
	}
	for seat := range seats {
		if !place(seat, make([]bool, people)) {
			return false
		}
	}
	return true
}

// Approvers summarises a run's approval policy and progress, for views:
// "1 of 1 from platform".
func Approvers(run *Run) string {
	ap := run.Definition.Spec.Approval
	if !ap.Needed() {
		return "none"
	}
	got := len(run.Approvals())
	if ap.Mode == ModeAll {
		return fmt.Sprintf("%s from each of %s (%d so far)", approvals(ap.Count()), approversText(ap), got)
	}
	return fmt.Sprintf("%s from %s (%d so far)", approvals(ap.Count()), approversText(ap), got)
}

func approvals(n int) string {
	if n == 1 {
		return "1 approval"
	}
	return fmt.Sprintf("%d approvals", n)
}
