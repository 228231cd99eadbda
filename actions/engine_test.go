package actions_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gantryhq/gantry/actions"
	"github.com/gantryhq/gantry/internal/errkind"
	"github.com/gantryhq/gantry/internal/testdb"
)

const pingAction = `apiVersion: gantry.dev/v1
kind: Action
metadata: {name: ping, title: Ping}
spec:
  inputs:
    - {name: name, type: string, required: true, pattern: "^[a-z][a-z0-9-]{1,30}$"}
  approval: %s
  steps:
    - id: first
      uses: http.request
      with: {url: "https://hooks.example/${{ inputs.name }}"}
    - id: second
      uses: http.request
      if: inputs.name != "skip-second"
      with: {url: "https://hooks.example/${{ steps.first.outputs.status }}"}
  output:
    text: "pinged ${{ inputs.name }}"
`

func pingDef(t testing.TB, approval string) *actions.Action {
	return parseAction(t, fmt.Sprintf(pingAction, approval))
}

func TestLifecycleWithApproval(t *testing.T) {
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			e := newEnv(t, eng)
			step := &countStep{out: func(sc *actions.StepContext) map[string]any {
				return map[string]any{"status": 200, "url": sc.With["url"]}
			}}
			clk := newClock()
			en := e.engine(map[string]actions.StepRunner{actions.UsesHTTPRequest: step}, func(o *actions.Options) { o.Now = clk.Now })
			serve(t, en)
			def := pingDef(t, "{groups: [platform], required: 1, expires: 1h}")

			run, errs, err := en.Submit(e.ctx, actions.SubmitRequest{Action: def, Requester: priya, Inputs: map[string]string{"name": "hello"}, Key: "view-1"})
			if err != nil || len(errs) > 0 {
				t.Fatalf("submit: %v %v", err, errs)
			}
			if run.State != actions.StateAwaitingApproval || !run.ApprovalExpires.Equal(clk.Now().Add(time.Hour)) {
				t.Fatalf("run = %s, expires %v", run.State, run.ApprovalExpires)
			}
			// The same submission again (Slack redelivery, a double click): the same run.
			again, _, err := en.Submit(e.ctx, actions.SubmitRequest{Action: def, Requester: priya, Inputs: map[string]string{"name": "hello"}, Key: "view-1"})
			if err != nil || again.ID != run.ID {
				t.Fatalf("resubmission made another run: %v %v", again.ID, err)
			}

			// The requester cannot approve; a non-approver cannot either.
			if _, _, err := en.Decide(e.ctx, run.ID, priya, true, ""); !errkind.Is(err, errkind.Forbidden) || !strings.Contains(err.Error(), "you requested this run") {
				t.Fatalf("self-approval: %v", err)
			}
			if _, _, err := en.Decide(e.ctx, run.ID, marco, true, ""); !errkind.Is(err, errkind.Forbidden) || !strings.Contains(err.Error(), "you are not an approver of this action") {
				t.Fatalf("non-approver: %v", err)
			}
			if _, _, err := en.Decide(e.ctx, run.ID, nobod, true, ""); !errkind.Is(err, errkind.Forbidden) {
				t.Fatalf("unknown person: %v", err)
			}
			if step.Calls() != 0 {
				t.Fatal("a step ran before approval")
			}

			r, out, err := en.Decide(e.ctx, run.ID, alice, true, "")
			if err != nil || !out.Granted {
				t.Fatalf("approve: %v %+v", err, out)
			}
			if _, out, err := en.Decide(e.ctx, run.ID, alice, true, ""); err != nil || !out.Duplicate {
				t.Fatalf("double click: %v %+v", err, out)
			}
			if _, _, err := en.Decide(e.ctx, run.ID, bash, false, "too late"); !errkind.Is(err, errkind.Conflict) {
				t.Fatalf("a reject after the approval: %v", err)
			}
			r = waitState(t, en, r.ID, actions.StateSucceeded)
			if r.Result.Text != "pinged hello" || len(r.Decisions) != 1 || r.Decisions[0].Groups[0] != "group:default/platform" {
				t.Fatalf("result %+v decisions %+v", r.Result, r.Decisions)
			}
			if s, _ := r.Step("second"); s.Outputs["url"] != "https://hooks.example/200" {
				t.Fatalf("second step's with did not read the first's output: %+v", s.Outputs)
			}
			want := []string{"run.created", "approval.requested", "approval.refused", "approval.refused", "approval.refused",
				"approval.approved", "approval.granted", "run.queued", "run.claimed",
				"step.started first", "step.succeeded first", "step.started second", "step.succeeded second", "run.succeeded"}
			if got := events(t, en, r.ID); !slices.Equal(got, want) {
				t.Fatalf("audit:\n got %v\nwant %v", got, want)
			}
		})
	}
}

