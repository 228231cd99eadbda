package bot

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/gantryhq/gantry/actions"
)

// The views of self-service actions: the form, the approval request, the
// requester's progress message, the runs list, and the small messages
// around them. Pure functions of their data, like every view.

// Callback and action ids of actions.
const (
	callbackActionForm   = "actions.form"
	callbackActionResult = "actions.result"
	callbackReject       = "actions.reject"
	actionOpenForm       = "actions.open:" // + the action's name
	actionApprove        = "actions.approve"
	actionReject         = "actions.reject"
	actionRetry          = "actions.retry"
	actionCancel         = "actions.cancel"
	actionEdit           = "actions.edit"
	actionChoice         = "actions.choice" // external selects of entity inputs
	actionValue          = "v"              // every other input's element
	inputReason          = "reason"
)

// formMeta is what an action form carries in private_metadata.
type formMeta struct {
	Action string            `json:"a"`
	Nonce  string            `json:"n"`
	Taken  map[string]string `json:"t,omitempty"` // values the server refused, by input
}

func (m formMeta) encode() string {
	b, _ := json.Marshal(m)
	if len(b) > 3000 { // private_metadata's limit: drop what only helps
		m.Taken = nil
		b, _ = json.Marshal(m)
	}
	return string(b)
}

func readFormMeta(s string) (formMeta, bool) {
	var m formMeta
	if json.Unmarshal([]byte(s), &m) != nil || m.Action == "" {
		return m, false
	}
	return m, true
}

// ActionForm is what an action's modal shows.
type ActionForm struct {
	Action *actions.Action
	// Values prefill the inputs (raw, as CheckInputs reads them); without
	// one, an input shows its default.
	Values map[string]string
	// Choices are the options of entity inputs; External lists the entity
	// inputs with too many choices for a static list (searched as typed).
	Choices  map[string][]actions.Choice
	External map[string]bool
	// Errors are shown under their input (from the server's checks, which
	// cannot ride in the ack); Taken carries the refused values, refused
	// again in the ack if submitted unchanged.
	Errors map[string]string
	Taken  map[string]string
	// Approvers summarises who approves ("" for none).
	Approvers string
	Nonce     string
}

// maxFormBytes keeps a form under Slack's 250 KB per view, with room.
const maxFormBytes = 200 << 10

// ActionModal is an action's form: one input per spec.inputs entry. A form
// whose option lists would make it too large for Slack turns its longest
// lists into searches (external_select), longest first.
func ActionModal(f ActionForm) slack.ModalViewRequest {
	v := actionModal(f)
	for {
		raw, _ := json.Marshal(v)
		if len(raw) <= maxFormBytes {
			return v
		}
		name := longestList(f)
		if name == "" {
			return v
		}
		ext := map[string]bool{name: true}
		for k, on := range f.External {
			ext[k] = on
		}
		f.External = ext
		v = actionModal(f)
	}
}

// longestList names the input with the most static options left.
func longestList(f ActionForm) string {
	best, n := "", 0
	for i := range f.Action.Spec.Inputs {
		in := &f.Action.Spec.Inputs[i]
		if f.External[in.Name] {
			continue
		}
		count := len(in.Options)
		if in.Type == actions.TypeEntity {
			count = len(f.Choices[in.Name])
		}
		if count > n {
			best, n = in.Name, count
		}
	}
	return best
}

func actionModal(f ActionForm) slack.ModalViewRequest {
	a := f.Action
	var bs []slack.Block
	if d := a.Metadata.Description; d != "" {
		bs = append(bs, section(esc(d)))
	}
	if f.Approvers != "" {
		bs = append(bs, note(":lock: Needs approval by "+esc(f.Approvers)+" before anything happens."))
	}
	for i := range a.Spec.Inputs {
		in := &a.Spec.Inputs[i]
		bs = append(bs, inputBlock(in, f))
		if msg := f.Errors[in.Name]; msg != "" {
			bs = append(bs, note(":warning: "+esc(msg)))
		}
	}
	submit := "Run"
	if f.Approvers != "" {
		submit = "Request"
	}
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: callbackActionForm, Title: plain(clip(a.Title(), 24)),
		Submit: plain(submit), Close: plain("Cancel"), Blocks: slack.Blocks{BlockSet: bs},
		PrivateMetadata: formMeta{Action: a.Metadata.Name, Nonce: f.Nonce, Taken: f.Taken}.encode(),
	}
}

