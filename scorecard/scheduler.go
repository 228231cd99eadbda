package scorecard

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Scheduler posts each scorecard's digest on its schedule, in its time
// zone. The schedules are robfig/cron's; the waiting is the Scheduler's
// own, on the service's Clock, so that each run knows the exact scheduled
// time it is for (the period's key) and tests can move time.
//
// At start-up, each scorecard's current period (the latest scheduled time
// not after now) is run too, if Gantry was already evaluating before it
// began: a period missed while Gantry was down is posted as soon as it is
// back, while it is still current; digests already posted are skipped by
// the runner, and claims left by a process that died are taken over once
// their lease runs out.
type Scheduler struct {
	Runner *DigestRunner
	Log    *slog.Logger
}

// Run runs the schedules until ctx ends. ready, when not nil, is waited
// for first (the first catalog sync and evaluation).
func (s *Scheduler) Run(ctx context.Context, ready <-chan struct{}) error {
	if ready != nil {
		select {
		case <-ready:
		case <-ctx.Done():
			return nil
		}
	}
	log := s.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var wg sync.WaitGroup
	for _, sc := range s.Runner.o.Service.Scorecards().All() {
		if sc.Digest == nil || sc.Digest.sched == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.loop(ctx, sc, log)
		}()
	}
	wg.Wait()
	return nil
}

func (s *Scheduler) loop(ctx context.Context, sc *Scorecard, log *slog.Logger) {
	svc := s.Runner.o.Service
	clock := svc.Clock()
	if start, ok := s.missed(ctx, sc, log); ok {
		log.Info("digest: posting the current period at start-up", "scorecard", sc.Name, "period", PeriodKey(start))
		s.run(ctx, sc, start, log)
	}
	for ctx.Err() == nil {
		now := clock.Now()
		next := sc.Digest.Next(now)
		if next.IsZero() {
			log.Warn("digest: the schedule never fires again", "scorecard", sc.Name, "schedule", sc.Digest.Schedule)
			return
		}
		log.Debug("digest: next run", "scorecard", sc.Name, "at", next.In(sc.Digest.Location()))
		if err := clock.Sleep(ctx, next.Sub(now)); err != nil {
			return
		}
		s.run(ctx, sc, next, log)
	}
}

// missed returns the current period when it should be run at start-up:
// it began while Gantry was already evaluating (so it was missed, or
// interrupted), and it is still current.
func (s *Scheduler) missed(ctx context.Context, sc *Scorecard, log *slog.Logger) (time.Time, bool) {
	svc := s.Runner.o.Service
	start, _, ok := sc.Digest.Period(svc.Clock().Now())
	if !ok {
		return time.Time{}, false
	}
	first, ok, err := svc.o.History.FirstEvaluation(ctx)
	if err != nil {
		log.Warn("digest: reading history", "err", err)
		return time.Time{}, false
	}
	if !ok || first.FinishedAt.After(start) {
		return time.Time{}, false // Gantry was not running before this period began
	}
	return start, true
}

// run runs one period; the runner logs what it did.
func (s *Scheduler) run(ctx context.Context, sc *Scorecard, period time.Time, log *slog.Logger) {
	if _, err := s.Runner.Run(ctx, sc, period); err != nil && ctx.Err() == nil {
		log.Error("digest run failed", "scorecard", sc.Name, "period", PeriodKey(period), "err", err)
	}
}