func TestRejectAndExpire(t *testing.T) {
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			e := newEnv(t, eng)
			clk := newClock()
			en := e.engine(map[string]actions.StepRunner{actions.UsesHTTPRequest: &countStep{}}, func(o *actions.Options) { o.Now = clk.Now })
			def := pingDef(t, "{groups: [platform], expires: 2h}")

			// Rejected: a reason is required, and later clicks are refused.
			run, _, err := en.Submit(e.ctx, actions.SubmitRequest{Action: def, Requester: priya, Inputs: map[string]string{"name": "one"}})
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := en.Decide(e.ctx, run.ID, alice, false, "  "); !errkind.Is(err, errkind.Invalid) {
				t.Fatalf("reject without a reason: %v", err)
			}
			if _, _, err := en.Decide(e.ctx, run.ID, alice, false, "use the existing one"); err != nil {
				t.Fatal(err)
			}
			_, _, err = en.Decide(e.ctx, run.ID, bash, true, "")
			if !errkind.Is(err, errkind.Conflict) || !strings.Contains(err.Error(), "already rejected by Alice Nakamura") || !strings.Contains(err.Error(), "use the existing one") {
				t.Fatalf("approve after reject: %v", err)
			}
			if _, err := en.CanDecide(e.ctx, run.ID, bash); !errkind.Is(err, errkind.Conflict) {
				t.Fatalf("CanDecide after reject: %v", err)
			}
			r, _ := en.Get(e.ctx, run.ID)
			if r.State != actions.StateRejected || !strings.Contains(r.Error, "use the existing one") {
				t.Fatalf("rejected run: %s %q", r.State, r.Error)
			}

			// Expired: a click after the expiry is refused and expires the run.
			run, _, err = en.Submit(e.ctx, actions.SubmitRequest{Action: def, Requester: priya, Inputs: map[string]string{"name": "two"}})
			if err != nil {
				t.Fatal(err)
			}
			clk.Advance(2*time.Hour + time.Second)
			_, _, err = en.Decide(e.ctx, run.ID, alice, true, "")
			if !errkind.Is(err, errkind.Conflict) || !strings.Contains(err.Error(), "expired") {
				t.Fatalf("approve after expiry: %v", err)
			}
			r, _ = en.Get(e.ctx, run.ID)
			if r.State != actions.StateExpired {
				t.Fatalf("state after a late click: %s", r.State)
			}

			// The sweeper expires waiting runs nobody clicked.
			run, _, _ = en.Submit(e.ctx, actions.SubmitRequest{Action: def, Requester: priya, Inputs: map[string]string{"name": "three"}})
			clk.Advance(3 * time.Hour)
			serve(t, en)
			waitState(t, en, run.ID, actions.StateExpired)
			if got := events(t, en, run.ID); got[len(got)-1] != "run.expired" {
				t.Fatalf("audit: %v", got)
			}
		})
	}
}