// inputBlock is one input of the form: block_id is the input's name.
func inputBlock(in *actions.Input, f ActionForm) *slack.InputBlock {
	value, given := f.Values[in.Name]
	if !given && in.Default != nil {
		value = defaultText(in.Default)
	}
	var el slack.BlockElement
	placeholder := func() *slack.TextBlockObject {
		if in.Placeholder == "" {
			return nil
		}
		return plain(clip(in.Placeholder, 150))
	}
	switch in.Type {
	case actions.TypeText, actions.TypeString:
		t := slack.NewPlainTextInputBlockElement(placeholder(), actionValue)
		t.Multiline = in.Type == actions.TypeText
		t.InitialValue = value
		if in.MinLength != nil {
			t.MinLength = *in.MinLength
		}
		if in.MaxLength != nil {
			t.MaxLength = *in.MaxLength
		}
		el = t
	case actions.TypeNumber:
		n := slack.NewNumberInputBlockElement(placeholder(), actionValue, !in.Integer)
		n.InitialValue = value
		if in.Min != nil {
			n.MinValue = defaultText(*in.Min)
		}
		if in.Max != nil {
			n.MaxValue = defaultText(*in.Max)
		}
		el = n
	case actions.TypeBoolean:
		opt := slack.NewOptionBlockObject("true", plain(clip(in.Label(), 75)), nil)
		c := slack.NewCheckboxGroupsBlockElement(actionValue, opt)
		if value == "true" {
			c.InitialOptions = []*slack.OptionBlockObject{opt}
		}
		el = c
	case actions.TypeEnum:
		if f.External[in.Name] {
			s := slack.NewOptionsSelectBlockElement(slack.OptTypeExternal, placeholder(), actionChoice)
			zero := 0
			s.MinQueryLength = &zero
			for _, o := range in.Options {
				if o.Value == value {
					s.InitialOption = slack.NewOptionBlockObject(o.Value, plain(clip(o.Text(), 75)), nil)
				}
			}
			el = s
			break
		}
		var opts []*slack.OptionBlockObject
		var initial *slack.OptionBlockObject
		for _, o := range in.Options {
			ob := slack.NewOptionBlockObject(o.Value, plain(clip(o.Text(), 75)), nil)
			opts = append(opts, ob)
			if o.Value == value {
				initial = ob
			}
		}
		s := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, placeholder(), actionValue, opts...)
		s.InitialOption = initial
		el = s
	case actions.TypeEntity:
		el = entitySelect(in, f, value, placeholder())
	case actions.TypeUser:
		u := slack.NewOptionsSelectBlockElement(slack.OptTypeUser, placeholder(), actionValue)
		u.InitialUser = value
		el = u
	}
	label := in.Label()
	var hint *slack.TextBlockObject
	if in.Help != "" {
		hint = plain(clip(in.Help, 2000))
	}
	b := slack.NewInputBlock(in.Name, plain(clip(label, 2000)), hint, el)
	b.Optional = !in.Required || in.Type == actions.TypeBoolean
	return b
}

// entitySelect chooses among catalog entities: a static list up to 100,
// else a search as the person types (external_select).
func entitySelect(in *actions.Input, f ActionForm, value string, ph *slack.TextBlockObject) slack.BlockElement {
	if ph == nil {
		ph = plain(clip("Choose a "+strings.ToLower(in.EntityKind), 150))
	}
	choices := f.Choices[in.Name]
	if f.External[in.Name] || len(choices) == 0 {
		s := slack.NewOptionsSelectBlockElement(slack.OptTypeExternal, ph, actionChoice)
		zero := 0
		s.MinQueryLength = &zero
		if value != "" {
			s.InitialOption = slack.NewOptionBlockObject(value, plain(clip(refShort(value), 75)), nil)
		}
		return s
	}
	var opts []*slack.OptionBlockObject
	var initial *slack.OptionBlockObject
	for _, c := range choices {
		o := slack.NewOptionBlockObject(c.Value, plain(clip(c.Label, 75)), nil)
		opts = append(opts, o)
		if c.Value == value {
			initial = o
		}
	}
	s := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, ph, actionValue, opts...)
	s.InitialOption = initial
	return s
}

