package slackfake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/gantryhq/gantry/internal/slackfake/blocklimits"
)

// Envelope types, as in the Socket Mode "type" field.
const (
	EnvelopeSlashCommands = "slash_commands"
	EnvelopeInteractive   = "interactive"
	EnvelopeEventsAPI     = "events_api"
)

// Delivery is one thing the fake sent the app over Socket Mode (a slash
// command, an interaction, an event), followed from envelope to ack. A
// delivery has one envelope per attempt: Slack redelivers an unacknowledged
// events_api envelope under a new envelope_id with retry_attempt raised.
type Delivery struct {
	EnvelopeID  string          // the first attempt's envelope_id
	Type        string          // slash_commands, interactive, events_api
	PayloadType string          // block_actions, view_submission, app_mention, ... (or the command)
	TriggerID   string          // issued with it, if any
	ResponseURL string          // issued with it, if any
	Payload     json.RawMessage // the payload as sent

	s     *Server
	done  chan struct{}
	onAck func(*AckResult) // interprets the ack payload; runs with s.mu held

	// guarded by s.mu
	attempts []*EnvelopeRecord
	deadline time.Time
	acked    bool
	finished bool
	result   *AckResult
	err      error
	ackErrs  []error
}

// AckResult is how the app acknowledged a delivery and what came of it.
type AckResult struct {
	EnvelopeID string          // the envelope that was acked
	Attempt    int             // its retry_attempt (0: the first delivery)
	Payload    json.RawMessage // the ack's payload; nil if it had none
	Latency    time.Duration   // from send to ack, on Options.Now's clock
	// Message is the message a slash command's ack payload became.
	Message *Message
	// Err says why the ack payload was refused (e.g. invalid_blocks); Slack
	// then shows the user an error instead.
	Err error
}

// Done is closed when the delivery is acknowledged or given up on.
func (d *Delivery) Done() <-chan struct{} { return d.done }

// Wait blocks until the app acknowledges the delivery and returns the ack;
// ErrNotAcked if every attempt's deadline passed (run Server.Tick after
// moving a fake clock), or ctx's error.
func (d *Delivery) Wait(ctx context.Context) (*AckResult, error) {
	select {
	case <-d.done:
	case <-ctx.Done():
		return nil, fmt.Errorf("slackfake: waiting for the ack of %s %s: %w", d.Type, d.PayloadType, ctx.Err())
	}
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	return d.result, d.err
}

// AckErrors returns the acks the fake refused for this delivery (Slack
// silently drops Socket Mode responses of 20 KiB or more).
func (d *Delivery) AckErrors() []error {
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	return slices.Clone(d.ackErrs)
}

// Attempts returns one record per envelope sent for this delivery.
func (d *Delivery) Attempts() []EnvelopeRecord {
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	out := make([]EnvelopeRecord, len(d.attempts))
	for i, r := range d.attempts {
		out[i] = *r
	}
	return out
}

func (d *Delivery) finishLocked(res *AckResult, err error) {
	if d.finished {
		return
	}
	d.finished, d.result, d.err = true, res, err
	d.s.pending = slices.DeleteFunc(d.s.pending, func(x *Delivery) bool { return x == d })
	close(d.done)
}

// EnvelopeRecord is one envelope sent over a socket and what happened to it.
type EnvelopeRecord struct {
	EnvelopeID   string        `json:"envelope_id"`
	Type         string        `json:"type"`
	PayloadType  string        `json:"payload_type"`
	Attempt      int           `json:"retry_attempt"`
	RetryReason  string        `json:"retry_reason,omitempty"`
	ConnID       string        `json:"conn_id"`
	SentAt       time.Time     `json:"sent_at"`
	Acked        bool          `json:"acked"`
	AckedAt      time.Time     `json:"acked_at"`
	Latency      time.Duration `json:"latency"`
	Late         bool          `json:"late,omitempty"` // acked after the delivery was given up
	Duplicates   int           `json:"duplicates,omitempty"`
	RejectedAcks int           `json:"rejected_acks,omitempty"`
	Lost         bool          `json:"lost,omitempty"`
}

