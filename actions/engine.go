package actions

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gantryhq/gantry/internal/clock"
	"github.com/gantryhq/gantry/internal/errkind"
)

// Notifier tells people about runs; the Slack glue implements it.
type Notifier interface {
	// RunChanged shows the run's latest state where people follow it: the
	// requester's message and the approval requests, posted the first
	// time and updated in place after. It reads the run itself, so one
	// call may stand for several changes. The engine calls it off the
	// step path (notify.go), one call at a time per run, and calls again
	// (a bounded number of times) when it returns an error: it must be
	// safe to repeat.
	RunChanged(ctx context.Context, runID string) error
	// DeliverSecret sends s to the run's requester, and to nobody else, in
	// a direct message.
	DeliverSecret(ctx context.Context, run *Run, s Secret) error
}

// Options configure an Engine. Store and Catalog are required.
type Options struct {
	Store   RunStore
	Catalog Catalog
	// Steps are the step runners by `uses`; a step whose runner is missing
	// fails with a sentence saying what to configure.
	Steps map[string]StepRunner
	// Secrets are the values templates read as secrets.NAME.
	Secrets map[string]string
	// MaxConcurrent bounds the runs executing at once (default 4).
	MaxConcurrent int
	// Lease is how long a claim on a running run lasts without renewal
	// (default 2m): a run whose engine died is resumed by another after it.
	Lease time.Duration
	// SweepInterval is how often waiting work is looked for (default 15s).
	SweepInterval time.Duration
	// Instance names this engine in leases (default host and process).
	Instance string
	Now      func() time.Time
	Sleep    func(ctx context.Context, d time.Duration) error
	Log      *slog.Logger
	// NotifyWorkers bounds the notifications delivered at once (default
	// 4); NotifyAttempts is how many times a failing one is tried (default
	// 3, pausing 1 s, then 4 s); NotifyTimeout bounds each try (default
	// 1m). Notifications never hold up a run's steps.
	NotifyWorkers  int
	NotifyAttempts int
	NotifyTimeout  time.Duration
}

// Engine runs actions: it creates runs from submissions, records
// decisions, and executes steps, persisting each change before acting on
// it. It is safe for concurrent use.
type Engine struct {
	store    RunStore
	cat      Catalog
	runners  map[string]StepRunner
	secrets  map[string]string
	x        *exprs
	red      *redactor
	log      *slog.Logger
	now      func() time.Time
	sleep    func(ctx context.Context, d time.Duration) error
	instance string
	lease    time.Duration
	sweep    time.Duration

	notifyMu sync.RWMutex
	notifier Notifier

	nq             notifyQueue
	notifyWorkers  int
	notifyAttempts int
	notifyTimeout  time.Duration

	mu      sync.Mutex
	active  map[string]bool
	slots   chan struct{}
	wake    chan struct{}
	serving bool
	wg      sync.WaitGroup
}

// NewEngine builds an engine. Call Serve to execute runs.
func NewEngine(opts Options) (*Engine, error) {
	if opts.Store == nil || opts.Catalog == nil {
		return nil, errors.New("actions: an engine needs a store and a catalog")
	}
	x, err := newExprs()
	if err != nil {
		return nil, err
	}
	if opts.MaxConcurrent <= 0 {
		opts.MaxConcurrent = 4
	}
	if opts.Lease <= 0 {
		opts.Lease = 2 * time.Minute
	}
	if opts.SweepInterval <= 0 {
		opts.SweepInterval = 15 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Sleep == nil {
		opts.Sleep = clock.Sleep
	}
	if opts.NotifyWorkers <= 0 {
		opts.NotifyWorkers = defaultNotifyWorkers
	}
	if opts.NotifyAttempts <= 0 {
		opts.NotifyAttempts = defaultNotifyAttempts
	}
	if opts.NotifyTimeout <= 0 {
		opts.NotifyTimeout = defaultNotifyTimeout
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Instance == "" {
		host, _ := os.Hostname()
		opts.Instance = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), newRunID()[1:7])
	}
	e := &Engine{
		store: opts.Store, cat: opts.Catalog, runners: opts.Steps, secrets: opts.Secrets, x: x,
		red: newRedactor(opts.Secrets), log: opts.Log.With("component", "actions"), now: opts.Now, sleep: opts.Sleep,
		instance: opts.Instance, lease: opts.Lease, sweep: opts.SweepInterval,
		active: map[string]bool{}, slots: make(chan struct{}, opts.MaxConcurrent), wake: make(chan struct{}, 1),
		nq:            notifyQueue{state: map[string]int{}, ctxs: map[string]context.Context{}},
		notifyWorkers: opts.NotifyWorkers, notifyAttempts: opts.NotifyAttempts, notifyTimeout: opts.NotifyTimeout,
	}
	if e.runners == nil {
		e.runners = map[string]StepRunner{}
	}
	return e, nil
}

// SetNotifier sets who tells people about runs (the Slack glue).
func (e *Engine) SetNotifier(n Notifier) {
	e.notifyMu.Lock()
	defer e.notifyMu.Unlock()
	e.notifier = n
}

func (e *Engine) notifierOrNil() Notifier {
	e.notifyMu.RLock()
	defer e.notifyMu.RUnlock()
	return e.notifier
}

// Get returns a run. Errors: errkind.NotFound.
func (e *Engine) Get(ctx context.Context, id string) (*Run, error) { return e.store.GetRun(ctx, id) }

