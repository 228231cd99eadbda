package bot

import (
	"context"
	"strings"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/internal/errkind"
)

// handleWhoOwns answers "/whoowns <service | repo | team | person>" to the
// asker only, with a "Share in channel" button.
func (b *Bot) handleWhoOwns(ctx context.Context, r *Request) error {
	ans, err := b.ownership(ctx, r.Text)
	if err != nil {
		return err
	}
	if ans == nil {
		return r.Respond.Ephemeral(ctx, WhoOwnsUsage())
	}
	return r.Respond.Ephemeral(ctx, WhoOwnsMessage(OwnershipView{Answer: ans, IDs: b.mentions(ctx, ans), Style: AnswerPrivate}))
}

// ownership answers WhoOwns for a command's arguments as Slack sent them:
// a mention of a person, a channel, a link, an e-mail, or words. nil means
// there were no arguments.
func (b *Bot) ownership(ctx context.Context, text string) (*catalog.Ownership, error) {
	queries, err := b.queriesFor(ctx, text)
	if err != nil || len(queries) == 0 {
		return nil, err
	}
	ans, err := b.cat.WhoOwns(ctx, queries[0])
	if err != nil {
		return nil, err
	}
	// A channel several teams claim: one answer with every team.
	for _, q := range queries[1:] {
		more, err := b.cat.WhoOwns(ctx, q)
		if err != nil {
			return nil, err
		}
		ans.Matches = append(ans.Matches, more.Matches...)
	}
	ans.Query = PlainText(text)
	return ans, nil
}

// queriesFor turns escaped Slack text into what the catalog understands.
// A mention, a channel, a link or an e-mail anywhere in the text wins over
// words; words are joined, and the punctuation of a question dropped.
func (b *Bot) queriesFor(ctx context.Context, text string) ([]string, error) {
	toks := ParseText(text)
	var words []string
	for _, t := range toks {
		switch t.Kind {
		case TokenUser:
			q, err := b.userQuery(ctx, t)
			return []string{q}, err
		case TokenChannel:
			return b.channelQueries(ctx, t)
		case TokenEmail:
			return []string{t.Text}, nil
		case TokenLink:
			if catalog.RepoFromLocation(t.URL) != "" {
				return []string{t.URL}, nil
			}
			words = append(words, t.Text)
		case TokenSpecial:
			return nil, errkind.New(errkind.Invalid, "%s is a group mention; name a team or a person instead", t.Text)
		default:
			words = append(words, t.Text)
		}
	}
	q := strings.TrimSpace(strings.Join(words, " "))
	q = strings.Trim(q, "?!.,;\"'`“”‘’ ")
	if q == "" {
		return nil, nil
	}
	return []string{q}, nil
}

// userQuery finds the catalog user behind a Slack mention.
func (b *Bot) userQuery(ctx context.Context, t Token) (string, error) {
	u, err := b.people.catalogUser(ctx, t.ID)
	if err != nil {
		return "", err
	}
	if u == nil {
		return "", errkind.New(errkind.NotFound, "<@%s> isn't in the catalog yet: their User entity needs `gantry.dev/slack-user-id: %s` or the e-mail address they use in Slack", t.ID, t.ID)
	}
	return u.Ref().String(), nil
}

// channelQueries finds the teams whose Slack channel is the one mentioned.
func (b *Bot) channelQueries(ctx context.Context, t Token) ([]string, error) {
	name := t.Text
	if name == "" {
		if info, err := b.api.ConversationInfo(ctx, t.ID); err == nil {
			name = info.Name
		}
	}
	teams, err := b.cat.TeamsByChannel(ctx, t.ID, name)
	if err != nil {
		return nil, err
	}
	if len(teams) == 0 {
		shown := "#" + name
		if name == "" {
			shown = "<#" + t.ID + ">"
		}
		return nil, errkind.New(errkind.NotFound, "no team in the catalog has %s as its Slack channel (the `gantry.dev/slack-channel` annotation)", shown)
	}
	out := make([]string, len(teams))
	for i := range teams {
		out[i] = teams[i].Ref().String()
	}
	return out, nil
}

// mentions resolves the Slack ids of the people a one-match answer shows.
func (b *Bot) mentions(ctx context.Context, ans *catalog.Ownership) map[string]string {
	if ans == nil || len(ans.Matches) != 1 {
		return nil
	}
	m := ans.Matches[0]
	var ps []catalog.Person
	if o := m.Owner; o != nil {
		ps = append(ps, o.Members[:min(len(o.Members), maxListedPeople)]...)
		if o.Kind == catalog.KindUser {
			ps = append(ps, catalog.Person{Ref: o.Ref, DisplayName: o.DisplayName, Email: o.Email, SlackUserID: o.SlackUserID})
		}
	}
	if m.Oncall != nil {
		ps = append(ps, m.Oncall.Person)
	}
	return b.people.slackIDs(ctx, ps...)
}

// answerFor re-asks WhoOwns for a ref a button carries.
func (b *Bot) answerFor(ctx context.Context, ref string) (*catalog.Ownership, error) {
	if strings.TrimSpace(ref) == "" {
		return nil, errkind.New(errkind.Invalid, "this button carries nothing to look up")
	}
	return b.cat.WhoOwns(ctx, ref)
}

// styleFor is AnswerModal in a modal, else AnswerPrivate.
func styleFor(r *Request) AnswerStyle {
	if r.View != nil && r.View.ID != "" {
		return AnswerModal
	}
	return AnswerPrivate
}

// handleWhoOwnsPick shows the answer for the match or suggestion picked.
func (b *Bot) handleWhoOwnsPick(ctx context.Context, r *Request) error {
	ans, err := b.answerFor(ctx, r.Action.Value)
	if err != nil {
		return err
	}
	return r.Respond.Update(ctx, WhoOwnsMessage(OwnershipView{Answer: ans, IDs: b.mentions(ctx, ans), Style: styleFor(r)}))
}

// handleWhoOwnsShare posts the answer in the channel for everyone and
// removes the private copy. A double click shares once.
func (b *Bot) handleWhoOwnsShare(ctx context.Context, r *Request) error {
	if r.Message != nil && !r.Once("share:"+r.Message.Channel+":"+r.Message.TS) {
		r.Log.Info("already shared; ignoring the second click")
		return nil
	}
	ans, err := b.answerFor(ctx, r.Action.Value)
	if err != nil {
		return err
	}
	msg := WhoOwnsMessage(OwnershipView{Answer: ans, IDs: b.mentions(ctx, ans), Style: AnswerShared, SharedBy: r.User.ID})
	if err := r.Respond.InChannel(ctx, msg); err != nil {
		return err
	}
	if err := r.Respond.Delete(ctx); err != nil {
		r.Log.Warn("shared, but could not remove the private copy", "err", err)
	}
	return nil
}
