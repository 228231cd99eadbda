package bot_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/gantryhq/gantry/actions"
	"github.com/gantryhq/gantry/bot"
	"github.com/gantryhq/gantry/bot/bottest"
	"github.com/gantryhq/gantry/internal/clock"
	"github.com/gantryhq/gantry/internal/slackfake"
	"github.com/gantryhq/gantry/scorecard"
	"github.com/gantryhq/gantry/store"
)

// scorecardHarness runs the bot with scorecards enabled over the fixture.
func scorecardHarness(t *testing.T, opts bottest.Options, tune func(*bot.ScorecardOptions)) (*bottest.Harness, *scorecardFixture) {
	t.Helper()
	opts.NoRun = true
	h := bottest.Start(t, opts)
	f := newScorecardFixture(t, h.Catalog)
	o := bot.ScorecardOptions{Service: f.svc}
	if tune != nil {
		tune(&o)
	}
	h.Bot.EnableScorecards(o)
	h.Run()
	return h, f
}

func TestScorecardCommand(t *testing.T) {
	h, _ := scorecardHarness(t, bottest.Options{}, nil)

	// A service: its card on every scorecard, with the trend.
	m := h.Command("priya", "team-payments", "/gantry", "scorecard checkout")
	text := bottest.Text(m)
	if !m.Ephemeral || !strings.Contains(text, "Production readiness*: :first_place_medal: Gold") || !strings.Contains(text, "A week ago: below Bronze") {
		t.Errorf("/gantry scorecard checkout:\n%s", text)
	}
	// One scorecard only.
	m = h.Command("priya", "team-payments", "/gantry", "scorecard checkout ops-hygiene")
	if text := bottest.Text(m); strings.Contains(text, "Production readiness") || !strings.Contains(text, "Ops hygiene") {
		t.Errorf("/gantry scorecard checkout ops-hygiene:\n%s", text)
	}
	// A team, by name or by its channel.
	for _, q := range []string{"payments", "#team-payments"} {
		m = h.Command("marco", "general", "/gantry", "scorecard "+q)
		if text := bottest.Text(m); !strings.Contains(text, "Production readiness: Payments") || !strings.Contains(text, "Ops hygiene: Payments") {
			t.Errorf("/gantry scorecard %s:\n%s", q, text)
		}
	}
	// Without an argument: the person's own team.
	m = h.Command("priya", "general", "/gantry", "scorecard")
	if text := bottest.Text(m); !strings.Contains(text, "Production readiness: Payments") {
		t.Errorf("/gantry scorecard as priya:\n%s", text)
	}
	// Someone the catalog does not know is told how to ask.
	m = h.Command("newbie", "general", "/gantry", "scorecard")
	if text := bottest.Text(m); !strings.Contains(text, "Say which service or team") {
		t.Errorf("/gantry scorecard as newbie:\n%s", text)
	}
	m = h.Command("priya", "general", "/gantry", "scorecard chekout")
	if text := bottest.Text(m); !strings.Contains(text, "checkout") || !strings.Contains(text, "did you mean") {
		t.Errorf("a typo:\n%s", text)
	}
}

func TestScorecardDetailsButton(t *testing.T) {
	h, _ := scorecardHarness(t, bottest.Options{}, nil)
	card := h.Command("priya", "team-payments", "/gantry", "scorecard payments production-readiness")
	ids := bottest.ActionIDs(t, card.Blocks)
	if len(ids) != 1 || ids[0] != "scorecard.details" {
		t.Fatalf("buttons of the team card: %v", ids)
	}
	mark := h.Click("priya", card, "scorecard.details")
	details := h.WaitReply(mark, h.User("priya").ID, h.Channel("team-payments").ID)
	text := bottest.Text(details)
	if !details.Ephemeral || !strings.Contains(text, "By rule") || !strings.Contains(text, "seller-payouts") ||
		!strings.Contains(text, "no GitHub facts for this entity") {
		t.Errorf("details:\n%s", text)
	}
}

