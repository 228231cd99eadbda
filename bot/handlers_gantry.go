package bot

import (
	"context"
	"unicode/utf8"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/internal/errkind"
)

// Longest arguments worth sending to the catalog.
const (
	maxSearchText = 500
	maxExpression = 2000
)

// handleSearch answers "/gantry search <text>" with the first page.
func (b *Bot) handleSearch(ctx context.Context, r *Request) error {
	q := r.ArgText()
	if q == "" {
		return r.Respond.Ephemeral(ctx, SearchUsage())
	}
	msg, err := b.searchPage(ctx, q, 0)
	if err != nil {
		return err
	}
	return r.Respond.Ephemeral(ctx, msg)
}

func (b *Bot) searchPage(ctx context.Context, q string, offset int) (Message, error) {
	if n := utf8.RuneCountInString(q); n > maxSearchText {
		return Message{}, errkind.New(errkind.Invalid, "that's %d characters; search with a few words (at most %d characters)", n, maxSearchText)
	}
	res, err := b.cat.Search(ctx, catalog.SearchQuery{Text: q, Limit: pageSize, Offset: offset})
	if err != nil {
		return Message{}, err
	}
	return SearchMessage(q, res, offset), nil
}

// handleSearchPage turns a page of search results in place.
func (b *Bot) handleSearchPage(ctx context.Context, r *Request) error {
	p, ok := readPage(r.Action.Value)
	if !ok {
		return errkind.New(errkind.Invalid, "this button is from an older Gantry; run the search again")
	}
	msg, err := b.searchPage(ctx, p.Q, p.O)
	if err != nil {
		return err
	}
	return r.Respond.Update(ctx, msg)
}

// handleInfo answers "/gantry info <ref>" with an entity card.
func (b *Bot) handleInfo(ctx context.Context, r *Request) error {
	ans, err := b.ownership(ctx, r.Text)
	if err != nil {
		return err
	}
	if ans == nil {
		return r.Respond.Ephemeral(ctx, InfoUsage())
	}
	return r.Respond.Ephemeral(ctx, InfoMessage(InfoView{Answer: ans, IDs: b.mentions(ctx, ans), Style: AnswerPrivate}))
}

// handleInfoOpen shows an entity's card from a "Details" button: a new
// private message, or a modal stacked on the one the button is in.
func (b *Bot) handleInfoOpen(ctx context.Context, r *Request) error {
	ans, err := b.answerFor(ctx, r.Action.Value)
	if err != nil {
		return err
	}
	if styleFor(r) == AnswerModal {
		msg := InfoMessage(InfoView{Answer: ans, IDs: b.mentions(ctx, ans), Style: AnswerModal})
		title := "Details"
		if len(ans.Matches) == 1 {
			title = ans.Matches[0].Title
		}
		_, err := r.Respond.PushModal(ctx, ResultModal(title, msg))
		return err
	}
	return r.Respond.Ephemeral(ctx, InfoMessage(InfoView{Answer: ans, IDs: b.mentions(ctx, ans), Style: AnswerPrivate}))
}

// handleInfoPick shows the card of the entity picked from a list.
func (b *Bot) handleInfoPick(ctx context.Context, r *Request) error {
	ans, err := b.answerFor(ctx, r.Action.Value)
	if err != nil {
		return err
	}
	return r.Respond.Update(ctx, InfoMessage(InfoView{Answer: ans, IDs: b.mentions(ctx, ans), Style: styleFor(r)}))
}

// handleInfoShare posts an entity card in the channel.
func (b *Bot) handleInfoShare(ctx context.Context, r *Request) error {
	if r.Message != nil && !r.Once("share:"+r.Message.Channel+":"+r.Message.TS) {
		return nil
	}
	ans, err := b.answerFor(ctx, r.Action.Value)
	if err != nil {
		return err
	}
	if err := r.Respond.InChannel(ctx, InfoMessage(InfoView{Answer: ans, IDs: b.mentions(ctx, ans), Style: AnswerShared, SharedBy: r.User.ID})); err != nil {
		return err
	}
	if err := r.Respond.Delete(ctx); err != nil {
		r.Log.Warn("shared, but could not remove the private copy", "err", err)
	}
	return nil
}

// handleOncall answers "/gantry oncall <service | team | person>".
func (b *Bot) handleOncall(ctx context.Context, r *Request) error {
	ans, err := b.ownership(ctx, r.Text)
	if err != nil {
		return err
	}
	if ans == nil {
		return r.Respond.Ephemeral(ctx, OncallUsage())
	}
	msg, err := b.oncallMessage(ctx, ans, 0)
	if err != nil {
		return err
	}
	return r.Respond.Ephemeral(ctx, msg)
}

func (b *Bot) oncallMessage(ctx context.Context, ans *catalog.Ownership, offset int) (Message, error) {
	v := OncallView{Answer: ans, Offset: offset}
	if len(ans.Matches) == 1 && ans.Matches[0].Kind == catalog.KindUser {
		ref, err := catalog.ParseRef(ans.Matches[0].Ref, "user", catalog.DefaultNamespace)
		if err != nil {
			return Message{}, err
		}
		p, err := b.cat.Profile(ctx, ref)
		if err != nil {
			return Message{}, err
		}
		v.Profile = p
		var ps []catalog.Person
		for _, t := range p.Teams {
			if t.Oncall != nil {
				ps = append(ps, t.Oncall.Person)
			}
		}
		v.IDs = b.people.slackIDs(ctx, ps...)
		return OncallMessage(v), nil
	}
	v.IDs = b.mentions(ctx, ans)
	return OncallMessage(v), nil
}

// handleOncallPick answers for the entity picked from a list.
func (b *Bot) handleOncallPick(ctx context.Context, r *Request) error {
	ans, err := b.answerFor(ctx, r.Action.Value)
	if err != nil {
		return err
	}
	msg, err := b.oncallMessage(ctx, ans, 0)
	if err != nil {
		return err
	}
	return r.Respond.Update(ctx, msg)
}

// handleQuery answers "/gantry query <expression>".
func (b *Bot) handleQuery(ctx context.Context, r *Request) error {
	expr := RawArgument(r.Text)
	if expr == "" {
		return r.Respond.Ephemeral(ctx, QueryUsage())
	}
	msg, err := b.queryPage(ctx, expr, 0)
	if err != nil {
		return err
	}
	return r.Respond.Ephemeral(ctx, msg)
}

func (b *Bot) queryPage(ctx context.Context, expr string, offset int) (Message, error) {
	if n := utf8.RuneCountInString(expr); n > maxExpression {
		return Message{}, errkind.New(errkind.Invalid, "that expression is %d characters long; at most %d", n, maxExpression)
	}
	res, err := b.cat.Query(ctx, expr, offset+pageSize)
	if err != nil {
		return Message{}, err
	}
	return QueryMessage(expr, res, offset), nil
}

// handleQueryPage turns a page of query results in place.
func (b *Bot) handleQueryPage(ctx context.Context, r *Request) error {
	p, ok := readPage(r.Action.Value)
	if !ok {
		return errkind.New(errkind.Invalid, "this button is from an older Gantry; run the query again")
	}
	msg, err := b.queryPage(ctx, p.Q, p.O)
	if err != nil {
		return err
	}
	return r.Respond.Update(ctx, msg)
}
