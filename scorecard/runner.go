package scorecard

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/gantryhq/gantry/internal/errkind"
)

// Poster sends digests to Slack; the bot implements it.
type Poster interface {
	// PostDigest posts d in d.Channel and returns the channel's id and the
	// message's ts. Errors of kind errkind.Unavailable (a 429 beyond the
	// client's patience, repeated 5xx, Slack unreachable) are retried by
	// the runner; other kinds are final.
	PostDigest(ctx context.Context, d *Digest) (channel, ts string, err error)
	// PostReport tells channel what went wrong in a digest run.
	PostReport(ctx context.Context, channel string, r *DigestReport) error
}

// RunnerOptions configure a DigestRunner.
type RunnerOptions struct {
	Service *Service
	Store   DigestStore
	Poster  Poster
	// Instance names this process in claims (default host, pid and a
	// random suffix).
	Instance string
	// Lease is how long a claim holds without renewal (default 2 m): the
	// time after which another process takes over a digest whose poster
	// died. It is renewed while a post waits out rate limits.
	Lease time.Duration
	// Backoff is the first wait before posting again after Slack failed
	// (default 5 s), doubling up to MaxBackoff (default 5 m).
	Backoff    time.Duration
	MaxBackoff time.Duration
	// MaxAttempts bounds the posts tried for one digest in a period
	// (default 6, counted across restarts in the record): after that many
	// transient failures it is recorded as failed and reported, and only
	// `gantry digest send --retry-failed` posts it again.
	MaxAttempts int
	// PostTimeout bounds one post (default 3 m: the bot waits out 429s for
	// up to 2 m). A post that has started is not cancelled when Gantry
	// shuts down: shutdown waits for it (at most this long), so that its
	// outcome is known and recorded. A post that times out may have
	// reached Slack: it is recorded as uncertain, not posted again.
	PostTimeout time.Duration
	// Concurrency is how many teams are posted at once (default 4; posts
	// to one channel still go one a second, paced by the bot).
	Concurrency int
	Log         *slog.Logger
}

// ErrMaybePosted is what a Poster's error matches (errors.Is) when Slack
// may have shown the message although the call failed (a timeout after
// the request was sent, an HTTP 500 for a post): the runner then records
// the digest as uncertain rather than post it a second time.
var ErrMaybePosted = errors.New("Slack may have posted it anyway")

// DigestRunner posts the digests of a period, each exactly once across
// restarts and replicas sharing the database.
//
// Before posting a team's digest it claims (scorecard, team, period) in
// the store: a row with a unique key, written before anything is sent, so
// a second replica, or this one restarted, finds it and does not post.
// The claim is a lease, renewed while a post waits out 429s; the record
// says "posting" while the post is on its way, and "posted" with the
// message's channel and ts once Slack answered.
//
// Shutdown never interrupts a post: once sent, the post runs to its end
// on a context detached from the run's (bounded by PostTimeout), and its
// outcome is recorded before the run returns; claims not yet posting are
// given back, so the next start posts them at once. What is left is a
// process that dies (a crash, SIGKILL) while posting: its record stays
// "posting", and whoever takes the claim over when the lease ran out
// cannot tell whether Slack received the message. Finding out would mean
// reading the channel's history (every digest carries its key as message
// metadata), which needs the channels:history scope Gantry does not ask
// for; so such a digest is recorded as uncertain, not posted again within
// the period, logged and reported to the fallback channel, and
// `gantry digest send --team T --retry-failed` posts it if it is missing.
// The same holds for a post that timed out or that Slack answered with an
// error after it may have done it (ErrMaybePosted). Digests are therefore
// posted at most once; all of them, unless a process dies mid-post.
//
// A post that fails for a transient reason (429s beyond the bot's
// patience, 5xx, Slack unreachable) is tried again after a backoff
// (Backoff doubling to MaxBackoff), up to MaxAttempts in all, counted in
// the record across restarts; then it is recorded as failed and reported.
type DigestRunner struct {
	o RunnerOptions
}

