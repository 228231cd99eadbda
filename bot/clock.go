package bot

import (
	"context"
	"time"
)

// Clock is what the bot waits on: Retry-After, backoff between retries and
// per-channel pacing, and the expiry of its caches. Production uses the
// wall clock (clock.Wall); tests substitute one they move by hand (bottest.Clock), so
// that "the message arrives after Retry-After" is checked without sleeping.
type Clock interface {
	Now() time.Time
	// Sleep waits for d, or returns ctx's error if ctx ends first.
	Sleep(ctx context.Context, d time.Duration) error
}