// List returns runs, newest first.
func (e *Engine) List(ctx context.Context, f RunFilter) ([]Run, error) {
	return e.store.ListRuns(ctx, f)
}

// Audit returns a run's audit trail.
func (e *Engine) Audit(ctx context.Context, id string) ([]AuditEvent, error) {
	return e.store.Audit(ctx, id)
}

// Kick asks the engine to look for work now (after a run was queued).
func (e *Engine) Kick() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Serve executes runs until ctx ends: first those a previous process left
// (queued, or running with an ended lease: they resume from their last
// completed step), then each run as it is queued, at most MaxConcurrent
// at once; it also expires approval requests that timed out. On return,
// runs interrupted mid-step keep their state and their lease is released,
// so the next process resumes them at once.
func (e *Engine) Serve(ctx context.Context) error {
	e.mu.Lock()
	if e.serving {
		e.mu.Unlock()
		return errors.New("actions: the engine is already serving")
	}
	e.serving = true
	e.mu.Unlock()
	defer func() {
		e.wg.Wait()
		// The runs' last changes (a run stopped mid-step shows where it
		// stands) reach Slack before the process goes, within a bound.
		drain, cancel := context.WithTimeout(context.Background(), notifyDrain)
		_ = e.WaitNotified(drain)
		cancel()
		e.mu.Lock()
		e.serving = false
		e.mu.Unlock()
	}()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-e.wake:
		case <-timer.C:
		}
		if err := e.dispatch(ctx); err != nil && ctx.Err() == nil {
			e.log.Warn("looking for runs to execute failed; will try again", "err", err)
		}
		timer.Reset(e.sweep)
	}
}

// dispatch starts what is pending, within the concurrency bound.
func (e *Engine) dispatch(ctx context.Context) error {
	ids, err := e.store.PendingRuns(ctx, e.now())
	if err != nil {
		return err
	}
	for _, id := range ids {
		if ctx.Err() != nil {
			return nil
		}
		e.mu.Lock()
		busy := e.active[id]
		e.mu.Unlock()
		if busy {
			continue
		}
		select {
		case e.slots <- struct{}{}:
		default:
			return nil // full: a finishing run wakes the dispatcher
		}
		e.mu.Lock()
		e.active[id] = true
		e.mu.Unlock()
		e.wg.Add(1)
		go func() {
			defer func() {
				e.mu.Lock()
				delete(e.active, id)
				e.mu.Unlock()
				<-e.slots
				e.wg.Done()
				e.Kick()
			}()
			e.handle(ctx, id)
		}()
	}
	return nil
}

// handle does what a pending run needs: expire it, or execute it.
func (e *Engine) handle(ctx context.Context, id string) {
	run, err := e.store.GetRun(ctx, id)
	if err != nil {
		e.log.Warn("reading a pending run", "run", id, "err", err)
		return
	}
	if run.State == StateAwaitingApproval {
		e.expire(ctx, id)
		return
	}
	e.execute(ctx, id)
}

// expire closes an approval request whose time ran out.
func (e *Engine) expire(ctx context.Context, id string) {
	changed := false
	_, err := e.store.UpdateRun(ctx, id, func(r *Run) ([]AuditEvent, error) {
		if r.State != StateAwaitingApproval || e.now().Before(r.ApprovalExpires) {
			return nil, ErrNoChange
		}
		changed = true
		return e.expireLocked(r), nil
	})
	if err != nil {
		e.log.Warn("expiring an approval request", "run", id, "err", err)
		return
	}
	if changed {
		e.changed(ctx, id)
	}
}

func (e *Engine) expireLocked(r *Run) []AuditEvent {
	_ = r.moveTo(StateExpired)
	now := e.now()
	r.Error = fmt.Sprintf("nobody decided before the request expired (%s)", r.ApprovalExpires.UTC().Format(time.RFC1123))
	r.FinishedAt = now
	return []AuditEvent{{Event: EventExpired, Detail: map[string]any{"expiredAt": r.ApprovalExpires.UTC().Format(time.RFC3339)}}}
}

// redactor hides secret values wherever they might be written.
type redactor struct {
	mu     sync.RWMutex
	global []string
	byRun  map[string][]string
}

// minSecret is the shortest value redacted: shorter ones are not secrets
// and would garble every text.
const minSecret = 4

const redacted = "[redacted]"

func newRedactor(secrets map[string]string) *redactor {
	r := &redactor{byRun: map[string][]string{}}
	for _, v := range secrets {
		if len(v) >= minSecret {
			r.global = append(r.global, v)
		}
	}
	return r
}

func (r *redactor) add(runID, v string) {
	if len(v) < minSecret {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.byRun[runID] = append(r.byRun[runID], v)
}

func (r *redactor) forget(runID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.byRun, runID)
}

func (r *redactor) text(runID, s string) string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, list := range [][]string{r.global, r.byRun[runID]} {
		for _, v := range list {
			s = strings.ReplaceAll(s, v, redacted)
		}
	}
	return s
}

func (r *redactor) value(runID string, v any) any {
	switch x := v.(type) {
	case string:
		return r.text(runID, x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = r.value(runID, e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = r.value(runID, e)
		}
		return out
	}
	return v
}

func (r *redactor) mapValue(runID string, m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out, _ := r.value(runID, m).(map[string]any)
	return out
}

// kindOf classifies err for logs and audit.
func kindOf(err error) string {
	if k := errkind.Of(err); k != "" {
		return string(k)
	}
	return "error"
}
