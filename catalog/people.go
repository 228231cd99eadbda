package catalog

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/gantryhq/gantry/internal/errkind"
)

// This file answers questions about people: who a chat user is in the
// catalog, which teams they are in, what they own, and who is on call for
// them. The bot asks them (App Home, "/whoowns @someone", admin checks); the
// rules (what counts as a team, which rotation applies) live here so that
// every surface gives the same answer.

// Profile is what the catalog knows about one person.
type Profile struct {
	User Person `json:"user"`
	// Teams are the groups the user is a direct member of, in ref order.
	Teams []Team `json:"teams"`
	// Owns is what the user owns directly or through their teams, most
	// asked-about kinds first.
	Owns []Summary `json:"owns"`
	// OnCall lists the duties the user holds right now: their teams and the
	// entities they own whose rotation names them at this moment.
	OnCall []Duty `json:"onCall"`
}

// Team is a group a person belongs to, with how to reach it.
type Team struct {
	Summary
	SlackChannel string `json:"slackChannel,omitempty"`
	// Oncall is who is on call for the team now (nil when it has no rotation).
	Oncall *Oncall `json:"oncall"`
	// Members is how many direct members the team has.
	Members int `json:"members"`
}

// Duty is one on-call duty of a person: the entity whose rotation names
// them now, and until when (nil for a fixed person).
type Duty struct {
	Summary
	Until *time.Time `json:"until,omitempty"`
}

// UserBySlackID returns the catalog User whose gantry.dev/slack-user-id is
// id (e.g. "U0PAY0001"). Callers: the bot, to know who is asking. Errors:
// errkind.Invalid for an empty id, errkind.NotFound when no user carries it,
// errkind.Conflict when several do (a catalog mistake worth fixing).
func (c *Catalog) UserBySlackID(ctx context.Context, id string) (*Entity, error) {
	id = strings.TrimSpace(id)
	if id == "" {
		return nil, errkind.New(errkind.Invalid, "empty Slack user id")
	}
	return c.oneUser(ctx, KeySlackUser, id, "a Slack user id")
}

// UserByEmail returns the catalog User whose spec.profile.email is email,
// compared case-insensitively. Callers: the bot, for people whose entity
// has no Slack id (it asks Slack for their e-mail first). Errors:
// errkind.Invalid, errkind.NotFound, errkind.Conflict as UserBySlackID.
func (c *Catalog) UserByEmail(ctx context.Context, email string) (*Entity, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" || !strings.Contains(email, "@") {
		return nil, errkind.New(errkind.Invalid, "%q is not an e-mail address", email)
	}
	return c.oneUser(ctx, KeyEmail, email, "an e-mail address")
}

func (c *Catalog) oneUser(ctx context.Context, key, value, what string) (*Entity, error) {
	found, err := c.store.EntitiesByKey(ctx, key, value)
	if err != nil {
		return nil, err
	}
	var users []Entity
	for _, e := range found {
		if e.Is(KindUser) {
			users = append(users, e)
		}
	}
	switch len(users) {
	case 0:
		return nil, errkind.New(errkind.NotFound, "no catalog user has %s %q", what, value)
	case 1:
		return &users[0], nil
	}
	refs := make([]string, len(users))
	for i := range users {
		refs[i] = users[i].Ref().String()
	}
	sort.Strings(refs)
	return nil, errkind.New(errkind.Conflict, "%d catalog users share %s %q (%s); each person should have their own", len(users), what, value, strings.Join(refs, ", "))
}

