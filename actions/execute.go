package actions

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/gantryhq/gantry/internal/errkind"
	"github.com/gantryhq/gantry/internal/expr"
)

var (
	errNotClaimable = errors.New("run is not claimable")
	errLeaseLost    = errors.New("another engine took over the run")
)

// execute claims a queued (or abandoned) run and runs its steps from the
// first one not done.
func (e *Engine) execute(ctx context.Context, id string) {
	run, err := e.claim(ctx, id)
	if errors.Is(err, errNotClaimable) {
		return
	}
	if err != nil {
		e.log.Warn("claiming a run failed", "run", id, "err", err)
		return
	}
	e.log.Info("run executing", "run", id, "action", run.Action, "from_step", run.NextStep)
	e.changed(ctx, id)
	defer e.red.forget(id)
	for run.NextStep < len(run.Definition.Spec.Steps) {
		next, cont := e.runStep(ctx, run)
		if !cont {
			if ctx.Err() != nil {
				e.release(id)
			}
			return
		}
		run = next
	}
	e.finish(ctx, run)
}

// claim takes the run's lease.
func (e *Engine) claim(ctx context.Context, id string) (*Run, error) {
	return e.store.UpdateRun(ctx, id, func(r *Run) ([]AuditEvent, error) {
		now := e.now()
		resumed := r.State == StateRunning
		switch {
		case r.State == StateQueued:
		case resumed && (r.LeaseOwner == e.instance || !now.Before(r.LeaseUntil)):
		default:
			return nil, errNotClaimable
		}
		_ = r.moveTo(StateRunning)
		if r.StartedAt.IsZero() {
			r.StartedAt = now
		}
		r.LeaseOwner, r.LeaseUntil = e.instance, now.Add(e.lease)
		detail := map[string]any{"instance": e.instance, "fromStep": r.NextStep}
		if resumed {
			detail["resumed"] = true
		}
		return []AuditEvent{{Event: EventClaimed, Detail: detail}}, nil
	})
}

// release gives up the lease of a run stopped by shutdown, so the next
// process resumes it without waiting for the lease to end.
func (e *Engine) release(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := e.store.UpdateRun(ctx, id, func(r *Run) ([]AuditEvent, error) {
		if r.State != StateRunning || r.LeaseOwner != e.instance {
			return nil, ErrNoChange
		}
		r.LeaseUntil = e.now()
		return nil, nil
	})
	if err != nil {
		e.log.Warn("releasing a run's lease at shutdown", "run", id, "err", err)
	}
}

// held checks, inside an update, that this engine still runs the run.
func (e *Engine) held(r *Run, step int) error {
	if r.State != StateRunning || r.LeaseOwner != e.instance || r.NextStep != step {
		return errLeaseLost
	}
	return nil
}

