package playground

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gantryhq/gantry/internal/slackfake"
)

// ackWait bounds how long a request waits for the app's ack; Slack's own
// deadline is 3 s, after which the fake reports ErrNotAcked itself.
const ackWait = 10 * time.Second

// Handler serves the web client and its API. Mount it at "/".
func (sb *Sandbox) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/workspace", sb.handleWorkspace)
	mux.HandleFunc("GET /api/messages", sb.handleMessages)
	mux.HandleFunc("GET /api/views", sb.handleViews)
	mux.HandleFunc("GET /api/events", sb.handleEvents)
	mux.HandleFunc("POST /api/command", sb.handleCommand)
	mux.HandleFunc("POST /api/message", sb.handleMessage)
	mux.HandleFunc("POST /api/click", sb.interaction(sb.click))
	mux.HandleFunc("POST /api/select", sb.interaction(sb.selectOption))
	mux.HandleFunc("POST /api/suggest", sb.handleSuggest)
	mux.HandleFunc("POST /api/submit", sb.handleSubmit)
	mux.HandleFunc("POST /api/close", sb.interaction(sb.closeView))
	mux.HandleFunc("POST /api/home", sb.interaction(sb.openHome))
	mux.HandleFunc("POST /api/digest", sb.handleDigest)
	mux.HandleFunc("GET /github/", sb.handleRepoPage)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such playground API: "+r.Method+" "+r.URL.Path)
	})
	mux.Handle("/", noCache(http.FileServerFS(assets())))
	return mux
}

// noCache serves the client's files for GET and HEAD, and makes the
// browser revalidate them, so a rebuilt binary never serves yesterday's
// script.
func noCache(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		h.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"ok": false, "error": msg})
}

// fail answers with what went wrong in words a person in the playground
// understands, and the status that fits.
func fail(w http.ResponseWriter, err error) {
	status, msg := http.StatusInternalServerError, err.Error()
	switch {
	case errors.Is(err, slackfake.ErrNotConnected):
		status, msg = http.StatusServiceUnavailable, "Gantry is not connected to the sandbox right now (Slack would say dispatch_failed). It reconnects by itself; try again in a moment."
	case errors.Is(err, slackfake.ErrNotAcked), errors.Is(err, context.DeadlineExceeded):
		status, msg = http.StatusGatewayTimeout, "Gantry did not answer within Slack's 3 seconds, so Slack would show an error. Try again."
	case errors.Is(err, slackfake.ErrNotFound):
		status = http.StatusNotFound
	case errors.Is(err, slackfake.ErrNotVisible):
		status = http.StatusForbidden
	case errors.Is(err, slackfake.ErrInputRequired):
		status = http.StatusUnprocessableEntity
	case errors.Is(err, errBadRequest):
		status = http.StatusBadRequest
	}
	writeJSON(w, status, map[string]any{"ok": false, "error": msg})
}

// badRequest is a request the client should not have sent; a constant, so
// the package keeps no globals.
type badRequest string

func (e badRequest) Error() string { return string(e) }

const errBadRequest badRequest = "bad request"

// request is what the client sends to act: who acts, on what, and how.
type request struct {
	As       string   `json:"as"`
	Channel  string   `json:"channel,omitempty"`
	TS       string   `json:"ts,omitempty"`
	ViewID   string   `json:"view_id,omitempty"`
	ActionID string   `json:"action_id,omitempty"`
	Value    string   `json:"value,omitempty"`
	Values   []string `json:"values,omitempty"`
	Command  string   `json:"command,omitempty"`
	Text     string   `json:"text,omitempty"`
	// State is what the person typed in the modal's inputs so far: block
	// id → action id → a string or a list of strings.
	State map[string]map[string]any `json:"state,omitempty"`
}

func (sb *Sandbox) decode(w http.ResponseWriter, r *http.Request) (request, bool) {
	var req request
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "the request is not JSON: "+err.Error())
		return req, false
	}
	if _, ok := sb.slack.User(req.As); !ok || req.As == sb.slack.BotUser().ID {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("%q is not a person in the sandbox: pick someone with the user switcher", req.As))
		return req, false
	}
	return req, true
}

func (req request) target() slackfake.Target {
	if req.ViewID != "" {
		return slackfake.InView(req.ViewID)
	}
	return slackfake.InMessage(req.Channel, req.TS)
}

