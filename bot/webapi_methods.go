package bot

import (
	"context"
	"fmt"
	"net/url"

	"github.com/slack-go/slack"

	"github.com/gantryhq/gantry/internal/slackfake/blocklimits"
)

// The methods below are the Web API calls the bot makes, typed. Each goes
// through Call, so each is checked, paced, retried and explained.

// AuthTest checks the bot token and returns who the bot is.
func (w *WebAPI) AuthTest(ctx context.Context) (*slack.AuthTestResponse, error) {
	var out slack.AuthTestResponse
	err := w.Call(ctx, "auth.test", url.Values{}, &out)
	return &out, err
}

// OpenConnection calls apps.connections.open with the app-level token and
// returns the Socket Mode URL. The bot calls it at start to check the
// token; the Socket Mode loop calls it again for each connection.
func (w *WebAPI) OpenConnection(ctx context.Context) (string, error) {
	var out struct {
		URL string `json:"url"`
	}
	err := w.Call(ctx, "apps.connections.open", url.Values{}, &out)
	return out.URL, err
}

// PostMessage posts m in channel (an id, a #name, or a user id for the
// app's DM) and returns the ts of its first message. A message with more
// blocks than Slack allows is posted as consecutive messages, never cut.
func (w *WebAPI) PostMessage(ctx context.Context, channel string, m Message) (string, error) {
	chunks := splitBlocks(m.Blocks, blocklimits.MaxMessageBlocks)
	var first string
	for i, blocks := range chunks {
		text := m.Text
		if i > 0 {
			text = fmt.Sprintf("%s (continued, %d/%d)", m.Text, i+1, len(chunks))
		}
		var out struct {
			TS string `json:"ts"`
		}
		err := w.Call(ctx, "chat.postMessage", args{
			"channel": channel, "text": text, "blocks": blocksOrNil(blocks), "thread_ts": omitEmpty(m.ThreadTS),
			"unfurl_links": false, "unfurl_media": false,
		}.compact(), &out)
		if err != nil {
			return first, err
		}
		if i == 0 {
			first = out.TS
		}
	}
	return first, nil
}

// splitBlocks cuts blocks into groups of at most n (one empty group for no
// blocks, so a text-only message is still posted).
func splitBlocks(blocks []slack.Block, n int) [][]slack.Block {
	if len(blocks) <= n {
		return [][]slack.Block{blocks}
	}
	var out [][]slack.Block
	for len(blocks) > 0 {
		k := min(n, len(blocks))
		out = append(out, blocks[:k])
		blocks = blocks[k:]
	}
	return out
}

func omitEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func blocksOrNil(b []slack.Block) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// args are a JSON request's arguments.
type args map[string]any

// compact drops the arguments left unset (nil), which Slack would
// otherwise read as explicit nulls.
func (a args) compact() args {
	for k, v := range a {
		if v == nil {
			delete(a, k)
		}
	}
	return a
}

// PostEphemeral shows m to user only, in channel.
func (w *WebAPI) PostEphemeral(ctx context.Context, channel, user string, m Message) error {
	return w.Call(ctx, "chat.postEphemeral", args{
		"channel": channel, "user": user, "text": m.Text, "blocks": blocksOrNil(m.Blocks), "thread_ts": omitEmpty(m.ThreadTS),
	}.compact(), nil)
}

// UpdateMessage replaces the text and blocks of one of the bot's messages.
func (w *WebAPI) UpdateMessage(ctx context.Context, channel, ts string, m Message) error {
	blocks := m.Blocks
	if blocks == nil {
		blocks = []slack.Block{}
	}
	return w.Call(ctx, "chat.update", args{"channel": channel, "ts": ts, "text": m.Text, "blocks": blocks}, nil)
}

// DeleteMessage deletes one of the bot's messages.
func (w *WebAPI) DeleteMessage(ctx context.Context, channel, ts string) error {
	return w.Call(ctx, "chat.delete", args{"channel": channel, "ts": ts}, nil)
}

// viewAnswer is the answer of the views.* methods.
type viewAnswer struct {
	View slack.View `json:"view"`
}

// OpenView opens a modal with a trigger_id (valid for 3 s, once).
func (w *WebAPI) OpenView(ctx context.Context, triggerID string, v slack.ModalViewRequest) (*slack.View, error) {
	var out viewAnswer
	v.Type = slack.VTModal
	err := w.Call(ctx, "views.open", args{"trigger_id": triggerID, "view": v}, &out)
	return &out.View, err
}

// PushView stacks a modal on the person's open one.
func (w *WebAPI) PushView(ctx context.Context, triggerID string, v slack.ModalViewRequest) (*slack.View, error) {
	var out viewAnswer
	v.Type = slack.VTModal
	err := w.Call(ctx, "views.push", args{"trigger_id": triggerID, "view": v}, &out)
	return &out.View, err
}

// UpdateView replaces an open modal; hash, when not empty, makes Slack
// refuse the update if the view changed meanwhile (hash_conflict).
func (w *WebAPI) UpdateView(ctx context.Context, viewID, hash string, v slack.ModalViewRequest) (*slack.View, error) {
	var out viewAnswer
	v.Type = slack.VTModal
	err := w.Call(ctx, "views.update", args{"view_id": viewID, "hash": omitEmpty(hash), "view": v}.compact(), &out)
	return &out.View, err
}

// UpdateViewByExternalID replaces the open modal that has externalID.
func (w *WebAPI) UpdateViewByExternalID(ctx context.Context, externalID string, v slack.ModalViewRequest) error {
	v.Type = slack.VTModal
	return w.Call(ctx, "views.update", args{"external_id": externalID, "view": v}, nil)
}

// PublishHome publishes a person's App Home tab.
func (w *WebAPI) PublishHome(ctx context.Context, userID string, v slack.HomeTabViewRequest) (*slack.View, error) {
	var out viewAnswer
	v.Type = slack.VTHomeTab
	err := w.Call(ctx, "views.publish", args{"user_id": userID, "view": v}, &out)
	return &out.View, err
}

// UserInfo returns a Slack user (with their e-mail, given users:read.email).
func (w *WebAPI) UserInfo(ctx context.Context, userID string) (*slack.User, error) {
	var out struct {
		User slack.User `json:"user"`
	}
	err := w.Call(ctx, "users.info", url.Values{"user": {userID}}, &out)
	return &out.User, err
}

// LookupUserByEmail finds a Slack user by e-mail address.
func (w *WebAPI) LookupUserByEmail(ctx context.Context, email string) (*slack.User, error) {
	var out struct {
		User slack.User `json:"user"`
	}
	err := w.Call(ctx, "users.lookupByEmail", url.Values{"email": {email}}, &out)
	return &out.User, err
}

// OpenDM returns the id of the app's direct-message conversation with a
// person, opening it if needed.
func (w *WebAPI) OpenDM(ctx context.Context, userID string) (string, error) {
	var out struct {
		Channel struct {
			ID string `json:"id"`
		} `json:"channel"`
	}
	err := w.Call(ctx, "conversations.open", url.Values{"users": {userID}}, &out)
	return out.Channel.ID, err
}

// ConversationInfo describes a conversation (its name, whether the bot is in it).
func (w *WebAPI) ConversationInfo(ctx context.Context, channelID string) (*slack.Channel, error) {
	var out struct {
		Channel slack.Channel `json:"channel"`
	}
	err := w.Call(ctx, "conversations.info", url.Values{"channel": {channelID}}, &out)
	return &out.Channel, err
}
