package slackfake

import (
	"log/slog"
	"time"
)

// Options configure a Server. The zero value is usable: every field has a
// default that matches Slack's documented behaviour.
type Options struct {
	// Addr is the address to listen on. Empty means "127.0.0.1:0": loopback,
	// any free port, so parallel tests never collide.
	Addr string

	// BotToken (xoxb-…) is accepted by every Web API method except
	// apps.connections.open; AppToken (xapp-…) only by apps.connections.open.
	BotToken string
	AppToken string
	// VerificationToken is the deprecated "token" field Slack still puts in
	// interaction and command payloads.
	VerificationToken string

	TeamID     string
	TeamName   string
	TeamDomain string
	AppID      string
	BotUserID  string
	BotID      string
	BotName    string

	// Now is the clock for everything that expires or is rate limited
	// (trigger_ids, response_urls, ack deadlines, the chat.postMessage
	// bucket) and for message timestamps. Tests inject a fake clock and call
	// Server.Tick after moving it, instead of sleeping.
	Now func() time.Time

	// Logger receives the fake's logs; nil discards them.
	Logger *slog.Logger

	// AckTimeout is how long an envelope may stay unacknowledged (Slack: 3 s).
	AckTimeout time.Duration
	// MaxRetries is how many times an unacknowledged events_api envelope is
	// redelivered (Slack: 3). Negative disables redelivery.
	MaxRetries int
	// PingInterval is how often each socket is sent a websocket ping.
	PingInterval time.Duration
	// TriggerTTL is how long a trigger_id can be exchanged (Slack: 3 s).
	TriggerTTL time.Duration
	// ResponseURLUses and ResponseURLTTL bound a response_url (Slack: 5 uses
	// within 30 minutes).
	ResponseURLUses int
	ResponseURLTTL  time.Duration
	// PostMessageInterval and PostMessageBurst shape chat.postMessage per
	// channel: one message per interval, with a burst allowance (Slack: about
	// one per second, short bursts tolerated).
	PostMessageInterval time.Duration
	PostMessageBurst    int
	// MaxConnections is the number of simultaneous Socket Mode connections per
	// app (Slack: 10).
	MaxConnections int
	// SweepInterval is how often, in real time, the server runs Tick on its
	// own, so ack deadlines fire without a test's help.
	SweepInterval time.Duration
	// DisconnectGrace is how long a socket that was sent a "disconnect" stays
	// open before the server closes it, as Slack keeps it open for a while.
	DisconnectGrace time.Duration
	// EventLogSize bounds the in-memory event log that WaitFor and Subscribe
	// read (the oldest half is dropped when it is full).
	EventLogSize int
}

func (o Options) withDefaults() Options {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&o.Addr, "127.0.0.1:0")
	def(&o.BotToken, "xoxb-0000000001-fake-bot-token")
	def(&o.AppToken, "xapp-1-A0000000001-fake-app-token")
	def(&o.VerificationToken, "fake-verification-token")
	def(&o.TeamID, "T0000000001")
	def(&o.TeamName, "Gantry Sandbox")
	def(&o.TeamDomain, "gantry-sandbox")
	def(&o.AppID, "A0000000001")
	def(&o.BotUserID, "U00000B0T01")
	def(&o.BotID, "B0000000001")
	def(&o.BotName, "gantry")
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	durDef := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	durDef(&o.AckTimeout, 3*time.Second)
	durDef(&o.PingInterval, 5*time.Second)
	durDef(&o.TriggerTTL, 3*time.Second)
	durDef(&o.ResponseURLTTL, 30*time.Minute)
	durDef(&o.PostMessageInterval, time.Second)
	durDef(&o.SweepInterval, 100*time.Millisecond)
	durDef(&o.DisconnectGrace, 2*time.Second)
	switch {
	case o.MaxRetries == 0:
		o.MaxRetries = 3
	case o.MaxRetries < 0:
		o.MaxRetries = 0
	}
	if o.ResponseURLUses <= 0 {
		o.ResponseURLUses = 5
	}
	if o.PostMessageBurst <= 0 {
		o.PostMessageBurst = 3
	}
	if o.MaxConnections <= 0 {
		o.MaxConnections = 10
	}
	if o.EventLogSize <= 0 {
		o.EventLogSize = 10000
	}
	return o
}