// values converts the client's state to slackfake's Values.
func values(state map[string]map[string]any) slackfake.Values {
	if len(state) == 0 {
		return nil
	}
	out := slackfake.Values{}
	for block, acts := range state {
		out[block] = map[string]any{}
		for action, v := range acts {
			switch x := v.(type) {
			case []any:
				list := []string{}
				for _, e := range x {
					list = append(list, fmt.Sprint(e))
				}
				out[block][action] = list
			case nil:
				out[block][action] = ""
			case string:
				out[block][action] = x
			default:
				out[block][action] = fmt.Sprint(x)
			}
		}
	}
	return out
}

// waitAck waits for the app to acknowledge d and reports a refused ack.
func waitAck(ctx context.Context, d *slackfake.Delivery) (*slackfake.AckResult, error) {
	if d == nil {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, ackWait)
	defer cancel()
	ack, err := d.Wait(ctx)
	if err != nil {
		return nil, err
	}
	if ack != nil && ack.Err != nil {
		return ack, fmt.Errorf("Slack refused Gantry's answer, and would show an error instead: %w", ack.Err)
	}
	return ack, nil
}

// workspace is what the page needs to draw the client.
type workspace struct {
	Team      slackfake.Team `json:"team"`
	Bot       member         `json:"bot"`
	BotOnline bool           `json:"bot_online"`
	People    []member       `json:"people"`
	Default   string         `json:"default_user"`
	Channels  []channelInfo  `json:"channels"`
	DM        string         `json:"dm,omitempty"` // the acting person's DM with the app
	Commands  []Command      `json:"commands"`
	Sandbox   sandboxInfo    `json:"sandbox"`
	Restored  bool           `json:"restored"`
	Digest    bool           `json:"digest_available"`
}

type channelInfo struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Purpose string `json:"purpose,omitempty"`
}

type sandboxInfo struct {
	SlackURL  string `json:"slack_api_url"`
	GitHubURL string `json:"github_api_url"`
	// GitHubWeb is the base of the simulated repositories' addresses
	// (https://github.com): the client sends links under it to /github/.
	GitHubWeb string `json:"github_web_url"`
	Postgres  string `json:"postgres,omitempty"`
}

func (sb *Sandbox) handleWorkspace(w http.ResponseWriter, r *http.Request) {
	sb.awaitDirectory(r.Context()) // Gantry may still be reading the catalog
	people, def := sb.members()
	bot := sb.slack.BotUser()
	cmds, err := Commands()
	if err != nil {
		fail(w, err)
		return
	}
	ws := workspace{Team: sb.slack.Team(), Bot: member{ID: bot.ID, Name: bot.Name, RealName: "Gantry"},
		BotOnline: len(sb.slack.Connections()) > 0, People: people, Default: def, Commands: cmds,
		Sandbox:  sandboxInfo{SlackURL: sb.slack.APIURL(), GitHubURL: sb.gh.URL() + "/api/v3/", GitHubWeb: sb.webURL(), Postgres: sb.opts.Postgres},
		Restored: sb.Restored()}
	sb.mu.Lock()
	ws.Digest = sb.digest != nil
	sb.mu.Unlock()
	for _, c := range sb.slack.Channels() {
		if !c.IsIM && !c.IsMpIM && !c.IsArchived {
			ws.Channels = append(ws.Channels, channelInfo{ID: c.ID, Name: c.Name, Purpose: c.Purpose})
		}
	}
	sort.SliceStable(ws.Channels, func(i, j int) bool {
		gi, gj := ws.Channels[i].Name == "general", ws.Channels[j].Name == "general"
		if gi != gj {
			return gi
		}
		return ws.Channels[i].Name < ws.Channels[j].Name
	})
	if as := r.URL.Query().Get("as"); as != "" {
		if u, ok := sb.slack.User(as); ok && !u.IsBot {
			ws.DM, _ = sb.slack.DMChannel(as)
		}
	}
	writeJSON(w, http.StatusOK, ws)
}

// message is a message as the page draws it.
type message struct {
	Channel    string            `json:"channel"`
	TS         string            `json:"ts"`
	ThreadTS   string            `json:"thread_ts,omitempty"`
	User       string            `json:"user,omitempty"`
	BotID      string            `json:"bot_id,omitempty"`
	Text       string            `json:"text"`
	Blocks     json.RawMessage   `json:"blocks,omitempty"`
	Edited     *slackfake.Edited `json:"edited,omitempty"`
	ReplyCount int               `json:"reply_count,omitempty"`
	Ephemeral  bool              `json:"ephemeral,omitempty"`
	Deleted    bool              `json:"deleted,omitempty"`
	Rev        int               `json:"rev"` // how many times it was updated
	Via        string            `json:"via,omitempty"`
	Attach     json.RawMessage   `json:"attachments,omitempty"`
}

