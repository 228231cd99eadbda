package actions_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gantryhq/gantry/actions"
	"github.com/gantryhq/gantry/internal/testdb"
)

// doneCounter counts the engine's change notifications and signals when a
// run's last one (its success) arrives.
type doneCounter struct {
	n    atomic.Int64
	want int64
	done chan struct{}
}

func (d *doneCounter) RunChanged(context.Context, string) {
	if d.n.Add(1) == d.want {
		d.done <- struct{}{}
	}
}

func (d *doneCounter) DeliverSecret(context.Context, *actions.Run, actions.Secret) error { return nil }

// BenchmarkStep measures the engine's overhead per step on SQLite: each
// step's two persisted transitions (started, succeeded, each with its
// audit event and lease renewal), template rendering and scheduling,
// around a step that does nothing. Runs of 10 steps execute one at a time;
// the figure reported is ms/step.
//
//	go test -tags sqlite_fts5 -run XXX -bench BenchmarkStep ./actions
func BenchmarkStep(b *testing.B) {
	const steps = 10
	var yaml strings.Builder
	yaml.WriteString("apiVersion: gantry.dev/v1\nkind: Action\nmetadata: {name: bench}\nspec:\n  inputs: [{name: name, type: string}]\n  steps:\n")
	for i := range steps {
		fmt.Fprintf(&yaml, "    - {id: s%d, uses: http.request, with: {url: \"https://x.example/${{ inputs.name }}/%d\", body: {n: \"${{ run.id }}\"}}}\n", i, i)
	}
	def := parseAction(b, yaml.String())
	e := newEnv(b, testdb.Engines()[0])
	noop := actions.StepFunc(func(ctx context.Context, sc *actions.StepContext) (map[string]any, error) {
		return map[string]any{"status": 200}, nil
	})
	en := e.engine(map[string]actions.StepRunner{actions.UsesHTTPRequest: noop}, func(o *actions.Options) { o.MaxConcurrent = 1 })
	counter := &doneCounter{done: make(chan struct{}, 1)}
	en.SetNotifier(counter)
	serve(b, en)
	perRun := int64(1 + 1 + 2*steps + 1) // created, claimed, started+succeeded per step, succeeded
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		counter.n.Store(0)
		counter.want = perRun
		if _, _, err := en.Submit(e.ctx, actions.SubmitRequest{Action: def, Requester: priya, Inputs: map[string]string{"name": fmt.Sprint(i)}}); err != nil {
			b.Fatal(err)
		}
		select {
		case <-counter.done:
		case <-time.After(30 * time.Second):
			b.Fatal("a run did not finish in 30s")
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(elapsed.Microseconds())/1000/float64(b.N*steps), "ms/step")
}
