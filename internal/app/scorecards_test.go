package app

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/bot/bottest"
	"github.com/gantryhq/gantry/internal/config"
	"github.com/gantryhq/gantry/internal/githubfake"
	"github.com/gantryhq/gantry/internal/slackfake"
	"github.com/gantryhq/gantry/internal/testdb"
	"github.com/gantryhq/gantry/scorecard"
)

// servedApp is an App running Serve.
type servedApp struct {
	app    *App
	cancel context.CancelFunc
	done   chan error
	logs   *lockedWriter
}

// serveScorecards opens an App on cfg with the scorecards' clock, runs
// Serve and returns once the first sync (and evaluation) is done.
func serveScorecards(t *testing.T, parent context.Context, cfg config.Config, clock scorecard.Clock, prepare func(*App)) *servedApp {
	t.Helper()
	logs := &lockedWriter{w: &strings.Builder{}}
	a, err := Open(parent, cfg, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	a.sc.clock, a.sc.concurrency = clock, 1
	if prepare != nil {
		prepare(a)
	}
	ctx, cancel := context.WithCancel(parent)
	s := &servedApp{app: a, cancel: cancel, done: make(chan error, 1), logs: logs}
	pr, pw := io.Pipe()
	go func() { err := a.Serve(ctx, ServeOptions{Out: pw}); pw.Close(); s.done <- err }()
	lines := bufio.NewScanner(pr)
	for lines.Scan() && !strings.HasPrefix(lines.Text(), "Catalog synced") {
	}
	go io.Copy(io.Discard, pr)
	return s
}

// stop ends Serve (as a SIGTERM would) and waits for it.
func (s *servedApp) stop(t *testing.T) {
	t.Helper()
	s.cancel()
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func (s *servedApp) logText() string {
	s.logs.mu.Lock()
	defer s.logs.mu.Unlock()
	return s.logs.w.(*strings.Builder).String()
}

// TestDigestEndToEnd is the "done when": gantry serve with the
// example catalog and scorecard, Slack (slackfake) and the real bot. At
// 09:00 in Paris on Monday the digest goes out; Gantry is stopped in the
// middle of the run and started again, and each team's channel still has
// its digest exactly once (Logistics, which has no channel, in the
// fallback #engineering). A fact changes, /gantry sync evaluates again,
// and the next Monday's digest shows the service's level going up.
func TestDigestEndToEnd(t *testing.T) {
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) { testDigestEndToEnd(t, eng.URL(t)) })
	}
}

