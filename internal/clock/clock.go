// Package clock is the real time for the packages that wait: Sleep, a
// wait that ends early with its context, and Wall, the clock (Now and
// Sleep) that bot and scorecard take unless a test gives them one it moves
// by hand (bottest.Clock). Each of those packages declares the Clock
// interface it needs.
package clock

import (
	"context"
	"time"
)

// Wall is the real time.
type Wall struct{}

// Now returns the current time.
func (Wall) Now() time.Time { return time.Now() }

// Sleep waits for d, or returns ctx's error if ctx ends first.
func (Wall) Sleep(ctx context.Context, d time.Duration) error { return Sleep(ctx, d) }

// Sleep waits for d, or returns ctx's error if ctx ends first. A d of zero
// or less returns at once (ctx's error, if it has ended).
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