func TestApprovalAllModeConcurrentClicks(t *testing.T) {
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			e := newEnv(t, eng)
			en := e.engine(map[string]actions.StepRunner{actions.UsesHTTPRequest: &countStep{}}, nil)
			def := pingDef(t, "{groups: [platform], users: [user:default/rosa], mode: all, required: 2}")
			run, _, err := en.Submit(e.ctx, actions.SubmitRequest{Action: def, Requester: priya, Inputs: map[string]string{"name": "x1"}})
			if err != nil {
				t.Fatal(err)
			}
			// Three platform members click five times each, at once.
			var wg sync.WaitGroup
			for _, who := range []actions.Actor{alice, bash, chen} {
				for range 5 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						if _, _, err := en.Decide(e.ctx, run.ID, who, true, ""); err != nil {
							t.Errorf("%s: %v", who.Ref, err)
						}
					}()
				}
			}
			wg.Wait()
			r, _ := en.Get(e.ctx, run.ID)
			if len(r.Decisions) != 3 || r.State != actions.StateAwaitingApproval {
				t.Fatalf("after 15 clicks by 3 people: %d decisions, %s", len(r.Decisions), r.State)
			}
			// rosa (a listed user) completes the policy.
			rosa := actions.Actor{SlackID: "U0ENG0001", Ref: "user:default/rosa"}
			if _, out, err := en.Decide(e.ctx, run.ID, rosa, true, ""); err != nil || !out.Granted {
				t.Fatalf("rosa: %v %+v", err, out)
			}
		})
	}
}

// TestApprovalAllModeCountsEachPersonOnce: in "all" mode a person in two
// approval groups stands for one of them, not both.
func TestApprovalAllModeCountsEachPersonOnce(t *testing.T) {
	e := newEnv(t, enginesSQLite())
	en := e.engine(map[string]actions.StepRunner{actions.UsesHTTPRequest: &countStep{}}, nil)
	omar := actions.Actor{SlackID: "U0SHP0003", Ref: "user:default/omar"} // in storefront and in search
	sofia := actions.Actor{SlackID: "U0SHP0001", Ref: "user:default/sofia"}
	rosa := actions.Actor{SlackID: "U0ENG0001", Ref: "user:default/rosa"} // engineering, platform's parent
	for _, tc := range []struct {
		policy        string
		first, second actions.Actor
	}{
		{"{groups: [storefront, search], mode: all}", omar, sofia},
		// alice is in platform, so in engineering too (sub-groups' members are members).
		{"{groups: [platform, engineering], mode: all}", alice, rosa},
		// a listed user who is also in the group fills one seat.
		{"{groups: [platform], users: [user:default/alice], mode: all}", alice, bash},
	} {
		def := pingDef(t, tc.policy)
		run, _, err := en.Submit(e.ctx, actions.SubmitRequest{Action: def, Requester: priya, Inputs: map[string]string{"name": "once"}})
		if err != nil {
			t.Fatal(err)
		}
		r, out, err := en.Decide(e.ctx, run.ID, tc.first, true, "")
		if err != nil || out.Granted || r.State != actions.StateAwaitingApproval {
			t.Fatalf("%s: %s alone settled it: %v %+v %s", tc.policy, tc.first.Ref, err, out, r.State)
		}
		if _, out, err := en.Decide(e.ctx, run.ID, tc.second, true, ""); err != nil || !out.Granted {
			t.Fatalf("%s: %s and %s did not settle it: %v %+v", tc.policy, tc.first.Ref, tc.second.Ref, err, out)
		}
	}
}

// TestRequestThatCouldNeverBeApproved: the requester never counts, so a
// request whose other approvers are too few is refused when it is made.
func TestRequestThatCouldNeverBeApproved(t *testing.T) {
	e := newEnv(t, enginesSQLite())
	en := e.engine(map[string]actions.StepRunner{actions.UsesHTTPRequest: &countStep{}}, nil)
	rosa := actions.Actor{SlackID: "U0ENG0001", Ref: "user:default/rosa"}
	for _, tc := range []struct {
		policy  string
		refused []actions.Actor // whose request could never be approved
		fine    []actions.Actor
	}{
		// alice and bashir both must approve: neither may ask.
		{"{users: [user:default/alice, user:default/bashir], required: 2}", []actions.Actor{alice, bash}, []actions.Actor{priya}},
		// platform has four members: one of them asking leaves three.
		{"{groups: [platform], required: 4}", []actions.Actor{alice}, []actions.Actor{priya}},
		// mode all: a listed user must approve, so may not ask.
		{"{groups: [platform], users: [user:default/rosa], mode: all}", []actions.Actor{rosa}, []actions.Actor{alice, priya}},
	} {
		def := parseAction(t, fmt.Sprintf(`apiVersion: gantry.dev/v1
kind: Action
metadata: {name: reachable}
spec:
  allowed: {groups: [engineering]}
  approval: %s
  steps: [{id: a, uses: http.request, with: {url: "https://x.example"}}]
`, tc.policy))
		for _, who := range tc.refused {
			_, _, err := en.Submit(e.ctx, actions.SubmitRequest{Action: def, Requester: who})
			if !errkind.Is(err, errkind.Forbidden) || !strings.Contains(err.Error(), "could never be approved") {
				t.Errorf("%s asking under %s: %v", who.Ref, tc.policy, err)
			}
		}
		for _, who := range tc.fine {
			if _, _, err := en.Submit(e.ctx, actions.SubmitRequest{Action: def, Requester: who}); err != nil {
				t.Errorf("%s asking under %s: %v", who.Ref, tc.policy, err)
			}
		}
	}
}

