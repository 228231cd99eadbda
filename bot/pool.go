package bot

import (
	"context"
	"sync"
)

// pool runs handlers on a fixed number of workers behind a bounded queue.
// The Socket Mode read loop only ever calls trySubmit, which never blocks:
// when the queue is full the envelope is answered "busy" instead, so a
// burst can slow answers down but never stall the loop that acks.
type pool struct {
	jobs chan func()
	wg   sync.WaitGroup

	mu     sync.RWMutex
	closed bool
}

func newPool(workers, queue int) *pool {
	p := &pool{jobs: make(chan func(), queue)}
	for range workers {
		p.wg.Go(func() {
			for job := range p.jobs {
				job()
			}
		})
	}
	return p
}

// trySubmit queues job, or reports false when the queue is full or the
// pool is shutting down.
func (p *pool) trySubmit(job func()) bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return false
	}
	select {
	case p.jobs <- job:
		return true
	default:
		return false
	}
}

// close stops taking jobs and waits until the queued and running ones are
// done, or ctx ends (then they are left to finish on their own).
func (p *pool) close(ctx context.Context) error {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.jobs)
	}
	p.mu.Unlock()
	done := make(chan struct{})
	go func() {
		p.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