func toMessage(m slackfake.Message) message {
	return message{Channel: m.Channel, TS: m.TS, ThreadTS: m.ThreadTS, User: m.User, BotID: m.BotID, Text: m.Text,
		Blocks: m.Blocks, Edited: m.Edited, ReplyCount: m.ReplyCount, Ephemeral: m.Ephemeral, Deleted: m.Deleted,
		Rev: len(m.History), Via: m.Via, Attach: m.Attachments}
}

// canSee reports whether user may read the conversation.
func (sb *Sandbox) canSee(user, channel string) bool {
	c, ok := sb.slack.Channel(channel)
	switch {
	case !ok:
		return false
	case c.IsIM:
		return c.User == user
	case len(c.Members) > 0:
		return slices.Contains(c.Members, user)
	}
	return true
}

func (sb *Sandbox) handleMessages(w http.ResponseWriter, r *http.Request) {
	as, channel := r.URL.Query().Get("as"), r.URL.Query().Get("channel")
	if !sb.canSee(as, channel) {
		writeError(w, http.StatusForbidden, "that conversation is not visible to this person")
		return
	}
	out := []message{}
	for _, m := range sb.slack.Messages(channel) {
		out = append(out, toMessage(m))
	}
	for _, m := range sb.slack.Ephemerals(as) {
		if m.Channel == channel {
			out = append(out, toMessage(m))
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return tsBefore(out[i].TS, out[j].TS) })
	writeJSON(w, http.StatusOK, map[string]any{"messages": out})
}

// tsBefore orders Slack timestamps ("seconds.micros").
func tsBefore(a, b string) bool {
	as, af, _ := strings.Cut(a, ".")
	bs, bf, _ := strings.Cut(b, ".")
	if len(as) != len(bs) {
		return len(as) < len(bs)
	}
	if as != bs {
		return as < bs
	}
	return af < bf
}

// views is a person's open modals (root first) and App Home.
type views struct {
	Modals []slackfake.View `json:"modals"`
	Home   *slackfake.View  `json:"home"`
}

func (sb *Sandbox) viewsOf(user string) views {
	v := views{Modals: sb.slack.Views(user)}
	if v.Modals == nil {
		v.Modals = []slackfake.View{}
	}
	if h, ok := sb.slack.Home(user); ok {
		v.Home = &h
	}
	return v
}

func (sb *Sandbox) handleViews(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, sb.viewsOf(r.URL.Query().Get("as")))
}

func (sb *Sandbox) handleCommand(w http.ResponseWriter, r *http.Request) {
	req, ok := sb.decode(w, r)
	if !ok {
		return
	}
	if !strings.HasPrefix(req.Command, "/") || strings.ContainsAny(req.Command, " \n") {
		fail(w, fmt.Errorf("%w: %q is not a slash command", errBadRequest, req.Command))
		return
	}
	d, err := sb.slack.SlashCommand(r.Context(), req.As, req.Channel, req.Command, req.Text)
	if err != nil {
		fail(w, err)
		return
	}
	ack, err := waitAck(r.Context(), d)
	if err != nil {
		fail(w, err)
		return
	}
	resp := map[string]any{"ok": true}
	if ack != nil && ack.Message != nil {
		resp["message"] = toMessage(*ack.Message)
	}
	writeJSON(w, http.StatusOK, resp)
}

func (sb *Sandbox) handleMessage(w http.ResponseWriter, r *http.Request) {
	req, ok := sb.decode(w, r)
	if !ok {
		return
	}
	if strings.TrimSpace(req.Text) == "" {
		fail(w, fmt.Errorf("%w: an empty message", errBadRequest))
		return
	}
	posted, d, err := sb.slack.Say(r.Context(), req.As, req.Channel, req.Text)
	if err != nil && posted.TS == "" {
		fail(w, err)
		return
	}
	resp := map[string]any{"ok": true, "message": toMessage(posted), "delivered": d != nil}
	if err != nil { // posted, but the app could not hear of it
		resp["warning"] = "Your message is posted, but Gantry is not connected, so it did not hear it."
	} else if _, err := waitAck(r.Context(), d); err != nil {
		resp["warning"] = err.Error()
	}
	writeJSON(w, http.StatusOK, resp)
}