// TestRefusedClicksAuditedOnce: a person who may not decide is refused at
// every click, on Approve and on Reject alike, and each refusal is
// audited once per person and decision.
func TestRefusedClicksAuditedOnce(t *testing.T) {
	e := newEnv(t, enginesSQLite())
	en := e.engine(map[string]actions.StepRunner{actions.UsesHTTPRequest: &countStep{}}, nil)
	run, _, err := en.Submit(e.ctx, actions.SubmitRequest{Action: pingDef(t, "{groups: [platform]}"), Requester: priya, Inputs: map[string]string{"name": "spam"}})
	if err != nil {
		t.Fatal(err)
	}
	for range 4 {
		if _, _, err := en.Decide(e.ctx, run.ID, marco, true, ""); !errkind.Is(err, errkind.Forbidden) {
			t.Fatalf("marco approving: %v", err)
		}
		if _, err := en.CanDecide(e.ctx, run.ID, marco); !errkind.Is(err, errkind.Forbidden) {
			t.Fatalf("marco pressing Reject: %v", err)
		}
		if _, _, err := en.Decide(e.ctx, run.ID, marco, false, "no"); !errkind.Is(err, errkind.Forbidden) {
			t.Fatalf("marco rejecting: %v", err)
		}
		if _, _, err := en.Decide(e.ctx, run.ID, priya, true, ""); !errkind.Is(err, errkind.Forbidden) {
			t.Fatalf("priya approving her own: %v", err)
		}
	}
	trail, err := en.Audit(e.ctx, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	var refusals []string
	for _, ev := range trail {
		if ev.Event == actions.EventDecisionRefused {
			refusals = append(refusals, fmt.Sprintf("%s approve=%v", ev.Actor, ev.Detail["approve"]))
		}
	}
	want := []string{marco.String() + " approve=true", marco.String() + " approve=false", priya.String() + " approve=true"}
	if !slices.Equal(refusals, want) {
		t.Fatalf("refusals audited:\n got %v\nwant %v", refusals, want)
	}
}

func TestHundredRunsAtOnce(t *testing.T) {
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			e := newEnv(t, eng)
			step := &countStep{}
			en := e.engine(map[string]actions.StepRunner{actions.UsesHTTPRequest: step}, func(o *actions.Options) { o.MaxConcurrent = 8 })
			serve(t, en)
			def := pingDef(t, "none")
			const n = 100
			ids := make([]string, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r, errs, err := en.Submit(context.Background(), actions.SubmitRequest{Action: def, Requester: priya,
						Inputs: map[string]string{"name": fmt.Sprintf("svc-%d", i)}, Key: fmt.Sprintf("k%d", i)})
					if err != nil || len(errs) > 0 {
						t.Errorf("submit %d: %v %v", i, err, errs)
						return
					}
					ids[i] = r.ID
				}()
			}
			wg.Wait()
			want := []string{"run.created", "run.queued", "run.claimed", "step.started first", "step.succeeded first",
				"step.started second", "step.succeeded second", "run.succeeded"}
			for i, id := range ids {
				r := waitState(t, en, id, actions.StateSucceeded, actions.StateFailed)
				if r.State != actions.StateSucceeded || r.Result.Text != fmt.Sprintf("pinged svc-%d", i) {
					t.Fatalf("run %d: %s %q", i, r.State, r.Error)
				}
				for _, s := range r.Steps {
					if s.Status != actions.StepDone || s.Attempts != 1 {
						t.Fatalf("run %d step %s: %s after %d attempts", i, s.ID, s.Status, s.Attempts)
					}
				}
				// Every write of the run is there: created (1), claimed, 2 per step, succeeded.
				if r.Version != 7 {
					t.Fatalf("run %d has version %d, want 7: an update was lost or doubled", i, r.Version)
				}
				if got := events(t, en, id); !slices.Equal(got, want) {
					t.Fatalf("run %d audit %v", i, got)
				}
			}
			if step.Calls() != 2*n {
				t.Fatalf("%d step calls, want %d", step.Calls(), 2*n)
			}
		})
	}
}

