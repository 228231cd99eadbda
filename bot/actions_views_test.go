package bot_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/actions"
	"github.com/gantryhq/gantry/bot"
)

// exampleActions loads examples/actions.
func exampleActions(t testing.TB) *actions.Set {
	t.Helper()
	set, probs, err := actions.Load([]string{filepath.Join("..", "examples", "actions")}, actions.LoadOptions{Secrets: []string{"INCIDENT_WEBHOOK_URL"}})
	if err != nil || len(probs) > 0 {
		t.Fatalf("examples/actions: %v %v", err, probs)
	}
	return set
}

// sampleRun is a create-service run in state, at fixed times.
func sampleRun(t testing.TB, state actions.State) *actions.Run {
	t.Helper()
	def, err := exampleActions(t).Get("create-service")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	r := &actions.Run{ID: "R7K3M9Q2XA4B1", Action: def.Metadata.Name, ActionTitle: def.Title(), Definition: def, State: state,
		Requester: actions.Actor{SlackID: "U0PAY0001", Ref: "user:default/priya", Name: "Priya Raman"},
		Inputs: map[string]any{"name": "payments-api", "description": "Takes card payments for the checkout.", "owner": "group:default/payments",
			"system": "system:default/payments-platform", "visibility": "private", "database": true},
		CreatedAt: at, ApprovalExpires: at.Add(72 * time.Hour)}
	statuses := map[actions.State][]actions.StepStatus{
		actions.StateAwaitingApproval: {"pending", "pending", "pending", "pending", "pending", "pending"},
		actions.StateRunning:          {"done", "done", "running", "pending", "pending", "pending"},
		actions.StateSucceeded:        {"done", "done", "done", "done", "done", "done"},
		actions.StateFailed:           {"failed", "pending", "pending", "pending", "pending", "pending"},
		actions.StateRejected:         {"pending", "pending", "pending", "pending", "pending", "pending"},
	}[state]
	for i, s := range def.Spec.Steps {
		st := actions.StepState{Index: i, ID: s.ID, Uses: s.Uses, Title: s.Title(), Status: statuses[i], Attempts: 1}
		if st.Status == actions.StepDone {
			st.StartedAt, st.FinishedAt = at.Add(time.Duration(i)*time.Second), at.Add(time.Duration(i)*time.Second+1300*time.Millisecond)
		}
		r.Steps = append(r.Steps, st)
	}
	alice := actions.Actor{SlackID: "U0PLT0001", Ref: "user:default/alice", Name: "Alice Nakamura"}
	switch state {
	case actions.StateRunning, actions.StateSucceeded, actions.StateFailed:
		r.Decisions = []actions.Decision{{Actor: alice, Approve: true, At: at.Add(10 * time.Minute), Groups: []string{"group:default/platform"}}}
	case actions.StateRejected:
		r.Decisions = []actions.Decision{{Actor: alice, Approve: false, Reason: "We have a payments API already: extend checkout-api.", At: at.Add(10 * time.Minute)}}
		r.Error = "rejected by Alice Nakamura: We have a payments API already: extend checkout-api."
	}
	switch state {
	case actions.StateSucceeded:
		r.Result = actions.Output{Text: "payments-api is ready, owned by payments. Try /whoowns payments-api.",
			Links: []actions.Link{{Title: "Repository", URL: "https://github.com/bramble/payments-api"}}}
	case actions.StateFailed:
		r.Error = "A repository named bramble/payments-api already exists on GitHub. Choose another name."
		r.FailedStep, r.ErrorInput = "repo", "name"
		r.Steps[0].Error = r.Error
	}
	return r
}

