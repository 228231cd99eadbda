package actions

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/internal/errkind"
)

// SubmitRequest is a person asking to run an action.
type SubmitRequest struct {
	Action    *Action
	Requester Actor
	// Inputs are the form's raw values (see CheckInputs).
	Inputs map[string]string
	// Key makes the submission idempotent: a second Submit with the same
	// key returns the first run (Slack redelivers, people double-click).
	Key string
}

// Submit checks a request on the server (inputs, with the catalog; who may
// run it; whether its steps would clash with what exists) and creates the
// run: waiting for approval, or queued. Problems with inputs come back as
// FieldErrors for the form; errkind.Forbidden when the requester may not
// run the action.
func (e *Engine) Submit(ctx context.Context, req SubmitRequest) (*Run, FieldErrors, error) {
	def := req.Action
	values, errs := CheckInputs(def, req.Inputs)
	if len(errs) > 0 {
		return nil, errs, nil
	}
	if errs := e.checkEntities(ctx, def, req.Requester, values); len(errs) > 0 {
		return nil, errs, nil
	}
	if err := e.checkAllowed(ctx, def, req.Requester, values); err != nil {
		return nil, nil, err
	}
	if err := e.checkApprovable(ctx, def, req.Requester); err != nil {
		return nil, nil, err
	}
	id := newRunID()
	if errs := e.preflight(ctx, def, id, req.Requester, values); len(errs) > 0 {
		return nil, errs, nil
	}
	snapshot, err := def.snapshot()
	if err != nil {
		return nil, nil, err
	}
	frozen, err := DecodeSnapshot(snapshot)
	if err != nil {
		return nil, nil, err
	}
	now := e.now()
	run := &Run{ID: id, Action: def.Metadata.Name, ActionTitle: def.Title(), Definition: frozen, Requester: req.Requester,
		Inputs: values, State: StateQueued, RequestKey: req.Key, CreatedAt: now, UpdatedAt: now}
	for i, s := range def.Spec.Steps {
		run.Steps = append(run.Steps, StepState{Index: i, ID: s.ID, Uses: s.Uses, Title: s.Title(), Status: StepPending})
	}
	events := []AuditEvent{{Actor: req.Requester.String(), Event: EventCreated,
		Detail: map[string]any{"action": def.Metadata.Name, "file": def.File, "inputs": e.red.mapValue(id, values)}}}
	ap := def.Spec.Approval
	if ap.Needed() {
		run.State = StateAwaitingApproval
		run.ApprovalExpires = now.Add(ap.Expiry())
		events = append(events, AuditEvent{Event: EventApprovalAsked, Detail: map[string]any{
			"approvers": approversText(ap), "required": ap.Count(), "mode": orDefault(ap.Mode, ModeAny),
			"expires": run.ApprovalExpires.UTC().Format(time.RFC3339)}})
	} else {
		events = append(events, AuditEvent{Event: EventQueued, Detail: map[string]any{"approval": "none"}})
	}
	stored, created, err := e.store.CreateRun(ctx, run, events)
	if err != nil {
		return nil, nil, err
	}
	if !created {
		return stored, nil, nil
	}
	e.log.Info("run created", "run", stored.ID, "action", stored.Action, "requester", stored.Requester.String(), "state", stored.State)
	e.changed(ctx, stored.ID)
	if stored.State == StateQueued {
		e.Kick()
	}
	return stored, nil, nil
}

// checkEntities checks entity inputs against the catalog: the entity
// exists, is of the kind, passes the filter, and is the requester's when
// the input says so.
func (e *Engine) checkEntities(ctx context.Context, def *Action, actor Actor, values map[string]any) FieldErrors {
	errs := FieldErrors{}
	for i := range def.Spec.Inputs {
		in := &def.Spec.Inputs[i]
		ref, _ := values[in.Name].(string)
		if in.Type != TypeEntity || ref == "" {
			continue
		}
		ok, err := e.acceptable(ctx, in, actor, ref)
		switch {
		case err != nil:
			errs[in.Name] = "Gantry could not check this choice against the catalog: " + err.Error()
		case !ok && in.OwnedByRequester:
			errs[in.Name] = fmt.Sprintf("Choose a %s you own.", strings.ToLower(in.EntityKind))
		case !ok:
			errs[in.Name] = fmt.Sprintf("%s is not one of the choices.", ref)
		}
	}
	return errs
}