// NewDigestRunner returns a runner.
func NewDigestRunner(o RunnerOptions) *DigestRunner {
	if o.Instance == "" {
		o.Instance = InstanceName()
	}
	if o.Lease <= 0 {
		o.Lease = 2 * time.Minute
	}
	if o.Backoff <= 0 {
		o.Backoff = 5 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 5 * time.Minute
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 6
	}
	if o.PostTimeout <= 0 {
		o.PostTimeout = 3 * time.Minute
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &DigestRunner{o: o}
}

// pollHeld is how often a run looks again at digests that others hold.
const pollHeld = 10 * time.Second

// InstanceName names this process: host, pid and a random suffix.
func InstanceName() string {
	host, _ := os.Hostname()
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

// Outcomes of one team's digest in a run.
const (
	OutcomePosted  = "posted"  // posted by this run
	OutcomeAlready = "already" // posted before (by this process or another)
	OutcomeFailed  = "failed"  // Slack refused it for good, or failed MaxAttempts times
	OutcomeSkipped = "skipped" // nowhere to post it
	// OutcomeUncertain: Slack may or may not have shown it (a post cut
	// short by a crash or a timeout); not posted again within the period.
	OutcomeUncertain = "uncertain"
	OutcomePending   = "pending" // not posted when the run ended (shutdown, period over); the next run posts it
)

// DigestOutcome is what became of one team's digest.
type DigestOutcome struct {
	Team      string `json:"team"`
	TeamTitle string `json:"teamTitle"`
	Channel   string `json:"channel"`
	NoChannel bool   `json:"noChannel,omitempty"`
	Outcome   string `json:"outcome"`
	TS        string `json:"ts,omitempty"`
	Retries   int    `json:"retries"`
	Error     string `json:"error,omitempty"`
}

// DigestReport is what a run did.
type DigestReport struct {
	Scorecard      string          `json:"scorecard"`
	ScorecardTitle string          `json:"scorecardTitle"`
	Period         time.Time       `json:"period"`
	PeriodKey      string          `json:"periodKey"`
	Outcomes       []DigestOutcome `json:"outcomes"`
}

// Count returns how many teams had the outcome.
func (r *DigestReport) Count(outcome string) int {
	n := 0
	for _, o := range r.Outcomes {
		if o.Outcome == outcome {
			n++
		}
	}
	return n
}

// Retried returns the outcomes that needed retries.
func (r *DigestReport) Retried() []DigestOutcome {
	var out []DigestOutcome
	for _, o := range r.Outcomes {
		if o.Retries > 0 {
			out = append(out, o)
		}
	}
	return out
}

// Run posts the scorecard's digests for the period starting at period,
// to every team not yet posted; teams, when given, restricts it to those
// group refs ("" is the unowned). It returns when every digest is posted
// or finally failed, or ctx ends, or the period is over (the digests
// still pending are then in the report, and in the store for the next
// run of the same period).
func (r *DigestRunner) Run(ctx context.Context, sc *Scorecard, period time.Time, teams ...string) (*DigestReport, error) {
	var previous, end time.Time
	if sc.Digest != nil && sc.Digest.sched != nil {
		previous, _ = sc.Digest.Previous(period)
		end = sc.Digest.Next(period)
	} else {
		previous = period.Add(-TrendWindow)
	}
	digests, err := r.o.Service.ComposeDigests(ctx, sc, period, previous)
	if err != nil {
		return nil, err
	}
	if len(teams) > 0 {
		want := map[string]bool{}
		for _, t := range teams {
			want[t] = true
		}
		kept := digests[:0]
		for _, d := range digests {
			if want[d.Team] {
				kept = append(kept, d)
			}
		}
		digests = kept
	}
	return r.post(ctx, sc, period, end, digests)
}

// post posts composed digests of one period (see Run).
func (r *DigestRunner) post(ctx context.Context, sc *Scorecard, period, end time.Time, digests []*Digest) (*DigestReport, error) {
	rep := &DigestReport{Scorecard: sc.Name, ScorecardTitle: sc.DisplayTitle(), Period: period, PeriodKey: PeriodKey(period)}
	outcomes := make(map[string]DigestOutcome, len(digests))
	var mu sync.Mutex
	pending := digests
	for len(pending) > 0 {
		var (
			held    []*Digest
			earlier time.Time
			wg      sync.WaitGroup
			sem     = make(chan struct{}, r.o.Concurrency)
			errs    []error
		)
		for _, d := range pending {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				out, until, err := r.one(ctx, sc, d, end)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, err)
				}
				outcomes[d.Team] = out
				if out.Outcome == OutcomePending && !until.IsZero() && ctx.Err() == nil && (end.IsZero() || until.Before(end)) {
					held = append(held, d)
					if earlier.IsZero() || until.Before(earlier) {
						earlier = until
					}
				}
			}()
		}
		wg.Wait()
		if len(errs) > 0 {
			return nil, errors.Join(errs...)
		}
		if len(held) == 0 || ctx.Err() != nil {
			break
		}
		// Others hold these claims: look again when they may have
		// finished, or when the first lease runs out (a holder that died).
		wait := min(max(earlier.Sub(r.o.Service.Clock().Now()), 0)+time.Second, pollHeld)
		r.o.Log.Info("digest: waiting for claims held elsewhere", "scorecard", sc.Name, "period", rep.PeriodKey, "teams", len(held), "wait", wait)
		if err := r.o.Service.Clock().Sleep(ctx, wait); err != nil {
			break
		}
		sort.Slice(held, func(i, j int) bool { return held[i].Team < held[j].Team })
		pending = held
	}
	for _, d := range digests {
		rep.Outcomes = append(rep.Outcomes, outcomes[d.Team])
	}
	r.log(rep)
	r.reportFailures(ctx, sc, rep)
	return rep, ctx.Err()
}