func samplePlan() []actions.PlanLine {
	return []actions.PlanLine{
		{Step: "repo", Text: "Create GitHub repository bramble/payments-api from template bramble/service-template (private)"},
		{Step: "files", Text: "Commit 2 file(s) to bramble/payments-api: CODEOWNERS, catalog-info.yaml"},
		{Step: "team", Text: "Grant team payments maintain access to bramble/payments-api"},
		{Step: "protect", Text: "Protect the default branch of bramble/payments-api (1 approving review(s) required)"},
		{Step: "db", Text: "Create PostgreSQL database payments_api owned by role payments_api (the password goes to the requester in a DM)", Skipped: false},
		{Step: "register", Text: "Register bramble/payments-api:catalog-info.yaml in the catalog"},
	}
}

func TestGoldenActionViews(t *testing.T) {
	set := exampleActions(t)
	cs, _ := set.Get("create-service")
	choices := map[string][]actions.Choice{
		"owner":  {{Value: "group:default/logistics", Label: "Logistics"}, {Value: "group:default/payments", Label: "Payments"}, {Value: "group:default/platform", Label: "Platform"}},
		"system": {{Value: "system:default/payments-platform", Label: "Payments platform (payments-platform)"}},
	}
	golden(t, "actions/form", bot.ActionModal(bot.ActionForm{Action: cs, Choices: choices, Approvers: "platform", Nonce: "n0"}))
	golden(t, "actions/form_errors", bot.ActionModal(bot.ActionForm{Action: cs, Choices: choices, Approvers: "platform", Nonce: "n1",
		Values: map[string]string{"name": "notification-service", "description": "Sends e-mails and pushes.", "owner": "group:default/platform", "database": "true"},
		Errors: map[string]string{"name": "A repository named bramble/notification-service already exists on GitHub. Choose another name."},
		Taken:  map[string]string{"name": "notification-service"}}))
	rb, _ := set.Get("rollback")
	golden(t, "actions/form_search", bot.ActionModal(bot.ActionForm{Action: rb, External: map[string]bool{"service": true}, Approvers: "platform", Nonce: "n2"}))
	golden(t, "actions/reject_modal", bot.RejectModal(sampleRun(t, actions.StateAwaitingApproval)))
	for _, st := range []actions.State{actions.StateAwaitingApproval, actions.StateRunning, actions.StateRejected} {
		golden(t, "actions/approval_"+string(st), bot.ApprovalMessage(bot.ApprovalView{Run: sampleRun(t, st), Plan: samplePlan()}))
	}
	for _, st := range []actions.State{actions.StateAwaitingApproval, actions.StateRunning, actions.StateSucceeded, actions.StateFailed, actions.StateRejected} {
		golden(t, "actions/progress_"+string(st), bot.RunProgressMessage(sampleRun(t, st)))
	}
	golden(t, "actions/notice_approved", bot.RunNoticeMessage(sampleRun(t, actions.StateRunning), "1764072000.000100"))
	golden(t, "actions/runs", bot.RunsMessage(bot.RunsView{Runs: []actions.Run{*sampleRun(t, actions.StateSucceeded), *sampleRun(t, actions.StateFailed), *sampleRun(t, actions.StateAwaitingApproval)}}))
	golden(t, "actions/runs_none", bot.RunsMessage(bot.RunsView{}))
	golden(t, "actions/list", bot.ActionsMessage(set.All()))
	golden(t, "actions/form_expired", bot.FormExpiredMessage(cs))
	golden(t, "actions/secret", bot.SecretMessage(sampleRun(t, actions.StateRunning), actions.Secret{Title: "Credentials for PostgreSQL database payments_api",
		Fields: []actions.SecretField{{Label: "Host", Value: "db.bramble.internal:5432"}, {Label: "User", Value: "payments_api"},
			{Label: "Password", Value: "EXAMPLE-not-a-real-password", Sensitive: true}},
		Note: "Only you can see this message, and Gantry keeps no copy of the password: store it in your secret manager now."}))
}