// EnvelopeStats counts envelopes and acks.
type EnvelopeStats struct {
	Sent         int           `json:"sent"`         // envelopes written, redeliveries included
	Acked        int           `json:"acked"`        // deliveries acknowledged
	Duplicates   int           `json:"duplicates"`   // further acks of an acked delivery
	Late         int           `json:"late"`         // acks after the delivery was given up
	Lost         int           `json:"lost"`         // deliveries never acknowledged
	Pending      int           `json:"pending"`      // deliveries waiting for an ack
	Redeliveries int           `json:"redeliveries"` // events_api retries sent
	RejectedAcks int           `json:"rejected_acks"`
	UnknownAcks  int           `json:"unknown_acks"` // acks naming no envelope the fake sent
	MaxLatency   time.Duration `json:"max_latency"`
	MeanLatency  time.Duration `json:"mean_latency"`
	totalLatency time.Duration
}

// EnvelopeStats returns the envelope counters.
func (s *Server) EnvelopeStats() EnvelopeStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.envStats
	st.Pending = len(s.pending)
	if st.Acked > 0 {
		st.MeanLatency = st.totalLatency / time.Duration(st.Acked)
	}
	return st
}

// Envelopes returns every envelope sent so far, in order.
func (s *Server) Envelopes() []EnvelopeRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]EnvelopeRecord, len(s.records))
	for i, r := range s.records {
		out[i] = *r
	}
	return out
}

// dispatchSpec describes a delivery to make.
type dispatchSpec struct {
	typ, payloadType       string
	payload                any
	accepts                bool // accepts_response_payload
	triggerID, responseURL string
	onAck                  func(*AckResult)
}

// sendJob is a frame to write after s.mu is released.
type sendJob struct {
	conn *socketConn
	data []byte
}

// dispatchLocked creates a delivery and its first envelope on the next
// connection. The caller releases s.mu and then calls send.
func (s *Server) dispatchLocked(spec dispatchSpec) (*Delivery, sendJob, error) {
	if s.closed {
		return nil, sendJob{}, ErrClosed
	}
	c := s.pickConnLocked()
	if c == nil {
		return nil, sendJob{}, ErrNotConnected
	}
	payload, err := json.Marshal(spec.payload)
	if err != nil {
		return nil, sendJob{}, fmt.Errorf("slackfake: encoding %s payload: %w", spec.payloadType, err)
	}
	d := &Delivery{Type: spec.typ, PayloadType: spec.payloadType, TriggerID: spec.triggerID,
		ResponseURL: spec.responseURL, Payload: payload, s: s, done: make(chan struct{}), onAck: spec.onAck}
	job := s.attemptLocked(d, c, 0, "", spec.accepts)
	d.EnvelopeID = d.attempts[0].EnvelopeID
	s.pending = append(s.pending, d)
	return d, job, nil
}

// attemptLocked records one envelope of d on c and returns its frame.
func (s *Server) attemptLocked(d *Delivery, c *socketConn, attempt int, reason string, accepts bool) sendJob {
	now := s.opts.Now()
	id := uuidLike()
	env := map[string]any{"envelope_id": id, "type": d.Type, "payload": d.Payload, "accepts_response_payload": accepts}
	if d.Type == EnvelopeEventsAPI {
		env["retry_attempt"] = attempt
		env["retry_reason"] = reason
	}
	rec := &EnvelopeRecord{EnvelopeID: id, Type: d.Type, PayloadType: d.PayloadType, Attempt: attempt,
		RetryReason: reason, ConnID: c.id, SentAt: now}
	d.attempts = append(d.attempts, rec)
	d.deadline = now.Add(s.opts.AckTimeout)
	s.byEnvelope[id] = d
	s.records = append(s.records, rec)
	s.recordByID[id] = rec
	s.envStats.Sent++
	cp := *rec
	s.publishLocked(Event{Type: EventEnvelopeSent, Envelope: &cp, ConnID: c.id})
	return sendJob{conn: c, data: frame(env)}
}

// send writes a frame. A failed write is not an error for the caller: as
// with Slack, the envelope simply goes unacknowledged and its deadline
// decides what happens next.
func (s *Server) send(j sendJob) {
	if err := j.conn.write(j.data); err != nil {
		s.logger.Warn("writing envelope", "conn", j.conn.id, "err", err)
	}
}