// one posts one team's digest unless it was posted or is held; until is
// when a claim held elsewhere runs out.
func (r *DigestRunner) one(ctx context.Context, sc *Scorecard, d *Digest, end time.Time) (out DigestOutcome, until time.Time, err error) {
	out = DigestOutcome{Team: d.Team, TeamTitle: d.TeamTitle, Channel: d.Channel, NoChannel: d.NoChannel, Outcome: OutcomePending}
	clock := r.o.Service.Clock()
	key := DigestKey{Scorecard: sc.Name, Team: d.Team, Period: d.PeriodKey}
	now := clock.Now()
	rec, prev, ok, err := r.o.Store.ClaimDigest(ctx, key, r.o.Instance, now, now.Add(r.o.Lease))
	if err != nil {
		if ctx.Err() != nil {
			return out, time.Time{}, nil
		}
		return out, time.Time{}, err
	}
	if !ok {
		out.Retries, out.Error = rec.Retries, rec.Error
		switch rec.State {
		case DigestPosted:
			out.Outcome, out.Channel, out.TS = OutcomeAlready, rec.Channel, rec.TS
		case DigestFailed, DigestSkipped, DigestUncertain:
			out.Outcome = OutcomeAlready
		default:
			return out, rec.LeaseUntil, nil
		}
		return out, time.Time{}, nil
	}
	retries := rec.Retries
	if prev != nil {
		if prev.State == DigestPosting {
			// The holder died while posting: Slack may have shown it.
			out.Outcome, out.Retries = OutcomeUncertain, retries
			out.Error = fmt.Sprintf("Gantry (%s) stopped while posting it, so Slack may or may not have shown it; not posted again this period: "+
				"if %s does not have it, run `gantry digest send --team %s --retry-failed`", prev.ClaimedBy, d.Channel, teamArg(d.Team))
			r.o.Log.Error("digest: a claim was left while posting; the outcome is unknown, so it is not posted again",
				"scorecard", sc.Name, "team", d.Team, "period", d.PeriodKey, "channel", d.Channel, "previous_holder", prev.ClaimedBy)
			return out, time.Time{}, r.finish(key, DigestRecord{State: DigestUncertain, Error: out.Error, Retries: retries})
		}
		r.o.Log.Info("digest: took over a claim whose holder stopped", "scorecard", sc.Name, "team", d.Team,
			"period", d.PeriodKey, "previous_holder", prev.ClaimedBy, "previous_state", prev.State)
	}
	if d.Channel == "" {
		out.Outcome, out.Error = OutcomeSkipped, "the team has no Slack channel (gantry.dev/slack-channel on its Group) and no fallback channel is configured"
		if d.Team == "" {
			out.Error = "nobody known owns these services, and no fallback channel is configured"
		}
		return out, time.Time{}, r.finish(key, DigestRecord{State: DigestSkipped, Error: out.Error})
	}
	backoff := r.o.Backoff
	for range retries {
		backoff = min(2*backoff, r.o.MaxBackoff)
	}
	for {
		if ctx.Err() != nil {
			r.release(key) // nothing sent: the next start posts it at once
			return out, time.Time{}, nil
		}
		now = clock.Now()
		ok, err := r.o.Store.StartPosting(ctx, key, r.o.Instance, now, now.Add(r.o.Lease))
		if err != nil || !ok {
			if ctx.Err() != nil {
				r.release(key)
				return out, time.Time{}, nil
			}
			if err != nil {
				return out, time.Time{}, err
			}
			return out, now.Add(r.o.Lease), nil // lost the claim: someone else has it now
		}
		channel, ts, perr := r.postLeased(ctx, key, d)
		if perr == nil {
			out.Outcome, out.Channel, out.TS, out.Retries = OutcomePosted, channel, ts, retries
			return out, time.Time{}, r.finish(key, DigestRecord{State: DigestPosted, Channel: channel, TS: ts, Retries: retries})
		}
		out.Error, out.Retries = perr.Error(), retries
		if errors.Is(perr, ErrMaybePosted) || errors.Is(perr, context.DeadlineExceeded) {
			out.Outcome = OutcomeUncertain
			out.Error = fmt.Sprintf("Slack did not confirm the post (%v), so it may or may not have been shown; not posted again this period: "+
				"if %s does not have it, run `gantry digest send --team %s --retry-failed`", perr, d.Channel, teamArg(d.Team))
			r.o.Log.Error("digest: the post's outcome is unknown; not posted again", "scorecard", sc.Name, "team", d.Team, "channel", d.Channel, "err", perr)
			return out, time.Time{}, r.finish(key, DigestRecord{State: DigestUncertain, Error: out.Error, Retries: retries})
		}
		if !transient(perr) {
			out.Outcome = OutcomeFailed
			r.o.Log.Error("digest: Slack refused it", "scorecard", sc.Name, "team", d.Team, "channel", d.Channel, "err", perr)
			return out, time.Time{}, r.finish(key, DigestRecord{State: DigestFailed, Error: perr.Error(), Retries: retries})
		}
		retries++
		out.Retries = retries
		if retries >= r.o.MaxAttempts {
			out.Outcome = OutcomeFailed
			out.Error = fmt.Sprintf("gave up after %d attempts: %v", retries, perr)
			r.o.Log.Error("digest: Slack kept failing; giving up for this period", "scorecard", sc.Name, "team", d.Team,
				"channel", d.Channel, "attempts", retries, "err", perr)
			return out, time.Time{}, r.finish(key, DigestRecord{State: DigestFailed, Error: out.Error, Retries: retries})
		}
		now = clock.Now()
		if !end.IsZero() && !now.Add(backoff).Before(end) {
			// The period is over: leave it to whoever runs it next (nobody,
			// since a new period began) and say so.
			r.o.Log.Error("digest: not posted before the period ended", "scorecard", sc.Name, "team", d.Team, "retries", retries, "err", perr)
			_ = r.finish(key, DigestRecord{State: DigestClaimed, Retries: retries, Error: perr.Error(), LeaseUntil: now})
			return out, time.Time{}, nil
		}
		r.o.Log.Warn("digest: Slack failed; retrying", "scorecard", sc.Name, "team", d.Team, "channel", d.Channel,
			"retry", retries, "of", r.o.MaxAttempts-1, "wait", backoff, "err", perr)
		if err := r.finish(key, DigestRecord{State: DigestClaimed, Retries: retries, Error: perr.Error(), LeaseUntil: now.Add(backoff + r.o.Lease)}); err != nil {
			return out, time.Time{}, err
		}
		if err := clock.Sleep(ctx, backoff); err != nil {
			r.release(key)
			return out, time.Time{}, nil
		}
		backoff = min(2*backoff, r.o.MaxBackoff)
	}
}

