package bot_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gantryhq/gantry/actions"
	"github.com/gantryhq/gantry/bot/bottest"
	"github.com/gantryhq/gantry/catalog/ingest"
	"github.com/gantryhq/gantry/internal/ghclient"
	"github.com/gantryhq/gantry/internal/githubfake"
	"github.com/gantryhq/gantry/internal/slackfake"
	"github.com/gantryhq/gantry/store"
)

// actionsEnv is the bot with actions enabled, against slackfake and
// githubfake, with the runs kept in the catalog's database.
type actionsEnv struct {
	h     *bottest.Harness
	gh    *githubfake.Server
	eng   *actions.Engine
	set   *actions.Set
	clock *engineClock
}

type engineClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *engineClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *engineClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// registrar adapts ingest's Registrar to actions.Registrar (internal/app
// does the same).
type registrar struct{ r *ingest.Registrar }

func (a registrar) Register(ctx context.Context, l actions.Location) ([]string, string, error) {
	loc := ingest.RegisteredLocation{Repo: l.Repo, Path: l.Path, Ref: l.Ref, RunID: l.RunID, AddedBy: l.By}
	refs, err := a.r.Register(ctx, loc)
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.String()
	}
	return out, loc.Target(), err
}

func startActions(t *testing.T, allow ...string) *actionsEnv {
	t.Helper()
	return startActionsWith(t, exampleActions(t), allow...)
}