func testDigestEndToEnd(t *testing.T, dbURL string) {
	fake := slackfake.NewServer(t, slackfake.Options{})
	priya := fake.AddUser(slackfake.User{ID: "U0PAY0001", Name: "priya", RealName: "Priya Raman", Email: "priya@bramble.example"})
	alice := fake.AddUser(slackfake.User{ID: "U0PLT0001", Name: "alice", RealName: "Alice Nakamura", Email: "alice@bramble.example"})
	channels := map[string]slackfake.Channel{}
	for _, name := range []string{"general", "engineering", "team-platform", "team-payments", "team-storefront", "team-search"} {
		channels[name] = fake.AddChannel(name)
	}
	teamChannels := []string{"engineering", "team-platform", "team-payments", "team-storefront", "team-search"}

	cfg := exampleConfig(t)
	cfg.Database = dbURL
	cfg.Slack = config.Slack{AppToken: fake.AppToken(), BotToken: fake.BotToken(), APIURL: fake.APIURL(), AdminGroup: "group:default/platform"}
	scorecards, _ := filepath.Abs("../../examples/scorecards")
	cfg.Scorecards = config.Scorecards{Paths: []string{scorecards}}
	// Monday 23 November 2026, 08:59 in Paris.
	clock := bottest.NewClock(time.Date(2026, 11, 23, 7, 59, 0, 0, time.UTC))
	period := "2026-11-23T08:00:00Z"
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()

	digests := func(channel string) []slackfake.Message {
		var out []slackfake.Message
		for _, m := range fake.Messages(channels[channel].ID) {
			if strings.HasPrefix(m.Text, "Production readiness for ") {
				out = append(out, m)
			}
		}
		return out
	}
	total := func() int {
		n := 0
		for _, ch := range teamChannels {
			n += len(digests(ch))
		}
		return n
	}
	isDigest := func(e slackfake.Event) bool {
		return e.Type == slackfake.EventMessagePosted && e.Message != nil && strings.HasPrefix(e.Message.Text, "Production readiness for ")
	}
	// waitDigests waits, on Slack's events, for n digests in the team channels.
	waitDigests := func(n int) {
		t.Helper()
		for {
			mark := fake.Mark()
			if total() >= n {
				return
			}
			if _, err := fake.WaitSince(ctx, mark, isDigest); err != nil {
				t.Fatalf("waiting for %d digests (%d so far): %v", n, total(), err)
			}
		}
	}
	// waitRecords waits until the digest records of the period satisfy
	// cond: the database has no events to wait on, so it is read again
	// every few milliseconds, within the test's deadline.
	waitRecords := func(a *App, what string, cond func([]scorecard.DigestRecord) bool) []scorecard.DigestRecord {
		t.Helper()
		for {
			recs, err := a.DB.DigestRecords(ctx, "production-readiness", period)
			if err == nil && cond(recs) {
				return recs
			}
			select {
			case <-ctx.Done():
				t.Fatalf("timed out waiting for %s: %+v %v", what, recs, err)
			case <-time.After(5 * time.Millisecond):
			}
		}
	}
	count := func(recs []scorecard.DigestRecord, state string) int {
		n := 0
		for _, r := range recs {
			if r.State == state {
				n++
			}
		}
		return n
	}
	ghFacts := func(overrides map[string]any) map[string]any {
		f := map[string]any{"repo": "bramble/checkout", "default_branch": "main", "has_readme": true, "has_codeowners": true,
			"has_security_md": true, "has_dependency_updates": true, "pushed_at": "2026-11-20T10:00:00Z", "branch_protected": true,
			"required_reviews": 1, "open_pull_requests": 0, "latest_run_conclusion": "success"}
		for k, v := range overrides {
			f[k] = v
		}
		return f
	}

	// First start: checkout has every GitHub fact but CODEOWNERS.
	first := serveScorecards(t, ctx, cfg, clock, func(a *App) {
		if err := a.DB.PutFacts(ctx, "component:default/checkout", scorecard.ProviderGitHub, ghFacts(map[string]any{"has_codeowners": false}), clock.Now()); err != nil {
			t.Fatal(err)
		}
	})
	if err := fake.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if err := clock.WaitSleepers(ctx, 1); err != nil { // the schedule waits for 09:00
		t.Fatal(err)
	}
	if total() != 0 {
		t.Fatal("digests were posted before their time")
	}
	// 09:00: the run starts; Slack is slow, and Gantry is stopped (as by
	// SIGTERM) once the first team's digest is posted, while the second one
	// is on its way. The post under way is not cut short: it is finished
	// and recorded before Serve returns; the teams after it are left.
	fake.SetLatency("chat.postMessage", 2*time.Second)
	clock.Advance(time.Minute)
	waitRecords(first.app, "a digest posted and the next one on its way", func(recs []scorecard.DigestRecord) bool {
		return count(recs, scorecard.DigestPosted) >= 1 && count(recs, scorecard.DigestPosting) == 1
	})
	first.stop(t)
	postedBefore := total()
	recs, _ := first.app.DB.DigestRecords(ctx, "production-readiness", period)
	if postedBefore < 2 || postedBefore >= len(teamChannels) {
		t.Fatalf("%d digests posted before the restart: the restart must fall in the middle of the run, after the post under way", postedBefore)
	}
	if posted := count(recs, scorecard.DigestPosted); posted != postedBefore || count(recs, scorecard.DigestPosting) != 0 {
		t.Fatalf("%d digests in Slack, %d recorded as posted: %+v", postedBefore, posted, recs)
	}
	if !strings.Contains(first.logText(), "finishing a post under way before stopping") {
		t.Errorf("the stop did not wait for the post under way:\n%s", first.logText())
	}

	// Second start, still 09:00: the period is current and Gantry was
	// running before it began, so the run is resumed.
	fake.SetLatency("chat.postMessage", 0)
	second := serveScorecards(t, ctx, cfg, clock, nil)
	defer second.stop(t)
	waitDigests(len(teamChannels))
	waitRecords(second.app, "every digest recorded", func(recs []scorecard.DigestRecord) bool {
		return count(recs, scorecard.DigestPosted) == len(teamChannels)
	})
	for _, ch := range teamChannels {
		if n := len(digests(ch)); n != 1 {
			t.Errorf("#%s has %d digests", ch, n)
		}
	}
	if d := digests("engineering"); len(d) != 1 || !strings.Contains(bottest.Text(d[0]), "Logistics has no Slack channel of its own") {
		t.Errorf("#engineering: %v", d)
	}
	if !strings.Contains(second.logText(), "posting the current period at start-up") {
		t.Errorf("the restart did not resume the period:\n%s", second.logText())
	}
	pay := bottest.Text(digests("team-payments")[0])
	if !strings.Contains(pay, "*Checkout* below Bronze") {
		t.Errorf("first digest of payments:\n%s", pay)
	}

	// At 10:00 checkout adds CODEOWNERS; an admin syncs, which evaluates.
	clock.Advance(time.Hour)
	if err := second.app.DB.PutFacts(ctx, "component:default/checkout", scorecard.ProviderGitHub, ghFacts(nil), clock.Now()); err != nil {
		t.Fatal(err)
	}
	mark := fake.Mark()
	if _, err := fake.SlashCommand(ctx, alice.ID, channels["general"].ID, "/gantry", "sync"); err != nil {
		t.Fatal(err)
	}
	if _, err := fake.WaitSince(ctx, mark, func(e slackfake.Event) bool {
		return e.Type == slackfake.EventMessagePosted && e.Message != nil && strings.Contains(e.Message.Text, "examples:")
	}); err != nil {
		t.Fatalf("/gantry sync did not finish: %v", err)
	}
	// /gantry query reads facts too.
	mark = fake.Mark()
	if _, err := fake.SlashCommand(ctx, priya.ID, channels["general"].ID, "/gantry", "query facts.github.has_codeowners && facts.catalog.team == \"group:default/payments\""); err != nil {
		t.Fatal(err)
	}
	ev, err := fake.WaitSince(ctx, mark, slackfake.IsEphemeral(priya.ID))
	if err != nil || !strings.Contains(bottest.Text(*ev.Message), "1 entity matches") || !strings.Contains(bottest.Text(*ev.Message), "component:default/checkout") {
		t.Errorf("/gantry query with facts: %v %v", ev.Message, err)
	}

	// Next Monday 09:00: the digest shows checkout going up.
	clock.Advance(7*24*time.Hour - time.Hour)
	waitDigests(2 * len(teamChannels))
	week2 := digests("team-payments")
	if len(week2) != 2 {
		t.Fatalf("#team-payments has %d digests", len(week2))
	}
	text := bottest.Text(week2[1])
	if !strings.Contains(text, "*Checkout* Gold · 100% :arrow_up: from below Bronze") || !strings.Contains(text, "fixed: CODEOWNERS") || !strings.Contains(text, ":arrow_up: 1 up") {
		t.Errorf("the second digest does not show the level change:\n%s", text)
	}
	for _, ch := range teamChannels {
		if n := len(digests(ch)); n != 2 {
			t.Errorf("#%s has %d digests after two weeks", ch, n)
		}
	}
}