// teamArg is how `gantry digest send --team` names a team.
func teamArg(team string) string {
	if team == "" {
		return "unowned"
	}
	return refName(team)
}

// postLeased posts while renewing the claim's lease, since a post may wait
// out Slack's Retry-After for minutes. The post is not cancelled with ctx
// (a shutdown): once sent, its outcome must be known; PostTimeout bounds
// it.
func (r *DigestRunner) postLeased(ctx context.Context, key DigestKey, d *Digest) (string, string, error) {
	clock := r.o.Service.Clock()
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.o.PostTimeout)
	defer cancel()
	hbCtx, stop := context.WithCancel(pctx)
	defer stop()
	go func() {
		for clock.Sleep(hbCtx, r.o.Lease/3) == nil {
			if _, err := r.o.Store.RenewDigest(hbCtx, key, r.o.Instance, clock.Now().Add(r.o.Lease)); err != nil && hbCtx.Err() == nil {
				r.o.Log.Warn("digest: renewing the claim", "team", key.Team, "err", err)
			}
		}
	}()
	if ctx.Err() == nil {
		stopping := context.AfterFunc(ctx, func() {
			r.o.Log.Info("digest: finishing a post under way before stopping", "team", key.Team, "channel", d.Channel, "at_most", r.o.PostTimeout)
		})
		defer stopping()
	}
	return r.o.Poster.PostDigest(pctx, d)
}

