package bot

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Claims keeps once-claims where every replica and the next process see
// them: a key claimed there is not claimed again until its ttl passes.
// *store.DB implements it (table slack_once).
type Claims interface {
	// ClaimOnce reports whether this caller is the first to claim key (or
	// the first since an earlier claim expired).
	ClaimOnce(ctx context.Context, key string, now time.Time, ttl time.Duration) (bool, error)
	// ForgetExpiredClaims deletes the claims expired before now.
	ForgetExpiredClaims(ctx context.Context, now time.Time) (int64, error)
}

// claimTimeout bounds a claim in the database: past it, the side effect
// goes ahead (answering twice beats not answering).
const claimTimeout = 2 * time.Second

// forgetEvery is how often expired claims are deleted, at most.
const forgetEvery = 10 * time.Minute

// onceSet remembers keys for a while: the event ids already handled (Slack
// redelivers an event whose ack it did not see) and the clicks already
// acted on. In memory it is bounded (when full, the oldest half is
// forgotten) and per process; with Claims, a key is also claimed in the
// database, so that a restarted process or another replica does not act on
// it a second time.
type onceSet struct {
	clock  Clock
	ttl    time.Duration
	max    int
	claims Claims // nil: memory only
	log    *slog.Logger

	forgotAt atomic.Int64 // unix nanoseconds of the last ForgetExpiredClaims

	mu   sync.Mutex
	seen map[string]time.Time
}

func newOnceSet(clock Clock, ttl time.Duration, max int, claims Claims, log *slog.Logger) *onceSet {
	return &onceSet{clock: clock, ttl: ttl, max: max, claims: claims, log: log, seen: map[string]time.Time{}}
}

// first reports whether key is new to this process, and remembers it. It
// takes microseconds: the read loop calls it.
func (o *onceSet) first(key string) bool {
	now := o.clock.Now()
	o.mu.Lock()
	defer o.mu.Unlock()
	if t, ok := o.seen[key]; ok && now.Sub(t) < o.ttl {
		return false
	}
	if len(o.seen) >= o.max {
		o.pruneLocked(now)
	}
	o.seen[key] = now
	return true
}

// shared reports whether key is claimed here first across processes: true
// without Claims, or when the database does not answer in time (logged:
// the side effect may then happen twice rather than never). It waits for
// the database, so it runs in a handler, never in the read loop.
func (o *onceSet) shared(ctx context.Context, key string) bool {
	if o.claims == nil {
		return true
	}
	now := o.clock.Now()
	ctx, cancel := context.WithTimeout(ctx, claimTimeout)
	defer cancel()
	first, err := o.claims.ClaimOnce(ctx, key, now, o.ttl)
	if err != nil {
		loggerFrom(ctx, o.log).Warn("could not claim in the database; going ahead, so this may happen twice", "key", key, "err", err)
		return true
	}
	o.forgetExpired(ctx, now)
	return first
}

// claim is first and then shared: whether this process, and then every
// process, sees key for the first time.
func (o *onceSet) claim(ctx context.Context, key string) bool {
	return o.first(key) && o.shared(ctx, key)
}

// forgetExpired deletes expired claims from the database, at most every
// forgetEvery.
func (o *onceSet) forgetExpired(ctx context.Context, now time.Time) {
	last := o.forgotAt.Load()
	if last != 0 && now.Sub(time.Unix(0, last)) < forgetEvery {
		return
	}
	if !o.forgotAt.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	if n, err := o.claims.ForgetExpiredClaims(ctx, now); err != nil {
		loggerFrom(ctx, o.log).Warn("could not delete expired once-claims", "err", err)
	} else if n > 0 {
		loggerFrom(ctx, o.log).Debug("deleted expired once-claims", "count", n)
	}
}

func (o *onceSet) pruneLocked(now time.Time) {
	for k, t := range o.seen {
		if now.Sub(t) >= o.ttl {
			delete(o.seen, k)
		}
	}
	if len(o.seen) < o.max {
		return
	}
	// Still full of fresh keys: drop the older half.
	var oldest time.Time
	for _, t := range o.seen {
		if oldest.IsZero() || t.Before(oldest) {
			oldest = t
		}
	}
	cut := oldest.Add(now.Sub(oldest) / 2)
	for k, t := range o.seen {
		if !t.After(cut) {
			delete(o.seen, k)
		}
	}
}