// ChoiceOptions turns choices into options for an external select.
func ChoiceOptions(choices []actions.Choice) []*slack.OptionBlockObject {
	out := make([]*slack.OptionBlockObject, 0, len(choices))
	for _, c := range choices {
		out = append(out, slack.NewOptionBlockObject(c.Value, plain(clip(c.Label, 75)), nil))
	}
	return out
}

func defaultText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// ActionCheckingModal replaces a submitted form while the server checks
// it and creates the run; externalID finds it again.
func ActionCheckingModal(a *actions.Action, externalID string) slack.ModalViewRequest {
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: callbackActionResult, ExternalID: externalID,
		Title: plain(clip(a.Title(), 24)), Close: plain("Close"),
		Blocks: slack.Blocks{BlockSet: blocks(section(":hourglass_flowing_sand: Checking your request…"))},
	}
}

// ActionSubmittedModal confirms a request: what happens next, and where.
func ActionSubmittedModal(run *actions.Run, dm string) slack.ModalViewRequest {
	var text string
	switch run.State {
	case actions.StateAwaitingApproval:
		text = fmt.Sprintf(":inbox_tray: Requested (run `%s`). It waits for approval by %s; I'll keep you posted in %s.", run.ID,
			esc(approversOf(run)), dm)
	default:
		text = fmt.Sprintf(":rocket: Started (run `%s`). Follow it step by step in %s.", run.ID, dm)
	}
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: callbackActionResult, Title: plain(clip(run.ActionTitle, 24)), Close: plain("Close"),
		Blocks: slack.Blocks{BlockSet: blocks(section(text))},
	}
}

func approversOf(run *actions.Run) string {
	ap := run.Definition.Spec.Approval
	var parts []string
	for _, g := range ap.Groups {
		parts = append(parts, refShort(g))
	}
	for _, u := range ap.Users {
		parts = append(parts, refShort(u))
	}
	return strings.Join(parts, ", ")
}

// RejectModal asks an approver why they reject a run.
func RejectModal(run *actions.Run) slack.ModalViewRequest {
	in := slack.NewPlainTextInputBlockElement(plain("What should change, or why not at all"), actionValue)
	in.Multiline, in.MaxLength = true, 500
	block := slack.NewInputBlock(inputReason, plain("Reason"), plain("The requester reads it."), in)
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: callbackReject, Title: plain("Reject the request"), Submit: plain("Reject"), Close: plain("Cancel"),
		PrivateMetadata: run.ID,
		Blocks: slack.Blocks{BlockSet: blocks(section(fmt.Sprintf("Reject *%s* (run `%s`) requested by %s?",
			esc(run.ActionTitle), run.ID, mention(run.Requester))), block)},
	}
}

func mention(a actions.Actor) string {
	if a.SlackID != "" {
		return "<@" + a.SlackID + ">"
	}
	return esc(a.String())
}

// inputFields shows a run's inputs as label: value fields.
func inputFields(run *actions.Run) []slack.Block {
	var texts []string
	for i := range run.Definition.Spec.Inputs {
		in := &run.Definition.Spec.Inputs[i]
		v := run.Inputs[in.Name]
		var shown string
		switch in.Type {
		case actions.TypeBoolean:
			shown = "No"
			if v == true {
				shown = "Yes"
			}
		case actions.TypeEntity:
			if s, _ := v.(string); s != "" {
				shown = esc(refShort(s))
			}
		case actions.TypeUser:
			if s, _ := v.(string); s != "" {
				shown = "<@" + s + ">"
			}
		default:
			if v != nil {
				shown = esc(clip(defaultText(v), 300))
			}
		}
		if shown == "" {
			shown = "—"
		}
		texts = append(texts, "*"+esc(clip(in.Label(), 80))+"*\n"+shown)
	}
	var out []slack.Block
	for len(texts) > 0 {
		n := min(len(texts), 10) // Slack's fields per section
		out = append(out, fields(texts[:n]...))
		texts = texts[n:]
	}
	return out
}

// ApprovalView is what an approval request shows.
type ApprovalView struct {
	Run  *actions.Run
	Plan []actions.PlanLine
	Now  time.Time
}

