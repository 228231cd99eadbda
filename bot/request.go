package bot

import (
	"context"
	"log/slog"
	"strings"
	"sync"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/gantryhq/gantry/catalog"
)

// Request is one thing a person did in Slack, as a handler sees it: who,
// where, what, and how to answer. Fields that do not apply to its Type are
// empty.
type Request struct {
	// EnvelopeID is Socket Mode's id for the delivery; every log line of
	// the request carries it.
	EnvelopeID string
	// RetryAttempt is Slack's redelivery count (events only).
	RetryAttempt int
	// Type is "slash_commands", an interaction type ("block_actions",
	// "view_submission", "view_closed", "shortcut", "message_action") or an
	// event type ("app_mention", "app_home_opened").
	Type string
	// Route is what the router matched: the command, "/gantry search", the
	// action_id or callback_id pattern, or the event type.
	Route string

	User    User
	Channel Channel

	// TriggerID opens a modal (Responder.OpenModal); it works once, within
	// 3 s of the person's action.
	TriggerID string
	// ResponseURL answers a slash command or a message interaction.
	ResponseURL string

	// Command is the slash command ("/gantry"), Subcommand the /gantry
	// subcommand ("search"), Text the arguments after them, as Slack sent
	// them (escaped: see ParseText, PlainText, RawArgument).
	Command    string
	Subcommand string
	Text       string

	// Action is the element a block_actions request is about.
	Action *slack.BlockAction
	// Message is the message an action happened in, or an event's message.
	Message *MessageRef
	// View is the modal or home tab of a view interaction or action.
	View *slack.View

	// The payload as slack-go parsed it, for anything not lifted above.
	SlashCommand *slack.SlashCommand
	Interaction  *slack.InteractionCallback
	Event        *slackevents.EventsAPIEvent

	// Respond answers the person: ephemerally, in the channel, in place, or
	// with a modal.
	Respond *Responder
	// Log carries the envelope id, type, route and user.
	Log *slog.Logger

	bot      *Bot
	userOnce sync.Once
	user     *catalog.Entity
	// acked is closed once the envelope is acked: handlers start after it,
	// so Slack hears the ack before anything the handler does.
	acked     chan struct{}
	ackedOnce sync.Once
}

// markAcked lets the request's handler start.
func (r *Request) markAcked() { r.ackedOnce.Do(func() { close(r.acked) }) }

// User is the Slack user who acted.
type User struct {
	ID   string // U…
	Name string // their handle, when Slack sent it
}

// Channel is where they acted (empty for App Home and modals).
type Channel struct {
	ID   string // C…, G… or D…
	Name string
}

// MessageRef names a message.
type MessageRef struct {
	Channel   string
	TS        string
	ThreadTS  string // the thread it is in, if any
	Ephemeral bool
}

// CatalogUser returns the catalog User who made the request, found by
// their Slack id (gantry.dev/slack-user-id) or else by the e-mail address
// Slack has for them, or nil when the catalog does not know them. It is
// looked up once per request and cached across requests.
func (r *Request) CatalogUser(ctx context.Context) *catalog.Entity {
	r.userOnce.Do(func() {
		if r.bot == nil || r.User.ID == "" {
			return
		}
		u, err := r.bot.people.catalogUser(ctx, r.User.ID)
		if err != nil {
			r.Log.Warn("could not look the user up in the catalog", "err", err)
		}
		r.user = u
	})
	return r.user
}

// Value returns what the person entered in a modal's input (block_id,
// action_id): the text of a text input, the value of a selected option,
// the id of a picked user, conversation or channel, a date or time; "" if
// nothing. Multi-selects: see Values.
func (r *Request) Value(blockID, actionID string) string {
	a, ok := r.stateAction(blockID, actionID)
	if !ok {
		return ""
	}
	switch {
	case a.Value != "":
		return a.Value
	case a.SelectedOption.Value != "":
		return a.SelectedOption.Value
	case a.SelectedUser != "":
		return a.SelectedUser
	case a.SelectedConversation != "":
		return a.SelectedConversation
	case a.SelectedChannel != "":
		return a.SelectedChannel
	case a.SelectedDate != "":
		return a.SelectedDate
	case a.SelectedTime != "":
		return a.SelectedTime
	}
	return ""
}

// Values returns the choices of a multi-select or checkboxes input.
func (r *Request) Values(blockID, actionID string) []string {
	a, ok := r.stateAction(blockID, actionID)
	if !ok {
		return nil
	}
	var out []string
	for _, o := range a.SelectedOptions {
		out = append(out, o.Value)
	}
	out = append(out, a.SelectedUsers...)
	out = append(out, a.SelectedConversations...)
	out = append(out, a.SelectedChannels...)
	return out
}

func (r *Request) stateAction(blockID, actionID string) (slack.BlockAction, bool) {
	if r.View == nil || r.View.State == nil {
		return slack.BlockAction{}, false
	}
	block, ok := r.View.State.Values[blockID]
	if !ok {
		return slack.BlockAction{}, false
	}
	a, ok := block[actionID]
	return a, ok
}

// FirstInputBlock returns the block_id of the view's first input block, for
// messages that concern the whole form ("" when it has none).
func (r *Request) FirstInputBlock() string {
	if r.View == nil {
		return ""
	}
	for _, b := range r.View.Blocks.BlockSet {
		if in, ok := b.(*slack.InputBlock); ok {
			return in.BlockID
		}
	}
	return ""
}

// Once reports whether key is seen for the first time (true) or was
// already claimed within the last ten minutes (false), so a double click
// on "Share in channel" shares once. The claim is in memory and, when the
// bot has Claims (the database), there too, so it holds across restarts
// and replicas.
func (r *Request) Once(key string) bool {
	if r.bot == nil {
		return true
	}
	return r.bot.once.claim(WithLogger(context.Background(), r.Log), "once:"+key)
}

// Args returns the arguments as tokens (see ParseText).
func (r *Request) Args() []Token { return ParseText(r.Text) }

// ArgText returns the arguments as a person typed them (see PlainText).
func (r *Request) ArgText() string { return strings.TrimSpace(PlainText(r.Text)) }