// finish records an outcome, even when the run's context is ending.
func (r *DigestRunner) finish(key DigestKey, rec DigestRecord) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return r.o.Store.FinishDigest(ctx, key, r.o.Instance, rec, r.o.Service.Clock().Now())
}

// release gives a claim back when shutting down, so the next start posts
// it at once instead of waiting for the lease.
func (r *DigestRunner) release(key DigestKey) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.o.Store.ReleaseDigest(ctx, key, r.o.Instance); err != nil {
		r.o.Log.Warn("digest: giving the claim back", "team", key.Team, "err", err)
	}
}

// transient reports whether posting again later may work: Slack is down
// or limiting, or the failure is not classified.
func transient(err error) bool {
	if errkind.Is(err, errkind.Unavailable) {
		return true
	}
	for _, k := range []errkind.Kind{errkind.Invalid, errkind.NotFound, errkind.Forbidden, errkind.Conflict} {
		if errkind.Is(err, k) {
			return false
		}
	}
	return true
}

func (r *DigestRunner) log(rep *DigestReport) {
	r.o.Log.Info("digest run", "scorecard", rep.Scorecard, "period", rep.PeriodKey, "teams", len(rep.Outcomes),
		"posted", rep.Count(OutcomePosted), "already", rep.Count(OutcomeAlready), "failed", rep.Count(OutcomeFailed),
		"skipped", rep.Count(OutcomeSkipped), "uncertain", rep.Count(OutcomeUncertain), "pending", rep.Count(OutcomePending))
	for _, o := range rep.Retried() {
		if o.Outcome == OutcomePosted {
			r.o.Log.Warn("digest posted after retries", "scorecard", rep.Scorecard, "team", o.Team, "channel", o.Channel, "retries", o.Retries, "last_error", o.Error)
		}
	}
}

// reportFailures tells the fallback channel, once per run, which digests
// Slack refused (and which needed retries); a refusal is final for the
// period, so a later run does not report it again.
func (r *DigestRunner) reportFailures(ctx context.Context, sc *Scorecard, rep *DigestReport) {
	var worth bool
	for _, o := range rep.Outcomes {
		if o.Outcome == OutcomeFailed || o.Outcome == OutcomeUncertain {
			worth = true
		}
	}
	if !worth {
		return
	}
	fallback := r.o.Service.o.FallbackChannel
	if sc.Digest != nil && sc.Digest.Fallback != "" {
		fallback = sc.Digest.Fallback
	}
	if fallback == "" {
		r.o.Log.Error("digest: some digests failed and no fallback channel is configured to say so", "scorecard", sc.Name, "period", rep.PeriodKey)
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if err := r.o.Poster.PostReport(ctx, fallback, rep); err != nil {
		r.o.Log.Error("digest: could not report the failures", "channel", fallback, "err", err)
	}
}