// ApprovalMessage asks approvers to decide, with the inputs and the dry-run
// plan; once decided it says who decided and when, and follows the run.
func ApprovalMessage(v ApprovalView) Message {
	run := v.Run
	text := fmt.Sprintf("%s asks to run %s (run %s)", requesterName(run), run.ActionTitle, run.ID)
	bs := []slack.Block{
		header(clip("Approval request: "+run.ActionTitle, 150)),
		section(fmt.Sprintf("%s asks to run *%s* (run `%s`).", mention(run.Requester), esc(run.ActionTitle), run.ID)),
	}
	bs = append(bs, inputFields(run)...)
	bs = append(bs, section("*What will happen*\n"+planText(v.Plan)))
	bs = append(bs, decisionBlocks(run)...)
	switch run.State {
	case actions.StateAwaitingApproval:
		bs = append(bs, note(fmt.Sprintf("Needs %s · expires %s · the requester cannot approve their own run",
			esc(actions.Approvers(run)), slackDate(run.ApprovalExpires))),
			buttons(primary(button(actionApprove, run.ID, "Approve")), danger(button(actionReject, run.ID, "Reject…"))))
	default:
		bs = append(bs, section(statusLine(run)))
		if run.State == actions.StateFailed {
			bs = append(bs, buttons(primary(button(actionRetry, run.ID, "Retry from the failed step"))))
		}
	}
	return Message{Text: text, Blocks: blocks(bs...)}
}

func danger(b *slack.ButtonBlockElement) *slack.ButtonBlockElement {
	b.Style = slack.StyleDanger
	return b
}

func requesterName(run *actions.Run) string {
	if run.Requester.Name != "" {
		return run.Requester.Name
	}
	return run.Requester.String()
}

// planText lists the dry-run plan, a line per step.
func planText(plan []actions.PlanLine) string {
	var b strings.Builder
	for i, l := range plan {
		line := fmt.Sprintf("%d. %s", i+1, esc(clip(l.Text, 300)))
		if l.Skipped {
			line = fmt.Sprintf("%d. ~%s~ · %s", i+1, esc(clip(l.Text, 300)), esc(clip(actions.SkippedText(l.SkipReason), 300)))
		}
		b.WriteString(line + "\n")
	}
	return clip(strings.TrimSpace(b.String()), maxSectionChars)
}

// decisionBlocks say who approved or rejected, and when.
func decisionBlocks(run *actions.Run) []slack.Block {
	var lines []string
	for _, d := range run.Decisions {
		if d.Approve {
			lines = append(lines, fmt.Sprintf(":white_check_mark: Approved by %s on %s", mention(d.Actor), slackDate(d.At)))
		} else {
			lines = append(lines, fmt.Sprintf(":no_entry: Rejected by %s on %s: %s", mention(d.Actor), slackDate(d.At), quote(d.Reason)))
		}
	}
	if len(lines) == 0 {
		return nil
	}
	return []slack.Block{section(strings.Join(lines, "\n"))}
}

// statusLine says where a run is, in a sentence.
func statusLine(run *actions.Run) string {
	switch run.State {
	case actions.StateAwaitingApproval:
		return fmt.Sprintf(":hourglass: Waiting for approval by %s (%s) · expires %s", esc(approversOf(run)), esc(actions.Approvers(run)), slackDate(run.ApprovalExpires))
	case actions.StateQueued:
		return ":arrows_counterclockwise: Queued: starting in a moment."
	case actions.StateRunning:
		return ":gear: Running…"
	case actions.StateSucceeded:
		return ":tada: Done."
	case actions.StateFailed:
		return fmt.Sprintf(":x: Failed at *%s*: %s", esc(stepTitle(run, run.FailedStep)), esc(clip(run.Error, 1500)))
	case actions.StateRejected:
		return ":no_entry: Rejected: " + esc(clip(run.Error, 1500))
	case actions.StateExpired:
		return ":hourglass: Expired: " + esc(run.Error) + ". Run the action again to ask anew."
	case actions.StateCancelled:
		return ":wastebasket: Cancelled by the requester."
	}
	return esc(run.State.Describe())
}

func stepTitle(run *actions.Run, id string) string {
	if s, ok := run.Step(id); ok {
		return s.Title
	}
	return id
}

