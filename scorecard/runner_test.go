package scorecard_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/clock"
	"github.com/gantryhq/gantry/internal/errkind"
	"github.com/gantryhq/gantry/internal/testdb"
	"github.com/gantryhq/gantry/scorecard"
)

// fakePoster records what would reach Slack.
type fakePoster struct {
	mu       sync.Mutex
	posts    map[string]int    // team → posts
	channel  map[string]string // team → channel
	noChan   map[string]bool   // team → posted as a team without a channel
	attempts map[string]int
	reports  []*scorecard.DigestReport
	// fail, when set, may fail an attempt (the n-th for the team, from 1).
	fail func(ctx context.Context, d *scorecard.Digest, n int) error
	seq  atomic.Int64
}

func newFakePoster() *fakePoster {
	return &fakePoster{posts: map[string]int{}, channel: map[string]string{}, noChan: map[string]bool{}, attempts: map[string]int{}}
}

func (p *fakePoster) PostDigest(ctx context.Context, d *scorecard.Digest) (string, string, error) {
	p.mu.Lock()
	p.attempts[d.Team]++
	n := p.attempts[d.Team]
	p.mu.Unlock()
	if p.fail != nil {
		if err := p.fail(ctx, d, n); err != nil {
			return "", "", err
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.posts[d.Team]++
	p.channel[d.Team] = d.Channel
	p.noChan[d.Team] = d.NoChannel
	return d.Channel, fmt.Sprintf("1795400000.%06d", p.seq.Add(1)), nil
}

func (p *fakePoster) PostReport(_ context.Context, channel string, r *scorecard.DigestReport) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reports = append(p.reports, r)
	return nil
}

func (p *fakePoster) count(team string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.posts[team]
}

// The example's teams with services on production readiness.
var exampleTeams = []string{"group:default/logistics", "group:default/payments", "group:default/platform", "group:default/search", "group:default/storefront"}

// period is Monday 23 November 2026, 09:00 in Paris.
var period = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

func (e *env) runner(p scorecard.Poster, st scorecard.DigestStore, instance string) *scorecard.DigestRunner {
	return scorecard.NewDigestRunner(scorecard.RunnerOptions{Service: e.svc, Store: st, Poster: p, Instance: instance,
		Lease: time.Minute, Backoff: time.Second, Log: slog.New(slog.DiscardHandler)})
}

func (e *env) run(r *scorecard.DigestRunner) *scorecard.DigestReport {
	e.t.Helper()
	sc, _ := e.set.Get(prodReadiness)
	rep, err := r.Run(e.ctx, sc, period)
	if err != nil {
		e.t.Fatal(err)
	}
	return rep
}

func TestDigestRunPostsEachTeamOnce(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.evaluate()
	e.clock.Advance(time.Hour) // 09:00 in Paris
	p := newFakePoster()
	rep := e.run(e.runner(p, e.db, "a"))
	if rep.Count(scorecard.OutcomePosted) != len(exampleTeams) {
		t.Fatalf("report:\n%s", rep.Text())
	}
	for _, team := range exampleTeams {
		if p.count(team) != 1 {
			t.Errorf("%s posted %d times", team, p.count(team))
		}
	}
	// Logistics has no channel: its digest goes to the fallback, once,
	// saying so.
	if p.channel["group:default/logistics"] != "#engineering" || !p.noChan["group:default/logistics"] || p.channel["group:default/payments"] != "#team-payments" {
		t.Errorf("channels: %v, no channel: %v", p.channel, p.noChan)
	}
	recs, err := e.db.DigestRecords(e.ctx, prodReadiness, scorecard.PeriodKey(period))
	if err != nil || len(recs) != len(exampleTeams) {
		t.Fatalf("records: %v %v", recs, err)
	}
	for _, r := range recs {
		if r.State != scorecard.DigestPosted || r.TS == "" || r.Channel == "" {
			t.Errorf("record %+v", r)
		}
	}
	// Run again (a restart, the next tick of a slow cron): nothing is posted.
	again := e.run(e.runner(p, e.db, "b"))
	if again.Count(scorecard.OutcomeAlready) != len(exampleTeams) || again.Count(scorecard.OutcomePosted) != 0 {
		t.Errorf("second run:\n%s", again.Text())
	}
	if len(p.reports) != 0 {
		t.Errorf("a run without failures reported %d times", len(p.reports))
	}
}

// Two replicas on the same database run the same period at once: every
// team gets its digest exactly once.
func TestDigestTwoReplicasPostOnce(t *testing.T) {
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			e := newEnv(t, envOptions{url: eng.URL(t)})
			e.evaluate()
			e.clock.Advance(time.Hour)
			ctx := e.ctx
			p := newFakePoster()
			p.fail = func(ctx context.Context, d *scorecard.Digest, n int) error {
				time.Sleep(5 * time.Millisecond) // let the replicas overlap
				return nil
			}
			var wg sync.WaitGroup
			reports := make([]*scorecard.DigestReport, 4)
			for i := range reports {
				wg.Add(1)
				go func() {
					defer wg.Done()
					sc, _ := e.set.Get(prodReadiness)
					// Replicas that find a digest held by another look again
					// soon: real time here, so leases hold as they do live.
					r := scorecard.NewDigestRunner(scorecard.RunnerOptions{Service: e.svcWith(newRealClock(e.clock.Now())), Store: e.db, Poster: p,
						Instance: fmt.Sprint("replica-", i), Lease: time.Minute})
					rep, err := r.Run(ctx, sc, period)
					if err != nil {
						t.Error(err)
					}
					reports[i] = rep
				}()
			}
			wg.Wait()
			posted := 0
			for _, r := range reports {
				posted += r.Count(scorecard.OutcomePosted)
			}
			for _, team := range exampleTeams {
				if n := p.count(team); n != 1 {
					t.Errorf("%s posted %d times", team, n)
				}
			}
			if posted != len(exampleTeams) {
				t.Errorf("%d posts reported", posted)
			}
		})
	}
}