func TestStatusCommand(t *testing.T) {
	h, _ := scorecardHarness(t, bottest.Options{}, nil)
	m := h.Command("priya", "team-payments", "/gantry", "status checkout")
	text := bottest.Text(m)
	for _, want := range []string{"Checkout: status", "CI on main", "success", "Gold in Production readiness", "<@U0PAY0003>", "#team-payments",
		"No live signals"} {
		if !strings.Contains(text, want) {
			t.Errorf("/gantry status checkout lacks %q:\n%s", want, text)
		}
	}
	m = h.Command("priya", "team-payments", "/gantry", "status refunds-worker")
	if text := bottest.Text(m); !strings.Contains(text, "1 thing needs a look") || !strings.Contains(text, ":x: *CI on main*") {
		t.Errorf("/gantry status refunds-worker:\n%s", text)
	}
	m = h.Command("priya", "team-payments", "/gantry", "status payments")
	if text := bottest.Text(m); !strings.Contains(strings.ToLower(text), "status is about a service") {
		t.Errorf("/gantry status payments:\n%s", text)
	}
	m = h.Command("priya", "team-payments", "/gantry", "status")
	if text := bottest.Text(m); !strings.Contains(text, "Say which service") {
		t.Errorf("/gantry status:\n%s", text)
	}
}

