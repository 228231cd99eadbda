package playground

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/gantryhq/gantry/internal/slackfake"
)

// heartbeat keeps idle event streams open through proxies and lets the
// page notice a dead server.
const heartbeat = 15 * time.Second

// update is one change the page applies, as a server-sent event.
type update struct {
	Type    string   `json:"type"` // message, views, home, workspace, bot
	Message *message `json:"message,omitempty"`
	Views   *views   `json:"views,omitempty"`
	Online  *bool    `json:"online,omitempty"`
}

// handleEvents streams, as server-sent events, the changes that the person
// named by ?as= may see: messages in their conversations (ephemerals only
// their own), their modals and App Home, and whether the bot is connected.
// The first event ("hello") tells the page to load the state afresh, so
// nothing that happened before the stream opened is missed.
func (sb *Sandbox) handleEvents(w http.ResponseWriter, r *http.Request) {
	as := r.URL.Query().Get("as")
	flusher, ok := w.(http.Flusher)
	if !ok {
		writeError(w, http.StatusInternalServerError, "streaming is not supported here")
		return
	}
	ctx := r.Context()
	events := sb.slack.Subscribe(ctx)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(u update) bool {
		data, err := json.Marshal(u)
		if err != nil {
			return false
		}
		if _, err := fmt.Fprintf(w, "data: %s\n\n", data); err != nil {
			return false
		}
		flusher.Flush()
		return true
	}
	online := len(sb.slack.Connections()) > 0
	if !send(update{Type: "hello", Online: &online}) {
		return
	}
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				return
			}
			u, ok := sb.translate(as, ev)
			if ok && !send(u) {
				return
			}
		case <-tick.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return
			}
			flusher.Flush()
		case <-ctx.Done():
			return
		case <-sb.live.Done():
			return
		case <-sb.ctx.Done():
			return
		}
	}
}

// translate turns a sandbox event into the update as's page needs, if any.
func (sb *Sandbox) translate(as string, ev slackfake.Event) (update, bool) {
	switch ev.Type {
	case slackfake.EventMessagePosted, slackfake.EventMessageUpdated, slackfake.EventMessageDeleted:
		m := ev.Message
		if m == nil || (m.Ephemeral && m.VisibleTo != as) || !sb.canSee(as, m.Channel) {
			return update{}, false
		}
		msg := toMessage(*m)
		if ev.Type == slackfake.EventMessageDeleted {
			msg.Deleted = true
		}
		return update{Type: "message", Message: &msg}, true
	case slackfake.EventViewOpened, slackfake.EventViewPushed, slackfake.EventViewUpdated, slackfake.EventViewClosed,
		slackfake.EventHomePublished:
		if ev.View == nil || ev.View.UserID != as {
			return update{}, false
		}
		v := sb.viewsOf(as)
		return update{Type: "views", Views: &v}, true
	case slackfake.EventUserAdded, slackfake.EventChannelAdded, slackfake.EventRestored:
		return update{Type: "workspace"}, true
	case slackfake.EventSocketOpened, slackfake.EventSocketClosed:
		online := len(sb.slack.Connections()) > 0
		return update{Type: "bot", Online: &online}, true
	}
	return update{}, false
}