// crashingStore is a process that dies: once crashed, its writes never
// happen (no renewal, no outcome, no release).
type crashingStore struct {
	scorecard.DigestStore
	crashed atomic.Bool
}

func (c *crashingStore) RenewDigest(ctx context.Context, k scorecard.DigestKey, owner string, until time.Time) (bool, error) {
	if c.crashed.Load() {
		return false, nil
	}
	return c.DigestStore.RenewDigest(ctx, k, owner, until)
}

func (c *crashingStore) FinishDigest(ctx context.Context, k scorecard.DigestKey, owner string, rec scorecard.DigestRecord, now time.Time) error {
	if c.crashed.Load() {
		return nil
	}
	return c.DigestStore.FinishDigest(ctx, k, owner, rec, now)
}

func (c *crashingStore) ReleaseDigest(ctx context.Context, k scorecard.DigestKey, owner string) error {
	if c.crashed.Load() {
		return nil
	}
	return c.DigestStore.ReleaseDigest(ctx, k, owner)
}

// Gantry dies in the middle of a digest run, while posting a team's
// digest: when it comes back (a new process), the teams already posted are
// not posted again; the one it was posting, whose fate is unknown, is
// recorded as uncertain, reported and not posted again (no team twice);
// those after it are posted once the dead claim's lease has run out. Asked
// to (--retry-failed), a run posts the uncertain one.
func TestDigestRestartMidRun(t *testing.T) {
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			e := newEnv(t, envOptions{url: eng.URL(t)})
			e.evaluate()
			e.clock.Advance(time.Hour)
			sc, _ := e.set.Get(prodReadiness)

			p := newFakePoster()
			dying := &crashingStore{DigestStore: e.db}
			ctx, die := context.WithCancel(e.ctx)
			var posted atomic.Int32
			p.fail = func(pctx context.Context, d *scorecard.Digest, n int) error {
				if posted.Load() < 2 {
					posted.Add(1)
					return nil
				}
				// The process dies while the third post is on its way: its
				// writes stop, and the answer never comes.
				dying.crashed.Store(true)
				die()
				return errors.New("the process died")
			}
			first := scorecard.NewDigestRunner(scorecard.RunnerOptions{Service: e.svc, Store: dying, Poster: p, Instance: "dead",
				Lease: time.Minute, Concurrency: 1})
			_, _ = first.Run(ctx, sc, period)
			if got := len(p.posts); got != 2 {
				t.Fatalf("before the crash %d teams were posted", got)
			}
			recs, _ := e.db.DigestRecords(e.ctx, sc.Name, scorecard.PeriodKey(period))
			if len(recs) != 3 || recs[2].State != scorecard.DigestPosting || recs[2].ClaimedBy != "dead" {
				t.Fatalf("records after the crash: %+v", recs)
			}
			inFlight := recs[2].Team

			// The new process: it waits out the dead one's lease (on the
			// clock), takes its claims over and finishes the run.
			p.fail = nil
			ctx2, stop := context.WithCancel(e.ctx)
			defer stop()
			e.clock.AutoAdvance(ctx2)
			rep, err := e.runner(p, e.db, "new").Run(ctx2, sc, period)
			if err != nil {
				t.Fatal(err)
			}
			for _, team := range exampleTeams {
				want := 1
				if team == inFlight {
					want = 0 // the fake never got it, but Gantry cannot know that
				}
				if n := p.count(team); n != want {
					t.Errorf("%s posted %d times", team, n)
				}
			}
			if rep.Count(scorecard.OutcomeAlready) != 2 || rep.Count(scorecard.OutcomePosted) != 2 || rep.Count(scorecard.OutcomeUncertain) != 1 {
				t.Errorf("the restarted run:\n%s", rep.Text())
			}
			if len(p.reports) != 1 || p.reports[0].Count(scorecard.OutcomeUncertain) != 1 || !strings.Contains(rep.Text(), "--retry-failed") {
				t.Errorf("the uncertain digest was not reported: %d reports\n%s", len(p.reports), rep.Text())
			}
			recs, _ = e.db.DigestRecords(e.ctx, sc.Name, scorecard.PeriodKey(period))
			for _, r := range recs {
				want := scorecard.DigestPosted
				if r.Team == inFlight {
					want = scorecard.DigestUncertain
				}
				if r.State != want {
					t.Errorf("%s: %s, want %s", r.Team, r.State, want)
				}
			}
			// Another run of the period leaves it alone…
			again, _ := e.runner(p, e.db, "again").Run(ctx2, sc, period)
			if again.Count(scorecard.OutcomeAlready) != len(exampleTeams) || p.count(inFlight) != 0 {
				t.Errorf("a later run:\n%s", again.Text())
			}
			// …until someone who looked in the channel reopens it.
			for _, st := range []string{scorecard.DigestPosted, scorecard.DigestUncertain} {
				for _, team := range exampleTeams {
					ok, err := e.db.ReopenDigest(e.ctx, scorecard.DigestKey{Scorecard: sc.Name, Team: team, Period: scorecard.PeriodKey(period)}, st)
					if err != nil || ok != (st == scorecard.DigestUncertain && team == inFlight) {
						t.Errorf("reopening %s (%s): %v %v", team, st, ok, err)
					}
				}
			}
			retried, _ := e.runner(p, e.db, "retry").Run(ctx2, sc, period)
			if retried.Count(scorecard.OutcomePosted) != 1 || p.count(inFlight) != 1 {
				t.Errorf("the retry:\n%s", retried.Text())
			}
		})
	}
}

