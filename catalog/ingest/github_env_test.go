package ingest_test

import (
	"context"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/catalog/ingest"
	"github.com/gantryhq/gantry/internal/ghclient"
	"github.com/gantryhq/gantry/internal/githubfake"
	"github.com/gantryhq/gantry/store"
)

// ghClock is a fake clock shared by the fake GitHub and the client; its
// Sleep advances it, so rate-limit waits take no time.
type ghClock struct {
	mu    sync.Mutex
	t     time.Time
	slept time.Duration
}

func (c *ghClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *ghClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	c.slept += d
	return ctx.Err()
}

func (c *ghClock) Advance(d time.Duration) { c.Sleep(context.Background(), d) }

// countingState counts the writes a sync makes to the GitHub state and
// facts, so a test can assert that a sync with nothing changed writes
// nothing.
type countingState struct {
	*store.DB
	mu     sync.Mutex
	writes map[string]int
}

func (c *countingState) add(what string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes[what]++
}

func (c *countingState) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.writes {
		n += v
	}
	return n
}

func (c *countingState) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes = map[string]int{}
}

func (c *countingState) PutGitHubRepo(ctx context.Context, source string, r ingest.GitHubRepo) error {
	c.add("repo")
	return c.DB.PutGitHubRepo(ctx, source, r)
}

func (c *countingState) PutGitHubBlob(ctx context.Context, sha string, data []byte) error {
	c.add("blob")
	return c.DB.PutGitHubBlob(ctx, sha, data)
}

func (c *countingState) PutFacts(ctx context.Context, ref, provider string, facts map[string]any, at time.Time) error {
	c.add("facts")
	return c.DB.PutFacts(ctx, ref, provider, facts, at)
}

func (c *countingState) DeleteGitHubRepos(ctx context.Context, source string, ids []int64) error {
	c.add("delete")
	return c.DB.DeleteGitHubRepos(ctx, source, ids)
}

// ghEnv is a fake GitHub, a real SQLite store, a GitHub source and a
// syncer, wired as the app wires them.
type ghEnv struct {
	t      testing.TB
	ctx    context.Context
	clock  *ghClock
	fake   *githubfake.Server
	db     *store.DB
	state  *countingState
	gh     *ghclient.Client
	src    *ingest.GitHubSource
	syncer *ingest.Syncer
	cat    *catalog.Catalog
}

const ghToken = "ghp_gantry"

// newGHEnv builds the environment. The client's pacing is off unless a
// mod turns it on (PerMinute 0: the default pace), since most tests count
// answers on a clock they set themselves; mods change the client's config.
func newGHEnv(t testing.TB, f *githubfake.Fixture, opts ingest.GitHubOptions, mods ...func(*ghclient.Config)) *ghEnv {
	t.Helper()
	if len(f.Tokens) == 0 {
		f.Tokens = []githubfake.Token{{Token: ghToken}}
	}
	clock := &ghClock{t: time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)}
	fake, err := githubfake.New(f, githubfake.WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	if err := fake.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fake.Close() })
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "gantry.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cfg := ghclient.Config{BaseURL: fake.URL() + "/api/v3/", Token: f.Tokens[0].Token,
		Now: clock.Now, Sleep: clock.Sleep, PerMinute: -1}
	for _, mod := range mods {
		mod(&cfg)
	}
	gh, err := ghclient.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if opts.Org == "" && opts.User == "" {
		opts.Org = "acme"
	}
	opts.Now = clock.Now
	state := &countingState{DB: db, writes: map[string]int{}}
	cat, err := catalog.New(db)
	if err != nil {
		t.Fatal(err)
	}
	return &ghEnv{t: t, ctx: ctx, clock: clock, fake: fake, db: db, state: state, gh: gh,
		src:    ingest.NewGitHubSource("acme-github", gh.Client, state, state, db, opts),
		syncer: ingest.NewSyncer(db, nil), cat: cat}
}

// sync syncs the source, failing the test on an error.
func (e *ghEnv) sync() ingest.Result {
	e.t.Helper()
	res, err := e.syncer.Sync(e.ctx, e.src)
	if err != nil {
		e.t.Fatalf("sync: %v", err)
	}
	return res
}

// entity returns a stored entity, or nil.
func (e *ghEnv) entity(ref string) *catalog.Entity {
	e.t.Helper()
	got, err := e.db.Entities(e.ctx, []catalog.Ref{catalog.MustParseRef(ref)})
	if err != nil {
		e.t.Fatal(err)
	}
	if len(got) == 0 {
		return nil
	}
	return &got[0]
}

// refs lists every stored ref, sorted.
func (e *ghEnv) refs() []string {
	e.t.Helper()
	rs, err := e.db.Refs(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.String()
	}
	sort.Strings(out)
	return out
}

// paced turns on the client's default pacing (on the test's clock).
func paced(cfg *ghclient.Config) { cfg.PerMinute = 0 }

// calls returns the fake's answers by route, and resets them.
func (e *ghEnv) calls() githubfake.CallStats {
	c := e.fake.Calls()
	e.fake.ResetCalls()
	return c
}

func problems(res ingest.Result) string {
	var lines []string
	for _, p := range res.Problems {
		lines = append(lines, p.String())
	}
	return strings.Join(lines, "\n")
}

func notes(res ingest.Result) string {
	var lines []string
	for _, n := range res.Notes {
		lines = append(lines, n.String())
	}
	return strings.Join(lines, "\n")
}

// Routes of the fake, as its call counter names them.
const (
	routeList       = "GET /orgs/{org}/repos"
	routeTree       = "GET /repos/{owner}/{repo}/git/trees/{sha}"
	routeBlob       = "GET /repos/{owner}/{repo}/git/blobs/{sha}"
	routeTeams      = "GET /repos/{owner}/{repo}/teams"
	routeBranch     = "GET /repos/{owner}/{repo}/branches/{branch}"
	routeProtection = "GET /repos/{owner}/{repo}/branches/{branch}/protection"
	routePulls      = "GET /repos/{owner}/{repo}/pulls"
	routeRuns       = "GET /repos/{owner}/{repo}/actions/runs"
)
