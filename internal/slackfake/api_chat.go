package slackfake

import (
	"context"
	"strconv"

	"github.com/gantryhq/gantry/internal/slackfake/blocklimits"
)

// checkPost applies the rules every message shares: Block Kit limits, text
// length, and "there must be something to show".
func checkPost(text string, blocks, attachments []byte, requireContent bool) (apiResult, bool) {
	if err := blocklimits.CheckMessage(text, blocks); err != nil {
		return limitsResult(err), false
	}
	if requireContent && text == "" && isEmptyJSON(blocks) && isEmptyJSON(attachments) {
		return errResult("no_text"), false
	}
	return apiResult{}, true
}

// chat.postMessage: https://api.slack.com/methods/chat.postMessage
func (s *Server) chatPostMessage(_ context.Context, p params) apiResult {
	text, blocks, atts := p.str("text"), p.raw("blocks"), p.raw("attachments")
	if res, ok := checkPost(text, blocks, atts, true); !ok {
		return res
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.ws.resolveChannel(p.str("channel"), s.opts.Now())
	switch {
	case !ok:
		return errResult("channel_not_found")
	case !ch.IsMember && !ch.IsIM && !ch.IsMpIM:
		return errResult("not_in_channel")
	case ch.IsArchived:
		return errResult("is_archived")
	}
	// Rate limiting comes after validation so that a rejected payload does
	// not spend the channel's budget.
	if wait := s.takeTokenLocked(ch.ID); wait > 0 {
		return rateLimited(wait)
	}
	m := s.botMessage(ch.ID, text, normalizeBlocks(blocks, ch.ID+"/"+strconv.Itoa(len(s.ws.msgs[ch.ID]))), "chat.postMessage")
	m.ThreadTS = p.str("thread_ts")
	m.Attachments = atts
	m.Metadata = p.raw("metadata")
	s.addMessageLocked(m)
	return okResult(map[string]any{"channel": ch.ID, "ts": m.TS, "message": m.wire()})
}

// chat.postEphemeral: https://api.slack.com/methods/chat.postEphemeral
func (s *Server) chatPostEphemeral(_ context.Context, p params) apiResult {
	text, blocks, atts := p.str("text"), p.raw("blocks"), p.raw("attachments")
	if res, ok := checkPost(text, blocks, atts, true); !ok {
		return res
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	user := p.str("user")
	if _, ok := s.ws.users[user]; !ok {
		return errResult("user_not_found")
	}
	ch, ok := s.ws.resolveChannel(p.str("channel"), s.opts.Now())
	switch {
	case !ok:
		return errResult("channel_not_found")
	case !ch.IsMember && !ch.IsIM && !ch.IsMpIM:
		return errResult("not_in_channel")
	case !ch.canSee(user):
		return errResult("user_not_in_channel")
	}
	m := s.botMessage(ch.ID, text, normalizeBlocks(blocks, ch.ID+"/e"+strconv.Itoa(len(s.ws.msgs[ch.ID]))), "chat.postEphemeral")
	m.Ephemeral, m.VisibleTo = true, user
	m.ThreadTS = p.str("thread_ts")
	m.Attachments = atts
	s.addMessageLocked(m)
	return okResult(map[string]any{"message_ts": m.TS})
}

// chat.update: https://api.slack.com/methods/chat.update
//
// As on Slack, an argument left out keeps its old value (blocks: [] removes
// them), ephemeral messages cannot be updated this way, and the app may only
// update its own messages.
func (s *Server) chatUpdate(_ context.Context, p params) apiResult {
	text, blocks, atts := p.str("text"), p.raw("blocks"), p.raw("attachments")
	if res, ok := checkPost(text, blocks, atts, !p.has("text") && blocks == nil && atts == nil); !ok {
		return res
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.ws.channels[p.str("channel")]
	if !ok {
		return errResult("channel_not_found")
	}
	m := s.ws.findMessage(ch.ID, p.str("ts"))
	if m == nil || m.Ephemeral {
		return errResult("message_not_found")
	}
	if m.User != s.ws.botUserID {
		return errResult("cant_update_message")
	}
	var newText *string
	if p.has("text") {
		newText = &text
	}
	var newBlocks []byte
	if blocks != nil {
		newBlocks = []byte("[]")
		if !isEmptyJSON(blocks) {
			newBlocks = normalizeBlocks(blocks, ch.ID+"/"+m.TS+"/"+strconv.Itoa(len(m.History)+1))
		}
	}
	if atts != nil {
		m.Attachments = atts
	}
	s.updateMessageLocked(m, newText, newBlocks, s.ws.botUserID)
	return okResult(map[string]any{"channel": ch.ID, "ts": m.TS, "text": m.Text, "message": m.wire()})
}

// chat.delete: https://api.slack.com/methods/chat.delete
func (s *Server) chatDelete(_ context.Context, p params) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.ws.channels[p.str("channel")]
	if !ok {
		return errResult("channel_not_found")
	}
	m := s.ws.findMessage(ch.ID, p.str("ts"))
	if m == nil || m.Ephemeral {
		return errResult("message_not_found")
	}
	if m.User != s.ws.botUserID {
		return errResult("cant_delete_message")
	}
	s.deleteMessageLocked(m)
	return okResult(map[string]any{"channel": ch.ID, "ts": m.TS})
}