// runStep runs the run's next step and returns the run after it; cont is
// false when the run stopped (failed, lost, or the engine is stopping).
func (e *Engine) runStep(ctx context.Context, run *Run) (*Run, bool) {
	i, id := run.NextStep, run.ID
	st := &run.Definition.Spec.Steps[i]
	vars, err := e.vars(ctx, run)
	if err != nil {
		return e.fail(ctx, run, i, err)
	}
	if st.If != "" {
		ok, err := e.condition(ctx, st, vars)
		if err != nil {
			return e.fail(ctx, run, i, fmt.Errorf("if: %w", err))
		}
		if !ok {
			return e.skip(ctx, run, i)
		}
	}
	rendered, err := e.x.renderValue(ctx, st.With, vars)
	if err != nil {
		return e.fail(ctx, run, i, fmt.Errorf("with: %w", err))
	}
	with, _ := rendered.(map[string]any)
	runner, ok := e.runners[st.Uses]
	if !ok {
		return e.fail(ctx, run, i, errkind.New(errkind.Unavailable, "this Gantry cannot run %s steps: %s", st.Uses, configHint(st.Uses)))
	}
	run, err = e.store.UpdateRun(ctx, id, func(r *Run) ([]AuditEvent, error) {
		if err := e.held(r, i); err != nil {
			return nil, err
		}
		s := &r.Steps[i]
		s.Status, s.Attempts, s.StartedAt, s.Error = StepRunning, s.Attempts+1, e.now(), ""
		r.LeaseUntil = e.now().Add(e.lease)
		return []AuditEvent{{Event: EventStepStarted, Step: st.ID,
			Detail: map[string]any{"uses": st.Uses, "attempt": s.Attempts, "with": e.auditWith(r.ID, st, with)}}}, nil
	})
	if err != nil {
		e.lost(id, err)
		return nil, false
	}
	e.changed(ctx, id)
	sc := e.stepContext(run, i, With(with))
	stepCtx, stop := context.WithCancel(ctx)
	heartbeat := make(chan struct{})
	go func() {
		defer close(heartbeat)
		e.heartbeat(stepCtx, stop, id, i)
	}()
	out, stepErr := runner.Run(stepCtx, sc)
	stop()
	<-heartbeat
	if ctx.Err() != nil {
		e.log.Info("engine stopping; the step will run again when the run resumes", "run", id, "step", st.ID)
		return nil, false
	}
	if stepErr != nil && errors.Is(stepErr, context.Canceled) {
		e.log.Warn("the run's lease was lost during a step", "run", id, "step", st.ID)
		return nil, false
	}
	if stepErr != nil {
		return e.fail(ctx, run, i, stepErr)
	}
	run, err = e.store.UpdateRun(ctx, id, func(r *Run) ([]AuditEvent, error) {
		if err := e.held(r, i); err != nil {
			return nil, err
		}
		s := &r.Steps[i]
		s.Status, s.FinishedAt, s.Outputs = StepDone, e.now(), e.red.mapValue(r.ID, normalizeMap(out))
		r.NextStep = i + 1
		r.LeaseUntil = e.now().Add(e.lease)
		return []AuditEvent{{Event: EventStepSucceeded, Step: st.ID,
			Detail: map[string]any{"outputs": s.Outputs, "took": s.FinishedAt.Sub(s.StartedAt).Round(time.Millisecond).String()}}}, nil
	})
	if err != nil {
		e.lost(id, err)
		return nil, false
	}
	e.changed(ctx, id)
	return run, true
}

func normalizeMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	out, _ := normalize(m).(map[string]any)
	return out
}

// heartbeat renews the lease while a step runs, and stops the step when
// another engine took the run over.
func (e *Engine) heartbeat(ctx context.Context, stop context.CancelFunc, id string, step int) {
	for {
		if err := e.sleep(ctx, e.lease/3); err != nil {
			return
		}
		_, err := e.store.UpdateRun(ctx, id, func(r *Run) ([]AuditEvent, error) {
			if err := e.held(r, step); err != nil {
				return nil, err
			}
			r.LeaseUntil = e.now().Add(e.lease)
			return nil, nil
		})
		if errors.Is(err, errLeaseLost) {
			stop()
			return
		}
	}
}

func (e *Engine) lost(id string, err error) {
	if errors.Is(err, errLeaseLost) {
		e.log.Warn("another engine took over the run; stopping here", "run", id)
		return
	}
	e.log.Error("recording a run's progress failed; it will resume when its lease ends", "run", id, "err", err)
}

func (e *Engine) condition(ctx context.Context, st *Step, vars map[string]any) (bool, error) {
	prg, err := e.x.condition(st.If)
	if err != nil {
		return false, err
	}
	return prg.EvalBool(ctx, vars)
}

