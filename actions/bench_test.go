package actions_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/actions"
	"github.com/gantryhq/gantry/internal/testdb"
)

// doneWatcher is a notifier that reads the run at each notification, as
// the Slack glue does, and signals when it has succeeded.
type doneWatcher struct {
	en   *actions.Engine
	done chan string
}

func (d *doneWatcher) RunChanged(ctx context.Context, id string) error {
	r, err := d.en.Get(ctx, id)
	if err != nil {
		return err
	}
	if r.State == actions.StateSucceeded {
		select {
		case d.done <- id:
		default: // the benchmark reads them as they come: never full
		}
	}
	return nil
}

func (d *doneWatcher) DeliverSecret(context.Context, *actions.Run, actions.Secret) error { return nil }

// BenchmarkStep measures the engine's overhead per step on SQLite: each
// step's two persisted transitions (started, succeeded, each with its
// audit event and lease renewal), template rendering and scheduling,
// around a step that does nothing. Runs of 10 steps execute one at a time,
// told to a notifier that reads the run at each change (as Slack's glue
// does, off the step path); the figure reported is ms/step.
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
	watcher := &doneWatcher{en: en, done: make(chan string, 1024)}
	en.SetNotifier(watcher)
	serve(b, en)
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		run, _, err := en.Submit(e.ctx, actions.SubmitRequest{Action: def, Requester: priya, Inputs: map[string]string{"name": fmt.Sprint(i)}})
		if err != nil {
			b.Fatal(err)
		}
		for waiting := true; waiting; {
			select {
			case id := <-watcher.done:
				waiting = id != run.ID
			case <-time.After(30 * time.Second):
				b.Fatal("a run did not finish in 30s")
			}
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(elapsed.Microseconds())/1000/float64(b.N*steps), "ms/step")
}
