package bot

import (
	"context"
	"sync"
	"time"
)

// pacer spaces posts per channel so that a burst (a digest to many teams, a
// flood of answers in one channel) stays inside Slack's "about one message
// per second per channel" instead of collecting 429s. It is a GCRA: a
// short burst goes at once, then one post per interval. Each caller
// reserves its slot before waiting, so concurrent posts to a channel queue
// in order and posts to different channels never wait for each other.
type pacer struct {
	clock    Clock
	interval time.Duration
	burst    int

	mu  sync.Mutex
	tat map[string]time.Time // per channel: the theoretical arrival time of the next post
}

func newPacer(clock Clock, interval time.Duration, burst int) *pacer {
	return &pacer{clock: clock, interval: interval, burst: max(burst, 1), tat: map[string]time.Time{}}
}

// reserve books the next slot in channel and returns how long to wait for it.
func (p *pacer) reserve(channel string) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.clock.Now()
	tat := p.tat[channel]
	if tat.Before(now) {
		tat = now
	}
	tolerance := time.Duration(p.burst-1) * p.interval
	wait := max(tat.Add(-tolerance).Sub(now), 0)
	p.tat[channel] = tat.Add(p.interval)
	if len(p.tat) > 4096 {
		p.pruneLocked(now)
	}
	return wait
}

// wait blocks until channel may be posted to.
func (p *pacer) wait(ctx context.Context, channel string) error {
	if channel == "" {
		return nil
	}
	return p.clock.Sleep(ctx, p.reserve(channel))
}

// penalize pushes channel's next slot past a Retry-After that Slack asked
// for, so that posts queued behind the refused one wait too.
func (p *pacer) penalize(channel string, d time.Duration) {
	if channel == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.clock.Now()
	tolerance := time.Duration(p.burst-1) * p.interval
	if until := now.Add(d).Add(tolerance); p.tat[channel].Before(until) {
		p.tat[channel] = until
	}
}

// pruneLocked forgets channels that have been quiet for a while.
func (p *pacer) pruneLocked(now time.Time) {
	for ch, tat := range p.tat {
		if tat.Before(now) {
			delete(p.tat, ch)
		}
	}
}