// A graceful stop does not cut a post short: the post under way finishes
// (its context is not the run's) and is recorded; the claims not yet
// posting are given back, so the next start posts them at once, without
// waiting for a lease, and nobody twice.
func TestDigestShutdownFinishesThePostUnderWay(t *testing.T) {
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			e := newEnv(t, envOptions{url: eng.URL(t)})
			e.evaluate()
			e.clock.Advance(time.Hour)
			sc, _ := e.set.Get(prodReadiness)
			p := newFakePoster()
			ctx, stop := context.WithCancel(e.ctx)
			var cut atomic.Bool
			p.fail = func(pctx context.Context, d *scorecard.Digest, n int) error {
				if d.Team == "group:default/payments" && n == 1 {
					stop() // SIGTERM while Slack has the post
					<-ctx.Done()
					cut.Store(pctx.Err() != nil)
				}
				return nil
			}
			r := scorecard.NewDigestRunner(scorecard.RunnerOptions{Service: e.svc, Store: e.db, Poster: p, Instance: "a",
				Lease: time.Minute, Concurrency: 1})
			rep, _ := r.Run(ctx, sc, period)
			if cut.Load() {
				t.Error("the post under way was cancelled by the shutdown")
			}
			if rep == nil || rep.Count(scorecard.OutcomePosted) != 2 || rep.Count(scorecard.OutcomePending) != 3 {
				t.Fatalf("the stopped run:\n%s", rep.Text())
			}
			recs, _ := e.db.DigestRecords(e.ctx, sc.Name, scorecard.PeriodKey(period))
			for _, r := range recs {
				if r.Team == "group:default/payments" && (r.State != scorecard.DigestPosted || r.TS == "") {
					t.Errorf("the post under way was not recorded: %+v", r)
				}
				if r.State != scorecard.DigestPosted && !r.LeaseUntil.IsZero() {
					t.Errorf("%s kept its lease after a graceful stop: %+v", r.Team, r)
				}
			}
			// No clock movement needed.
			rep = e.run(e.runner(p, e.db, "b"))
			if rep.Count(scorecard.OutcomePosted) != 3 || rep.Count(scorecard.OutcomeAlready) != 2 {
				t.Errorf("the next start:\n%s", rep.Text())
			}
			for _, team := range exampleTeams {
				if n := p.count(team); n != 1 {
					t.Errorf("%s posted %d times", team, n)
				}
			}
		})
	}
}