// post posts a digest as the schedule would and returns the message.
func post(t *testing.T, h *bottest.Harness, d *scorecard.Digest) slackfake.Message {
	t.Helper()
	ch, ts, err := h.Bot.DigestPoster().PostDigest(h.Ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	m, ok := h.Fake.Message(ch, ts)
	if !ok {
		t.Fatalf("no message %s/%s", ch, ts)
	}
	return m
}

func TestDigestAdoptButton(t *testing.T) {
	var mu sync.Mutex
	var adopted []string
	h, f := scorecardHarness(t, bottest.Options{}, func(o *bot.ScorecardOptions) {
		o.Adopt = func(_ context.Context, repo string) (string, bool, error) {
			mu.Lock()
			defer mu.Unlock()
			adopted = append(adopted, repo)
			return "https://github.com/" + repo + "/pull/7", len(adopted) == 1, nil
		}
	})
	prod, _ := f.set.Get("production-readiness")
	d := inferredDigest(prod)
	d.Channel = "#engineering"
	m := post(t, h, d)
	if len(m.Metadata) == 0 || !strings.Contains(string(m.Metadata), `"event_type":"gantry_digest"`) || !strings.Contains(string(m.Metadata), `"period":"2026-11-23T08:00:00Z"`) {
		t.Errorf("the digest carries no key as metadata: %s", m.Metadata)
	}
	mark := h.Click("alice", m, "scorecard.adopt:0")
	reply := h.WaitReply(mark, h.User("alice").ID, h.Channel("engineering").ID)
	if text := bottest.Text(reply); !reply.Ephemeral || !strings.Contains(text, "https://github.com/bramble/sales-export-cron/pull/7") || !strings.Contains(text, "Opened") {
		t.Errorf("adopt reply:\n%s", text)
	}
	if len(adopted) != 1 || adopted[0] != "bramble/sales-export-cron" {
		t.Errorf("adopted %v", adopted)
	}
}

func TestDigestFixButton(t *testing.T) {
	t.Run("an action glue that prefills", func(t *testing.T) {
		type started struct {
			action string
			inputs map[string]string
		}
		got := make(chan started, 1)
		h, f := scorecardHarness(t, bottest.Options{}, func(o *bot.ScorecardOptions) {
			o.StartFix = func(ctx context.Context, r *bot.Request, action string, inputs map[string]string) error {
				got <- started{action, inputs}
				_, err := r.Respond.OpenModal(ctx, slack.ModalViewRequest{Type: slack.VTModal, Title: slack.NewTextBlockObject("plain_text", "Fix", false, false),
					Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", action+" "+inputs["repo"], false, false), nil, nil)}}})
				return err
			}
		})
		// The fix is for checkout: its repository comes from its facts.
		d := f.digest(t, "ops-hygiene", "group:default/payments")
		d.Fixes[0].Services = []scorecard.ServiceRef{{Entity: "component:default/checkout", Title: "Checkout"}}
		m := post(t, h, d)
		h.Click("marco", m, "scorecard.fix:0")
		select {
		case s := <-got:
			if s.action != "add-codeowners" || s.inputs["repo"] != "bramble/checkout" || s.inputs["team"] != "group:default/payments" {
				t.Errorf("started %+v", s)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the Fix button started nothing")
		}
	})
	t.Run("the actions' form, prefilled", func(t *testing.T) {
		// Self-service actions and scorecards on one bot, wired as the app
		// wires them: Fix opens the form "/gantry run add-codeowners"
		// opens, with the rule's inputs for checkout filled in.
		h, eng := fixActionsHarness(t)
		f := newScorecardFixture(t, h.Catalog)
		h.Bot.EnableScorecards(bot.ScorecardOptions{Service: f.svc, StartFix: h.Bot.OpenActionForm})
		h.Run()
		marco := h.User("marco")
		d := f.digest(t, "ops-hygiene", "group:default/payments")
		d.Fixes[0].Services = []scorecard.ServiceRef{{Entity: "component:default/checkout", Title: "Checkout"}}
		m := post(t, h, d)
		mark := h.Fake.Mark()
		h.Click("marco", m, "scorecard.fix:0")
		form := waitForm(t, h, mark, marco.ID)
		if form.CallbackID != "actions.form" || form.TitleText() != "Add CODEOWNERS" {
			t.Fatalf("Fix opened %q (%s), not the action's form", form.TitleText(), form.CallbackID)
		}
		if got := initialValues(t, form); got["repo"] != "bramble/checkout" || got["team"] != "group:default/payments" {
			t.Errorf("the form is not prefilled with the fix's inputs: %v", got)
		}

		// Submitted as it was opened, it requests a run with those inputs.
		res, err := h.Fake.SubmitView(h.Ctx, marco.ID, form.ID, nil)
		if err != nil || res.ResponseAction != "update" {
			t.Fatalf("submit: %v %+v", err, res)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			runs, err := eng.List(h.Ctx, actions.RunFilter{Requester: marco.ID, Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			if len(runs) == 1 {
				if runs[0].Action != "add-codeowners" || runs[0].Inputs["repo"] != "bramble/checkout" || runs[0].Inputs["team"] != "group:default/payments" {
					t.Errorf("run %s of %s with %v", runs[0].ID, runs[0].Action, runs[0].Inputs)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the prefilled form made no run\n%s", h.Logs())
			}
			time.Sleep(5 * time.Millisecond)
		}

		// The same form as /gantry run's, which is not prefilled.
		mark = h.Fake.Mark()
		if _, err := h.Fake.SlashCommand(h.Ctx, marco.ID, h.Channel("general").ID, "/gantry", "run add-codeowners"); err != nil {
			t.Fatal(err)
		}
		run := waitForm(t, h, mark, marco.ID)
		if run.CallbackID != form.CallbackID || run.TitleText() != form.TitleText() || len(bottest.Blocks(t, run.Blocks)) != len(bottest.Blocks(t, form.Blocks)) {
			t.Errorf("/gantry run opened %q (%s) with %d blocks; Fix opened %q (%s) with %d", run.TitleText(), run.CallbackID,
				len(bottest.Blocks(t, run.Blocks)), form.TitleText(), form.CallbackID, len(bottest.Blocks(t, form.Blocks)))
		}
		if got := initialValues(t, run); got["repo"] != "" || got["team"] != "" {
			t.Errorf("/gantry run's form is prefilled: %v", got)
		}

	})
	t.Run("/gantry run semantics", func(t *testing.T) {
		// Self-service actions registered "/gantry run": the Fix button
		// runs it with the action's name, with the click's trigger_id.
		ran := make(chan string, 1)
		h2 := bottest.Start(t, bottest.Options{NoRun: true})
		f2 := newScorecardFixture(t, h2.Catalog)
		h2.Bot.Router().Subcommand(bot.Subcommand{Name: "run", Usage: "run <action>", Help: "open an action's form",
			Handler: func(ctx context.Context, r *bot.Request) error {
				ran <- r.Text
				return r.Respond.Ephemeral(ctx, bot.Message{Text: "form for " + r.Text})
			}})
		h2.Bot.EnableScorecards(bot.ScorecardOptions{Service: f2.svc})
		h2.Run()
		m := post(t, h2, f2.digest(t, "ops-hygiene", "group:default/payments"))
		h2.Click("marco", m, "scorecard.fix:0")
		select {
		case text := <-ran:
			if text != "add-codeowners" {
				t.Errorf("/gantry run got %q", text)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the Fix button did not run /gantry run")
		}
	})
	t.Run("no actions", func(t *testing.T) {
		h, f := scorecardHarness(t, bottest.Options{}, nil)
		m := post(t, h, f.digest(t, "ops-hygiene", "group:default/payments"))
		mark := h.Click("marco", m, "scorecard.fix:0")
		reply := h.WaitReply(mark, h.User("marco").ID, h.Channel("team-payments").ID)
		if text := bottest.Text(reply); !strings.Contains(text, "/gantry run add-codeowners") {
			t.Errorf("reply:\n%s", text)
		}
	})
}

// fixActionsHarness is a bot (not yet running) with one self-service
// action, add-codeowners, the fix of the ops-hygiene scorecard's rule; its
// engine records runs without executing them.
func fixActionsHarness(t *testing.T) (*bottest.Harness, *actions.Engine) {
	t.Helper()
	acts, probs := actions.Parse("add-codeowners.yaml", []byte(`apiVersion: gantry.dev/v1
kind: Action
metadata: {name: add-codeowners, title: Add CODEOWNERS}
spec:
  inputs:
    - {name: repo, title: Repository, type: string, required: true}
    - {name: team, title: Team, type: entity, kind: Group, required: true}
  steps:
    - {id: notify, uses: http.request, with: {url: "https://x.example/codeowners", body: "${{ inputs.repo }} ${{ inputs.team }}"}}
`))
	valid, probs2 := actions.Validate(acts, actions.LoadOptions{})
	if len(probs)+len(probs2) > 0 {
		t.Fatal(probs, probs2)
	}
	// not_found: a form's result may race the ack that makes the modal it
	// updates (as in the actions' tests).
	h := bottest.Start(t, bottest.Options{NoRun: true, AllowAPIErrors: []string{"not_found"}})
	eng, err := actions.NewEngine(actions.Options{Store: h.Catalog.Store().(*store.DB), Catalog: h.Catalog})
	if err != nil {
		t.Fatal(err)
	}
	h.Bot.EnableActions(eng, actions.NewSet(valid))
	return h, eng
}

// waitForm waits for a modal opened for user after mark.
func waitForm(t *testing.T, h *bottest.Harness, mark uint64, userID string) slackfake.View {
	t.Helper()
	ev, err := h.Fake.WaitSince(h.Ctx, mark, func(ev slackfake.Event) bool {
		return ev.Type == slackfake.EventViewOpened && ev.View.UserID == userID
	})
	if err != nil {
		t.Fatalf("no form opened: %v\n%s", err, h.Logs())
	}
	return *ev.View
}

// initialValues are the form's prefilled values by block (input) id.
func initialValues(t *testing.T, v slackfake.View) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, b := range bottest.Blocks(t, v.Blocks) {
		id, _ := b["block_id"].(string)
		el, _ := b["element"].(map[string]any)
		if s, ok := el["initial_value"].(string); ok {
			out[id] = s
		}
		if o, ok := el["initial_option"].(map[string]any); ok {
			out[id], _ = o["value"].(string)
		}
	}
	return out
}

// faultyPoster sets up Slack's faults just before each team's post.
type faultyPoster struct {
	scorecard.Poster
	before func(d *scorecard.Digest)
}

func (p faultyPoster) PostDigest(ctx context.Context, d *scorecard.Digest) (string, string, error) {
	p.before(d)
	return p.Poster.PostDigest(ctx, d)
}

// The digests of a period through the real Web API client and a Slack
// that rate-limits, fails and refuses: a 429 is waited out, repeated 503s
// are retried until posted, a refusal is reported once to the fallback
// channel, and a post Slack carried out but answered with a 500 is
// uncertain (reported, not posted again); nothing is posted twice, even
// when the period is run again.
func TestDigestPostingThroughSlackFaults(t *testing.T) {
	h, f := scorecardHarness(t, bottest.Options{AllowAPIErrors: []string{"ratelimited", "internal_error", "channel_not_found"}}, nil)
	ctx := h.Ctx
	var mu sync.Mutex
	seen := map[string]int{}
	poster := faultyPoster{Poster: h.Bot.DigestPoster(), before: func(d *scorecard.Digest) {
		mu.Lock()
		defer mu.Unlock()
		seen[d.Team]++
		if seen[d.Team] > 1 {
			return
		}
		switch d.Team {
		case "group:default/logistics":
			h.Fake.RateLimitNext("chat.postMessage", time.Second, 1)
		case "group:default/payments":
			h.Fake.FailNext("chat.postMessage", 503, 4) // more than the client's own retries
		case "group:default/platform":
			h.Fake.FailNextError("chat.postMessage", "channel_not_found", 1)
		case "group:default/storefront":
			// Slack posts it but answers 500: the client does not send it
			// again, and the runner records it as uncertain.
			h.Fake.FailNextAfterProcessing("chat.postMessage", 500, 1)
		}
	}}
	// The runner's own backoff takes no real time; Slack's Retry-After does.
	svc, err := scorecard.New(scorecard.Options{Scorecards: f.set, Catalog: f.cat, Facts: f.db, History: f.db,
		FallbackChannel: "#engineering", Clock: quickClock{base: bottest.Now, start: time.Now()}})
	if err != nil {
		t.Fatal(err)
	}
	runner := scorecard.NewDigestRunner(scorecard.RunnerOptions{Service: svc, Store: f.db, Poster: poster, Concurrency: 1, Backoff: time.Second})
	sc, _ := f.set.Get("production-readiness")
	period := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	rep, err := runner.Run(ctx, sc, period)
	if err != nil {
		t.Fatal(err)
	}
	count := func(channel string, pred func(slackfake.Message) bool) int {
		n := 0
		for _, m := range h.Fake.Messages(h.Channel(channel).ID) {
			if pred(m) {
				n++
			}
		}
		return n
	}
	isDigest := func(m slackfake.Message) bool { return strings.Contains(m.Text, "Production readiness for") }
	isReport := func(m slackfake.Message) bool { return strings.Contains(m.Text, "could not be posted") }
	for ch, want := range map[string]int{"team-payments": 1, "team-search": 1, "team-storefront": 1, "team-platform": 0, "engineering": 1} {
		if got := count(ch, isDigest); got != want {
			t.Errorf("#%s has %d digests, want %d", ch, got, want)
		}
	}
	if n := count("engineering", isReport); n != 1 {
		t.Errorf("#engineering has %d reports", n)
	}
	var report slackfake.Message
	for _, m := range h.Fake.Messages(h.Channel("engineering").ID) {
		if isReport(m) {
			report = m
		}
	}
	if text := bottest.Text(report); !strings.Contains(text, "Platform") || !strings.Contains(text, "channel_not_found") ||
		!strings.Contains(text, "Storefront") || !strings.Contains(text, "1 may not have been") {
		t.Errorf("report:\n%s", text)
	}
	for _, o := range rep.Outcomes {
		switch o.Team {
		case "group:default/payments":
			if o.Outcome != scorecard.OutcomePosted || o.Retries != 1 {
				t.Errorf("payments: %+v", o)
			}
		case "group:default/platform":
			if o.Outcome != scorecard.OutcomeFailed {
				t.Errorf("platform: %+v", o)
			}
		case "group:default/storefront":
			if o.Outcome != scorecard.OutcomeUncertain || seen[o.Team] != 1 {
				t.Errorf("storefront: %+v, tried %d times", o, seen[o.Team])
			}
		}
	}
	if calls := h.Fake.APICalls()["chat.postMessage"]; calls.ByStatus[429] != 1 || calls.ByStatus[503] != 4 || calls.ByStatus[500] != 1 {
		t.Errorf("chat.postMessage statuses: %v", calls.ByStatus)
	}
	// The same period again: nothing new anywhere.
	before := h.Fake.APICallCount("chat.postMessage")
	if _, err := runner.Run(ctx, sc, period); err != nil {
		t.Fatal(err)
	}
	if after := h.Fake.APICallCount("chat.postMessage"); after != before {
		t.Errorf("running the period again posted %d more", after-before)
	}
}

// Digests to one channel are paced at about one a second: Slack never has
// to say 429.
func TestDigestsToOneChannelArePaced(t *testing.T) {
	h, f := scorecardHarness(t, bottest.Options{}, nil)
	sc, _ := f.set.Get("production-readiness")
	period := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	ds, err := f.svc.ComposeDigests(h.Ctx, sc, period, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for _, d := range ds {
		d.Channel = "#general"
		post(t, h, d)
	}
	if took := time.Since(start); took < time.Duration(len(ds)-3)*time.Second-200*time.Millisecond {
		t.Errorf("%d digests in %v: not paced", len(ds), took)
	}
	if n := h.Fake.APICalls()["chat.postMessage"].ByStatus[429]; n != 0 {
		t.Errorf("Slack answered 429 %d times", n)
	}
}

// quickClock is time passing from base as it does, with waits cut short.
type quickClock struct{ base, start time.Time }

func (c quickClock) Now() time.Time { return c.base.Add(time.Since(c.start)) }

func (quickClock) Sleep(ctx context.Context, d time.Duration) error {
	return clock.Sleep(ctx, min(d, time.Millisecond))
}
