package scorecard_test

import (
	"context"
	"testing"
	"time"

	"github.com/gantryhq/gantry/scorecard"
)

// startScheduler runs the digest schedules until the test ends.
func (e *env) startScheduler(p scorecard.Poster) {
	e.t.Helper()
	ctx, stop := context.WithCancel(e.ctx)
	done := make(chan struct{})
	s := &scorecard.Scheduler{Runner: e.runner(p, e.db, "scheduler")}
	go func() {
		defer close(done)
		s.Run(ctx, nil)
	}()
	e.t.Cleanup(func() { stop(); <-done })
}

// waitPosts waits until n digests were posted in all.
func waitPosts(t *testing.T, p *fakePoster, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		p.mu.Lock()
		got := 0
		for _, c := range p.posts {
			got += c
		}
		p.mu.Unlock()
		if got == n {
			return
		}
		if got > n {
			t.Fatalf("%d digests posted, want %d", got, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %d digests: %v", n, p.posts)
}

func (e *env) waitSleeping() {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.ctx, 20*time.Second)
	defer cancel()
	if err := e.clock.WaitSleepers(ctx, 1); err != nil {
		e.t.Fatal("the scheduler is not waiting for its next run")
	}
}

// The digest goes out at 09:00 in Paris, for that period, once.
func TestSchedulerPostsOnSchedule(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.evaluate() // Monday 08:00 in Paris
	p := newFakePoster()
	e.startScheduler(p)
	e.waitSleeping()
	if sleeping := e.clock.Sleeping(); len(sleeping) != 1 || sleeping[0] != time.Hour {
		t.Fatalf("the scheduler sleeps %v, want an hour (until 09:00 in Paris)", sleeping)
	}
	if len(p.posts) != 0 {
		t.Fatalf("posted before its time: %v", p.posts)
	}
	e.clock.Advance(time.Hour)
	waitPosts(t, p, len(exampleTeams))
	recs, err := e.db.DigestRecords(e.ctx, prodReadiness, "2026-11-23T08:00:00Z")
	if err != nil || len(recs) != len(exampleTeams) {
		t.Fatalf("records of the period: %v %v", recs, err)
	}
	// Then it sleeps until next Monday.
	e.waitSleeping()
	if s := e.clock.Sleeping(); len(s) == 0 || s[len(s)-1] != 7*24*time.Hour {
		t.Errorf("after the run the scheduler sleeps %v", s)
	}
}

// A period missed while Gantry was down is posted when it is back, while
// the period is still current.
func TestSchedulerPostsMissedPeriodAtStart(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.evaluate() // Monday 08:00: Gantry was running before the period began
	e.clock.Advance(26 * time.Hour)
	e.evaluate() // Tuesday 10:00: back after being down through Monday 09:00
	p := newFakePoster()
	e.startScheduler(p)
	waitPosts(t, p, len(exampleTeams))
	recs, _ := e.db.DigestRecords(e.ctx, prodReadiness, "2026-11-23T08:00:00Z")
	if len(recs) != len(exampleTeams) {
		t.Errorf("records: %+v", recs)
	}
}

// A fresh install does not post the period it was installed in: nothing
// was missed.
func TestSchedulerFreshInstallWaitsForTheNextPeriod(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.clock.Advance(26 * time.Hour) // Tuesday 10:00
	e.evaluate()
	p := newFakePoster()
	e.startScheduler(p)
	e.waitSleeping()
	if len(p.posts) != 0 {
		t.Errorf("a fresh install posted %v", p.posts)
	}
	if s := e.clock.Sleeping(); len(s) != 1 || s[0] != 6*24*time.Hour-time.Hour {
		t.Errorf("it sleeps %v, want until next Monday 09:00", s)
	}
}
