package actions

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/gantryhq/gantry/internal/errkind"
)

// State is where a run is in its life.
type State string

// States of a run.
const (
	StateAwaitingApproval State = "awaiting_approval"
	StateQueued           State = "queued"
	StateRunning          State = "running"
	StateSucceeded        State = "succeeded"
	StateFailed           State = "failed"
	StateRejected         State = "rejected"
	StateExpired          State = "expired"
	StateCancelled        State = "cancelled"
)

// transitions is the state machine: from a state, the states a run may
// move to. Anything else is a programming error or a stale decision.
var transitions = map[State][]State{
	StateAwaitingApproval: {StateQueued, StateRejected, StateExpired, StateCancelled},
	StateQueued:           {StateRunning, StateCancelled},
	StateRunning:          {StateRunning, StateSucceeded, StateFailed},
	StateFailed:           {StateQueued},
}

// Terminal reports whether nothing more will happen to a run in state s
// (a failed run may still be retried).
func (s State) Terminal() bool {
	return s == StateSucceeded || s == StateRejected || s == StateExpired || s == StateCancelled
}

// Done reports whether the run stopped, for good or until a retry.
func (s State) Done() bool { return s.Terminal() || s == StateFailed }

// Describe says a state in words.
func (s State) Describe() string {
	switch s {
	case StateAwaitingApproval:
		return "waiting for approval"
	case StateQueued:
		return "queued"
	case StateRunning:
		return "running"
	case StateSucceeded:
		return "done"
	case StateFailed:
		return "failed"
	case StateRejected:
		return "rejected"
	case StateExpired:
		return "expired"
	case StateCancelled:
		return "cancelled"
	}
	return string(s)
}

// StepStatus is where a step is.
type StepStatus string

// Step statuses.
const (
	StepPending StepStatus = "pending"
	StepRunning StepStatus = "running"
	StepDone    StepStatus = "done"
	StepSkipped StepStatus = "skipped"
	StepFailed  StepStatus = "failed"
)

// Actor is a person who acted, as Slack and the catalog know them.
type Actor struct {
	SlackID string `json:"slackId,omitempty"`
	Ref     string `json:"ref,omitempty"` // catalog user ref; "" when the catalog does not know them
	Name    string `json:"name,omitempty"`
	Email   string `json:"email,omitempty"`
}

// String names the actor for the audit trail.
func (a Actor) String() string {
	switch {
	case a.Ref != "" && a.SlackID != "":
		return a.Ref + " (" + a.SlackID + ")"
	case a.Ref != "":
		return a.Ref
	case a.SlackID != "":
		return a.SlackID
	}
	return "gantry"
}

// Same reports whether a and b are the same person.
func (a Actor) Same(b Actor) bool {
	return (a.SlackID != "" && a.SlackID == b.SlackID) || (a.Ref != "" && a.Ref == b.Ref)
}

// Run is one execution of an action: what was asked, who decided, and how
// each step went.
type Run struct {
	ID          string
	Action      string
	ActionTitle string
	// Definition is the action as it was when the run started.
	Definition *Action
	Requester  Actor
	Inputs     map[string]any
	State      State
	// Version counts the run's writes (the store's concurrency check).
	Version int
	// RequestKey makes a submission create one run however often it
	// arrives (the form's view id).
	RequestKey string
	NextStep   int
	// Error is why the run failed, was rejected or expired; FailedStep the
	// step that failed; ErrorInput the input it concerns, if any.
	Error      string
	FailedStep string
	ErrorInput string
	// ApprovalExpires is when an approval request stops accepting decisions.
	ApprovalExpires time.Time
	LeaseOwner      string
	LeaseUntil      time.Time
	Result          Output
	CreatedAt       time.Time
	UpdatedAt       time.Time
	StartedAt       time.Time
	FinishedAt      time.Time

	Steps     []StepState
	Decisions []Decision
	Messages  []MessageRef
}

// StepState is how one step of a run went.
type StepState struct {
	Index    int
	ID       string
	Uses     string
	Title    string
	Status   StepStatus
	Attempts int
	Outputs  map[string]any
	// Memo is what the step recorded while working (never a secret).
	Memo       map[string]any
	Error      string
	StartedAt  time.Time
	FinishedAt time.Time
}

// memoSkipReason is the memo key of a skipped step's reason.
const memoSkipReason = "skipReason"

// SkipReason is why the step was skipped ("" when it was not, or for runs
// recorded before reasons were).
func (s *StepState) SkipReason() string {
	if s.Status != StepSkipped {
		return ""
	}
	r, _ := s.Memo[memoSkipReason].(string)
	return r
}

// Decision is one approver's approval or rejection.
type Decision struct {
	Actor   Actor
	Approve bool
	Reason  string
	At      time.Time
	// Groups are the approval groups (and listed users) the actor decided
	// as, checked when they decided.
	Groups []string
}

// Message purposes.
const (
	MessageProgress = "progress" // the requester's message, updated step by step
	MessageApproval = "approval" // an approval request (one per channel or DM)
)

