package bot_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/gantryhq/gantry/bot/bottest"
	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/scorecard"
	"github.com/gantryhq/gantry/store"
)

// scorecardFixture is scorecards over the example catalog with a week of
// history: on Wednesday 18 November every payments service had GitHub
// facts except seller-payouts; by Wednesday 25 November (bottest.Now)
// checkout added CODEOWNERS (up to Gold) and refunds-worker's CI broke
// (down to Bronze).
type scorecardFixture struct {
	svc   *scorecard.Service
	set   *scorecard.Set
	db    *store.DB
	clock *bottest.Clock
	cat   *catalog.Catalog
}

func newScorecardFixture(t testing.TB, cat *catalog.Catalog) *scorecardFixture {
	t.Helper()
	db := cat.Store().(*store.DB)
	set, problems, err := scorecard.Load([]string{filepath.Join("..", "examples", "scorecards"), filepath.Join("testdata", "scorecards")}, scorecard.LoadOptions{})
	if err != nil || len(problems) > 0 {
		t.Fatalf("scorecards: %v %v", err, problems)
	}
	clock := bottest.NewClock(bottest.Now.Add(-7 * 24 * time.Hour))
	svc, err := scorecard.New(scorecard.Options{Scorecards: set, Catalog: cat, Facts: db, History: db, Clock: clock,
		FallbackChannel: "#engineering"})
	if err != nil {
		t.Fatal(err)
	}
	f := &scorecardFixture{svc: svc, set: set, db: db, clock: clock, cat: cat}
	f.github("checkout", map[string]any{"has_codeowners": false})
	f.github("payment-gateway", nil)
	f.github("refunds-worker", map[string]any{"has_security_md": false})
	f.github("ledger", map[string]any{"open_pull_requests": 3, "oldest_open_pull_request_at": clock.Now().Add(-40 * 24 * time.Hour).Format(time.RFC3339)})
	f.github("label-printer", nil)
	f.evaluate(t)
	clock.Advance(7 * 24 * time.Hour)
	f.github("checkout", nil)
	f.github("refunds-worker", map[string]any{"has_security_md": false, "latest_run_conclusion": "failure"})
	f.evaluate(t)
	return f
}

func (f *scorecardFixture) evaluate(t testing.TB) {
	t.Helper()
	if _, err := f.svc.Evaluate(context.Background(), "test"); err != nil {
		t.Fatal(err)
	}
}

// github records every fact passing for component name, with overrides
// (nil deletes a fact).
func (f *scorecardFixture) github(name string, overrides map[string]any) {
	now := f.clock.Now()
	facts := map[string]any{
		"repo": "bramble/" + name, "default_branch": "main", "has_readme": true, "has_codeowners": true,
		"has_security_md": true, "has_dependency_updates": true, "has_workflows": true,
		"pushed_at": now.Add(-72 * time.Hour).Format(time.RFC3339), "branch_protected": true, "required_reviews": 1,
		"open_pull_requests": 0, "latest_run_conclusion": "success", "latest_run_at": now.Add(-2 * time.Hour).Format(time.RFC3339),
	}
	for k, v := range overrides {
		if v == nil {
			delete(facts, k)
		} else {
			facts[k] = v
		}
	}
	if err := f.db.PutFacts(context.Background(), "component:default/"+name, scorecard.ProviderGitHub, facts, now); err != nil {
		panic(err)
	}
}

// digest composes one team's digest for the period starting on Monday 23
// November at 09:00 in Paris, compared with the first evaluation.
func (f *scorecardFixture) digest(t testing.TB, sc, team string) *scorecard.Digest {
	t.Helper()
	card, err := f.set.Get(sc)
	if err != nil {
		t.Fatal(err)
	}
	period := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	ds, err := f.svc.ComposeDigests(context.Background(), card, period, bottest.Now.Add(-7*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.Team == team {
			return d
		}
	}
	t.Fatalf("no digest for %q", team)
	return nil
}