// Profile describes the user named by ref: their teams with each team's
// channel and on-call, what they own, and the duties they hold now.
// Callers: the bot's App Home. Errors: errkind.NotFound when ref is not in
// the catalog, errkind.Invalid when it is not a User.
func (c *Catalog) Profile(ctx context.Context, ref Ref) (*Profile, error) {
	u, err := c.store.Entity(ctx, ref)
	if err != nil {
		return nil, err
	}
	if !u.Is(KindUser) {
		return nil, errkind.New(errkind.Invalid, "%s is a %s, not a user", ref, u.Kind)
	}
	groups, err := c.store.Entities(ctx, u.RelationTargets(RelMemberOf))
	if err != nil {
		return nil, err
	}
	sort.Slice(groups, func(i, j int) bool { return groups[i].Ref().String() < groups[j].Ref().String() })
	p := &Profile{User: person(u), Teams: []Team{}, Owns: []Summary{}, OnCall: []Duty{}}
	owned := u.RelationTargets(RelOwnerOf)
	for i := range groups {
		g := &groups[i]
		oc, err := c.oncallFor(ctx, g, nil)
		if err != nil {
			return nil, err
		}
		p.Teams = append(p.Teams, Team{
			Summary:      summary(g),
			SlackChannel: g.Annotation(AnnotationSlackChannel),
			Oncall:       oc,
			Members:      len(g.RelationTargets(RelHasMember)),
		})
		if oc != nil && oc.Ref == p.User.Ref {
			p.OnCall = append(p.OnCall, Duty{Summary: summary(g), Until: oc.Until})
		}
		owned = append(owned, g.RelationTargets(RelOwnerOf)...)
	}
	owns, err := c.summaries(ctx, owned)
	if err != nil {
		return nil, err
	}
	if owns != nil {
		p.Owns = owns
	}
	duties, err := c.ownDuties(ctx, owned, p.User.Ref)
	if err != nil {
		return nil, err
	}
	p.OnCall = append(p.OnCall, duties...)
	return p, nil
}

// ownDuties finds the owned entities whose own rotation names who now
// (entities without one follow their team, which Profile already covers).
func (c *Catalog) ownDuties(ctx context.Context, owned []Ref, who string) ([]Duty, error) {
	if len(owned) == 0 {
		return nil, nil
	}
	es, err := c.store.Entities(ctx, uniqueRefs(owned))
	if err != nil {
		return nil, err
	}
	sortMatches(es)
	var out []Duty
	for i := range es {
		e := &es[i]
		if e.Annotation(AnnotationOncall) == "" {
			continue
		}
		oc, err := c.oncallFor(ctx, e, nil)
		if err != nil {
			return nil, err
		}
		if oc != nil && oc.Ref == who {
			out = append(out, Duty{Summary: summary(e), Until: oc.Until})
		}
	}
	return out, nil
}

// TeamsByChannel returns the groups whose gantry.dev/slack-channel names
// one of channels: a name with or without '#' ("#team-payments",
// "team-payments") or a channel id ("C0123ABC"), compared
// case-insensitively. Callers: the bot, for "/whoowns #team-payments".
// An empty result is not an error.
func (c *Catalog) TeamsByChannel(ctx context.Context, channels ...string) ([]Entity, error) {
	want := map[string]bool{}
	for _, ch := range channels {
		if k := channelKey(ch); k != "" {
			want[k] = true
		}
	}
	if len(want) == 0 {
		return nil, nil
	}
	var out []Entity
	err := c.store.Scan(ctx, []string{KindGroup}, true, func(e *Entity) error {
		if want[channelKey(e.Annotation(AnnotationSlackChannel))] {
			out = append(out, *e)
		}
		return nil
	})
	return out, err
}

func channelKey(s string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "#"))
}

// IsMember reports whether user is a member of group or of any group below
// it (its children, their children, ...). Callers: permission checks such
// as "members of slack.admin_group may run /gantry sync". Errors:
// errkind.NotFound when group is not in the catalog, so that a
// misconfigured admin group denies rather than allows.
func (c *Catalog) IsMember(ctx context.Context, user, group Ref) (bool, error) {
	if _, err := c.store.Entity(ctx, group); err != nil {
		return false, err
	}
	seen := map[Ref]bool{}
	queue := []Ref{group}
	for len(queue) > 0 {
		batch := queue
		queue = nil
		var fresh []Ref
		for _, r := range batch {
			if !seen[r] {
				seen[r] = true
				fresh = append(fresh, r)
			}
		}
		groups, err := c.store.Entities(ctx, fresh)
		if err != nil {
			return false, err
		}
		for i := range groups {
			for _, m := range groups[i].RelationTargets(RelHasMember) {
				if m == user {
					return true, nil
				}
			}
			queue = append(queue, groups[i].RelationTargets(RelParentOf)...)
		}
	}
	return false, nil
}

func uniqueRefs(refs []Ref) []Ref {
	seen := make(map[Ref]bool, len(refs))
	out := make([]Ref, 0, len(refs))
	for _, r := range refs {
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	return out
}
