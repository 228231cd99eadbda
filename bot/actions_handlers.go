package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/gantryhq/gantry/actions"
	"github.com/gantryhq/gantry/internal/errkind"
)

// actionsGlue is the Slack side of self-service actions: it opens forms,
// checks and submits them, takes decisions and retries to the engine, and
// shows runs (actionsNotifier). Every click and submission is decided by
// the engine from the store; the glue only says who acted.
type actionsGlue struct {
	b   *Bot
	eng *actions.Engine
	set *actions.Set
}

// maxStaticChoices is the most options a static select holds; beyond it
// an entity input searches as the person types.
const maxStaticChoices = actions.MaxChoices

// EnableActions registers the actions' Slack commands, buttons and forms:
// each action's own slash command (spec.command, which must also be in
// manifest.yaml), "/gantry run <action>", "/gantry actions", "/gantry
// runs", the approval buttons and the forms; and makes the bot the
// engine's notifier (progress messages, approval requests, secrets by DM).
func (b *Bot) EnableActions(eng *actions.Engine, set *actions.Set) {
	g := &actionsGlue{b: b, eng: eng, set: set}
	rt := b.router
	for _, a := range set.All() {
		if a.Spec.Command == "" {
			continue
		}
		def := a
		rt.Command(SlashCommand{Name: a.Spec.Command, Usage: a.Spec.Command, Help: clip(a.Title()+": "+a.Metadata.Description, 150),
			Handler: func(ctx context.Context, r *Request) error { return g.openForm(ctx, r, def, nil, nil) }})
	}
	rt.Subcommand(Subcommand{Name: "run", Usage: "run <action>", Help: "open an action's form (see `actions`)",
		Examples: actionNames(set), Handler: g.handleRun})
	rt.Subcommand(Subcommand{Name: "actions", Usage: "actions", Help: "the self-service actions you can run", Handler: g.handleList})
	rt.Subcommand(Subcommand{Name: "runs", Usage: "runs", Help: "your recent action runs and how they went", Handler: g.handleRuns})
	rt.Action(actionOpenForm+"*", g.handleOpen)
	rt.Action(actionApprove, g.handleApprove)
	rt.Action(actionReject, g.handleReject)
	rt.Action(actionRetry, g.handleRetry)
	rt.Action(actionCancel, g.handleCancel)
	rt.Action(actionEdit, g.handleEdit)
	rt.ViewSubmission(callbackActionForm, ViewSubmission{Validate: g.validateForm, Then: g.submitForm})
	rt.ViewSubmission(callbackReject, ViewSubmission{Validate: validateReason, Then: g.rejectThen})
	rt.Suggestions(actionChoice, g.suggest)
	eng.SetNotifier(newActionsNotifier(b, eng))
	b.actions.Store(g)
}

// OpenActionForm opens the form of the action named action for the person
// behind r, with r's trigger_id (so at once, in the handler of a click or
// a command), prefilled with values by input name: the modal that
// "/gantry run <action>" opens. It fits ScorecardOptions.StartFix, for a
// rule's Fix button. Errors: errkind.Unavailable before EnableActions,
// errkind.NotFound for an action that does not exist, errkind.Forbidden
// when the person may not run it.
func (b *Bot) OpenActionForm(ctx context.Context, r *Request, action string, values map[string]string) error {
	g := b.actions.Load()
	if g == nil {
		return errkind.New(errkind.Unavailable, "self-service actions are not set up here, so %s cannot be opened", action)
	}
	def, err := g.set.Get(action)
	if err != nil {
		return err
	}
	return g.openForm(ctx, r, def, values, nil)
}

func actionNames(set *actions.Set) []string {
	var out []string
	for i, a := range set.All() {
		if i == 3 {
			break
		}
		out = append(out, a.Metadata.Name)
	}
	return out
}