// skip records a step whose condition is false.
func (e *Engine) skip(ctx context.Context, run *Run, i int) (*Run, bool) {
	st, id := &run.Definition.Spec.Steps[i], run.ID
	run, err := e.store.UpdateRun(ctx, id, func(r *Run) ([]AuditEvent, error) {
		if err := e.held(r, i); err != nil {
			return nil, err
		}
		reason := st.SkipReason()
		r.Steps[i].Status, r.Steps[i].FinishedAt = StepSkipped, e.now()
		r.Steps[i].Memo = map[string]any{memoSkipReason: reason}
		r.NextStep = i + 1
		return []AuditEvent{{Event: EventStepSkipped, Step: st.ID, Detail: map[string]any{"if": st.If, "reason": reason}}}, nil
	})
	if err != nil {
		e.lost(id, err)
		return nil, false
	}
	e.changed(ctx, id)
	return run, true
}

// fail records a step's failure and the run's.
func (e *Engine) fail(ctx context.Context, run *Run, i int, cause error) (*Run, bool) {
	st := &run.Definition.Spec.Steps[i]
	msg := e.red.text(run.ID, errorText(cause))
	input := ""
	var fe *FieldError
	if errors.As(cause, &fe) {
		input = e.inputOf(st, fe.Field)
	}
	id := run.ID
	_, err := e.store.UpdateRun(ctx, id, func(r *Run) ([]AuditEvent, error) {
		if err := e.held(r, i); err != nil {
			return nil, err
		}
		now := e.now()
		s := &r.Steps[i]
		s.Status, s.Error, s.FinishedAt = StepFailed, msg, now
		_ = r.moveTo(StateFailed)
		r.Error, r.FailedStep, r.ErrorInput, r.FinishedAt = msg, st.ID, input, now
		r.LeaseOwner, r.LeaseUntil = "", time.Time{}
		return []AuditEvent{
			{Event: EventStepFailed, Step: st.ID, Detail: map[string]any{"error": msg, "kind": kindOf(cause)}},
			{Event: EventFailed, Detail: map[string]any{"step": st.ID}},
		}, nil
	})
	if err != nil {
		e.lost(id, err)
		return nil, false
	}
	e.log.Warn("run failed", "run", id, "step", st.ID, "err", msg)
	e.changed(ctx, id)
	return nil, false
}

// finish records success with the rendered output.
func (e *Engine) finish(ctx context.Context, run *Run) {
	n := len(run.Definition.Spec.Steps)
	result := e.output(ctx, run)
	_, err := e.store.UpdateRun(ctx, run.ID, func(r *Run) ([]AuditEvent, error) {
		if err := e.held(r, n); err != nil {
			return nil, err
		}
		_ = r.moveTo(StateSucceeded)
		r.Result, r.FinishedAt = result, e.now()
		r.LeaseOwner, r.LeaseUntil = "", time.Time{}
		links := make([]any, len(result.Links))
		for i, l := range result.Links {
			links[i] = l.URL
		}
		return []AuditEvent{{Event: EventSucceeded, Detail: map[string]any{"links": links,
			"took": r.FinishedAt.Sub(r.StartedAt).Round(time.Millisecond).String()}}}, nil
	})
	if err != nil {
		e.lost(run.ID, err)
		return
	}
	e.log.Info("run succeeded", "run", run.ID, "action", run.Action)
	e.changed(ctx, run.ID)
}

// output renders spec.output; a part that fails to render is left out and
// logged rather than failing a run whose work is done.
func (e *Engine) output(ctx context.Context, run *Run) Output {
	o := run.Definition.Spec.Output
	vars, err := e.vars(ctx, run)
	if err != nil {
		return Output{}
	}
	text := func(s string) string {
		v, err := e.x.renderValue(ctx, s, vars)
		if err != nil {
			e.log.Warn("rendering the action's output", "run", run.ID, "err", err)
			return ""
		}
		return e.red.text(run.ID, expr.Text(v))
	}
	out := Output{Text: text(o.Text)}
	for _, l := range o.Links {
		if u := text(l.URL); u != "" {
			out.Links = append(out.Links, Link{Title: orDefault(text(l.Title), u), URL: u})
		}
	}
	return out
}