// A post Slack may have carried out although it failed (the poster says
// so, or it timed out) is uncertain: recorded, reported, not posted again.
func TestDigestUnconfirmedPostIsNotRepeated(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.evaluate()
	e.clock.Advance(time.Hour)
	sc, _ := e.set.Get(prodReadiness)
	p := newFakePoster()
	p.fail = func(pctx context.Context, d *scorecard.Digest, n int) error {
		switch d.Team {
		case "group:default/payments":
			return fmt.Errorf("slack chat.postMessage: HTTP 500 internal_error (%w)", scorecard.ErrMaybePosted)
		case "group:default/search":
			<-pctx.Done() // Slack never answers: PostTimeout ends it
			return pctx.Err()
		}
		return nil
	}
	r := scorecard.NewDigestRunner(scorecard.RunnerOptions{Service: e.svc, Store: e.db, Poster: p, Instance: "a",
		Lease: time.Minute, PostTimeout: 50 * time.Millisecond})
	rep, err := r.Run(e.ctx, sc, period)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Count(scorecard.OutcomeUncertain) != 2 || rep.Count(scorecard.OutcomePosted) != 3 {
		t.Fatalf("the run:\n%s", rep.Text())
	}
	if p.attempts["group:default/payments"] != 1 || p.attempts["group:default/search"] != 1 {
		t.Errorf("an unconfirmed post was tried again: %v", p.attempts)
	}
	if len(p.reports) != 1 || p.reports[0].Count(scorecard.OutcomeUncertain) != 2 {
		t.Errorf("reports: %d", len(p.reports))
	}
	again, _ := e.runner(p, e.db, "b").Run(e.ctx, sc, period)
	if again.Count(scorecard.OutcomeAlready) != len(exampleTeams) || p.attempts["group:default/search"] != 1 {
		t.Errorf("the next run:\n%s", again.Text())
	}
}