// MessageRef is a Slack message about a run, updated in place.
type MessageRef struct {
	Purpose string
	Channel string
	TS      string
}

// Message returns the run's message for purpose in channel ("" for any).
func (r *Run) Message(purpose, channel string) (MessageRef, bool) {
	for _, m := range r.Messages {
		if m.Purpose == purpose && (channel == "" || m.Channel == channel) {
			return m, true
		}
	}
	return MessageRef{}, false
}

// MessagesFor returns the run's messages for purpose.
func (r *Run) MessagesFor(purpose string) []MessageRef {
	var out []MessageRef
	for _, m := range r.Messages {
		if m.Purpose == purpose {
			out = append(out, m)
		}
	}
	return out
}

// Approvals returns the approving decisions.
func (r *Run) Approvals() []Decision {
	var out []Decision
	for _, d := range r.Decisions {
		if d.Approve {
			out = append(out, d)
		}
	}
	return out
}

// Rejection returns the rejecting decision, if any.
func (r *Run) Rejection() (Decision, bool) {
	for _, d := range r.Decisions {
		if !d.Approve {
			return d, true
		}
	}
	return Decision{}, false
}

// Step returns the state of the step with id.
func (r *Run) Step(id string) (*StepState, bool) {
	for i := range r.Steps {
		if r.Steps[i].ID == id {
			return &r.Steps[i], true
		}
	}
	return nil, false
}

// moveTo changes the run's state if the state machine allows it.
func (r *Run) moveTo(to State) error {
	for _, s := range transitions[r.State] {
		if s == to {
			r.State = to
			return nil
		}
	}
	return errkind.New(errkind.Conflict, "run %s is %s, so it cannot become %s", r.ID, r.State.Describe(), to.Describe())
}

// AuditEvent is one line of a run's audit trail. Details never hold a
// secret: the engine redacts them before they are stored.
type AuditEvent struct {
	ID     int64
	RunID  string
	At     time.Time
	Actor  string
	Event  string
	Step   string
	Detail map[string]any
	// Key, when set, makes the event happen once per run: the store drops
	// a later event of the run with the same key (a person's repeated
	// refused clicks are one line).
	Key string
}

// Audit events.
const (
	EventCreated          = "run.created"
	EventApprovalAsked    = "approval.requested"
	EventApproved         = "approval.approved"
	EventRejected         = "approval.rejected"
	EventDecisionRefused  = "approval.refused"
	EventApprovalComplete = "approval.granted"
	EventExpired          = "run.expired"
	EventCancelled        = "run.cancelled"
	EventQueued           = "run.queued"
	EventClaimed          = "run.claimed"
	EventStepStarted      = "step.started"
	EventStepSkipped      = "step.skipped"
	EventStepSucceeded    = "step.succeeded"
	EventStepFailed       = "step.failed"
	EventSecretDelivered  = "secret.delivered"
	EventSucceeded        = "run.succeeded"
	EventFailed           = "run.failed"
	EventRetried          = "run.retried"
)

// RunFilter selects runs to list.
type RunFilter struct {
	Requester string  // Slack id
	States    []State // any of them; empty: all
	Action    string
	Limit     int // default 20
	Before    time.Time
}

// RunStore persists runs and their audit trail. The store package
// implements it on SQLite and PostgreSQL.
type RunStore interface {
	// CreateRun stores a new run with its first audit events. When a run
	// with the same RequestKey exists, it returns that run and false.
	CreateRun(ctx context.Context, r *Run, events []AuditEvent) (*Run, bool, error)
	// GetRun returns a run with its steps, decisions and messages.
	// Errors: errkind.NotFound.
	GetRun(ctx context.Context, id string) (*Run, error)
	// UpdateRun reads the run, calls fn on it and writes what fn changed,
	// with fn's audit events, atomically: concurrent updates of one run
	// take turns, so none is lost. fn returning ErrNoChange writes nothing;
	// any other error is returned as is. Errors: errkind.NotFound.
	UpdateRun(ctx context.Context, id string, fn func(r *Run) ([]AuditEvent, error)) (*Run, error)
	// ListRuns returns runs, newest first, without their steps' outputs.
	ListRuns(ctx context.Context, f RunFilter) ([]Run, error)
	// PendingRuns returns the ids of runs that need the engine: queued
	// runs, running runs whose lease ended before now, and runs waiting
	// for approval whose request expired before now.
	PendingRuns(ctx context.Context, now time.Time) ([]string, error)
	// Audit returns a run's audit trail, oldest first.
	Audit(ctx context.Context, runID string) ([]AuditEvent, error)
}

// ErrNoChange tells UpdateRun that fn changed nothing.
var ErrNoChange = errors.New("no change")

// newRunID returns a short, unguessable, URL-safe id: "R" and 12
// characters of Crockford's base32.
func newRunID() string {
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("actions: no randomness: %v", err))
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return "R" + string(b[:])
}