// vars are what templates and conditions read.
func (e *Engine) vars(ctx context.Context, run *Run) (map[string]any, error) {
	steps := map[string]any{}
	for _, s := range run.Steps {
		if s.Status == StepDone || s.Status == StepSkipped {
			outs := s.Outputs
			if outs == nil {
				outs = map[string]any{}
			}
			steps[s.ID] = map[string]any{"outputs": outs, "status": string(s.Status)}
		}
	}
	entities := map[string]any{}
	for i := range run.Definition.Spec.Inputs {
		in := &run.Definition.Spec.Inputs[i]
		ref, _ := run.Inputs[in.Name].(string)
		if in.Type != TypeEntity || ref == "" {
			continue
		}
		ent, err := e.cat.Get(ctx, ref)
		switch {
		case errkind.Is(err, errkind.NotFound):
			entities[in.Name] = map[string]any{"ref": ref}
		case err != nil:
			return nil, fmt.Errorf("reading %s from the catalog: %w", ref, err)
		default:
			entities[in.Name] = ent.Map()
		}
	}
	secrets := make(map[string]any, len(e.secrets))
	for k, v := range e.secrets {
		secrets[k] = v
	}
	inputs := map[string]any{}
	maps.Copy(inputs, run.Inputs)
	return map[string]any{
		varInputs: inputs, varUser: actorVars(run.Requester), varEntities: entities, varSteps: steps,
		varSecrets: secrets, varRun: map[string]any{"id": run.ID, "action": run.Action},
	}, nil
}

func actorVars(a Actor) map[string]any {
	name := a.Name
	if i := strings.LastIndexByte(a.Ref, '/'); name == "" && i >= 0 {
		name = a.Ref[i+1:]
	}
	return map[string]any{"slackId": a.SlackID, "ref": a.Ref, "name": name, "email": a.Email}
}

// auditWith is a step's with as the audit trail keeps it: fields whose
// template reads secrets are hidden whole, and secret values anywhere.
func (e *Engine) auditWith(runID string, st *Step, with map[string]any) map[string]any {
	out := make(map[string]any, len(with))
	for k, v := range with {
		srcs, _ := e.x.templateSources(st.With[k])
		if readsSecrets(srcs) {
			out[k] = redacted
			continue
		}
		out[k] = e.red.value(runID, v)
	}
	return out
}

// stepContext builds what step i of run runs with.
func (e *Engine) stepContext(run *Run, i int, with With) *StepContext {
	st := &run.Definition.Spec.Steps[i]
	var memo map[string]any
	if i < len(run.Steps) && run.Steps[i].Memo != nil {
		memo = maps.Clone(run.Steps[i].Memo)
	}
	if memo == nil {
		memo = map[string]any{}
	}
	id := run.ID
	sc := &StepContext{RunID: id, StepID: st.ID, Uses: st.Uses, Requester: run.Requester, With: with, Memo: memo,
		Log: e.log.With("run", id, "step", st.ID), now: e.now, sleep: e.sleep,
		redact: func(v string) { e.red.add(id, v) }}
	sc.saveMemo = func(ctx context.Context, m map[string]any) error {
		_, err := e.store.UpdateRun(ctx, id, func(r *Run) ([]AuditEvent, error) {
			if err := e.held(r, i); err != nil {
				return nil, err
			}
			r.Steps[i].Memo = e.red.mapValue(id, normalizeMap(m))
			return nil, nil
		})
		return err
	}
	sc.deliver = func(ctx context.Context, s Secret) error {
		n := e.notifierOrNil()
		if n == nil {
			return errkind.New(errkind.Unavailable, "there is no way to send the requester a direct message (Slack is not configured), so the credentials cannot be handed over")
		}
		cur, err := e.store.GetRun(ctx, id)
		if err != nil {
			return err
		}
		if err := n.DeliverSecret(ctx, cur, s); err != nil {
			return fmt.Errorf("sending the credentials to the requester: %w", err)
		}
		labels := make([]any, len(s.Fields))
		for i, f := range s.Fields {
			labels[i] = f.Label
		}
		_, err = e.store.UpdateRun(ctx, id, func(r *Run) ([]AuditEvent, error) {
			return []AuditEvent{{Event: EventSecretDelivered, Step: st.ID,
				Detail: map[string]any{"to": r.Requester.String(), "title": s.Title, "fields": labels, "via": "direct message"}}}, nil
		})
		return err
	}
	return sc
}