// acceptable reports whether the entity ref is a valid choice of input in.
func (e *Engine) acceptable(ctx context.Context, in *Input, actor Actor, ref string) (bool, error) {
	ent, err := e.cat.Get(ctx, ref)
	if errkind.Is(err, errkind.NotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !ent.Is(in.EntityKind) {
		return false, nil
	}
	if in.Filter != "" {
		prg, err := entityFilterEnv(in.Filter)
		if err != nil {
			return false, err
		}
		ok, err := prg.EvalBool(ctx, map[string]any{"entity": ent.Map(), "user": actorVars(actor)})
		if err != nil || !ok {
			return false, nil
		}
	}
	if in.OwnedByRequester {
		if actor.Ref == "" {
			return false, nil
		}
		user, err := catalog.ParseRef(actor.Ref, "user", catalog.DefaultNamespace)
		if err != nil {
			return false, nil
		}
		return e.owns(ctx, user, ent.Ref().String())
	}
	return true, nil
}

// preflight asks the steps that can whether they would clash with what
// exists, for steps whose values depend only on the inputs. A clash on a
// field that comes from one input is reported on that input; GitHub
// being unreachable is not a reason to refuse the form (the step will
// say so when it runs).
func (e *Engine) preflight(ctx context.Context, def *Action, runID string, actor Actor, values map[string]any) FieldErrors {
	errs := FieldErrors{}
	run := &Run{ID: runID, Action: def.Metadata.Name, Definition: def, Requester: actor, Inputs: values}
	vars, err := e.vars(ctx, run)
	if err != nil {
		return errs
	}
	for i := range def.Spec.Steps {
		st := &def.Spec.Steps[i]
		pf, ok := e.runners[st.Uses].(Preflighter)
		if !ok {
			continue
		}
		if st.If != "" {
			prg, err := e.x.condition(st.If)
			if err != nil {
				continue
			}
			if ok, err := prg.EvalBool(ctx, vars); err != nil || !ok {
				continue
			}
		}
		with, err := e.x.renderValue(ctx, st.With, vars)
		if err != nil {
			continue // reads earlier steps' outputs: nothing to check yet
		}
		w, _ := with.(map[string]any)
		sc := e.stepContext(run, i, With(w))
		err = pf.Preflight(ctx, sc)
		var fe *FieldError
		switch {
		case err == nil:
		case errors.As(err, &fe):
			if in := e.inputOf(st, fe.Field); in != "" {
				errs[in] = fe.Message
			} else if first := firstInput(def); first != "" {
				errs[first] = fe.Message
			}
		default:
			e.log.Warn("a step could not check its values before the run; going ahead", "action", def.Metadata.Name, "step", st.ID, "err", err)
		}
	}
	return errs
}

// inputOf returns the input a step's with field is made from, when it
// reads exactly one.
func (e *Engine) inputOf(st *Step, field string) string {
	srcs, err := e.x.templateSources(st.With[field])
	if err != nil {
		return ""
	}
	names := map[string]bool{}
	for _, s := range srcs {
		for _, n := range refsIn(inputRefRe, s) {
			names[n] = true
		}
	}
	if len(names) != 1 {
		return ""
	}
	for n := range names {
		return n
	}
	return ""
}

func firstInput(def *Action) string {
	if len(def.Spec.Inputs) == 0 {
		return ""
	}
	return def.Spec.Inputs[0].Name
}

// Outcome is what a decision did.
type Outcome struct {
	// Duplicate: this person had already decided; nothing changed.
	Duplicate bool
	// Granted: this approval completed the policy; the run is queued.
	Granted bool
}

// Decide records an approval or a rejection of a run by actor. The store
// says who may decide: actor must be an approver of the run's action and
// not its requester, and the request must still be open (not decided, not
// expired). A second click by the same person changes nothing
// (Outcome.Duplicate). A rejection needs a reason. Errors:
// errkind.Forbidden, errkind.Conflict (decided, expired), errkind.Invalid.
func (e *Engine) Decide(ctx context.Context, id string, actor Actor, approve bool, reason string) (*Run, Outcome, error) {
	var out Outcome
	reason = strings.TrimSpace(reason)
	if !approve && reason == "" {
		return nil, out, errkind.New(errkind.Invalid, "say why you reject it: the requester reads the reason")
	}
	run, err := e.store.GetRun(ctx, id)
	if err != nil {
		return nil, out, err
	}
	groups, authErr := e.approverGroups(ctx, run, actor)
	if authErr != nil {
		return run, out, e.refused(ctx, id, actor, approve, authErr)
	}
	var refusal error
	expiredNow := false
	run, err = e.store.UpdateRun(ctx, id, func(r *Run) ([]AuditEvent, error) {
		refusal, expiredNow, out = nil, false, Outcome{}
		for _, d := range r.Decisions {
			if d.Actor.Same(actor) {
				if d.Approve == approve {
					out.Duplicate = true
					return nil, ErrNoChange
				}
				refusal = errkind.New(errkind.Conflict, "you already %s this run at %s", verb(d.Approve), d.At.UTC().Format("15:04 MST, 2 Jan"))
				return nil, ErrNoChange
			}
		}
		if r.State != StateAwaitingApproval {
			refusal = closedRequest(r)
			return nil, ErrNoChange
		}
		now := e.now()
		if !now.Before(r.ApprovalExpires) {
			expiredNow = true
			return e.expireLocked(r), nil
		}
		d := Decision{Actor: actor, Approve: approve, Reason: reason, At: now, Groups: groups}
		r.Decisions = append(r.Decisions, d)
		if !approve {
			_ = r.moveTo(StateRejected)
			r.Error = fmt.Sprintf("rejected by %s: %s", actorName(actor), reason)
			r.FinishedAt = now
			return []AuditEvent{{Actor: actor.String(), Event: EventRejected, Detail: map[string]any{"reason": reason, "as": groups}}}, nil
		}
		events := []AuditEvent{{Actor: actor.String(), Event: EventApproved, Detail: map[string]any{"as": groups}}}
		if settled(r.Definition.Spec.Approval, r.Approvals()) {
			_ = r.moveTo(StateQueued)
			out.Granted = true
			events = append(events, AuditEvent{Event: EventApprovalComplete, Detail: map[string]any{"approvals": len(r.Approvals())}},
				AuditEvent{Event: EventQueued})
		}
		return events, nil
	})
	if err != nil {
		return nil, out, err
	}
	if expiredNow {
		e.changed(ctx, id)
		return run, out, closedRequest(run)
	}
	if refusal != nil {
		return run, out, refusal
	}
	if out.Duplicate {
		return run, out, nil
	}
	e.log.Info("run decided", "run", id, "by", actor.String(), "approve", approve, "granted", out.Granted)
	e.changed(ctx, id)
	if out.Granted {
		e.Kick()
	}
	return run, out, nil
}

// refused audits that actor may not decide run (why), once per person and
// decision however often they click, and returns why.
func (e *Engine) refused(ctx context.Context, id string, actor Actor, approve bool, why error) error {
	key := "refused:" + verb(approve) + ":" + actor.String()
	_, err := e.store.UpdateRun(ctx, id, func(r *Run) ([]AuditEvent, error) {
		return []AuditEvent{{Actor: actor.String(), Event: EventDecisionRefused, Key: key,
			Detail: map[string]any{"approve": approve, "why": why.Error()}}}, nil
	})
	if err != nil {
		e.log.Warn("auditing a refused decision", "run", id, "by", actor.String(), "err", err)
	}
	return why
}

func verb(approve bool) string {
	if approve {
		return "approved"
	}
	return "rejected"
}

func actorName(a Actor) string {
	if a.Name != "" {
		return a.Name
	}
	if a.Ref != "" {
		return shortRef(a.Ref, "user")
	}
	return a.SlackID
}

// closedRequest says why a run's approval request no longer takes
// decisions.
func closedRequest(r *Run) error {
	switch r.State {
	case StateRejected:
		d, _ := r.Rejection()
		return errkind.New(errkind.Conflict, "this request was already rejected by %s at %s (%s)", actorName(d.Actor), d.At.UTC().Format("15:04 MST, 2 Jan"), d.Reason)
	case StateExpired:
		return errkind.New(errkind.Conflict, "this request expired at %s; the requester can run the action again", r.ApprovalExpires.UTC().Format("15:04 MST, 2 Jan"))
	case StateCancelled:
		return errkind.New(errkind.Conflict, "the requester cancelled this request")
	}
	var names []string
	for _, d := range r.Approvals() {
		names = append(names, actorName(d.Actor))
	}
	return errkind.New(errkind.Conflict, "this request was already approved (by %s); the run is %s", strings.Join(names, ", "), r.State.Describe())
}

// Retry queues a failed run again from its failed step; the steps done
// stay done. The requester and the action's approvers may retry. Errors:
// errkind.Forbidden, errkind.Conflict when the run has not failed.
func (e *Engine) Retry(ctx context.Context, id string, actor Actor) (*Run, error) {
	run, err := e.store.GetRun(ctx, id)
	if err != nil {
		return nil, err
	}
	if !actor.Same(run.Requester) {
		if _, err := e.approverGroups(ctx, run, actor); err != nil {
			return nil, errkind.New(errkind.Forbidden, "only the requester and the approvers of this action may retry it")
		}
	}
	run, err = e.store.UpdateRun(ctx, id, func(r *Run) ([]AuditEvent, error) {
		if r.State != StateFailed {
			return nil, errkind.New(errkind.Conflict, "run %s is %s, so there is nothing to retry", r.ID, r.State.Describe())
		}
		_ = r.moveTo(StateQueued)
		from := r.FailedStep
		for i := range r.Steps {
			if r.Steps[i].Status == StepFailed {
				r.Steps[i].Status = StepPending
			}
		}
		r.Error, r.FailedStep, r.ErrorInput, r.FinishedAt = "", "", "", time.Time{}
		return []AuditEvent{{Actor: actor.String(), Event: EventRetried, Detail: map[string]any{"fromStep": from}}}, nil
	})
	if err != nil {
		return nil, err
	}
	e.log.Info("run retried", "run", id, "by", actor.String())
	e.changed(ctx, id)
	e.Kick()
	return run, nil
}

// Cancel withdraws a run that has not started: its requester may, while it
// waits for approval or in the queue. Errors: errkind.Forbidden,
// errkind.Conflict.
func (e *Engine) Cancel(ctx context.Context, id string, actor Actor) (*Run, error) {
	run, err := e.store.UpdateRun(ctx, id, func(r *Run) ([]AuditEvent, error) {
		if !actor.Same(r.Requester) {
			return nil, errkind.New(errkind.Forbidden, "only the requester may cancel this run")
		}
		if r.State != StateAwaitingApproval && r.State != StateQueued {
			return nil, errkind.New(errkind.Conflict, "run %s is %s, so it can no longer be cancelled", r.ID, r.State.Describe())
		}
		_ = r.moveTo(StateCancelled)
		r.FinishedAt = e.now()
		return []AuditEvent{{Actor: actor.String(), Event: EventCancelled}}, nil
	})
	if err != nil {
		return nil, err
	}
	e.changed(ctx, id)
	return run, nil
}

// CanDecide checks that actor may reject run before the form that asks
// for the reason opens (the Reject button): someone who may not decide is
// refused, and the refusal audited, as Decide does. Errors as Decide.
func (e *Engine) CanDecide(ctx context.Context, id string, actor Actor) (*Run, error) {
	run, err := e.store.GetRun(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := e.approverGroups(ctx, run, actor); err != nil {
		return run, e.refused(ctx, id, actor, false, err)
	}
	if run.State != StateAwaitingApproval {
		return run, closedRequest(run)
	}
	if !e.now().Before(run.ApprovalExpires) {
		e.expire(ctx, id)
		run, _ = e.store.GetRun(ctx, id)
		return run, closedRequest(run)
	}
	return run, nil
}