func TestRetryFromFailedStepAndCancel(t *testing.T) {
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			e := newEnv(t, eng)
			// The first call succeeds, the second fails once: the run fails at
			// step "second" and a retry runs only that step.
			var mu sync.Mutex
			calls := map[string]int{}
			step := actions.StepFunc(func(ctx context.Context, sc *actions.StepContext) (map[string]any, error) {
				mu.Lock()
				defer mu.Unlock()
				calls[sc.StepID]++
				if sc.StepID == "second" && calls["second"] == 1 {
					return nil, errkind.New(errkind.Unavailable, "hooks.example answered 503")
				}
				return map[string]any{"status": 200}, nil
			})
			en := e.engine(map[string]actions.StepRunner{actions.UsesHTTPRequest: step}, nil)
			serve(t, en)
			def := pingDef(t, "none")
			run, _, err := en.Submit(e.ctx, actions.SubmitRequest{Action: def, Requester: priya, Inputs: map[string]string{"name": "retry-me"}})
			if err != nil {
				t.Fatal(err)
			}
			r := waitState(t, en, run.ID, actions.StateFailed)
			if r.FailedStep != "second" || !strings.Contains(r.Error, "503") {
				t.Fatalf("failed run: %q %q", r.FailedStep, r.Error)
			}
			if _, err := en.Retry(e.ctx, run.ID, marco); !errkind.Is(err, errkind.Forbidden) {
				t.Fatalf("retry by a stranger: %v", err)
			}
			if _, err := en.Retry(e.ctx, run.ID, priya); err != nil {
				t.Fatal(err)
			}
			r = waitState(t, en, run.ID, actions.StateSucceeded)
			if calls["first"] != 1 || calls["second"] != 2 {
				t.Fatalf("calls %v: the retry must start at the failed step", calls)
			}
			if s, _ := r.Step("second"); s.Attempts != 2 {
				t.Fatalf("attempts %d", s.Attempts)
			}
			if _, err := en.Retry(e.ctx, run.ID, priya); !errkind.Is(err, errkind.Conflict) {
				t.Fatalf("retry of a succeeded run: %v", err)
			}

			// Skipped by its condition.
			run, _, _ = en.Submit(e.ctx, actions.SubmitRequest{Action: def, Requester: priya, Inputs: map[string]string{"name": "skip-second"}})
			r = waitState(t, en, run.ID, actions.StateSucceeded)
			why := `its condition is false (if: inputs.name != "skip-second")`
			if s, _ := r.Step("second"); s.Status != actions.StepSkipped || s.SkipReason() != why {
				t.Fatalf("second step: %s, reason %q", s.Status, s.SkipReason())
			}
			if plan := en.Plan(e.ctx, r); len(plan) != 2 || !plan[1].Skipped || plan[1].SkipReason != why {
				t.Fatalf("plan: %+v", plan)
			}

			// Cancel while waiting for approval: only the requester.
			def = pingDef(t, "{groups: [platform]}")
			run, _, _ = en.Submit(e.ctx, actions.SubmitRequest{Action: def, Requester: priya, Inputs: map[string]string{"name": "cancel-me"}})
			if _, err := en.Cancel(e.ctx, run.ID, alice); !errkind.Is(err, errkind.Forbidden) {
				t.Fatalf("cancel by an approver: %v", err)
			}
			if r, err := en.Cancel(e.ctx, run.ID, priya); err != nil || r.State != actions.StateCancelled {
				t.Fatalf("cancel: %v", err)
			}
			if _, _, err := en.Decide(e.ctx, run.ID, alice, true, ""); !errkind.Is(err, errkind.Conflict) {
				t.Fatalf("approve a cancelled run: %v", err)
			}
		})
	}
}

