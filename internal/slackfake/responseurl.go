package slackfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// responseURL is a response_url the fake issued with a slash command
// ("commands") or a message interaction ("actions"). Slack allows 5 uses
// within 30 minutes.
type responseURL struct {
	kind      string // commands | actions
	userID    string
	channelID string
	// messageTS is the original message for actions; for commands, the last
	// message posted through the URL (what replace_original replaces).
	messageTS string
	issued    time.Time
	uses      int
}

func (s *Server) newResponseURLLocked(kind, user, channel, messageTS string) string {
	s.ws.counters["response_url"]++
	path := fmt.Sprintf("/%s/%s/%d/%s", kind, s.ws.team.ID, 1000000000+s.ws.counters["response_url"], randHex(12))
	s.responseURLs[path] = &responseURL{kind: kind, userID: user, channelID: channel, messageTS: messageTS, issued: s.opts.Now()}
	return s.baseURL + path
}

func (s *Server) pruneResponseURLsLocked(now time.Time) {
	for k, r := range s.responseURLs {
		if now.Sub(r.issued) > 2*s.opts.ResponseURLTTL {
			delete(s.responseURLs, k)
		}
	}
}

// responsePayload is what an app posts to a response_url, and what a slash
// command's ack payload holds.
type responsePayload struct {
	Text            string          `json:"text"`
	Blocks          json.RawMessage `json:"blocks"`
	Attachments     json.RawMessage `json:"attachments"`
	ResponseType    string          `json:"response_type"`
	ReplaceOriginal bool            `json:"replace_original"`
	DeleteOriginal  bool            `json:"delete_original"`
	ThreadTS        string          `json:"thread_ts"`
}

// handleResponseURL serves POSTs to response_urls.
func (s *Server) handleResponseURL(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"ok": false, "error": "invalid_method"})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"ok": false, "error": "invalid_payload"})
		return
	}
	// Apps send JSON; old ones a form with a "payload" field.
	if vals, err := url.ParseQuery(string(body)); err == nil && vals.Get("payload") != "" {
		body = []byte(vals.Get("payload"))
	}
	var msg responsePayload
	if err := json.Unmarshal(body, &msg); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"ok": false, "error": "invalid_payload"})
		return
	}
	status, res := s.respond(r.URL.Path, msg)
	s.recordCall("response_url", apiResult{status: status, body: res})
	writeJSON(w, status, res)
}

// respond applies one response_url use. Used-up and expired URLs answer 404
// with used_url / expired_url; the HTTP status is the fake's approximation.
func (s *Server) respond(path string, msg responsePayload) (int, map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ru, ok := s.responseURLs[path]
	switch {
	case !ok:
		return http.StatusNotFound, map[string]any{"ok": false, "error": "invalid_url"}
	case s.opts.Now().Sub(ru.issued) >= s.opts.ResponseURLTTL:
		return http.StatusNotFound, map[string]any{"ok": false, "error": "expired_url"}
	case ru.uses >= s.opts.ResponseURLUses:
		return http.StatusNotFound, map[string]any{"ok": false, "error": "used_url"}
	}
	ru.uses++
	if _, fail := s.applyResponseLocked(ru, msg, "response_url"); fail != nil {
		return http.StatusOK, fail.body
	}
	return http.StatusOK, map[string]any{"ok": true}
}

// applyResponseLocked turns a response payload into a message change:
// delete_original, replace_original, or a new message (ephemeral unless
// response_type is in_channel). It returns the message touched, or the
// refusal.
func (s *Server) applyResponseLocked(ru *responseURL, msg responsePayload, via string) (*Message, *apiResult) {
	original := s.ws.findMessage(ru.channelID, ru.messageTS)
	if msg.DeleteOriginal {
		if original == nil {
			res := errResult("message_not_found")
			return nil, &res
		}
		s.deleteMessageLocked(original)
		return original, nil
	}
	if res, ok := checkPost(msg.Text, msg.Blocks, msg.Attachments, true); !ok {
		return nil, &res
	}
	if msg.ReplaceOriginal && original != nil {
		var blocks json.RawMessage = []byte("[]")
		if !isEmptyJSON(msg.Blocks) {
			blocks = normalizeBlocks(msg.Blocks, original.Channel+"/"+original.TS+"/r"+strconv.Itoa(len(original.History)+1))
		}
		text := msg.Text
		s.updateMessageLocked(original, &text, blocks, s.ws.botUserID)
		return original, nil
	}
	m := s.botMessage(ru.channelID, msg.Text, normalizeBlocks(msg.Blocks, ru.channelID+"/u"+strconv.Itoa(len(s.ws.msgs[ru.channelID]))), via)
	m.Attachments = msg.Attachments
	m.ThreadTS = msg.ThreadTS
	if msg.ResponseType != "in_channel" {
		m.Ephemeral, m.VisibleTo = true, ru.userID
	}
	s.addMessageLocked(m)
	if ru.kind == "commands" {
		ru.messageTS = m.TS
	}
	return m, nil
}