// TestActionViewsWithinLimits: many inputs, long values and many runs
// still make payloads Slack accepts.
func TestActionViewsWithinLimits(t *testing.T) {
	var yaml strings.Builder
	yaml.WriteString("apiVersion: gantry.dev/v1\nkind: Action\nmetadata: {name: big, title: A very long action title that goes on, description: \"" + strings.Repeat("d", 2900) + "\"}\nspec:\n  inputs:\n")
	var opts []string
	for j := range 100 {
		opts = append(opts, fmt.Sprintf("option-%03d-%s", j, strings.Repeat("o", 60)))
	}
	for i := range 40 {
		fmt.Fprintf(&yaml, "    - {name: in%d, title: \"%s\", type: enum, options: [%s]}\n", i, strings.Repeat("t", 150), strings.Join(opts, ", "))
	}
	yaml.WriteString("  steps: [{id: a, uses: http.request, with: {url: \"https://x\"}}]\n")
	acts, probs := actions.Parse("big.yaml", []byte(yaml.String()))
	valid, probs2 := actions.Validate(acts, actions.LoadOptions{})
	if len(probs)+len(probs2) > 0 || len(valid) != 1 {
		t.Fatalf("%d problems, first: %v %v", len(probs)+len(probs2), first(probs), first(probs2))
	}
	errs := map[string]string{}
	for i := range 40 {
		errs[fmt.Sprintf("in%d", i)] = strings.Repeat("e", 4000)
	}
	checkPayload(t, "huge form", bot.ActionModal(bot.ActionForm{Action: valid[0], Errors: errs, Approvers: strings.Repeat("g", 500)}))
	var runs []actions.Run
	for range 60 {
		r := sampleRun(t, actions.StateFailed)
		r.Error = strings.Repeat("x", 5000)
		r.ActionTitle = strings.Repeat("T", 300)
		runs = append(runs, *r)
	}
	checkPayload(t, "many runs", bot.RunsMessage(bot.RunsView{Runs: runs}))
	checkPayload(t, "long failure", bot.RunProgressMessage(&runs[0]))
	checkPayload(t, "many actions", bot.ActionsMessage(append(exampleActions(t).All(), repeatAction(valid[0], 60)...)))
}

func repeatAction(a *actions.Action, n int) []*actions.Action {
	out := make([]*actions.Action, n)
	for i := range out {
		c := *a
		c.Metadata.Name = fmt.Sprintf("big-%d", i)
		out[i] = &c
	}
	return out
}

func checkPayload(t *testing.T, name string, payload any) {
	t.Helper()
	raw, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	checkLimits(t, name, payload, raw)
}

func first[T any](l []T) any {
	if len(l) == 0 {
		return nil
	}
	return l[0]
}

// TestSkippedWording: a skipped step reads "skipped: <reason>" in the plan
// approvers see and in the requester's progress, as `gantry runs show`
// says it (actions.SkippedText).
func TestSkippedWording(t *testing.T) {
	run := sampleRun(t, actions.StateSucceeded)
	def := run.Definition
	i := slices.IndexFunc(def.Spec.Steps, func(s actions.Step) bool { return s.If != "" })
	if i < 0 {
		t.Fatal("create-service has no conditional step")
	}
	reason := def.Spec.Steps[i].SkipReason()
	want := "skipped: its condition is false (if: inputs.database)"
	if actions.SkippedText(reason) != want {
		t.Fatalf("reason %q", reason)
	}
	run.Steps[i].Status, run.Steps[i].Memo = actions.StepSkipped, map[string]any{"skipReason": reason}
	plan := samplePlan()
	plan[i].Skipped, plan[i].SkipReason = true, reason
	for name, m := range map[string]bot.Message{
		"progress": bot.RunProgressMessage(run),
		"approval": bot.ApprovalMessage(bot.ApprovalView{Run: run, Plan: plan}),
	} {
		b, err := json.Marshal(m.Blocks)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), want) {
			t.Errorf("the %s message lacks %q:\n%s", name, want, b)
		}
	}
}
