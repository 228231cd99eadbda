package slackfake

import (
	"context"
	"fmt"
	"time"
)

// EventType names a change in the fake's world.
type EventType string

// Event types. Message events carry Message, view events carry View,
// envelope events carry Envelope, socket events carry ConnID and Reason.
const (
	EventMessagePosted  EventType = "message_posted" // also ephemerals (Message.Ephemeral)
	EventMessageUpdated EventType = "message_updated"
	EventMessageDeleted EventType = "message_deleted"
	EventViewOpened     EventType = "view_opened" // views.open: a new modal stack
	EventViewPushed     EventType = "view_pushed"
	EventViewUpdated    EventType = "view_updated" // also response_action errors (View.Errors)
	EventViewClosed     EventType = "view_closed"
	EventHomePublished  EventType = "home_published"
	EventUserAdded      EventType = "user_added"
	EventChannelAdded   EventType = "channel_added"
	EventEnvelopeSent   EventType = "envelope_sent"
	EventEnvelopeAcked  EventType = "envelope_acked"
	EventEnvelopeLost   EventType = "envelope_lost"
	EventAckRejected    EventType = "ack_rejected"  // an ack Slack would drop (20 KiB)
	EventAckDuplicate   EventType = "ack_duplicate" // a second ack of an acked delivery
	EventSocketOpened   EventType = "socket_opened"
	EventSocketClosed   EventType = "socket_closed"
	EventSocketRejected EventType = "socket_rejected" // e.g. too_many_websockets
	EventRestored       EventType = "restored"
)

// Event is one change, in the order the fake made them. Events are values:
// the Message and View they carry are copies taken at the time.
type Event struct {
	Seq      uint64          `json:"seq"`
	Type     EventType       `json:"type"`
	At       time.Time       `json:"at"`
	Message  *Message        `json:"message,omitempty"`
	View     *View           `json:"view,omitempty"`
	User     *User           `json:"user,omitempty"`
	Channel  *Channel        `json:"channel,omitempty"`
	Envelope *EnvelopeRecord `json:"envelope,omitempty"`
	ConnID   string          `json:"conn_id,omitempty"`
	Reason   string          `json:"reason,omitempty"`
}

// eventLog is an append-only log guarded by Server.mu. Readers follow it by
// sequence number, so a slow subscriber never blocks the server and a test
// that starts waiting late still sees what already happened.
type eventLog struct {
	events  []Event
	nextSeq uint64
	max     int
	// changed is closed (and replaced) on every append: a broadcast.
	changed chan struct{}
}

func newEventLog(max int) eventLog {
	return eventLog{nextSeq: 1, max: max, changed: make(chan struct{})}
}

// publishLocked appends e. Callers hold s.mu.
func (s *Server) publishLocked(e Event) {
	l := &s.log
	e.Seq = l.nextSeq
	l.nextSeq++
	e.At = s.opts.Now()
	l.events = append(l.events, e)
	if len(l.events) > l.max {
		// Drop the oldest half; copying keeps the backing array from growing
		// forever in a long-running playground.
		l.events = append([]Event(nil), l.events[len(l.events)-l.max/2:]...)
	}
	close(l.changed)
	l.changed = make(chan struct{})
}

// since returns the events after seq and the channel that will be closed on
// the next append. Callers hold s.mu.
func (s *Server) sinceLocked(seq uint64) ([]Event, <-chan struct{}) {
	evs := s.log.events
	i := len(evs)
	for i > 0 && evs[i-1].Seq > seq {
		i--
	}
	return append([]Event(nil), evs[i:]...), s.log.changed
}

// Mark returns the sequence number of the latest event, for WaitSince.
func (s *Server) Mark() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.nextSeq - 1
}

// Events returns the retained event log.
func (s *Server) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	evs, _ := s.sinceLocked(0)
	return evs
}

// WaitFor returns the first event, from the start of the log, for which pred
// is true, waiting until one happens or ctx ends. Because it also looks at
// the past, a test may start waiting after the bot already acted.
func (s *Server) WaitFor(ctx context.Context, pred func(Event) bool) (Event, error) {
	return s.WaitSince(ctx, 0, pred)
}

// WaitSince is WaitFor limited to events after mark (see Mark), for tests
// that repeat an action and want the new outcome, not the old one.
func (s *Server) WaitSince(ctx context.Context, mark uint64, pred func(Event) bool) (Event, error) {
	cursor := mark
	for {
		s.mu.Lock()
		evs, changed := s.sinceLocked(cursor)
		closed := s.closed
		s.mu.Unlock()
		for _, e := range evs {
			cursor = e.Seq
			if pred(e) {
				return e, nil
			}
		}
		if closed {
			return Event{}, ErrClosed
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return Event{}, fmt.Errorf("slackfake: waiting for an event: %w", ctx.Err())
		case <-s.quit:
		}
	}
}

// Subscribe streams events after the current mark until ctx ends or the
// server closes, for a UI. The channel is unbuffered; a slow reader only
// delays itself.
func (s *Server) Subscribe(ctx context.Context) <-chan Event {
	out := make(chan Event)
	cursor := s.Mark()
	started := s.spawn(func() {
		defer close(out)
		for {
			s.mu.Lock()
			evs, changed := s.sinceLocked(cursor)
			s.mu.Unlock()
			for _, e := range evs {
				select {
				case out <- e:
					cursor = e.Seq
				case <-ctx.Done():
					return
				case <-s.quit:
					return
				}
			}
			select {
			case <-changed:
			case <-ctx.Done():
				return
			case <-s.quit:
				return
			}
		}
	})
	if !started {
		close(out)
	}
	return out
}

// Predicates for WaitFor.

// IsMessage matches a posted (non-ephemeral) message in channel.
func IsMessage(channel string) func(Event) bool {
	return func(e Event) bool {
		return e.Type == EventMessagePosted && e.Message != nil && !e.Message.Ephemeral && e.Message.Channel == channel
	}
}

// IsEphemeral matches an ephemeral message shown to user.
func IsEphemeral(user string) func(Event) bool {
	return func(e Event) bool {
		return e.Type == EventMessagePosted && e.Message != nil && e.Message.Ephemeral && e.Message.VisibleTo == user
	}
}

// IsType matches any event of type t.
func IsType(t EventType) func(Event) bool {
	return func(e Event) bool { return e.Type == t }
}
