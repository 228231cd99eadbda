package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/testdb"
	"github.com/gantryhq/gantry/scorecard"
	"github.com/gantryhq/gantry/store"
)

var (
	_ scorecard.HistoryStore = (*store.DB)(nil)
	_ scorecard.DigestStore  = (*store.DB)(nil)
	_ scorecard.FactStore    = (*store.DB)(nil)
)

func openEngine(t *testing.T, eng testdb.Engine) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), eng.URL(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func result(sc, ref, team string, level int, states ...scorecard.State) scorecard.EntityResult {
	r := scorecard.EntityResult{Scorecard: sc, Entity: ref, Title: ref, Kind: "Component", Team: team, Level: level,
		LevelName: fmt.Sprint("L", level), Score: float64(10 * level)}
	for i, s := range states {
		r.Rules = append(r.Rules, scorecard.RuleResult{Rule: fmt.Sprint("r", i), State: s, Detail: string(s)})
	}
	return r
}

func TestScorecardHistory(t *testing.T) {
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			ctx := context.Background()
			db := openEngine(t, eng)
			t0 := time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC)
			save := func(at time.Time, rs ...scorecard.EntityResult) *scorecard.Evaluation {
				t.Helper()
				ev := &scorecard.Evaluation{Trigger: "test", StartedAt: at, FinishedAt: at, Entities: 3, Scorecards: []string{"sc"},
					Results: rs, Problems: []string{"a problem"}}
				if err := db.SaveEvaluation(ctx, ev); err != nil {
					t.Fatal(err)
				}
				return ev
			}
			asOf := func(q scorecard.ResultQuery) []scorecard.EntityResult {
				t.Helper()
				rs, err := db.ResultsAsOf(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				return rs
			}
			if _, ok, err := db.LastEvaluation(ctx, time.Time{}); ok || err != nil {
				t.Fatalf("an empty history has a last evaluation: %v %v", ok, err)
			}
			if rs := asOf(scorecard.ResultQuery{Scorecard: "sc"}); len(rs) != 0 {
				t.Fatalf("results of nothing: %v", rs)
			}
			a := result("sc", "component:default/a", "group:default/x", 0, scorecard.StatePass, scorecard.StateFail)
			b := result("sc", "component:default/b", "group:default/y", 1, scorecard.StatePass, scorecard.StatePass)
			e1 := save(t0, a, b)
			if e1.Written != 2 || e1.ID == 0 {
				t.Fatalf("first evaluation: %+v", e1)
			}
			// Nothing changed: nothing written.
			if e2 := save(t0.Add(time.Hour), a, b); e2.Written != 0 || e2.ID <= e1.ID {
				t.Fatalf("unchanged evaluation wrote %d", e2.Written)
			}
			// a is fixed; b leaves the scorecard.
			a2 := result("sc", "component:default/a", "group:default/x", 1, scorecard.StatePass, scorecard.StatePass)
			e3 := save(t0.Add(2*time.Hour), a2)
			if e3.Written != 1 {
				t.Fatalf("third evaluation wrote %d", e3.Written)
			}
			now := asOf(scorecard.ResultQuery{Scorecard: "sc"})
			if len(now) != 1 || now[0].Entity != a2.Entity || now[0].Level != 1 || now[0].Rules[1].State != scorecard.StatePass || !now[0].Since.Equal(e3.FinishedAt) {
				t.Fatalf("now: %+v", now)
			}
			then := asOf(scorecard.ResultQuery{Scorecard: "sc", At: t0.Add(90 * time.Minute)})
			if len(then) != 2 || then[0].Level != 0 || then[0].Rules[1].Detail != "fail" || !then[0].Since.Equal(t0) || then[1].Entity != b.Entity {
				t.Fatalf("as of 08:30: %+v", then)
			}
			if rs := asOf(scorecard.ResultQuery{Scorecard: "sc", At: t0.Add(-time.Minute)}); len(rs) != 0 {
				t.Errorf("before the first evaluation: %v", rs)
			}
			if rs := asOf(scorecard.ResultQuery{Scorecard: "sc", At: t0, Teams: []string{"group:default/y"}}); len(rs) != 1 || rs[0].Entity != b.Entity {
				t.Errorf("by team: %v", rs)
			}
			if rs := asOf(scorecard.ResultQuery{Scorecard: "sc", At: t0, Entities: []string{"Component:default/A"}}); len(rs) != 1 || rs[0].Entity != a.Entity {
				t.Errorf("by entity: %v", rs)
			}
			// b comes back: recorded again.
			if e4 := save(t0.Add(3*time.Hour), a2, b); e4.Written != 1 {
				t.Errorf("b's return wrote %d", e4.Written)
			}
			last, ok, err := db.LastEvaluation(ctx, t0.Add(150*time.Minute))
			if err != nil || !ok || last.ID != e3.ID || last.Problems[0] != "a problem" {
				t.Errorf("last evaluation by 09:30: %+v %v %v", last, ok, err)
			}
			first, ok, err := db.FirstEvaluation(ctx)
			if err != nil || !ok || first.ID != e1.ID || !first.FinishedAt.Equal(t0) {
				t.Errorf("first evaluation: %+v %v %v", first, ok, err)
			}
			// Pruning before 09:30 keeps each entity's outcome as of then.
			n, err := db.PruneHistory(ctx, t0.Add(150*time.Minute))
			if err != nil || n == 0 {
				t.Fatalf("prune: %d %v", n, err)
			}
			if rs := asOf(scorecard.ResultQuery{Scorecard: "sc", At: t0.Add(150 * time.Minute)}); len(rs) != 1 || rs[0].Level != 1 {
				t.Errorf("after pruning, as of 09:30: %+v", rs)
			}
			if rs := asOf(scorecard.ResultQuery{Scorecard: "sc"}); len(rs) != 2 {
				t.Errorf("after pruning, now: %+v", rs)
			}
		})
	}
}

