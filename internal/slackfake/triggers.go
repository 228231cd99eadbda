package slackfake

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"
)

// trigger is a trigger_id the fake issued with an interaction. Slack lets
// the app exchange it once (views.open or views.push), within 3 seconds.
type trigger struct {
	userID string
	issued time.Time
	used   bool
	source string // what issued it: slash_commands, block_actions, ...
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newTriggerLocked issues a trigger_id shaped like Slack's
// ("1700000000.1234567.0f3a…").
func (s *Server) newTriggerLocked(userID, source string) string {
	now := s.opts.Now()
	s.ws.counters["trigger"]++
	id := fmt.Sprintf("%d.%d.%s", now.Unix(), 1000000+s.ws.counters["trigger"], randHex(16))
	s.triggers[id] = &trigger{userID: userID, issued: now, source: source}
	return id
}

// exchangeTriggerLocked spends a trigger_id, or says which Slack error the
// attempt gets: reuse wins over expiry, since Slack remembers the exchange.
func (s *Server) exchangeTriggerLocked(id string) (*trigger, string) {
	t, ok := s.triggers[id]
	switch {
	case id == "" || !ok:
		return nil, "invalid_trigger_id"
	case t.used:
		return nil, "exchanged_trigger_id"
	case s.opts.Now().Sub(t.issued) >= s.opts.TriggerTTL:
		return nil, "expired_trigger_id"
	}
	t.used = true
	return t, ""
}

// pruneTriggersLocked forgets triggers long past use, so a long-running
// playground does not grow without bound; an hour keeps the
// exchanged/expired distinction for any realistic retry.
func (s *Server) pruneTriggersLocked(now time.Time) {
	for id, t := range s.triggers {
		if now.Sub(t.issued) > time.Hour {
			delete(s.triggers, id)
		}
	}
}

// bucket is a token bucket for chat.postMessage in one channel.
type bucket struct {
	tokens float64
	last   time.Time
}

// takeTokenLocked spends one post in key's bucket, or returns how long until
// the next one is available (Slack's Retry-After).
func (s *Server) takeTokenLocked(key string) time.Duration {
	now := s.opts.Now()
	burst := float64(s.opts.PostMessageBurst)
	b, ok := s.buckets[key]
	if !ok {
		b = &bucket{tokens: burst, last: now}
		s.buckets[key] = b
	}
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = min(burst, b.tokens+float64(elapsed)/float64(s.opts.PostMessageInterval))
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return 0
	}
	return time.Duration((1 - b.tokens) * float64(s.opts.PostMessageInterval))
}