func startActionsWith(t *testing.T, set *actions.Set, allow ...string) *actionsEnv {
	t.Helper()
	// not_found: a form's result may race the ack that makes the modal it
	// updates. ratelimited: a run's messages to one DM come in bursts, and
	// the pacer's slot can land a hair before the fake's bucket refills
	// (the bot then waits out Retry-After, as it must).
	h := bottest.Start(t, bottest.Options{NoRun: true, AllowAPIErrors: append(allow, "not_found", "ratelimited")})
	db := h.Catalog.Store().(*store.DB)
	fake, err := githubfake.New(&githubfake.Fixture{
		Orgs: []githubfake.Org{{Login: "bramble", Teams: []githubfake.Team{{Slug: "payments"}, {Slug: "platform"}}}},
		Repos: []githubfake.Repo{
			{Owner: "bramble", Name: "service-template", IsTemplate: true, Files: map[string]string{"README.md": "# service\n"}},
			{Owner: "bramble", Name: "notification-service", Files: map[string]string{"README.md": "# notifications\n"}},
		},
		Tokens: []githubfake.Token{{Token: "ghp_bot"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := fake.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fake.Close() })
	gh, err := ghclient.New(ghclient.Config{BaseURL: fake.URL() + "/api/v3/", Token: "ghp_bot", PerMinute: -1})
	if err != nil {
		t.Fatal(err)
	}
	steps := map[string]actions.StepRunner{}
	for k, v := range actions.GitHubSteps(gh.Client) {
		steps[k] = v
	}
	src := ingest.NewRegisteredSource(db, gh.Client)
	for k, v := range actions.CatalogSteps(registrar{ingest.NewRegistrar(db, src, ingest.NewSyncer(db, nil).Sync)}) {
		steps[k] = v
	}
	clk := &engineClock{now: time.Now()}
	eng, err := actions.NewEngine(actions.Options{Store: db, Catalog: h.Catalog, Steps: steps, Now: clk.Now, SweepInterval: 50 * time.Millisecond,
		Sleep: func(ctx context.Context, d time.Duration) error {
			select {
			case <-time.After(min(d, 10*time.Millisecond)):
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	h.Bot.EnableActions(eng, set)
	h.Run()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); eng.Serve(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return &actionsEnv{h: h, gh: fake, eng: eng, set: set, clock: clk}
}

// openForm runs a command and waits for the modal it opens.
func (e *actionsEnv) openForm(t *testing.T, user, command, text string) slackfake.View {
	t.Helper()
	mark := e.h.Fake.Mark()
	d, err := e.h.Fake.SlashCommand(e.h.Ctx, e.h.User(user).ID, e.h.Channel("general").ID, command, text)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Wait(e.h.Ctx); err != nil {
		t.Fatal(err)
	}
	return e.waitView(t, mark, user)
}

func (e *actionsEnv) waitView(t *testing.T, mark uint64, user string) slackfake.View {
	t.Helper()
	ev, err := e.h.Fake.WaitSince(e.h.Ctx, mark, func(ev slackfake.Event) bool {
		return ev.Type == slackfake.EventViewOpened && ev.View.UserID == e.h.User(user).ID
	})
	if err != nil {
		t.Fatalf("no form opened: %v\n%s", err, e.h.Logs())
	}
	return *ev.View
}

// formValues are the form's values in slackfake's shape.
func formValues(name string, extra map[string]any) slackfake.Values {
	v := slackfake.Values{
		"name": {"v": name}, "description": {"v": "Takes card payments for the checkout."},
		"owner": {"v": "group:default/payments"}, "visibility": {"v": "private"},
	}
	for k, x := range extra {
		v[k] = map[string]any{"v": x}
	}
	return v
}

// waitText waits for a message in channel (posted or updated after mark)
// whose text has all of want, and returns it.
func (e *actionsEnv) waitText(t *testing.T, mark uint64, channel string, want ...string) slackfake.Message {
	t.Helper()
	ev, err := e.h.Fake.WaitSince(e.h.Ctx, mark, func(ev slackfake.Event) bool {
		if (ev.Type != slackfake.EventMessagePosted && ev.Type != slackfake.EventMessageUpdated) || ev.Message == nil || ev.Message.Channel != channel {
			return false
		}
		text := bottest.Text(*ev.Message)
		for _, w := range want {
			if !strings.Contains(text, w) {
				return false
			}
		}
		return true
	})
	if err != nil {
		t.Fatalf("no message in %s with %q: %v\n%s", channel, want, err, e.h.Logs())
	}
	return *ev.Message
}

// waitState waits until the requester's latest run is in state.
func (e *actionsEnv) waitState(t *testing.T, requester string, state actions.State) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		runs, err := e.eng.List(e.h.Ctx, actions.RunFilter{Requester: requester, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) == 1 && runs[0].State == state {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("the latest run of %s never became %s", requester, state)
}

// waitEphemeral waits for an ephemeral shown to user with want.
func (e *actionsEnv) waitEphemeral(t *testing.T, mark uint64, user, want string) slackfake.Message {
	t.Helper()
	ev, err := e.h.Fake.WaitSince(e.h.Ctx, mark, func(ev slackfake.Event) bool {
		return ev.Type == slackfake.EventMessagePosted && ev.Message != nil && ev.Message.Ephemeral &&
			ev.Message.VisibleTo == e.h.User(user).ID && strings.Contains(bottest.Text(*ev.Message), want)
	})
	if err != nil {
		t.Fatalf("%s was not told %q: %v\n%s", user, want, err, e.h.Logs())
	}
	return *ev.Message
}

func (e *actionsEnv) dm(t *testing.T, user string) string {
	t.Helper()
	ch, err := e.h.Fake.DMChannel(e.h.User(user).ID)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// click clicks a button of m as user and waits for the ack.
func (e *actionsEnv) click(t *testing.T, user string, m slackfake.Message, actionID string) uint64 {
	t.Helper()
	return e.h.Click(user, m, actionID)
}

func TestCreateServiceInSlack(t *testing.T) {
	e := startActions(t)
	priya := e.h.User("priya")
	form := e.openForm(t, "priya", "/create-service", "")
	if form.TitleText() != "Create a service" || form.CallbackID != "actions.form" {
		t.Fatalf("form: %q %s", form.TitleText(), form.CallbackID)
	}
	for _, want := range []string{"Service name", "Owning team", "Needs approval by platform"} {
		if !strings.Contains(bottest.ViewText(form), want) {
			t.Errorf("form lacks %q", want)
		}
	}

	// Bad names are refused in the ack, on the field.
	for _, bad := range []string{"../etc", "my service", strings.Repeat("a", 41), "x;rm -rf /", "$(id)"} {
		res, err := e.h.Fake.SubmitView(e.h.Ctx, priya.ID, form.ID, formValues(bad, nil))
		if err != nil {
			t.Fatal(err)
		}
		if res.ResponseAction != "errors" || res.Errors["name"] == "" || res.Closed {
			t.Fatalf("name %q: %+v", bad, res)
		}
	}

	// A name GitHub already has comes back on the field after the check,
	// and the same value is then refused in the ack.
	mark := e.h.Fake.Mark()
	res, err := e.h.Fake.SubmitView(e.h.Ctx, priya.ID, form.ID, formValues("notification-service", nil))
	if err != nil || res.ResponseAction != "update" {
		t.Fatalf("taken name: %v %+v", err, res)
	}
	ev, err := e.h.Fake.WaitSince(e.h.Ctx, mark, func(ev slackfake.Event) bool {
		return ev.Type == slackfake.EventViewUpdated && ev.View.CallbackID == "actions.form"
	})
	if err != nil {
		t.Fatalf("the form did not come back: %v\n%s", err, e.h.Logs())
	}
	if text := bottest.ViewText(*ev.View); !strings.Contains(text, "bramble/notification-service already exists on GitHub") {
		t.Fatalf("no message under the name:\n%s", text)
	}
	form = *ev.View
	res, _ = e.h.Fake.SubmitView(e.h.Ctx, priya.ID, form.ID, formValues("notification-service", nil))
	if res.ResponseAction != "errors" || !strings.Contains(res.Errors["name"], "refused a moment ago") {
		t.Fatalf("resubmitting the taken name: %+v", res)
	}

	// A good request: the modal confirms, the request goes to #team-platform
	// and priya gets a message that follows the run.
	mark = e.h.Fake.Mark()
	res, err = e.h.Fake.SubmitView(e.h.Ctx, priya.ID, form.ID, formValues("payments-api", nil))
	if err != nil || res.ResponseAction != "update" {
		t.Fatalf("submit: %v %+v", err, res)
	}
	platform := e.h.Channel("team-platform").ID
	request := e.waitText(t, mark, platform, "Approval request: Create a service", "payments-api", "What will happen",
		"Create GitHub repository bramble/payments-api from template bramble/service-template (private)")
	progress := e.waitText(t, mark, e.dm(t, "priya"), "Waiting for approval by platform")
	if _, err := e.h.Fake.WaitSince(e.h.Ctx, mark, func(ev slackfake.Event) bool {
		return ev.Type == slackfake.EventViewUpdated && strings.Contains(bottest.ViewText(*ev.View), "Requested (run")
	}); err != nil {
		t.Fatalf("no confirmation in the modal: %v", err)
	}

	// Neither the requester nor a stranger may approve; a double click
	// counts once.
	mark = e.click(t, "priya", request, "actions.approve")
	e.waitEphemeral(t, mark, "priya", "You requested this run, so you cannot decide on it")
	mark = e.click(t, "marco", request, "actions.approve")
	e.waitEphemeral(t, mark, "marco", "You are not an approver of this action")
	// Alice double-clicks: both clicks leave before the message changes.
	mark = e.h.Fake.Mark()
	var clicks []*slackfake.Delivery
	for range 2 {
		d, err := e.h.Fake.ClickButton(e.h.Ctx, e.h.User("alice").ID, request.Target(), "actions.approve", "")
		if err != nil {
			t.Fatal(err)
		}
		clicks = append(clicks, d)
	}
	for _, d := range clicks {
		if _, err := d.Wait(e.h.Ctx); err != nil {
			t.Fatal(err)
		}
	}
	updated := e.waitText(t, mark, platform, "Approved by <@U0PLT0001>")
	if strings.Contains(bottest.Text(updated), "Reject") {
		t.Error("the decided request still offers the buttons")
	}
	e.waitEphemeral(t, mark, "alice", "already counted")

	// Progress, in place, to done; the service is in the catalog.
	done := e.waitText(t, mark, progress.Channel, "Done.", "payments-api is ready, owned by payments")
	if done.TS != progress.TS {
		t.Fatalf("progress was posted anew instead of updated: %s vs %s", done.TS, progress.TS)
	}
	for _, step := range []string{"Create the repository", "Describe it for the catalog", "Grant the team access", "Protect the default branch", "Register in the catalog"} {
		if !strings.Contains(bottest.Text(done), step) {
			t.Errorf("progress lacks %q", step)
		}
	}
	if own, err := e.h.Catalog.WhoOwns(e.h.Ctx, "payments-api"); err != nil || len(own.Matches) != 1 || own.Matches[0].Owner.Ref != "group:default/payments" {
		t.Fatalf("whoowns: %v %+v", err, own)
	}
	// The thread under priya's message told her of the turns.
	e.waitText(t, mark, progress.Channel, "Done: payments-api is ready")
	var thread []string
	for _, m := range e.h.Fake.Thread(progress.Channel, progress.TS) {
		thread = append(thread, bottest.Text(m))
	}
	joined := strings.Join(thread, "\n")
	if !strings.Contains(joined, "Approved by <@U0PLT0001>") || !strings.Contains(joined, "Done: payments-api is ready") {
		t.Fatalf("thread:\n%s", joined)
	}

	// /gantry runs lists it.
	m := e.h.Command("priya", "general", "/gantry", "runs")
	if text := bottest.Text(m); !strings.Contains(text, "Create a service") || !strings.Contains(text, "done") {
		t.Fatalf("/gantry runs:\n%s", text)
	}
}

func TestRejectAndLateClicks(t *testing.T) {
	e := startActions(t)
	priya := e.h.User("priya")
	platform := e.h.Channel("team-platform").ID
	submit := func(name string) slackfake.Message {
		form := e.openForm(t, "priya", "/gantry", "run create-service")
		mark := e.h.Fake.Mark()
		if res, err := e.h.Fake.SubmitView(e.h.Ctx, priya.ID, form.ID, formValues(name, nil)); err != nil || res.ResponseAction != "update" {
			t.Fatalf("submit: %v %+v", err, res)
		}
		return e.waitText(t, mark, platform, "Approval request", name)
	}

	// Reject asks for a reason; afterwards nobody can approve.
	request := submit("ledger-sync")
	mark := e.click(t, "bashir", request, "actions.reject")
	modal := e.waitView(t, mark, "bashir")
	if res, _ := e.h.Fake.SubmitView(e.h.Ctx, e.h.User("bashir").ID, modal.ID, slackfake.Values{"reason": {"v": "  "}}); res.ResponseAction != "errors" {
		t.Fatalf("empty reason: %+v", res)
	}
	// Slack is slow to show the change: clicks on the old buttons still
	// arrive after the rejection, and the server refuses them.
	e.h.Fake.SetLatency("chat.update", 2*time.Second)
	mark = e.h.Fake.Mark()
	if _, err := e.h.Fake.SubmitView(e.h.Ctx, e.h.User("bashir").ID, modal.ID, slackfake.Values{"reason": {"v": "Use the existing ledger service."}}); err != nil {
		t.Fatal(err)
	}
	e.waitState(t, priya.ID, actions.StateRejected)
	mark = e.click(t, "alice", request, "actions.approve")
	e.waitEphemeral(t, mark, "alice", "already rejected by Bashir Haddad")
	mark = e.click(t, "chen", request, "actions.reject")
	e.waitEphemeral(t, mark, "chen", "already rejected")
	e.h.Fake.SetLatency("chat.update", 0)
	e.waitText(t, mark, platform, "Rejected by <@U0PLT0002>", "Use the existing ledger service.")
	e.waitText(t, mark, e.dm(t, "priya"), "Rejected", "Use the existing ledger service.")

	// Expired: a click after the expiry is refused, and the request says so.
	request = submit("ledger-export")
	e.h.Fake.SetLatency("chat.update", 2*time.Second)
	e.clock.Advance(73 * time.Hour)
	mark = e.click(t, "alice", request, "actions.approve")
	e.waitEphemeral(t, mark, "alice", "This request expired")
	e.h.Fake.SetLatency("chat.update", 0)
	e.waitText(t, mark, platform, "Expired")
	if n := len(e.gh.Repos("bramble")); n != 2 {
		t.Fatalf("%d repositories: a rejected or expired run did something", n)
	}
}

func TestFormTriggerExpired(t *testing.T) {
	e := startActions(t, "expired_trigger_id")
	e.h.Fake.FailNextError("views.open", "expired_trigger_id", 1)
	m := e.h.Command("priya", "general", "/create-service", "")
	if text := bottest.Text(m); !strings.Contains(text, "took too long to open") {
		t.Fatalf("no offer to open the form again:\n%s", text)
	}
	mark := e.click(t, "priya", m, "actions.open:create-service")
	if v := e.waitView(t, mark, "priya"); v.CallbackID != "actions.form" {
		t.Fatalf("opened %s", v.CallbackID)
	}
}

func TestRetryFromSlack(t *testing.T) {
	e := startActions(t)
	priya := e.h.User("priya")
	// GitHub fails the creation twice (the client retries no writes).
	e.gh.FailNext("POST /repos/{owner}/{repo}/generate", http.StatusBadGateway, 1)
	form := e.openForm(t, "priya", "/create-service", "")
	mark := e.h.Fake.Mark()
	e.h.Fake.SubmitView(e.h.Ctx, priya.ID, form.ID, formValues("refunds", nil))
	request := e.waitText(t, mark, e.h.Channel("team-platform").ID, "Approval request", "refunds")
	e.click(t, "alice", request, "actions.approve")
	failed := e.waitText(t, mark, e.dm(t, "priya"), "Failed at *Create the repository*", "502")
	mark = e.click(t, "priya", failed, "actions.retry")
	e.waitText(t, mark, failed.Channel, "Done.", "refunds is ready")
	if n := e.gh.Calls().Route("POST /repos/{owner}/{repo}/generate").OK; n != 1 {
		t.Fatalf("%d repositories generated", n)
	}
}

// TestSlowSlackDoesNotStallRuns: with every chat.update taking seconds,
// an approved run goes through its steps at the engine's pace (its
// messages are brought up to date off the step path, the changes
// meanwhile coalesced), then the requester's message shows it done.
func TestSlowSlackDoesNotStallRuns(t *testing.T) {
	e := startActions(t)
	priya := e.h.User("priya")
	form := e.openForm(t, "priya", "/create-service", "")
	mark := e.h.Fake.Mark()
	e.h.Fake.SubmitView(e.h.Ctx, priya.ID, form.ID, formValues("slow-slack", nil))
	request := e.waitText(t, mark, e.h.Channel("team-platform").ID, "Approval request", "slow-slack")
	progress := e.waitText(t, mark, e.dm(t, "priya"), "Waiting for approval by platform")

	const latency = 3 * time.Second
	e.h.Fake.SetLatency("chat.update", latency)
	mark = e.click(t, "alice", request, "actions.approve")
	e.waitState(t, priya.ID, actions.StateSucceeded)
	// Every step changed the run twice; had each change waited for Slack,
	// the requester's message would have been updated at each of them
	// before the run could end (a dozen times). Off the step path, the
	// first update is still on its way when the run ends (or, on a very
	// busy machine, the second).
	updates := 0
	for _, ev := range e.h.Fake.Events() {
		if ev.Seq > mark && ev.Type == slackfake.EventMessageUpdated && ev.Message != nil && ev.Message.TS == progress.TS {
			updates++
		}
	}
	if updates > 2 {
		t.Fatalf("the requester's message was updated %d times before the run ended: the steps waited for Slack", updates)
	}
	e.h.Fake.SetLatency("chat.update", 0)
	e.waitText(t, mark, progress.Channel, "Done.", "slow-slack is ready")
}

func TestActionsList(t *testing.T) {
	e := startActions(t)
	m := e.h.Command("priya", "general", "/gantry", "actions")
	text := bottest.Text(m)
	for _, want := range []string{"Create a service", "/create-service", "Roll back a service", "Approved by platform"} {
		if !strings.Contains(text, want) {
			t.Errorf("/gantry actions lacks %q:\n%s", want, text)
		}
	}
	mark := e.click(t, "priya", m, "actions.open:rollback")
	if v := e.waitView(t, mark, "priya"); v.TitleText() != "Roll back a service" {
		t.Fatalf("opened %q", v.TitleText())
	}
}

// TestEditAndResubmit: a name taken between the form and the run fails the
// run on that input; "Change … and resubmit" opens the form again with the
// values and the problem under the field.
func TestEditAndResubmit(t *testing.T) {
	e := startActions(t)
	priya := e.h.User("priya")
	form := e.openForm(t, "priya", "/create-service", "")
	mark := e.h.Fake.Mark()
	e.h.Fake.SubmitView(e.h.Ctx, priya.ID, form.ID, formValues("payouts", nil))
	request := e.waitText(t, mark, e.h.Channel("team-platform").ID, "Approval request", "payouts")
	if _, err := e.gh.AddRepo(githubfake.Repo{Owner: "bramble", Name: "payouts", CreatedAt: time.Now().Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	e.click(t, "alice", request, "actions.approve")
	failed := e.waitText(t, mark, e.dm(t, "priya"), "Failed at *Create the repository*", "bramble/payouts already exists on GitHub")
	mark = e.click(t, "priya", failed, "actions.edit")
	again := e.waitView(t, mark, "priya")
	text := bottest.ViewText(again)
	if !strings.Contains(text, "bramble/payouts already exists on GitHub") || !strings.Contains(string(again.Blocks), `"initial_value":"payouts"`) {
		t.Fatalf("the form did not come back with the problem and the values:\n%s", again.Blocks)
	}
	res, _ := e.h.Fake.SubmitView(e.h.Ctx, priya.ID, again.ID, formValues("payouts", nil))
	if res.ResponseAction != "errors" || res.Errors["name"] == "" {
		t.Fatalf("the refused name again: %+v", res)
	}
}

// TestApprovalByDirectMessage: with approval.channel dm, each approver
// gets the request in a DM; one decision updates every copy.
func TestApprovalByDirectMessage(t *testing.T) {
	acts, probs := actions.Parse("dm.yaml", []byte(`apiVersion: gantry.dev/v1
kind: Action
metadata: {name: grant, title: Grant access}
spec:
  inputs: [{name: repo, type: string, required: true, pattern: "^[a-z-]+$"}]
  approval: {groups: [group:default/platform], channel: dm}
  steps:
    - {id: team, uses: github.teamAccess, with: {repo: "bramble/${{ inputs.repo }}", team: payments, permission: pull}}
`))
	valid, probs2 := actions.Validate(acts, actions.LoadOptions{})
	if len(probs)+len(probs2) > 0 {
		t.Fatal(probs, probs2)
	}
	e := startActionsWith(t, actions.NewSet(valid))
	form := e.openForm(t, "priya", "/gantry", "run grant")
	mark := e.h.Fake.Mark()
	if res, err := e.h.Fake.SubmitView(e.h.Ctx, e.h.User("priya").ID, form.ID, slackfake.Values{"repo": {"v": "notification-service"}}); err != nil || res.ResponseAction != "update" {
		t.Fatalf("submit: %v %+v", err, res)
	}
	copies := map[string]slackfake.Message{}
	for _, who := range []string{"alice", "bashir", "chen", "dagny"} {
		copies[who] = e.waitText(t, mark, e.dm(t, who), "Approval request: Grant access")
	}
	mark = e.click(t, "chen", copies["chen"], "actions.approve")
	for _, who := range []string{"alice", "bashir", "dagny"} {
		e.waitText(t, mark, copies[who].Channel, "Approved by <@U0PLT0003>")
	}
	e.waitText(t, mark, e.dm(t, "priya"), "Done.")
	if teams := e.gh.RepoTeams("bramble", "notification-service"); teams["payments"] != "pull" {
		t.Fatalf("teams %v", teams)
	}
}