func TestDigestClaims(t *testing.T) {
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			ctx := context.Background()
			db := openEngine(t, eng)
			now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
			k := scorecard.DigestKey{Scorecard: "sc", Team: "group:default/payments", Period: "2026-11-23T08:00:00Z"}
			rec, prev, ok, err := db.ClaimDigest(ctx, k, "a", now, now.Add(time.Minute))
			if err != nil || !ok || prev != nil || rec.Attempts != 1 {
				t.Fatalf("first claim: %+v %v %v %v", rec, prev, ok, err)
			}
			// Another instance may not take a claim whose lease runs.
			if rec, _, ok, _ := db.ClaimDigest(ctx, k, "b", now.Add(30*time.Second), now.Add(90*time.Second)); ok || rec.ClaimedBy != "a" {
				t.Fatalf("b claimed a's digest: %+v", rec)
			}
			if ok, err := db.StartPosting(ctx, k, "a", now, now.Add(time.Minute)); !ok || err != nil {
				t.Fatalf("a could not start posting: %v %v", ok, err)
			}
			if ok, _ := db.StartPosting(ctx, k, "b", now, now.Add(time.Minute)); ok {
				t.Fatal("b started posting a's digest")
			}
			// a dies; once its lease is out, b takes over and sees "posting".
			rec, prev, ok, err = db.ClaimDigest(ctx, k, "b", now.Add(2*time.Minute), now.Add(3*time.Minute))
			if err != nil || !ok || prev == nil || prev.State != scorecard.DigestPosting || prev.ClaimedBy != "a" || rec.Attempts != 2 {
				t.Fatalf("takeover: %+v %+v %v %v", rec, prev, ok, err)
			}
			if ok, _ := db.RenewDigest(ctx, k, "a", now.Add(time.Hour)); ok {
				t.Error("a renewed a claim it lost")
			}
			if ok, _ := db.RenewDigest(ctx, k, "b", now.Add(4*time.Minute)); !ok {
				t.Error("b could not renew its claim")
			}
			// A retry keeps the claim, with the count and the error.
			if err := db.FinishDigest(ctx, k, "b", scorecard.DigestRecord{State: scorecard.DigestClaimed, Retries: 2, Error: "ratelimited", LeaseUntil: now.Add(5 * time.Minute)}, now); err != nil {
				t.Fatal(err)
			}
			if err := db.FinishDigest(ctx, k, "b", scorecard.DigestRecord{State: scorecard.DigestPosted, Channel: "C1", TS: "1.2", Retries: 2}, now.Add(3*time.Minute)); err != nil {
				t.Fatal(err)
			}
			recs, err := db.DigestRecords(ctx, "sc", k.Period)
			if err != nil || len(recs) != 1 || recs[0].State != scorecard.DigestPosted || recs[0].TS != "1.2" || recs[0].Retries != 2 || recs[0].Error != "" || recs[0].PostedAt.IsZero() {
				t.Fatalf("records: %+v %v", recs, err)
			}
			// Posted is final: nobody claims it again, whenever.
			if rec, _, ok, _ := db.ClaimDigest(ctx, k, "c", now.Add(24*time.Hour), now.Add(25*time.Hour)); ok || rec.State != scorecard.DigestPosted {
				t.Errorf("claimed a posted digest: %+v", rec)
			}
			// A released claim is free at once; the same owner may re-claim its own.
			k2 := scorecard.DigestKey{Scorecard: "sc", Team: "", Period: k.Period}
			db.ClaimDigest(ctx, k2, "a", now, now.Add(time.Hour))
			if _, _, ok, _ := db.ClaimDigest(ctx, k2, "a", now, now.Add(time.Hour)); !ok {
				t.Error("a could not re-claim its own digest")
			}
			if err := db.ReleaseDigest(ctx, k2, "a"); err != nil {
				t.Fatal(err)
			}
			if _, prev, ok, _ := db.ClaimDigest(ctx, k2, "b", now, now.Add(time.Hour)); !ok || prev == nil {
				t.Error("b could not take a released claim")
			}
			if err := db.FinishDigest(ctx, k2, "b", scorecard.DigestRecord{State: scorecard.DigestSkipped, Error: "no channel"}, now); err != nil {
				t.Fatal(err)
			}
			if rec, _, ok, _ := db.ClaimDigest(ctx, k2, "c", now.Add(time.Hour*2), now.Add(time.Hour*3)); ok || rec.State != scorecard.DigestSkipped || rec.Error != "no channel" {
				t.Errorf("claimed a skipped digest: %+v", rec)
			}
		})
	}
}

// Many replicas claiming the same digests at once: each is won once.
func TestDigestClaimRace(t *testing.T) {
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			ctx := context.Background()
			db := openEngine(t, eng)
			now := time.Now()
			var mu sync.Mutex
			won := map[string]string{}
			var wg sync.WaitGroup
			for r := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					owner := fmt.Sprint("replica-", r)
					for team := range 20 {
						k := scorecard.DigestKey{Scorecard: "sc", Team: fmt.Sprint("group:default/t", team), Period: "p"}
						_, _, ok, err := db.ClaimDigest(ctx, k, owner, now, now.Add(time.Minute))
						if err != nil {
							t.Error(err)
							return
						}
						if ok {
							mu.Lock()
							if w, dup := won[k.Team]; dup {
								t.Errorf("%s claimed by %s and %s", k.Team, w, owner)
							}
							won[k.Team] = owner
							mu.Unlock()
						}
					}
				}()
			}
			wg.Wait()
			if len(won) != 20 {
				t.Errorf("%d of 20 digests claimed", len(won))
			}
		})
	}
}
