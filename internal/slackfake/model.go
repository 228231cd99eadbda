package slackfake

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
)

// Team is the one workspace the fake serves.
type Team struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Domain string `json:"domain"`
}

// User is a workspace member (or the bot user itself).
type User struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	RealName    string `json:"real_name,omitempty"`
	DisplayName string `json:"display_name,omitempty"`
	Email       string `json:"email,omitempty"`
	IsBot       bool   `json:"is_bot,omitempty"`
	IsAdmin     bool   `json:"is_admin,omitempty"`
	Deleted     bool   `json:"deleted,omitempty"`
	TZ          string `json:"tz,omitempty"`
	// BotID is set on bot users: the B… id that messages carry as bot_id.
	BotID string `json:"bot_id,omitempty"`
}

// Channel is a public or private channel, a DM (IsIM, User is the other
// party) or a group DM (IsMpIM).
type Channel struct {
	ID         string `json:"id"`
	Name       string `json:"name,omitempty"`
	IsPrivate  bool   `json:"is_private,omitempty"`
	IsIM       bool   `json:"is_im,omitempty"`
	IsMpIM     bool   `json:"is_mpim,omitempty"`
	IsArchived bool   `json:"is_archived,omitempty"`
	// IsMember says whether the bot is in the channel; chat.postMessage to a
	// channel the bot is not in fails with not_in_channel, as on Slack.
	IsMember bool `json:"is_member"`
	// User is the other party of a DM.
	User string `json:"user,omitempty"`
	// Members, when set, limits who may see ephemerals there; empty means
	// everyone in the workspace.
	Members []string `json:"members,omitempty"`
	Topic   string   `json:"topic,omitempty"`
	Purpose string   `json:"purpose,omitempty"`
	Created int64    `json:"created,omitempty"`
}

// Edited is Slack's "edited" marker on an updated message.
type Edited struct {
	User string `json:"user"`
	TS   string `json:"ts"`
}

// Revision is one earlier version of an updated message, kept so tests and
// the playground can show what changed.
type Revision struct {
	Text     string          `json:"text,omitempty"`
	Blocks   json.RawMessage `json:"blocks,omitempty"`
	Replaced string          `json:"replaced_at"` // ts of the edit that replaced it
}

// Message is a message in a channel, a DM, a thread, or an ephemeral message
// shown to one user. The json tags follow Slack's message object; the extra
// fields (channel, ephemeral, visible_to, deleted, history, via) are the
// fake's bookkeeping.
type Message struct {
	Type        string          `json:"type"`
	Channel     string          `json:"channel"`
	TS          string          `json:"ts"`
	ThreadTS    string          `json:"thread_ts,omitempty"`
	User        string          `json:"user,omitempty"`
	BotID       string          `json:"bot_id,omitempty"`
	AppID       string          `json:"app_id,omitempty"`
	Team        string          `json:"team,omitempty"`
	Text        string          `json:"text"`
	Blocks      json.RawMessage `json:"blocks,omitempty"`
	Attachments json.RawMessage `json:"attachments,omitempty"`
	Metadata    json.RawMessage `json:"metadata,omitempty"`
	Edited      *Edited         `json:"edited,omitempty"`
	ReplyCount  int             `json:"reply_count,omitempty"`
	LatestReply string          `json:"latest_reply,omitempty"`

	Ephemeral bool       `json:"ephemeral,omitempty"`
	VisibleTo string     `json:"visible_to,omitempty"`
	Deleted   bool       `json:"deleted,omitempty"`
	History   []Revision `json:"history,omitempty"`
	// Via says how the message was made: "chat.postMessage",
	// "chat.postEphemeral", "response_url", "ack" (a slash command's ack
	// payload) or "user" (a person typed it).
	Via string `json:"via,omitempty"`
}

func (m Message) clone() Message {
	m.History = slices.Clone(m.History)
	if m.Edited != nil {
		e := *m.Edited
		m.Edited = &e
	}
	return m
}

// wire is the message object as Slack returns it in API responses and
// interaction payloads: no channel, no fake bookkeeping.
func (m Message) wire() map[string]any {
	w := map[string]any{"type": "message", "ts": m.TS, "text": m.Text}
	set := func(k, v string) {
		if v != "" {
			w[k] = v
		}
	}
	set("thread_ts", m.ThreadTS)
	set("user", m.User)
	set("bot_id", m.BotID)
	set("app_id", m.AppID)
	set("team", m.Team)
	set("latest_reply", m.LatestReply)
	if m.BotID != "" {
		w["subtype"] = "bot_message"
	}
	if len(m.Blocks) > 0 {
		w["blocks"] = m.Blocks
	}
	if len(m.Attachments) > 0 {
		w["attachments"] = m.Attachments
	}
	if len(m.Metadata) > 0 {
		w["metadata"] = m.Metadata
	}
	if m.Edited != nil {
		w["edited"] = m.Edited
	}
	if m.ReplyCount > 0 {
		w["reply_count"] = m.ReplyCount
	}
	return w
}

// ViewState is a view's state.values: block_id → action_id → the element's
// value object, exactly as in a view_submission payload.
type ViewState struct {
	Values map[string]map[string]json.RawMessage `json:"values"`
}