// stepLines shows each step's state on a line.
func stepLines(run *actions.Run) string {
	var b strings.Builder
	for _, s := range run.Steps {
		var icon, extra string
		switch s.Status {
		case actions.StepPending:
			icon = ":white_circle:"
		case actions.StepRunning:
			icon = ":large_blue_circle:"
			extra = " · running"
			if s.Attempts > 1 {
				extra = fmt.Sprintf(" · running (attempt %d)", s.Attempts)
			}
		case actions.StepDone:
			icon = ":white_check_mark:"
			if d := s.FinishedAt.Sub(s.StartedAt); d > 0 && !s.StartedAt.IsZero() {
				extra = " · " + roundDuration(d)
			}
		case actions.StepSkipped:
			icon, extra = ":fast_forward:", " · "+esc(clip(actions.SkippedText(s.SkipReason()), 300))
		case actions.StepFailed:
			icon, extra = ":x:", " · "+esc(clip(s.Error, 500))
		}
		fmt.Fprintf(&b, "%s %s%s\n", icon, esc(s.Title), extra)
	}
	return clip(strings.TrimSpace(b.String()), maxSectionChars)
}

func roundDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// RunProgressMessage is the requester's message about a run, updated in
// place: its state, each step, and at the end the links, or the reason it
// failed with a Retry button.
func RunProgressMessage(run *actions.Run) Message {
	text := fmt.Sprintf("%s (run %s): %s", run.ActionTitle, run.ID, run.State.Describe())
	bs := []slack.Block{
		header(clip(run.ActionTitle, 150)),
		section(statusLine(run)),
	}
	bs = append(bs, decisionBlocks(run)...)
	if run.State != actions.StateRejected && run.State != actions.StateExpired && run.State != actions.StateCancelled {
		bs = append(bs, section(stepLines(run)))
	}
	if run.State == actions.StateSucceeded {
		if t := run.Result.Text; t != "" {
			bs = append(bs, section(esc(clip(t, 2000))))
		}
		var links []*slack.ButtonBlockElement
		for i, l := range run.Result.Links {
			if i == 5 {
				break
			}
			b := button(fmt.Sprintf("actions.link:%d", i), run.ID, l.Title)
			b.URL = l.URL
			links = append(links, b)
		}
		bs = append(bs, buttons(links...))
	}
	var btns []*slack.ButtonBlockElement
	switch run.State {
	case actions.StateFailed:
		btns = append(btns, primary(button(actionRetry, run.ID, "Retry from the failed step")))
		if run.ErrorInput != "" {
			btns = append(btns, button(actionEdit, run.ID, "Change "+inputLabel(run, run.ErrorInput)+" and resubmit"))
		}
	case actions.StateAwaitingApproval:
		btns = append(btns, button(actionCancel, run.ID, "Cancel the request"))
	}
	bs = append(bs, buttons(btns...))
	bs = append(bs, note(fmt.Sprintf("Run `%s` · requested %s", run.ID, slackDate(run.CreatedAt))))
	return Message{Text: text, Blocks: blocks(bs...)}
}

func inputLabel(run *actions.Run, name string) string {
	if in, ok := run.Definition.Input(name); ok {
		return strings.ToLower(in.Label())
	}
	return name
}

// RunNoticeMessage is the short reply, in the progress message's thread,
// that makes Slack notify the requester of a turn: approved, rejected,
// done, failed.
func RunNoticeMessage(run *actions.Run, threadTS string) Message {
	var text string
	switch run.State {
	case actions.StateQueued, actions.StateRunning:
		var names []string
		for _, d := range run.Approvals() {
			names = append(names, mention(d.Actor))
		}
		text = fmt.Sprintf(":white_check_mark: Approved by %s: starting.", strings.Join(names, ", "))
	case actions.StateSucceeded:
		text = ":tada: Done: " + esc(clip(run.Result.Text, 500))
	default:
		text = statusLine(run)
	}
	return Message{Text: PlainText(text), Blocks: blocks(section(text)), ThreadTS: threadTS}
}

// SecretMessage hands the requester a secret, in their DM only.
func SecretMessage(run *actions.Run, s actions.Secret) Message {
	var lines []string
	for _, f := range s.Fields {
		lines = append(lines, fmt.Sprintf("*%s*: `%s`", esc(f.Label), strings.ReplaceAll(f.Value, "`", "'")))
	}
	bs := blocks(
		header(clip(":closed_lock_with_key: "+s.Title, 150)),
		section(strings.Join(lines, "\n")),
		note(esc(s.Note)),
		note(fmt.Sprintf("From run `%s` of %s. Only you can see this message.", run.ID, esc(run.ActionTitle))),
	)
	return Message{Text: s.Title + " (only you can see this)", Blocks: bs}
}

