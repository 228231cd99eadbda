package actions

import (
	"context"
	"sync"
	"time"
)

// Notifications leave the step path: a change queues the run's id and
// returns; a few workers tell the Notifier (Slack), each run's changes one
// at a time and coalesced (the Notifier reads the run's latest state, so a
// run that changed three times while Slack was slow is shown once, as it
// is now). A notification that fails is tried again a bounded number of
// times, with a growing pause; then it is given up until the run's next
// change. A slow or unreachable Slack thus never stalls a run.

// notification states of a run in the queue.
const (
	notifyQueued    = 1 // waiting for a worker
	notifyBusy      = 2 // a worker is telling the Notifier
	notifyBusyDirty = 3 // ...and the run changed again meanwhile
)

// Defaults of the notification queue.
const (
	defaultNotifyWorkers  = 4
	defaultNotifyAttempts = 3
	defaultNotifyTimeout  = time.Minute
	notifyFirstPause      = time.Second
	// notifyDrain bounds how long Serve, returning, waits for queued
	// notifications (the last "done" of a run) to be delivered.
	notifyDrain = 5 * time.Second
)

type notifyQueue struct {
	mu      sync.Mutex
	state   map[string]int
	ctxs    map[string]context.Context // the context (values only) of the change that queued each run
	order   []string
	workers int
	empty   chan struct{} // closed when state empties; nil when nobody waits
}

// changed queues a notification of the run's change.
func (e *Engine) changed(ctx context.Context, id string) {
	if e.notifierOrNil() == nil {
		return
	}
	q := &e.nq
	q.mu.Lock()
	defer q.mu.Unlock()
	switch q.state[id] {
	case notifyQueued, notifyBusyDirty:
		return
	case notifyBusy:
		q.state[id] = notifyBusyDirty
		return
	}
	q.state[id] = notifyQueued
	q.ctxs[id] = context.WithoutCancel(ctx)
	q.order = append(q.order, id)
	if q.workers < e.notifyWorkers {
		q.workers++
		go e.notifyWorker()
	}
}

// notifyWorker delivers queued notifications until the queue is empty.
func (e *Engine) notifyWorker() {
	q := &e.nq
	for {
		q.mu.Lock()
		if len(q.order) == 0 {
			q.workers--
			q.mu.Unlock()
			return
		}
		id := q.order[0]
		q.order = q.order[1:]
		q.state[id] = notifyBusy
		ctx := q.ctxs[id]
		q.mu.Unlock()

		e.notifyOne(ctx, id)

		q.mu.Lock()
		if q.state[id] == notifyBusyDirty {
			q.state[id] = notifyQueued
			q.order = append(q.order, id)
		} else {
			delete(q.state, id)
			delete(q.ctxs, id)
			if len(q.state) == 0 && q.empty != nil {
				close(q.empty)
				q.empty = nil
			}
		}
		q.mu.Unlock()
	}
}

// notifyOne tells the Notifier about one run, trying again on failure.
func (e *Engine) notifyOne(ctx context.Context, id string) {
	n := e.notifierOrNil()
	if n == nil {
		return
	}
	pause := notifyFirstPause
	for attempt := 1; ; attempt++ {
		callCtx, cancel := context.WithTimeout(ctx, e.notifyTimeout)
		err := n.RunChanged(callCtx, id)
		cancel()
		if err == nil {
			return
		}
		if attempt >= e.notifyAttempts {
			e.log.Warn("could not show a run's change in Slack; the run's next change will try again", "run", id, "attempts", attempt, "err", err)
			return
		}
		e.log.Info("showing a run's change in Slack failed; trying again", "run", id, "attempt", attempt, "pause", pause, "err", err)
		// The next attempt reads the run's latest state: changes until
		// then need no attempt of their own.
		e.nq.mu.Lock()
		if e.nq.state[id] == notifyBusyDirty {
			e.nq.state[id] = notifyBusy
		}
		e.nq.mu.Unlock()
		if e.sleep(ctx, pause) != nil {
			return
		}
		pause *= 4
	}
}

// WaitNotified waits until every queued notification was delivered (or
// given up), or ctx ends; it returns ctx's error then.
func (e *Engine) WaitNotified(ctx context.Context) error {
	q := &e.nq
	q.mu.Lock()
	if len(q.state) == 0 {
		q.mu.Unlock()
		return nil
	}
	if q.empty == nil {
		q.empty = make(chan struct{})
	}
	ch := q.empty
	q.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
