package actions_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gantryhq/gantry/actions"
)

// heldNotifier blocks every RunChanged until released, and records the
// state each call read and how many ran at once for one run.
type heldNotifier struct {
	en      *actions.Engine
	release chan struct{}
	failN   int // the first failN calls fail

	mu      sync.Mutex
	calls   int
	busy    map[string]int
	overlap bool
	seen    []actions.State
}

func (h *heldNotifier) RunChanged(ctx context.Context, id string) error {
	h.mu.Lock()
	h.calls++
	n := h.calls
	if h.busy[id]++; h.busy[id] > 1 {
		h.overlap = true
	}
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		h.busy[id]--
		h.mu.Unlock()
	}()
	if h.release != nil {
		select {
		case <-h.release:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if n <= h.failN {
		return errors.New("slack: service_unavailable")
	}
	r, err := h.en.Get(ctx, id)
	if err != nil {
		return err
	}
	h.mu.Lock()
	h.seen = append(h.seen, r.State)
	h.mu.Unlock()
	return nil
}

func (h *heldNotifier) DeliverSecret(context.Context, *actions.Run, actions.Secret) error { return nil }

func (h *heldNotifier) snapshot() (calls int, seen []actions.State, overlap bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.calls, append([]actions.State(nil), h.seen...), h.overlap
}

// TestSlowNotifierDoesNotStallRuns: with the notifier stuck on its first
// call, a run still goes through all its steps; once released, the
// notifier is called once more (the changes meanwhile coalesce) and shows
// the run done; calls for one run never overlap.
func TestSlowNotifierDoesNotStallRuns(t *testing.T) {
	e := newEnv(t, enginesSQLite())
	step := &countStep{}
	en := e.engine(map[string]actions.StepRunner{actions.UsesHTTPRequest: step}, nil)
	held := &heldNotifier{en: en, release: make(chan struct{}), busy: map[string]int{}}
	en.SetNotifier(held)
	serve(t, en)
	run, errs, err := en.Submit(e.ctx, actions.SubmitRequest{Action: pingDef(t, "none"), Requester: priya, Inputs: map[string]string{"name": "slow"}})
	if err != nil || len(errs) > 0 {
		t.Fatalf("submit: %v %v", err, errs)
	}
	if r := waitState(t, en, run.ID, actions.StateSucceeded, actions.StateFailed); r.State != actions.StateSucceeded {
		t.Fatalf("run: %s %q", r.State, r.Error)
	}
	if calls, seen, _ := held.snapshot(); calls != 1 || len(seen) != 0 || step.Calls() != 2 {
		t.Fatalf("while the notifier was stuck: %d calls (want 1, still stuck), %v shown, %d steps run", calls, seen, step.Calls())
	}
	close(held.release)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := en.WaitNotified(ctx); err != nil {
		t.Fatal(err)
	}
	calls, seen, overlap := held.snapshot()
	if calls != 2 || len(seen) != 2 || seen[1] != actions.StateSucceeded || overlap {
		t.Fatalf("after release: %d calls (want 2), shown %v (want the last succeeded), overlapping calls %v", calls, seen, overlap)
	}
}

// TestNotificationRetriesAreBounded: a failing notification is tried
// NotifyAttempts times, then given up until the run's next change.
func TestNotificationRetriesAreBounded(t *testing.T) {
	e := newEnv(t, enginesSQLite())
	en := e.engine(nil, func(o *actions.Options) { o.NotifyAttempts = 3 })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	def := pingDef(t, "{groups: [platform], required: 1}") // the run waits: one change
	for _, tc := range []struct {
		failN, calls int
		shown        bool
	}{
		{failN: 2, calls: 3, shown: true}, // fails twice, the third try shows it
		{failN: 99, calls: 3},             // Slack stays down: three tries, then it stops
	} {
		held := &heldNotifier{en: en, failN: tc.failN, busy: map[string]int{}}
		en.SetNotifier(held)
		if _, _, err := en.Submit(e.ctx, actions.SubmitRequest{Action: def, Requester: priya, Inputs: map[string]string{"name": fmt.Sprintf("retry-%d", tc.failN)}}); err != nil {
			t.Fatal(err)
		}
		if err := en.WaitNotified(ctx); err != nil {
			t.Fatal(err)
		}
		calls, seen, _ := held.snapshot()
		if calls != tc.calls || (len(seen) == 1) != tc.shown {
			t.Fatalf("failing %d times: %d calls (want %d), shown %v", tc.failN, calls, tc.calls, seen)
		}
	}
}

// gateStep holds every call until released, and records how many calls
// were in flight at once.
type gateStep struct {
	started chan struct{}
	release chan struct{}

	mu       sync.Mutex
	inFlight int
	most     int
}

func (g *gateStep) Run(ctx context.Context, sc *actions.StepContext) (map[string]any, error) {
	g.mu.Lock()
	g.inFlight++
	g.most = max(g.most, g.inFlight)
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.inFlight--
		g.mu.Unlock()
	}()
	g.started <- struct{}{}
	select {
	case <-g.release:
		return map[string]any{"status": 200}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// TestConcurrencyBound: with MaxConcurrent = 3 and 10 runs queued, the
// steps of exactly 3 runs start and are held; then the steps are let go
// one at a time until every run is done, and the most ever in flight is
// 3. No clock is read: each step holds until the test lets one go.
func TestConcurrencyBound(t *testing.T) {
	const bound, runs = 3, 10
	e := newEnv(t, enginesSQLite())
	gate := &gateStep{started: make(chan struct{}, 2*runs*2), release: make(chan struct{})}
	en := e.engine(map[string]actions.StepRunner{actions.UsesHTTPRequest: gate}, func(o *actions.Options) { o.MaxConcurrent = bound })
	def := pingDef(t, "none")
	ids := make([]string, runs)
	for i := range runs {
		r, errs, err := en.Submit(e.ctx, actions.SubmitRequest{Action: def, Requester: priya, Inputs: map[string]string{"name": fmt.Sprintf("bound-%d", i)}})
		if err != nil || len(errs) > 0 {
			t.Fatalf("submit: %v %v", err, errs)
		}
		ids[i] = r.ID
	}
	serve(t, en)
	wait := func(what string) {
		t.Helper()
		select {
		case <-gate.started:
		case <-time.After(time.Minute): // a deadlock guard, not a measure
			t.Fatalf("no step started: %s", what)
		}
	}
	for i := range bound {
		wait(fmt.Sprintf("the first %d runs' steps (got %d)", bound, i))
	}
	// Three steps are held. Were the bound broken, a fourth would have
	// started by the time every queued run was looked at: count the runs
	// running, from the store, until the dispatcher has nothing to add.
	running := func() int {
		n := 0
		for _, id := range ids {
			r, err := en.Get(e.ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if r.State == actions.StateRunning {
				n++
			}
		}
		return n
	}
	en.Kick()
	if n := running(); n != bound {
		t.Fatalf("%d runs running with the bound at %d", n, bound)
	}
	// Let the steps go one at a time: each release is taken by a step in
	// flight (the send waits for one to start).
	for i := range 2 * runs {
		select {
		case gate.release <- struct{}{}:
		case <-time.After(time.Minute): // a deadlock guard, not a measure
			t.Fatalf("no step took release %d", i+1)
		}
	}
	for _, id := range ids {
		if r := waitState(t, en, id, actions.StateSucceeded, actions.StateFailed); r.State != actions.StateSucceeded {
			t.Fatalf("run %s: %s %q", id, r.State, r.Error)
		}
	}
	gate.mu.Lock()
	defer gate.mu.Unlock()
	if gate.most != bound {
		t.Fatalf("at most %d steps in flight, want exactly %d", gate.most, bound)
	}
}