// RunsView is a person's recent runs.
type RunsView struct {
	Runs []actions.Run
}

// RunsMessage lists runs, newest first, one section each.
func RunsMessage(v RunsView) Message {
	if len(v.Runs) == 0 {
		text := "You haven't run any action yet. `/gantry actions` lists what you can run."
		return Message{Text: PlainText(text), Blocks: blocks(section(text))}
	}
	bs := []slack.Block{header("Your recent runs")}
	for i := range v.Runs {
		r := &v.Runs[i]
		done := 0
		for _, s := range r.Steps {
			if s.Status == actions.StepDone || s.Status == actions.StepSkipped {
				done++
			}
		}
		line := fmt.Sprintf("%s *%s* · `%s` · %s · %d/%d steps\n%s", stateIcon(r.State), esc(r.ActionTitle), r.ID, esc(r.State.Describe()),
			done, len(r.Steps), slackDate(r.CreatedAt))
		if r.Error != "" {
			line += "\n" + esc(clip(r.Error, 300))
		}
		var el slack.BlockElement
		if r.State == actions.StateFailed {
			el = button(actionRetry, r.ID, "Retry")
		}
		if el != nil {
			bs = append(bs, sectionWith(line, el))
		} else {
			bs = append(bs, section(line))
		}
		if len(bs) >= 45 {
			break
		}
	}
	bs = append(bs, note("`gantry runs show ID` prints a run's full audit trail."))
	return Message{Text: fmt.Sprintf("Your %d most recent runs", len(v.Runs)), Blocks: blocks(bs...)}
}

func stateIcon(s actions.State) string {
	switch s {
	case actions.StateSucceeded:
		return ":white_check_mark:"
	case actions.StateFailed:
		return ":x:"
	case actions.StateAwaitingApproval:
		return ":hourglass:"
	case actions.StateRunning, actions.StateQueued:
		return ":gear:"
	case actions.StateRejected:
		return ":no_entry:"
	}
	return ":white_circle:"
}

// ActionsMessage lists the actions a person can start, with a button each.
func ActionsMessage(list []*actions.Action) Message {
	if len(list) == 0 {
		text := "No self-service action is configured (actions.paths in gantry.yaml)."
		return Message{Text: text, Blocks: blocks(section(text))}
	}
	sorted := append([]*actions.Action(nil), list...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Title() < sorted[j].Title() })
	bs := []slack.Block{header("Self-service actions")}
	for i, a := range sorted {
		if i == 45 {
			bs = append(bs, note(fmt.Sprintf("and %d more: `/gantry run <name>`", len(sorted)-i)))
			break
		}
		how := "`/gantry run " + a.Metadata.Name + "`"
		if a.Spec.Command != "" {
			how = "`" + a.Spec.Command + "` or " + how
		}
		line := "*" + esc(a.Title()) + "* · " + how
		if d := a.Metadata.Description; d != "" {
			line += "\n" + esc(clip(d, 300))
		}
		if a.Spec.Approval.Needed() {
			line += "\n:lock: Approved by " + esc(strings.Join(shortRefs(a.Spec.Approval.Groups, a.Spec.Approval.Users), ", "))
		}
		bs = append(bs, sectionWith(line, button(actionOpenForm+a.Metadata.Name, a.Metadata.Name, "Run…")))
	}
	return Message{Text: fmt.Sprintf("%d self-service actions", len(list)), Blocks: blocks(bs...)}
}

func shortRefs(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		for _, r := range l {
			out = append(out, refShort(r))
		}
	}
	return out
}

// FormExpiredMessage offers the form again when Slack refused to open it
// (the trigger expired: Slack gives 3 seconds).
func FormExpiredMessage(a *actions.Action) Message {
	text := fmt.Sprintf("The form for *%s* took too long to open, so Slack dropped it. Open it again:", esc(a.Title()))
	return Message{Text: PlainText(text), Blocks: blocks(sectionWith(text, primary(button(actionOpenForm+a.Metadata.Name, a.Metadata.Name, "Open the form"))))}
}