// Slack failing every attempt: the digest is tried MaxAttempts times with
// a growing backoff, then recorded as failed and reported; a later run
// leaves it alone until it is reopened.
func TestDigestAttemptsAreBounded(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.evaluate()
	e.clock.Advance(time.Hour)
	ctx, stop := context.WithCancel(e.ctx)
	defer stop()
	e.clock.AutoAdvance(ctx)
	sc, _ := e.set.Get(prodReadiness)
	p := newFakePoster()
	var times []time.Time
	p.fail = func(_ context.Context, d *scorecard.Digest, n int) error {
		if d.Team == "group:default/platform" {
			times = append(times, e.clock.Now())
			return errkind.New(errkind.Unavailable, "slack chat.postMessage: HTTP 503 after 4 attempts")
		}
		return nil
	}
	r := scorecard.NewDigestRunner(scorecard.RunnerOptions{Service: e.svc, Store: e.db, Poster: p, Instance: "a",
		Lease: time.Minute, Backoff: time.Second, MaxAttempts: 4})
	rep, err := r.Run(ctx, sc, period)
	if err != nil {
		t.Fatal(err)
	}
	var platform scorecard.DigestOutcome
	for _, o := range rep.Outcomes {
		if o.Team == "group:default/platform" {
			platform = o
		}
	}
	if platform.Outcome != scorecard.OutcomeFailed || !strings.Contains(platform.Error, "gave up after 4 attempts") || len(times) != 4 {
		t.Fatalf("platform: %+v after %d attempts", platform, len(times))
	}
	for i := 2; i < len(times); i++ {
		if times[i].Sub(times[i-1]) <= times[i-1].Sub(times[i-2]) {
			t.Errorf("the backoff does not grow: attempts at %v", times)
		}
	}
	if len(p.reports) != 1 || p.reports[0].Count(scorecard.OutcomeFailed) != 1 {
		t.Errorf("reports: %d", len(p.reports))
	}
	p.fail = nil
	again, _ := e.runner(p, e.db, "b").Run(ctx, sc, period)
	if again.Count(scorecard.OutcomePosted) != 0 {
		t.Errorf("a later run posted:\n%s", again.Text())
	}
	key := scorecard.DigestKey{Scorecard: sc.Name, Team: "group:default/platform", Period: scorecard.PeriodKey(period)}
	if ok, err := e.db.ReopenDigest(e.ctx, key, scorecard.DigestFailed); !ok || err != nil {
		t.Fatalf("reopen: %v %v", ok, err)
	}
	retried, _ := e.runner(p, e.db, "c").Run(ctx, sc, period)
	if retried.Count(scorecard.OutcomePosted) != 1 || p.count("group:default/platform") != 1 {
		t.Errorf("the retry:\n%s", retried.Text())
	}
}

// 429s and 5xx while posting are retried until posted, then reported;
// what Slack refuses for good is reported to the fallback channel once.
func TestDigestSlackFailuresRetriedThenReported(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.evaluate()
	e.clock.Advance(time.Hour)
	ctx, stop := context.WithCancel(e.ctx)
	defer stop()
	e.clock.AutoAdvance(ctx)
	p := newFakePoster()
	p.fail = func(_ context.Context, d *scorecard.Digest, n int) error {
		switch {
		case d.Team == "group:default/payments" && n <= 2:
			return errkind.New(errkind.Unavailable, "slack chat.postMessage: ratelimited (429, waited 2m0s)")
		case d.Team == "group:default/payments" && n == 3:
			return errkind.New(errkind.Unavailable, "slack chat.postMessage: HTTP 503 after 4 attempts")
		case d.Team == "group:default/search":
			return errkind.New(errkind.NotFound, "slack chat.postMessage: channel_not_found")
		}
		return nil
	}
	sc, _ := e.set.Get(prodReadiness)
	rep, err := e.runner(p, e.db, "a").Run(ctx, sc, period)
	if err != nil {
		t.Fatal(err)
	}
	var payments, search scorecard.DigestOutcome
	for _, o := range rep.Outcomes {
		switch o.Team {
		case "group:default/payments":
			payments = o
		case "group:default/search":
			search = o
		}
	}
	if payments.Outcome != scorecard.OutcomePosted || payments.Retries != 3 || p.count("group:default/payments") != 1 {
		t.Errorf("payments: %+v, posted %d", payments, p.count("group:default/payments"))
	}
	if search.Outcome != scorecard.OutcomeFailed || p.attempts["group:default/search"] != 1 {
		t.Errorf("search: %+v after %d attempts", search, p.attempts["group:default/search"])
	}
	if len(rep.Retried()) != 1 || !strings.Contains(rep.Text(), "after 3 retries") {
		t.Errorf("the report does not say payments was retried:\n%s", rep.Text())
	}
	if len(p.reports) != 1 || p.reports[0].Count(scorecard.OutcomeFailed) != 1 {
		t.Fatalf("reports to the fallback: %d", len(p.reports))
	}
	recs, _ := e.db.DigestRecords(e.ctx, sc.Name, scorecard.PeriodKey(period))
	for _, r := range recs {
		if r.Team == "group:default/payments" && (r.Retries != 3 || r.State != scorecard.DigestPosted) {
			t.Errorf("payments record: %+v", r)
		}
		if r.Team == "group:default/search" && (r.State != scorecard.DigestFailed || !strings.Contains(r.Error, "channel_not_found")) {
			t.Errorf("search record: %+v", r)
		}
	}
	// The next run of the period neither posts nor reports again.
	p.fail = nil
	again, _ := e.runner(p, e.db, "b").Run(ctx, sc, period)
	if again.Count(scorecard.OutcomePosted) != 0 || len(p.reports) != 1 || p.count("group:default/search") != 0 {
		t.Errorf("second run posted %d, reports %d", again.Count(scorecard.OutcomePosted), len(p.reports))
	}
}