// configHint says what makes a step kind available.
func configHint(uses string) string {
	switch {
	case strings.HasPrefix(uses, "github."):
		return "configure GitHub (github.token_env or github.app in gantry.yaml)"
	case strings.HasPrefix(uses, "postgres."):
		return "set the PostgreSQL server URL in the environment variable named by actions.postgres.url_env (default GANTRY_POSTGRES_ADMIN_URL)"
	case uses == UsesCatalogRegister:
		return "configure GitHub, which registered descriptors are read from"
	}
	return "it is not available here"
}

// PlanLine is one line of a run's dry-run plan.
type PlanLine struct {
	Step    string
	Title   string
	Text    string
	Skipped bool // its condition is false for these inputs
	// SkipReason is why, when Skipped (shown as SkippedText).
	SkipReason string
}

// Plan says what the run will do, step by step, for approvers: values that
// come from earlier steps are shown as placeholders.
func (e *Engine) Plan(ctx context.Context, run *Run) []PlanLine {
	vars, err := e.vars(ctx, run)
	if err != nil {
		vars = map[string]any{varInputs: run.Inputs, varUser: actorVars(run.Requester), varEntities: map[string]any{},
			varSecrets: map[string]any{}, varRun: map[string]any{"id": run.ID, "action": run.Action}}
	}
	// Stand-ins for steps not run yet, so templates reading them render.
	steps, _ := vars[varSteps].(map[string]any)
	if steps == nil {
		steps = map[string]any{}
	}
	for _, st := range run.Definition.Spec.Steps {
		if _, ok := steps[st.ID]; ok {
			continue
		}
		outs := map[string]any{}
		for _, o := range stepSchemas[st.Uses].Outputs {
			outs[o.Name] = fmt.Sprintf("‹%s.%s›", st.ID, o.Name)
		}
		steps[st.ID] = map[string]any{"outputs": outs, "status": "pending"}
	}
	vars[varSteps] = steps
	secrets := map[string]any{}
	for k := range e.secrets {
		secrets[k] = redacted
	}
	vars[varSecrets] = secrets
	var out []PlanLine
	for i := range run.Definition.Spec.Steps {
		st := &run.Definition.Spec.Steps[i]
		line := PlanLine{Step: st.ID, Title: st.Title()}
		if st.If != "" {
			if ok, err := e.condition(ctx, st, vars); err == nil && !ok {
				line.Skipped, line.SkipReason = true, st.SkipReason()
			}
		}
		rendered, err := e.x.renderValue(ctx, st.With, vars)
		w, _ := rendered.(map[string]any)
		if sc := stepSchemas[st.Uses]; err == nil && sc.Predict != nil {
			if outs, ok := steps[st.ID].(map[string]any)["outputs"].(map[string]any); ok && steps[st.ID].(map[string]any)["status"] == "pending" {
				for k, v := range sc.Predict(With(w)) {
					outs[k] = v
				}
			}
		}
		switch sc := stepSchemas[st.Uses]; {
		case err != nil:
			line.Text = st.Uses + " (its values depend on earlier steps)"
		case sc.Plan != nil:
			line.Text = e.red.text(run.ID, sc.Plan(With(w)))
		default:
			line.Text = st.Uses
		}
		out = append(out, line)
	}
	return out
}