func TestSubmitChecks(t *testing.T) {
	e := newEnv(t, testdb.Engines()[0])
	en := e.engine(nil, nil)
	def := parseAction(t, `apiVersion: gantry.dev/v1
kind: Action
metadata: {name: rollback}
spec:
  allowed: {groups: [platform], ownersOf: service}
  inputs:
    - {name: service, type: entity, kind: Component, required: true, ownedByRequester: true}
    - {name: owner, type: entity, kind: Group, filter: 'entity.spec.type == "team"'}
  steps:
    - {id: go, uses: http.request, with: {url: "https://x.example/${{ entities.service.metadata.name }}"}}
`)
	// Priya (payments) owns checkout; marco too; alice (platform) is allowed by group.
	_, errs, err := en.Submit(e.ctx, actions.SubmitRequest{Action: def, Requester: priya, Inputs: map[string]string{"service": "component:default/checkout", "owner": "group:default/engineering"}})
	if err != nil || errs["owner"] == "" || errs["service"] != "" {
		t.Fatalf("a department for a team: %v %v", err, errs)
	}
	_, errs, err = en.Submit(e.ctx, actions.SubmitRequest{Action: def, Requester: priya, Inputs: map[string]string{"service": "component:default/search-api"}})
	if err != nil || !strings.Contains(errs["service"], "you own") {
		t.Fatalf("someone else's service: %v %v", err, errs)
	}
	_, errs, err = en.Submit(e.ctx, actions.SubmitRequest{Action: def, Requester: priya, Inputs: map[string]string{"service": "component:default/nope"}})
	if err != nil || errs["service"] == "" {
		t.Fatalf("a missing entity: %v %v", err, errs)
	}
	if _, errs, err := en.Submit(e.ctx, actions.SubmitRequest{Action: def, Requester: priya, Inputs: map[string]string{"service": "component:default/checkout"}}); err != nil || len(errs) > 0 {
		t.Fatalf("priya owns checkout: %v %v", err, errs)
	}
	if _, errs, err := en.Submit(e.ctx, actions.SubmitRequest{Action: def, Requester: nobod, Inputs: map[string]string{"service": "component:default/checkout"}}); err == nil && len(errs) == 0 {
		t.Fatal("someone the catalog does not know ran a restricted action")
	}
	platformOnly := parseAction(t, `apiVersion: gantry.dev/v1
kind: Action
metadata: {name: platform-only}
spec:
  allowed: {groups: [platform]}
  steps: [{id: go, uses: http.request, with: {url: "https://x.example"}}]
`)
	_, _, err = en.Submit(e.ctx, actions.SubmitRequest{Action: platformOnly, Requester: priya})
	if !errkind.Is(err, errkind.Forbidden) || !strings.Contains(err.Error(), "members of platform") {
		t.Fatalf("priya runs a platform-only action: %v", err)
	}
	_, _, err = en.Submit(e.ctx, actions.SubmitRequest{Action: platformOnly, Requester: nobod})
	if !errkind.Is(err, errkind.Forbidden) || !strings.Contains(err.Error(), "gantry.dev/slack-user-id: U0NOBODY1") {
		t.Fatalf("an unknown person runs a platform-only action: %v", err)
	}
	if _, _, err := en.Submit(e.ctx, actions.SubmitRequest{Action: platformOnly, Requester: alice}); err != nil {
		t.Fatalf("alice (platform): %v", err)
	}
	choices, static, err := en.FormChoices(e.ctx, def, "service", priya)
	if err != nil || !static || len(choices) == 0 {
		t.Fatalf("choices: %v static=%v %d", err, static, len(choices))
	}
	for _, c := range choices {
		if c.Value == "component:default/search-api" {
			t.Fatal("priya was offered a service she does not own")
		}
	}
	// "paym", not "pay": the store stems the typed prefix (porter: pay → pai), see notes/fix-actions.md.
	teams, err := en.SearchChoices(e.ctx, def, "owner", priya, "paym")
	if err != nil || len(teams) != 1 || teams[0].Value != "group:default/payments" {
		t.Fatalf("teams matching pay: %v %+v", err, teams)
	}
}