// A team without a channel goes to the fallback (once, see
// TestDigestRunPostsEachTeamOnce); with no fallback either, it is recorded
// as skipped, said once, and not tried again.
func TestDigestTeamWithoutChannelAndNoFallback(t *testing.T) {
	file := writeCard(t, `apiVersion: gantry.dev/v1
kind: Scorecard
metadata: {name: nofallback}
spec:
  levels: [Bronze]
  rules: [{id: owner, level: Bronze, expression: facts.catalog.has_owner, fix: Set spec.owner.}]
  digest: {schedule: "0 9 * * 1", timeZone: Europe/Paris}
`)
	e := newEnv(t, envOptions{paths: []string{file}})
	e.evaluate()
	e.clock.Advance(time.Hour)
	sc, _ := e.set.Get("nofallback")
	p := newFakePoster()
	rep, err := e.runner(p, e.db, "a").Run(e.ctx, sc, period)
	if err != nil {
		t.Fatal(err)
	}
	var logistics scorecard.DigestOutcome
	for _, o := range rep.Outcomes {
		if o.Team == "group:default/logistics" {
			logistics = o
		}
	}
	if logistics.Outcome != scorecard.OutcomeSkipped || !strings.Contains(logistics.Error, "no Slack channel") || p.attempts["group:default/logistics"] != 0 {
		t.Errorf("logistics: %+v", logistics)
	}
	again, _ := e.runner(p, e.db, "b").Run(e.ctx, sc, period)
	for _, o := range again.Outcomes {
		if o.Outcome != scorecard.OutcomeAlready {
			t.Errorf("second run: %s %s", o.Team, o.Outcome)
		}
	}
}

// Mixing up a Poster's errors: an error without a kind is retried (it may
// be a network hiccup); the run ends when the period does.
func TestDigestGivesUpWhenThePeriodEnds(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.evaluate()
	e.clock.Advance(time.Hour)
	ctx, stop := context.WithCancel(e.ctx)
	defer stop()
	e.clock.AutoAdvance(ctx)
	p := newFakePoster()
	p.fail = func(_ context.Context, d *scorecard.Digest, n int) error {
		if d.Team == "group:default/platform" {
			return errors.New("connection reset by peer")
		}
		return nil
	}
	sc, _ := e.set.Get(prodReadiness)
	r := scorecard.NewDigestRunner(scorecard.RunnerOptions{Service: e.svc, Store: e.db, Poster: p, Instance: "a",
		Lease: time.Minute, Backoff: time.Second, MaxBackoff: time.Hour, MaxAttempts: 1000})
	rep, err := r.Run(ctx, sc, period)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range rep.Outcomes {
		if o.Team == "group:default/platform" && (o.Outcome != scorecard.OutcomePending || o.Retries < 5) {
			t.Errorf("platform: %+v", o)
		}
	}
	if !e.clock.Now().After(period.Add(6 * 24 * time.Hour)) {
		t.Errorf("gave up at %v, before the period's end", e.clock.Now())
	}
}

// realClock is time passing as it does, from base, with waits cut short
// to a millisecond.
type realClock struct{ base, start time.Time }

func newRealClock(base time.Time) realClock { return realClock{base: base, start: time.Now()} }

func (c realClock) Now() time.Time { return c.base.Add(time.Since(c.start)) }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	return clock.Sleep(ctx, min(d, time.Millisecond))
}

// svcWith is the env's service on another clock.
func (e *env) svcWith(c scorecard.Clock) *scorecard.Service {
	e.t.Helper()
	svc, err := scorecard.New(scorecard.Options{Scorecards: e.set, Catalog: e.cat, Facts: e.db, History: e.db, Clock: c})
	if err != nil {
		e.t.Fatal(err)
	}
	return svc
}
