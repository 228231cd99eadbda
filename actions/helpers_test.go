package actions_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/gantryhq/gantry/actions"
	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/catalog/ingest"
	"github.com/gantryhq/gantry/internal/testdb"
	"github.com/gantryhq/gantry/store"
)

// repoRoot is the repository's top folder.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..")
}

// env is a store with the example catalog (Bramble) on one engine.
type env struct {
	t   testing.TB
	ctx context.Context
	db  *store.DB
	cat *catalog.Catalog
}

// newEnv opens a fresh database on eng and syncs the example catalog in.
func newEnv(t testing.TB, eng testdb.Engine) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	db, err := store.Open(ctx, eng.URL(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	src := ingest.NewFileSource("examples", filepath.Join(repoRoot(), "examples", "catalog", "all.yaml"))
	if res, err := ingest.NewSyncer(db, nil).Sync(ctx, src); err != nil || len(res.Problems) > 0 {
		t.Fatalf("sync: %v %v", err, res.Problems)
	}
	cat, err := catalog.New(db)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, ctx: ctx, db: db, cat: cat}
}

// People of the example catalog.
var (
	priya = actions.Actor{SlackID: "U0PAY0001", Ref: "user:default/priya", Name: "Priya Raman"}
	marco = actions.Actor{SlackID: "U0PAY0002", Ref: "user:default/marco", Name: "Marco Bianchi"}
	alice = actions.Actor{SlackID: "U0PLT0001", Ref: "user:default/alice", Name: "Alice Nakamura"}
	bash  = actions.Actor{SlackID: "U0PLT0002", Ref: "user:default/bashir", Name: "Bashir Haddad"}
	chen  = actions.Actor{SlackID: "U0PLT0003", Ref: "user:default/chen", Name: "Chen"}
	nobod = actions.Actor{SlackID: "U0NOBODY1"}
)

// parseAction validates one definition given as YAML.
func parseAction(t testing.TB, yaml string, secrets ...string) *actions.Action {
	t.Helper()
	acts, probs := actions.Parse("test.yaml", []byte(yaml))
	if len(probs) > 0 {
		t.Fatalf("parse: %v", probs)
	}
	valid, probs := actions.Validate(acts, actions.LoadOptions{Secrets: secrets})
	if len(probs) > 0 || len(valid) != 1 {
		t.Fatalf("validate: %v", probs)
	}
	return valid[0]
}

// clock is a settable clock for engines under test.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// engine builds an engine over the env with steps, serving until the test
// ends (unless noServe).
func (e *env) engine(steps map[string]actions.StepRunner, mod func(*actions.Options)) *actions.Engine {
	e.t.Helper()
	opts := actions.Options{Store: e.db, Catalog: e.cat, Steps: steps, SweepInterval: 50 * time.Millisecond,
		Sleep: func(ctx context.Context, d time.Duration) error {
			// Steps that poll wait a little in real time, whatever they asked.
			select {
			case <-time.After(min(d, 20*time.Millisecond)):
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}}
	if mod != nil {
		mod(&opts)
	}
	eng, err := actions.NewEngine(opts)
	if err != nil {
		e.t.Fatal(err)
	}
	return eng
}

// serve runs eng until the returned stop is called (or the test ends).
func serve(t testing.TB, eng *actions.Engine) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = eng.Serve(ctx)
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			<-done
		})
	}
	t.Cleanup(stop)
	return stop
}

// waitState waits until the run is in one of states.
func waitState(t testing.TB, eng *actions.Engine, id string, states ...actions.State) *actions.Run {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		r, err := eng.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range states {
			if r.State == s {
				return r
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s is %s after 60s, want %v (error %q)", id, r.State, states, r.Error)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// events lists a run's audit events as "event step" strings.
func events(t testing.TB, eng *actions.Engine, id string) []string {
	t.Helper()
	trail, err := eng.Audit(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range trail {
		s := e.Event
		if e.Step != "" {
			s += " " + e.Step
		}
		out = append(out, s)
	}
	return out
}

// countStep counts calls, optionally failing the first n of them.
type countStep struct {
	mu    sync.Mutex
	calls int
	fail  int
	out   func(sc *actions.StepContext) map[string]any
}

func (c *countStep) Run(ctx context.Context, sc *actions.StepContext) (map[string]any, error) {
	c.mu.Lock()
	c.calls++
	n := c.calls
	c.mu.Unlock()
	if n <= c.fail {
		return nil, fmt.Errorf("planned failure %d", n)
	}
	if c.out != nil {
		return c.out(sc), nil
	}
	return map[string]any{"n": n, "status": 200}, nil
}

func (c *countStep) Calls() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls
}

func enginesSQLite() testdb.Engine { return testdb.Engines()[0] }
