package bot

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"github.com/gantryhq/gantry/internal/errkind"
)

// Questions a mention may ask; anything else is taken as "who owns …".
var (
	askWhoOwns = regexp.MustCompile(`(?is)^(?:who\s*owns|whoowns|who\s+is\s+the\s+owner\s+of|owner\s+of)\s+(.*)$`)
	askOncall  = regexp.MustCompile(`(?is)^(?:who(?:'s|’s|\s+is)\s+on[\s-]?call(?:\s+for)?|on[\s-]?call(?:\s+for)?)\s+(.*)$`)
	askSearch  = regexp.MustCompile(`(?is)^(?:search(?:\s+for)?|find)\s+(.*)$`)
	askInfo    = regexp.MustCompile(`(?is)^(?:info|tell\s+me\s+about|what\s+is)\s+(.*)$`)
	askHelp    = regexp.MustCompile(`(?i)^(?:help|\?|hi|hello|hey)?[\s!?.]*$`)
)

// handleMention answers "@Gantry who owns checkout?" in a thread, with the
// same answer /whoowns gives (without the private-only buttons).
func (b *Bot) handleMention(ctx context.Context, r *Request) error {
	text := b.stripBotMention(r.Text)
	thread := r.Message.ThreadTS
	if thread == "" {
		thread = r.Message.TS
	}
	reply := func(m Message) error {
		m.ThreadTS = thread
		return r.Respond.InChannel(ctx, m)
	}
	switch {
	case askHelp.MatchString(text):
		return reply(mentionHelp())
	case askOncall.MatchString(text):
		ans, err := b.ownership(ctx, askOncall.FindStringSubmatch(text)[1])
		if err != nil || ans == nil {
			return b.mentionProblem(reply, err)
		}
		msg, err := b.oncallMessage(ctx, ans, 0)
		if err != nil {
			return err
		}
		return reply(msg)
	case askSearch.MatchString(text):
		q := PlainText(askSearch.FindStringSubmatch(text)[1])
		msg, err := b.searchPage(ctx, q, 0)
		if err != nil {
			return b.mentionProblem(reply, err)
		}
		return reply(msg)
	case askInfo.MatchString(text):
		ans, err := b.ownership(ctx, askInfo.FindStringSubmatch(text)[1])
		if err != nil || ans == nil {
			return b.mentionProblem(reply, err)
		}
		return reply(InfoMessage(InfoView{Answer: ans, IDs: b.mentions(ctx, ans), Style: AnswerPublic}))
	}
	if m := askWhoOwns.FindStringSubmatch(text); m != nil {
		text = m[1]
	}
	ans, err := b.ownership(ctx, text)
	if err != nil || ans == nil {
		return b.mentionProblem(reply, err)
	}
	return reply(WhoOwnsMessage(OwnershipView{Answer: ans, IDs: b.mentions(ctx, ans), Style: AnswerPublic}))
}

// mentionProblem answers in the thread when the question cannot be
// answered because of what was asked; other failures go to report.
func (b *Bot) mentionProblem(reply func(Message) error, err error) error {
	if err == nil {
		return reply(mentionHelp())
	}
	var ae *APIError
	if k := errkind.Of(err); k != "" && k != errkind.Unavailable && !errors.As(err, &ae) {
		return reply(ProblemMessage(err.Error()))
	}
	return err
}

// stripBotMention removes the mentions of the bot itself from the text.
func (b *Bot) stripBotMention(text string) string {
	b.mu.Lock()
	bot := b.botUserID
	b.mu.Unlock()
	var keep []string
	for _, field := range strings.Fields(text) {
		if strings.HasPrefix(field, "<@") && strings.HasSuffix(field, ">") {
			id, _, _ := strings.Cut(strings.TrimSuffix(strings.TrimPrefix(field, "<@"), ">"), "|")
			if id == bot || (bot == "" && len(keep) == 0) {
				continue
			}
		}
		keep = append(keep, field)
	}
	return strings.TrimSpace(strings.Join(keep, " "))
}

// mentionHelp is the answer to a bare mention.
func mentionHelp() Message {
	text := "Ask me things like *@Gantry who owns checkout?*, *@Gantry who's on call for payments?*, *@Gantry search sends email* or *@Gantry info ledger*. `/gantry help` lists every command."
	return Message{Text: "Ask me who owns something, who's on call, or search the catalog.", Blocks: blocks(section(text))}
}
