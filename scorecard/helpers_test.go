package scorecard_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/gantryhq/gantry/bot/bottest"
	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/catalog/ingest"
	"github.com/gantryhq/gantry/internal/testdb"
	"github.com/gantryhq/gantry/scorecard"
	"github.com/gantryhq/gantry/store"
)

// Monday 23 November 2026, 08:00 in Paris (07:00 UTC): an hour before
// the example scorecard's digest.
var t0 = time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC)

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..")
}

func examplePath(parts ...string) string {
	return filepath.Join(append([]string{repoRoot(), "examples"}, parts...)...)
}

// env is the example catalog in a fresh database, with scorecards over it
// on a clock that moves only when told.
type env struct {
	t     testing.TB
	ctx   context.Context
	db    *store.DB
	cat   *catalog.Catalog
	clock *bottest.Clock
	set   *scorecard.Set
	svc   *scorecard.Service
}

type envOptions struct {
	url        string   // database (default: a fresh SQLite file)
	paths      []string // scorecard definitions (default: the example)
	costLimit  uint64
	fallback   string
	prometheus *scorecard.Prometheus
}

func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	ctx := context.Background()
	if o.url == "" {
		o.url = testdb.SQLite(t)
	}
	db, err := store.Open(ctx, o.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	res, err := ingest.NewSyncer(db, nil).Sync(ctx, ingest.NewFileSource("examples", examplePath("catalog", "all.yaml")))
	if err != nil || len(res.Problems) > 0 {
		t.Fatalf("sync: %v %v", err, res.Problems)
	}
	if len(o.paths) == 0 {
		o.paths = []string{examplePath("scorecards")}
	}
	set, problems, err := scorecard.Load(o.paths, scorecard.LoadOptions{CostLimit: o.costLimit})
	if err != nil || len(problems) > 0 {
		t.Fatalf("load: %v %v", err, problems)
	}
	clock := bottest.NewClock(t0)
	cat, err := catalog.New(db, catalog.WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := scorecard.New(scorecard.Options{Scorecards: set, Catalog: cat, Facts: db, History: db, Prometheus: o.prometheus,
		FallbackChannel: o.fallback, Lock: db.TryLockSync, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, ctx: ctx, db: db, cat: cat, clock: clock, set: set, svc: svc}
}

// evaluate runs an evaluation and fails the test on error.
func (e *env) evaluate() *scorecard.Evaluation {
	e.t.Helper()
	ev, err := e.svc.Evaluate(e.ctx, "test")
	if err != nil {
		e.t.Fatal(err)
	}
	return ev
}

// result returns an entity's latest result on a scorecard.
func (e *env) result(sc, ref string) scorecard.EntityResult {
	e.t.Helper()
	rs, err := e.svc.Results(e.ctx, sc, time.Time{})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, r := range rs {
		if r.Entity == ref {
			return r
		}
	}
	e.t.Fatalf("no result for %s on %s", ref, sc)
	return scorecard.EntityResult{}
}

// putGitHub records github facts for an entity: every fact passing, with
// overrides.
func (e *env) putGitHub(ref string, overrides map[string]any) {
	e.t.Helper()
	f := map[string]any{
		"repo": "bramble/" + ref[len("component:default/"):], "default_branch": "main", "visibility": "private",
		"archived": false, "fork": false, "empty": false, "has_readme": true, "has_codeowners": true,
		"has_security_md": true, "has_dependabot": true, "has_renovate": false, "has_dependency_updates": true,
		"has_workflows": true, "pushed_at": e.clock.Now().Add(-48 * time.Hour).Format(time.RFC3339), "days_since_push": 2,
		"branch_protected": true, "required_reviews": 1, "required_status_checks": []any{"ci"},
		"open_pull_requests": 0, "latest_run_conclusion": "success", "latest_run_at": e.clock.Now().Add(-time.Hour).Format(time.RFC3339),
	}
	for k, v := range overrides {
		if v == nil {
			delete(f, k)
		} else {
			f[k] = v
		}
	}
	if err := e.db.PutFacts(e.ctx, ref, scorecard.ProviderGitHub, f, e.clock.Now()); err != nil {
		e.t.Fatal(err)
	}
}

const prodReadiness = "production-readiness"

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