// actor is who acted, as Slack and the catalog say.
func actor(ctx context.Context, r *Request) actions.Actor {
	a := actions.Actor{SlackID: r.User.ID, Name: r.User.Name}
	if u := r.CatalogUser(ctx); u != nil {
		a.Ref = u.Ref().String()
		if n := u.SpecString("profile.displayName"); n != "" {
			a.Name = n
		}
		a.Email = u.SpecString("profile.email")
	}
	return a
}

func newNonce() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// form builds an action's form for the person: catalog choices (a static
// list when the kind has at most 100 entities, which the engine learns
// from 101 at most, else a search as the person types), prefilled values
// and errors. It reads little, so the form opens within the trigger's 3 s
// on any catalog.
func (g *actionsGlue) form(ctx context.Context, who actions.Actor, def *actions.Action, values, errs map[string]string, taken map[string]string) (ActionForm, error) {
	f := ActionForm{Action: def, Values: values, Errors: errs, Taken: taken, Nonce: newNonce(),
		Choices: map[string][]actions.Choice{}, External: map[string]bool{}}
	if def.Spec.Approval.Needed() {
		f.Approvers = strings.Join(shortRefs(def.Spec.Approval.Groups, def.Spec.Approval.Users), ", ")
	}
	for i := range def.Spec.Inputs {
		in := &def.Spec.Inputs[i]
		if in.Type != actions.TypeEntity {
			continue
		}
		choices, static, err := g.eng.FormChoices(ctx, def, in.Name, who)
		if err != nil {
			return f, err
		}
		if !static {
			f.External[in.Name] = true
			continue
		}
		f.Choices[in.Name] = choices
	}
	return f, nil
}

// openForm opens def's form with the request's trigger_id, at once. When
// Slack says the trigger expired, the person gets a button that opens it
// again.
func (g *actionsGlue) openForm(ctx context.Context, r *Request, def *actions.Action, values, errs map[string]string) error {
	who := actor(ctx, r)
	if err := g.eng.MayStart(ctx, def, who); err != nil {
		return err
	}
	taken := map[string]string{}
	for k := range errs {
		taken[k] = values[k]
	}
	f, err := g.form(ctx, who, def, values, errs, taken)
	if err != nil {
		return err
	}
	_, err = r.Respond.OpenModal(ctx, ActionModal(f))
	var ae *APIError
	if errors.As(err, &ae) && (ae.Code == "expired_trigger_id" || ae.Code == "exchanged_trigger_id") {
		r.Log.Info("the form's trigger expired before it opened; offering a button", "action", def.Metadata.Name)
		return r.Respond.Ephemeral(ctx, FormExpiredMessage(def))
	}
	return err
}

func (g *actionsGlue) handleRun(ctx context.Context, r *Request) error {
	name, _ := firstWord(r.Text)
	if name == "" {
		return r.Respond.Ephemeral(ctx, ActionsMessage(g.set.All()))
	}
	def, err := g.set.Get(name)
	if err != nil {
		return err
	}
	return g.openForm(ctx, r, def, nil, nil)
}

func (g *actionsGlue) handleList(ctx context.Context, r *Request) error {
	return r.Respond.Ephemeral(ctx, ActionsMessage(g.set.All()))
}

func (g *actionsGlue) handleRuns(ctx context.Context, r *Request) error {
	runs, err := g.eng.List(ctx, actions.RunFilter{Requester: r.User.ID, Limit: 10})
	if err != nil {
		return err
	}
	return r.Respond.Ephemeral(ctx, RunsMessage(RunsView{Runs: runs}))
}

// handleOpen is a "Run…" or "Open the form" button: a new trigger_id.
func (g *actionsGlue) handleOpen(ctx context.Context, r *Request) error {
	name := strings.TrimPrefix(r.Action.ActionID, actionOpenForm)
	def, err := g.set.Get(name)
	if err != nil {
		return err
	}
	return g.openForm(ctx, r, def, nil, nil)
}

