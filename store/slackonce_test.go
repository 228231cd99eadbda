package store_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/testdb"
	"github.com/gantryhq/gantry/store"
)

// TestClaimOnce: of two replicas (two connections to one database) racing
// for the same keys, exactly one wins each; a claim holds across a reopen
// until it expires, then can be taken again; expired claims are forgotten.
func TestClaimOnce(t *testing.T) {
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			ctx := context.Background()
			url := eng.URL(t)
			a, err := store.Open(ctx, url, nil)
			if err != nil {
				t.Fatal(err)
			}
			b, err := store.Open(ctx, url, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			now := time.Date(2026, 11, 27, 4, 0, 0, 0, time.UTC)
			const keys = 20
			var won [keys]atomic.Int32
			var wg sync.WaitGroup
			for _, db := range []*store.DB{a, b, a, b} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range keys {
						first, err := db.ClaimOnce(ctx, "event:Ev"+string(rune('A'+i)), now, time.Hour)
						if err != nil {
							t.Error(err)
							return
						}
						if first {
							won[i].Add(1)
						}
					}
				}()
			}
			wg.Wait()
			for i := range keys {
				if n := won[i].Load(); n != 1 {
					t.Errorf("key %d claimed %d times, want once", i, n)
				}
			}
			a.Close()
			c, err := store.Open(ctx, url, nil) // a restart
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if first, err := c.ClaimOnce(ctx, "event:EvA", now.Add(59*time.Minute), time.Hour); err != nil || first {
				t.Fatalf("after a restart, within the hour: first=%v err=%v", first, err)
			}
			if first, err := c.ClaimOnce(ctx, "event:EvA", now.Add(61*time.Minute), time.Hour); err != nil || !first {
				t.Fatalf("after the claim expired: first=%v err=%v", first, err)
			}
			if first, err := b.ClaimOnce(ctx, "event:EvA", now.Add(62*time.Minute), time.Hour); err != nil || first {
				t.Fatalf("the renewed claim does not hold: first=%v err=%v", first, err)
			}
			n, err := c.ForgetExpiredClaims(ctx, now.Add(90*time.Minute))
			if err != nil || n != keys-1 {
				t.Fatalf("forgot %d claims (err %v), want %d", n, err, keys-1)
			}
			if first, err := c.ClaimOnce(ctx, "event:EvB", now.Add(91*time.Minute), time.Hour); err != nil || !first {
				t.Fatalf("a forgotten key: first=%v err=%v", first, err)
			}
		})
	}
}
