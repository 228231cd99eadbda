package bot

import (
	"context"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/internal/errkind"
)

// handleMatchesPage pages through a list of matches to pick from: it asks
// the question again (the button carries it) and shows the page asked for
// in place of the list.
func (b *Bot) handleMatchesPage(render func(ctx context.Context, r *Request, ans *catalog.Ownership, offset int) (Message, error)) HandlerFunc {
	return func(ctx context.Context, r *Request) error {
		p, ok := readPage(r.Action.Value)
		if !ok {
			return errkind.New(errkind.Invalid, "this button is from an older Gantry; ask again")
		}
		ans, err := b.ownership(ctx, p.Q)
		if err != nil {
			return err
		}
		if ans == nil {
			return errkind.New(errkind.Invalid, "this button carries nothing to look up")
		}
		msg, err := render(ctx, r, ans, p.O)
		if err != nil {
			return err
		}
		return r.Respond.Update(ctx, msg)
	}
}

// handleWhoOwnsList shows the whole of a card's list (what a team or a
// person owns, a team's members, a person's teams), a page at a time. On
// the asker's own answer (private, or in a modal) the page replaces the
// card; on an answer shared in a channel it is shown to the one who
// clicked only. Either way a button goes back to the (private) card.
func (b *Bot) handleWhoOwnsList(ctx context.Context, r *Request) error {
	prefix, list, op, ok := readListAction(r.Action.ActionID)
	p, okPage := readPage(r.Action.Value)
	if !ok || !okPage {
		return errkind.New(errkind.Invalid, "this button is from an older Gantry; ask again")
	}
	ans, err := b.answerFor(ctx, p.Q)
	if err != nil {
		return err
	}
	if len(ans.Matches) != 1 {
		return errkind.New(errkind.NotFound, "%s is no longer in the catalog", p.Q)
	}
	m := ans.Matches[0]
	v := ListView{Match: m, List: list, Offset: p.O, Back: true, Prefix: prefix}
	if list == listMembers && m.Owner != nil {
		off := pageStart(p.O, len(m.Owner.Members))
		v.IDs = b.people.slackIDs(ctx, m.Owner.Members[off:min(off+pageSize, len(m.Owner.Members))]...)
	}
	inPlace := r.View != nil || r.Message == nil || r.Message.Ephemeral
	if op == "all" && !inPlace {
		return r.Respond.Ephemeral(ctx, ListPage(v)) // a shared answer stays as it is for everyone
	}
	return r.Respond.Update(ctx, ListPage(v))
}