// /gantry status reads CI from GitHub as it is now, not as the last sync
// saw it.
func TestStatusReadsCIFromGitHub(t *testing.T) {
	gh, err := githubfake.New(&githubfake.Fixture{
		Orgs: []githubfake.Org{{Login: "bramble"}},
		Repos: []githubfake.Repo{{Owner: "bramble", Name: "checkout", Files: map[string]string{"README.md": "# checkout\n"},
			Runs: []githubfake.Run{{Workflow: ".github/workflows/ci.yml", Conclusion: "failure", CreatedAt: time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)}}}},
		Tokens: []githubfake.Token{{Token: "ghp_status"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := gh.Start(); err != nil {
		t.Fatal(err)
	}
	defer gh.Close()
	cfg := exampleConfig(t)
	scorecards, _ := filepath.Abs("../../examples/scorecards")
	cfg.Scorecards = config.Scorecards{Paths: []string{scorecards}}
	cfg.GitHub = config.GitHub{BaseURL: gh.URL() + "/api/v3/", Token: "ghp_status"}
	ctx := context.Background()
	a, err := Open(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := a.Sync(ctx, ""); err != nil {
		t.Fatal(err)
	}
	// The last sync saw CI green.
	a.DB.PutFacts(ctx, "component:default/checkout", scorecard.ProviderGitHub, map[string]any{"repo": "bramble/checkout",
		"default_branch": "main", "latest_run_conclusion": "success"}, time.Now().Add(-time.Hour))
	svc, err := a.Scorecards()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"checkout", "payment-gateway"} {
		e, err := a.Catalog.Get(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		st, err := svc.Status(ctx, e)
		if err != nil {
			t.Fatal(err)
		}
		switch name {
		case "checkout": // facts name the repository and the branch
			if st.CI == nil || st.CI.Conclusion != "failure" || st.CI.Branch != "main" || st.Warnings() != 1 {
				t.Errorf("checkout CI: %+v", st.CI)
			}
		case "payment-gateway": // no facts, and GitHub does not know the repository: nothing to show
			if st.CI != nil {
				t.Errorf("payment-gateway CI: %+v", st.CI)
			}
		}
	}
}