// prepare records what the person typed in a modal before they act in it,
// so the block_actions payload carries the view's state, as Slack's does.
func (sb *Sandbox) prepare(req request) error {
	if req.ViewID == "" || len(req.State) == 0 {
		return nil
	}
	return sb.slack.SetViewValues(req.As, req.ViewID, values(req.State))
}

// interaction is the handler of a person's action that Slack delivers to
// the bot as an envelope (a click, a choice, a closed modal, the Home
// tab): it answers once the bot acked it, or with what went wrong.
func (sb *Sandbox) interaction(deliver func(ctx context.Context, req request) (*slackfake.Delivery, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		req, ok := sb.decode(w, r)
		if !ok {
			return
		}
		d, err := deliver(r.Context(), req)
		if err == nil {
			_, err = waitAck(r.Context(), d)
		}
		if err != nil {
			fail(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"ok": true})
	}
}

func (sb *Sandbox) click(ctx context.Context, req request) (*slackfake.Delivery, error) {
	if err := sb.prepare(req); err != nil {
		return nil, err
	}
	return sb.slack.ClickButton(ctx, req.As, req.target(), req.ActionID, req.Value)
}

func (sb *Sandbox) selectOption(ctx context.Context, req request) (*slackfake.Delivery, error) {
	if err := sb.prepare(req); err != nil {
		return nil, err
	}
	vals := req.Values
	if len(vals) == 0 && req.Value != "" {
		vals = []string{req.Value}
	}
	return sb.slack.SelectOption(ctx, req.As, req.target(), req.ActionID, vals...)
}

func (sb *Sandbox) closeView(ctx context.Context, req request) (*slackfake.Delivery, error) {
	return sb.slack.CloseView(ctx, req.As, req.ViewID)
}

func (sb *Sandbox) openHome(ctx context.Context, req request) (*slackfake.Delivery, error) {
	return sb.slack.OpenAppHome(ctx, req.As)
}

func (sb *Sandbox) handleSuggest(w http.ResponseWriter, r *http.Request) {
	req, ok := sb.decode(w, r)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), ackWait)
	defer cancel()
	res, err := sb.slack.BlockSuggestion(ctx, req.As, req.target(), req.ActionID, req.Value)
	if err != nil {
		fail(w, err)
		return
	}
	if res.Options == nil {
		res.Options = []json.RawMessage{}
	}
	writeJSON(w, http.StatusOK, res)
}

func (sb *Sandbox) handleSubmit(w http.ResponseWriter, r *http.Request) {
	req, ok := sb.decode(w, r)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), ackWait)
	defer cancel()
	res, err := sb.slack.SubmitView(ctx, req.As, req.ViewID, values(req.State))
	if errors.Is(err, slackfake.ErrInputRequired) {
		block := strings.TrimPrefix(strings.SplitN(err.Error(), ":", 2)[0], "block ")
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"ok": false, "error": "A required field is empty.",
			"errors": map[string]string{block: "Please complete this required field."}})
		return
	}
	if err != nil {
		fail(w, err)
		return
	}
	resp := map[string]any{"ok": res.Err == nil, "response_action": res.ResponseAction, "errors": res.Errors, "closed": res.Closed}
	if res.Err != nil {
		resp["error"] = "Slack refused Gantry's answer to this form, and would show an error: " + res.Err.Error()
	}
	writeJSON(w, http.StatusOK, resp)
}

// digestTimeout bounds a "Run digest now": posting is paced at about one
// message a second per channel, as Slack requires.
const digestTimeout = 2 * time.Minute

func (sb *Sandbox) handleDigest(w http.ResponseWriter, r *http.Request) {
	sb.mu.Lock()
	fn := sb.digest
	sb.mu.Unlock()
	if fn == nil {
		writeError(w, http.StatusNotImplemented, "No scorecards with digests are configured (scorecards.paths in gantry.yaml), so there is no digest to run.")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), digestTimeout)
	defer cancel()
	res, err := fn(ctx)
	if err != nil {
		fail(w, err)
		return
	}
	if res.Channels == nil {
		res.Channels = []string{}
	}
	writeJSON(w, http.StatusOK, res)
}
