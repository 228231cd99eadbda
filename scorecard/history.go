package scorecard

import (
	"context"
	"time"
)

// HistoryStore keeps evaluations and their results; store.DB implements it.
//
// An evaluation is recorded whole (its time, trigger and problems), but of
// its results only those that differ from the entity's previous one are
// written, and an entity that leaves a scorecard gets a "gone" marker: so
// the result of an entity at any time T is its latest row at or before T,
// and ten thousand unchanged entities cost nothing per evaluation.
type HistoryStore interface {
	// SaveEvaluation records ev and the results that changed; it sets
	// ev.ID and ev.Written.
	SaveEvaluation(ctx context.Context, ev *Evaluation) error
	// ResultsAsOf returns the results as they stood at q.At (the latest
	// when zero), with each rule's outcome, sorted by entity.
	ResultsAsOf(ctx context.Context, q ResultQuery) ([]EntityResult, error)
	// LastEvaluation returns the latest evaluation finished at or before
	// t (the latest of all when t is zero); ok is false when none.
	LastEvaluation(ctx context.Context, t time.Time) (info EvaluationInfo, ok bool, err error)
	// FirstEvaluation returns the first evaluation ever recorded.
	FirstEvaluation(ctx context.Context) (info EvaluationInfo, ok bool, err error)
	// PruneHistory deletes evaluations finished before t and the results
	// superseded before t, keeping each entity's result as of t.
	PruneHistory(ctx context.Context, t time.Time) (int, error)
}

// ResultQuery selects results. Empty lists select everything.
type ResultQuery struct {
	Scorecard string
	Entities  []string // refs
	Teams     []string // group refs; "" selects the unowned
	At        time.Time
}

// DigestKey names one digest: a team's card of one scorecard for one
// period. It is unique in the store, which is what makes posting it
// happen once.
type DigestKey struct {
	Scorecard string `json:"scorecard"`
	Team      string `json:"team"` // group ref; "" for services nobody owns
	Period    string `json:"period"`
}

// Digest record states.
const (
	DigestClaimed = "claimed" // someone is about to post it, under a lease
	DigestPosting = "posting" // the post is being sent
	DigestPosted  = "posted"  // done: Channel and TS say where
	DigestFailed  = "failed"  // Slack refused it for good (a missing channel), or failed MaxAttempts times; reported
	DigestSkipped = "skipped" // nowhere to post it (no channel, no fallback); reported
	// DigestUncertain: a post whose outcome is unknown (its poster died
	// while posting, or Slack did not confirm it); not posted again
	// within the period unless asked (ReopenDigest); reported.
	DigestUncertain = "uncertain"
)

// DigestRecord is what the store knows of one digest.
type DigestRecord struct {
	DigestKey
	State      string    `json:"state"`
	Channel    string    `json:"channel,omitempty"`
	TS         string    `json:"ts,omitempty"`
	ClaimedBy  string    `json:"claimedBy,omitempty"`
	LeaseUntil time.Time `json:"leaseUntil,omitzero"`
	Attempts   int       `json:"attempts"`
	Retries    int       `json:"retries"` // failed posts retried in all
	Error      string    `json:"error,omitempty"`
	PostedAt   time.Time `json:"postedAt,omitzero"`
}

// Final reports whether nothing more is to be done for the digest.
func (r DigestRecord) Final() bool {
	return r.State == DigestPosted || r.State == DigestFailed || r.State == DigestSkipped || r.State == DigestUncertain
}

// DigestStore records digests so that each is posted once, across
// restarts and replicas sharing a database; store.DB implements it.
type DigestStore interface {
	// ClaimDigest takes the digest for owner until leaseUntil: it creates
	// the record, or takes over one whose holder's lease ran out without
	// finishing (prev is then the record as it was). ok is false when the
	// digest is finished, or held by someone whose lease runs.
	ClaimDigest(ctx context.Context, k DigestKey, owner string, now, leaseUntil time.Time) (rec DigestRecord, prev *DigestRecord, ok bool, err error)
	// StartPosting marks the digest as being posted, if owner still holds
	// it; false means the claim was lost (do not post).
	StartPosting(ctx context.Context, k DigestKey, owner string, now, leaseUntil time.Time) (bool, error)
	// RenewDigest extends owner's lease; false when owner no longer holds it.
	RenewDigest(ctx context.Context, k DigestKey, owner string, leaseUntil time.Time) (bool, error)
	// FinishDigest records an outcome of owner's attempt: DigestPosted
	// with the channel and ts, DigestFailed, DigestSkipped or
	// DigestUncertain with the reason, or DigestClaimed with the retries so far and the last error
	// (the claim is kept, the lease extended to rec.LeaseUntil).
	FinishDigest(ctx context.Context, k DigestKey, owner string, rec DigestRecord, now time.Time) error
	// ReleaseDigest gives an unfinished claim back at once (shutting down).
	ReleaseDigest(ctx context.Context, k DigestKey, owner string) error
	// ReopenDigest forgets a finished digest whose state is one of states
	// (never a posted one), so that the next run claims and posts it
	// afresh: `gantry digest send --retry-failed`. ok is false when there
	// was no such record.
	ReopenDigest(ctx context.Context, k DigestKey, states ...string) (ok bool, err error)
	// DigestRecords lists the records of one scorecard and period ("" for all periods), by team.
	DigestRecords(ctx context.Context, scorecard, period string) ([]DigestRecord, error)
}
