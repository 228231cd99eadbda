// Package bottest runs the production bot against a Slack-compatible
// server (internal/slackfake) over loopback, with the example catalog, for
// tests of the bot and of the features that plug into it (actions,
// scorecards). It also provides a manual Clock that the fake and the bot
// can share, so that Retry-After, backoff and pacing are tested without
// sleeping.
package bottest

import (
	"context"
	"sort"
	"sync"
	"time"
)

// Clock is a clock that moves only when told. It implements bot.Clock, and
// its Now fits slackfake.Options.Now, so both sides of a test agree on the
// time.
type Clock struct {
	mu       sync.Mutex
	now      time.Time
	sleepers []*sleeper
	changed  chan struct{} // closed and replaced when a sleeper arrives or leaves
}

type sleeper struct {
	until time.Time
	wake  chan struct{}
}

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock {
	return &Clock{now: t, changed: make(chan struct{})}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep blocks until the clock is advanced by d, or ctx ends.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	c.mu.Lock()
	s := &sleeper{until: c.now.Add(d), wake: make(chan struct{})}
	c.sleepers = append(c.sleepers, s)
	c.notifyLocked()
	c.mu.Unlock()
	select {
	case <-s.wake:
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		for i, x := range c.sleepers {
			if x == s {
				c.sleepers = append(c.sleepers[:i], c.sleepers[i+1:]...)
				break
			}
		}
		c.notifyLocked()
		c.mu.Unlock()
		return ctx.Err()
	}
}

func (c *Clock) notifyLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// Advance moves the clock forward and wakes the sleepers whose time came.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	keep := c.sleepers[:0]
	for _, s := range c.sleepers {
		if !s.until.After(c.now) {
			close(s.wake)
		} else {
			keep = append(keep, s)
		}
	}
	c.sleepers = keep
	c.notifyLocked()
}

// Sleeping returns how long each current sleeper still has to wait,
// shortest first.
func (c *Clock) Sleeping() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]time.Duration, len(c.sleepers))
	for i, s := range c.sleepers {
		out[i] = s.until.Sub(c.now)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// WaitSleepers waits until at least n goroutines are sleeping on the clock
// (the bot is waiting out a Retry-After, say), or ctx ends.
func (c *Clock) WaitSleepers(ctx context.Context, n int) error {
	for {
		c.mu.Lock()
		have, changed := len(c.sleepers), c.changed
		c.mu.Unlock()
		if have >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// AutoAdvance moves the clock forward whenever something sleeps on it, to
// the earliest sleeper's wake-up time, until ctx ends: waits (pacing,
// Retry-After) still happen in order and are still measured on the clock,
// but take no real time. Use it for tests that are not about the waits.
func (c *Clock) AutoAdvance(ctx context.Context) {
	go func() {
		for {
			if err := c.WaitSleepers(ctx, 1); err != nil {
				return
			}
			if s := c.Sleeping(); len(s) > 0 {
				c.Advance(max(s[0], 0))
			}
		}
	}()
}