// formValues reads the form's raw values, one per input.
func formValues(r *Request, def *actions.Action) map[string]string {
	raw := make(map[string]string, len(def.Spec.Inputs))
	for i := range def.Spec.Inputs {
		in := &def.Spec.Inputs[i]
		switch in.Type {
		case actions.TypeBoolean:
			raw[in.Name] = "false"
			for _, v := range r.Values(in.Name, actionValue) {
				if v == "true" {
					raw[in.Name] = "true"
				}
			}
		case actions.TypeEntity, actions.TypeEnum:
			v := r.Value(in.Name, actionValue)
			if v == "" {
				v = r.Value(in.Name, actionChoice) // a list searched as typed
			}
			raw[in.Name] = v
		default:
			raw[in.Name] = r.Value(in.Name, actionValue)
		}
	}
	return raw
}

// validateForm checks the form in the ack (no I/O): each input's type,
// pattern, length and range, and values the server already refused.
func (g *actionsGlue) validateForm(r *Request) *ViewResponse {
	meta, ok := readFormMeta(r.View.PrivateMetadata)
	if !ok {
		return g.b.formError(r, "This form is out of date; close it and open it again.")
	}
	def, err := g.set.Get(meta.Action)
	if err != nil {
		return g.b.formError(r, "This action no longer exists; close the form.")
	}
	raw := formValues(r, def)
	_, errs := actions.CheckInputs(def, raw)
	for name, v := range meta.Taken {
		if _, bad := errs[name]; !bad && v != "" && raw[name] == v {
			errs[name] = "This value was refused a moment ago (see the note below). Choose another."
		}
	}
	if len(errs) > 0 {
		return ViewErrors(errs)
	}
	return ViewUpdate(ActionCheckingModal(def, resultExternalID(r)))
}

// submissionKey identifies one submission of one form, so that it makes
// one run: the form's view and its nonce (renewed when the form comes back
// with errors).
func submissionKey(r *Request, meta formMeta) string {
	return "slack:" + r.View.ID + "." + meta.Nonce
}

// submitForm creates the run after the ack: the engine checks the inputs
// against the catalog, who may run it, and whether its steps would clash
// (a repository name that is taken); problems go back on the form.
func (g *actionsGlue) submitForm(ctx context.Context, r *Request) error {
	meta, _ := readFormMeta(r.View.PrivateMetadata)
	def, err := g.set.Get(meta.Action)
	if err != nil {
		return err
	}
	raw := formValues(r, def)
	who := actor(ctx, r)
	run, fieldErrs, err := g.eng.Submit(ctx, actions.SubmitRequest{Action: def, Requester: who, Inputs: raw, Key: submissionKey(r, meta)})
	switch {
	case err != nil:
		msg := err.Error()
		if k := errkind.Of(err); k == "" || k == errkind.Unavailable {
			id := newErrorID()
			r.Log.Error("submitting an action failed", "error_id", id, "err", err)
			msg = SomethingWentWrong(id).Text
		}
		return g.b.fillResult(ctx, r, ResultModal(def.Title(), ProblemMessage(msg)))
	case len(fieldErrs) > 0:
		taken := map[string]string{}
		for k := range fieldErrs {
			taken[k] = raw[k]
		}
		f, err := g.form(ctx, who, def, raw, fieldErrs, taken)
		if err != nil {
			return err
		}
		return g.b.fillResult(ctx, r, ActionModal(f))
	}
	return g.b.fillResult(ctx, r, ActionSubmittedModal(run, "your direct messages with Gantry"))
}

// refuse shows an errkind sentence to the person only; other errors go
// back to the bot's reporting.
func refuse(ctx context.Context, r *Request, err error) error {
	switch errkind.Of(err) {
	case errkind.Forbidden, errkind.Conflict, errkind.Invalid, errkind.NotFound:
		return r.Respond.Ephemeral(ctx, ProblemMessage(err.Error()))
	}
	return err
}

func (g *actionsGlue) handleApprove(ctx context.Context, r *Request) error {
	_, out, err := g.eng.Decide(ctx, r.Action.Value, actor(ctx, r), true, "")
	if err != nil {
		return refuse(ctx, r, err)
	}
	if out.Duplicate {
		return r.Respond.Ephemeral(ctx, ProblemMessage("your approval was already counted"))
	}
	return nil
}