// View is a modal (in a user's stack) or a home tab. The json tags follow
// Slack's view object; UserID and Errors are the fake's bookkeeping (who sees
// it, and the response_action errors shown under its input blocks).
type View struct {
	ID                 string          `json:"id"`
	TeamID             string          `json:"team_id"`
	Type               string          `json:"type"`
	Title              json.RawMessage `json:"title,omitempty"`
	Close              json.RawMessage `json:"close,omitempty"`
	Submit             json.RawMessage `json:"submit,omitempty"`
	Blocks             json.RawMessage `json:"blocks"`
	PrivateMetadata    string          `json:"private_metadata"`
	CallbackID         string          `json:"callback_id"`
	ExternalID         string          `json:"external_id"`
	State              ViewState       `json:"state"`
	Hash               string          `json:"hash"`
	ClearOnClose       bool            `json:"clear_on_close"`
	NotifyOnClose      bool            `json:"notify_on_close"`
	RootViewID         string          `json:"root_view_id"`
	PreviousViewID     string          `json:"previous_view_id"`
	AppID              string          `json:"app_id"`
	BotID              string          `json:"bot_id"`
	AppInstalledTeamID string          `json:"app_installed_team_id"`

	UserID string            `json:"user_id"`
	Errors map[string]string `json:"errors,omitempty"`
}

func (v View) clone() View {
	v.Errors = maps.Clone(v.Errors)
	if v.State.Values != nil {
		vals := make(map[string]map[string]json.RawMessage, len(v.State.Values))
		for k, m := range v.State.Values {
			vals[k] = maps.Clone(m)
		}
		v.State.Values = vals
	}
	return v
}

// wire is the view object as Slack returns it: the fake's bookkeeping off.
func (v View) wire() map[string]any {
	w := map[string]any{
		"id": v.ID, "team_id": v.TeamID, "type": v.Type, "blocks": rawOr(v.Blocks, "[]"),
		"private_metadata": v.PrivateMetadata, "callback_id": v.CallbackID,
		"external_id": v.ExternalID, "hash": v.Hash,
		"clear_on_close": v.ClearOnClose, "notify_on_close": v.NotifyOnClose,
		"root_view_id": nilIfEmpty(v.RootViewID), "previous_view_id": nilIfEmpty(v.PreviousViewID),
		"app_id": v.AppID, "bot_id": v.BotID, "app_installed_team_id": v.AppInstalledTeamID,
	}
	state := v.State
	if state.Values == nil {
		state.Values = map[string]map[string]json.RawMessage{}
	}
	w["state"] = state
	for k, raw := range map[string]json.RawMessage{"title": v.Title, "close": v.Close, "submit": v.Submit} {
		if len(raw) > 0 {
			w[k] = raw
		} else {
			w[k] = nil
		}
	}
	return w
}

// TitleText returns the plain text of a modal's title, for readers and UIs.
func (v View) TitleText() string { return textOf(v.Title) }

func textOf(raw json.RawMessage) string {
	var t struct {
		Text string `json:"text"`
	}
	_ = json.Unmarshal(raw, &t)
	return t.Text
}

func rawOr(raw json.RawMessage, def string) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage(def)
	}
	return raw
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// userWire is the user object of users.info and users.lookupByEmail.
func (u User) wire(teamID string) map[string]any {
	display := u.DisplayName
	tz := u.TZ
	if tz == "" {
		tz = "Europe/London"
	}
	profile := map[string]any{
		"real_name": u.RealName, "real_name_normalized": u.RealName,
		"display_name": display, "display_name_normalized": display,
		"email": u.Email, "team": teamID,
	}
	if u.BotID != "" {
		profile["bot_id"] = u.BotID
	}
	return map[string]any{
		"id": u.ID, "team_id": teamID, "name": u.Name, "deleted": u.Deleted,
		"real_name": u.RealName, "tz": tz, "tz_label": tz, "tz_offset": 0,
		"profile": profile, "is_bot": u.IsBot, "is_admin": u.IsAdmin,
		"is_owner": false, "is_primary_owner": false, "is_restricted": false,
		"is_ultra_restricted": false, "is_app_user": false, "updated": 1700000000,
		"is_email_confirmed": u.Email != "",
	}
}

// wire is the conversation object of conversations.info / .open.
func (c Channel) wire(botUserID string) map[string]any {
	w := map[string]any{
		"id": c.ID, "created": c.Created, "is_archived": c.IsArchived,
		"is_im": c.IsIM, "is_mpim": c.IsMpIM, "is_private": c.IsPrivate || c.IsIM || c.IsMpIM,
		"is_channel": !c.IsIM && !c.IsMpIM && !c.IsPrivate,
		"is_group":   c.IsPrivate && !c.IsMpIM, "is_general": c.Name == "general",
		"is_shared": false, "is_ext_shared": false, "is_org_shared": false,
		"is_member": c.IsMember || c.IsIM, "creator": botUserID,
	}
	if c.IsIM {
		w["user"] = c.User
		w["is_open"] = true
	} else {
		w["name"] = c.Name
		w["name_normalized"] = strings.ToLower(c.Name)
		w["topic"] = map[string]any{"value": c.Topic, "creator": "", "last_set": 0}
		w["purpose"] = map[string]any{"value": c.Purpose, "creator": "", "last_set": 0}
		if len(c.Members) > 0 {
			w["num_members"] = len(c.Members)
		}
	}
	return w
}
