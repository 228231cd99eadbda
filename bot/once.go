package bot

import (
	"sync"
	"time"
)

// onceSet remembers keys for a while: the event ids already handled (Slack
// redelivers an event whose ack it did not see) and the clicks already
// acted on. It is bounded: when full, the oldest half is forgotten.
type onceSet struct {
	clock Clock
	ttl   time.Duration
	max   int

	mu   sync.Mutex
	seen map[string]time.Time
}

func newOnceSet(clock Clock, ttl time.Duration, max int) *onceSet {
	return &onceSet{clock: clock, ttl: ttl, max: max, seen: map[string]time.Time{}}
}

// first reports whether key is new, and remembers it.
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