// handleResponse handles one frame from the app: an envelope ack.
func (s *Server) handleResponse(c *socketConn, data []byte) {
	var resp struct {
		EnvelopeID string          `json:"envelope_id"`
		Payload    json.RawMessage `json:"payload"`
	}
	decodeErr := json.Unmarshal(data, &resp)
	if err := blocklimits.CheckSocketModeResponse(data); err != nil {
		s.rejectAck(c, resp.EnvelopeID, err)
		return
	}
	if decodeErr != nil {
		s.logger.Warn("unreadable socket frame", "conn", c.id, "err", decodeErr)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.byEnvelope[resp.EnvelopeID]
	if !ok {
		s.envStats.UnknownAcks++
		s.logger.Warn("ack for an unknown envelope", "conn", c.id, "envelope_id", resp.EnvelopeID)
		return
	}
	rec := s.recordByID[resp.EnvelopeID]
	now := s.opts.Now()
	switch {
	case d.acked:
		rec.Duplicates++
		s.envStats.Duplicates++
		cp := *rec
		s.publishLocked(Event{Type: EventAckDuplicate, Envelope: &cp, ConnID: c.id})
		return
	case d.finished:
		rec.Acked, rec.AckedAt, rec.Latency, rec.Late = true, now, now.Sub(rec.SentAt), true
		s.envStats.Late++
		return
	}
	rec.Acked, rec.AckedAt, rec.Latency = true, now, now.Sub(rec.SentAt)
	s.envStats.Acked++
	s.envStats.totalLatency += rec.Latency
	s.envStats.MaxLatency = max(s.envStats.MaxLatency, rec.Latency)
	payload := resp.Payload
	if isNullJSON(payload) {
		payload = nil
	}
	res := &AckResult{EnvelopeID: rec.EnvelopeID, Attempt: rec.Attempt, Payload: payload, Latency: rec.Latency}
	d.acked = true
	if d.onAck != nil {
		d.onAck(res)
	}
	d.finishLocked(res, nil)
	cp := *rec
	s.publishLocked(Event{Type: EventEnvelopeAcked, Envelope: &cp, ConnID: c.id})
}

func isNullJSON(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

func (s *Server) rejectAck(c *socketConn, envelopeID string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.envStats.RejectedAcks++
	ev := Event{Type: EventAckRejected, ConnID: c.id, Reason: err.Error()}
	if d, ok := s.byEnvelope[envelopeID]; ok {
		d.ackErrs = append(d.ackErrs, err)
		rec := s.recordByID[envelopeID]
		rec.RejectedAcks++
		cp := *rec
		ev.Envelope = &cp
	}
	s.publishLocked(ev)
	s.logger.Warn("ack dropped", "conn", c.id, "envelope_id", envelopeID, "err", err)
}

// Tick runs the clock-driven work against Options.Now: envelopes past their
// ack deadline are redelivered (events_api, up to MaxRetries, with
// retry_reason "timeout") or given up; stale triggers and response_urls are
// forgotten. The server calls it every SweepInterval; a test that moves a
// fake clock calls it to make the consequences happen now.
func (s *Server) Tick() {
	s.mu.Lock()
	now := s.opts.Now()
	var jobs []sendJob
	for _, d := range slices.Clone(s.pending) {
		if now.Before(d.deadline) {
			continue
		}
		last := d.attempts[len(d.attempts)-1]
		if d.Type == EnvelopeEventsAPI && last.Attempt < s.opts.MaxRetries {
			if c := s.pickConnLocked(); c != nil {
				jobs = append(jobs, s.attemptLocked(d, c, last.Attempt+1, "timeout", false))
				s.envStats.Redeliveries++
				continue
			}
		}
		for _, r := range d.attempts {
			r.Lost = true
		}
		s.envStats.Lost++
		err := fmt.Errorf("%w: %s %s, %d attempt(s), last envelope %s", ErrNotAcked, d.Type, d.PayloadType, len(d.attempts), last.EnvelopeID)
		if len(d.ackErrs) > 0 {
			err = fmt.Errorf("%w; acks refused: %w", err, errors.Join(d.ackErrs...))
		}
		d.finishLocked(nil, err)
		cp := *last
		s.publishLocked(Event{Type: EventEnvelopeLost, Envelope: &cp})
	}
	s.pruneTriggersLocked(now)
	s.pruneResponseURLsLocked(now)
	s.mu.Unlock()
	for _, j := range jobs {
		s.send(j)
	}
}