// handleReject asks for a reason, after checking that the person may.
func (g *actionsGlue) handleReject(ctx context.Context, r *Request) error {
	run, err := g.eng.CanDecide(ctx, r.Action.Value, actor(ctx, r))
	if err != nil {
		return refuse(ctx, r, err)
	}
	_, err = r.Respond.OpenModal(ctx, RejectModal(run))
	return err
}

func validateReason(r *Request) *ViewResponse {
	if strings.TrimSpace(r.Value(inputReason, actionValue)) == "" {
		return ViewErrors(map[string]string{inputReason: "Say why: the requester reads it."})
	}
	return nil
}

func (g *actionsGlue) rejectThen(ctx context.Context, r *Request) error {
	_, _, err := g.eng.Decide(ctx, r.View.PrivateMetadata, actor(ctx, r), false, r.Value(inputReason, actionValue))
	if err != nil {
		return refuse(ctx, r, err)
	}
	return nil
}

func (g *actionsGlue) handleRetry(ctx context.Context, r *Request) error {
	if _, err := g.eng.Retry(ctx, r.Action.Value, actor(ctx, r)); err != nil {
		return refuse(ctx, r, err)
	}
	return nil
}

func (g *actionsGlue) handleCancel(ctx context.Context, r *Request) error {
	if _, err := g.eng.Cancel(ctx, r.Action.Value, actor(ctx, r)); err != nil {
		return refuse(ctx, r, err)
	}
	return nil
}

// handleEdit reopens a failed run's form with its values and the problem
// under the input it concerns ("this name is taken"), for a new request.
func (g *actionsGlue) handleEdit(ctx context.Context, r *Request) error {
	run, err := g.eng.Get(ctx, r.Action.Value)
	if err != nil {
		return refuse(ctx, r, err)
	}
	if !actor(ctx, r).Same(run.Requester) {
		return refuse(ctx, r, errkind.New(errkind.Forbidden, "only the requester can change and resubmit this run"))
	}
	def, err := g.set.Get(run.Action)
	if err != nil {
		return refuse(ctx, r, err)
	}
	values := map[string]string{}
	for k, v := range run.Inputs {
		if v != nil {
			values[k] = defaultText(v)
		}
	}
	var errs map[string]string
	if run.ErrorInput != "" {
		errs = map[string]string{run.ErrorInput: run.Error}
	}
	return g.openForm(ctx, r, def, values, errs)
}

// suggest answers an entity input's search (more than 100 choices).
func (g *actionsGlue) suggest(ctx context.Context, r *Request) ([]*slack.OptionBlockObject, error) {
	if r.View == nil {
		return nil, errkind.New(errkind.Invalid, "an options request without its form")
	}
	meta, ok := readFormMeta(r.View.PrivateMetadata)
	if !ok {
		return nil, errkind.New(errkind.Invalid, "an options request from another form")
	}
	def, err := g.set.Get(meta.Action)
	if err != nil {
		return nil, err
	}
	input := ""
	if r.Interaction != nil {
		input = r.Interaction.BlockID
	}
	if in, ok := def.Input(input); ok && in.Type == actions.TypeEnum {
		return enumOptions(in, r.Text), nil
	}
	choices, err := g.eng.SearchChoices(ctx, def, input, actor(ctx, r), r.Text)
	if err != nil {
		return nil, fmt.Errorf("choices of %s: %w", input, err)
	}
	return ChoiceOptions(choices), nil
}

// enumOptions are an enum's options whose label or value contains query.
func enumOptions(in *actions.Input, query string) []*slack.OptionBlockObject {
	q := strings.ToLower(strings.TrimSpace(query))
	var out []actions.Choice
	for _, o := range in.Options {
		if q == "" || strings.Contains(strings.ToLower(o.Text()+" "+o.Value), q) {
			out = append(out, actions.Choice{Value: o.Value, Label: o.Text()})
		}
		if len(out) == maxStaticChoices {
			break
		}
	}
	return ChoiceOptions(out)
}
