package app

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/actions"
	"github.com/gantryhq/gantry/internal/config"
	"github.com/gantryhq/gantry/internal/ops"
	"github.com/gantryhq/gantry/internal/testdb"
)

// localConfig is examples/gantry.yaml (catalog, actions, scorecards) in
// a database of the test's, with no Slack tokens.
func localConfig(t *testing.T, db string) config.Config {
	t.Helper()
	cfg, err := config.Load("../../examples/gantry.yaml", func(k string) string {
		if k == "GANTRY_DATABASE_URL" {
			return db
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Server.Listen = "127.0.0.1:0"
	return cfg
}

// serveLocally runs Serve in local mode until the returned stop is called;
// lines are what it printed before the first sync finished.
func serveLocally(t *testing.T, cfg config.Config, mode LocalMode) (base string, lines []string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &lockedWriter{w: &strings.Builder{}}
	a, err := Open(ctx, cfg, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { err := a.Serve(ctx, ServeOptions{Out: pw, Local: mode}); pw.Close(); done <- err }()
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if strings.HasPrefix(sc.Text(), "Catalog synced") {
			break
		}
	}
	if len(lines) == 0 {
		t.Fatalf("serve printed nothing: %v", <-done)
	}
	go io.Copy(io.Discard, pr)
	base = regexp.MustCompile(`http://[0-9.:]+/`).FindString(lines[0])
	return base, lines, func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v\n%s", err, logs.w)
		}
		a.Close()
	}
}

func apiGet(t *testing.T, url string, out any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}

func apiPost(t *testing.T, url, body string, out any) int {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

type localWorkspace struct {
	Channels []struct{ ID, Name string }
	Restored bool `json:"restored"`
	Online   bool `json:"bot_online"`
	Digest   bool `json:"digest_available"`
}

func (w localWorkspace) channel(t *testing.T, name string) string {
	t.Helper()
	for _, c := range w.Channels {
		if c.Name == name {
			return c.ID
		}
	}
	t.Fatalf("no #%s in %+v", name, w.Channels)
	return ""
}

// waitText polls a channel's messages until one holds want, in its text
// or its blocks.
func waitText(t *testing.T, base, channel, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var res struct {
			Messages []struct {
				Text   string
				Blocks json.RawMessage
			}
		}
		apiGet(t, base+"api/messages?as=U0PAY0001&channel="+channel, &res)
		for _, m := range res.Messages {
			if strings.Contains(m.Text, want) || strings.Contains(string(m.Blocks), want) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no message with %q in %s: %+v", want, channel, res.Messages)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestLocalModeKeepsTheConversation: gantry serve without tokens is the
// playground, its URL printed first; the bot answers through the sandbox;
// "Run digest now" posts each team's digest once per period; and after a
// restart on the same database the conversation is still there.
func TestLocalModeKeepsTheConversation(t *testing.T) {
	t.Setenv(LocalPostgresEnv, "")
	cfg := localConfig(t, "sqlite:"+filepath.Join(t.TempDir(), "gantry.db"))
	base, lines, stop := serveLocally(t, cfg, LocalAuto)
	if !strings.Contains(lines[0], "local Slack sandbox") || base == "" {
		t.Fatalf("first line: %q", lines[0])
	}
	var ws localWorkspace
	apiGet(t, base+"api/workspace?as=U0PAY0001", &ws)
	if !ws.Online || ws.Restored || !ws.Digest {
		t.Fatalf("workspace: %+v", ws)
	}
	general := ws.channel(t, "general")
	if code := apiPost(t, base+"api/command", `{"as":"U0PAY0001","channel":"`+general+`","command":"/whoowns","text":"checkout"}`, nil); code != 200 {
		t.Fatalf("/whoowns: %d", code)
	}
	waitText(t, base, general, "Checkout is owned by Payments")
	// The GitHub sandbox is read like an organisation: a repository the
	// catalog files do not name is inferred from its CODEOWNERS.
	apiPost(t, base+"api/command", `{"as":"U0PAY0001","channel":"`+general+`","command":"/whoowns","text":"secrets-rotator"}`, nil)
	waitText(t, base, general, "inferred from CODEOWNERS")

	var digest struct {
		Summary  string
		Channels []string
	}
	if code := apiPost(t, base+"api/digest", `{"as":"U0PAY0001"}`, &digest); code != 200 || len(digest.Channels) == 0 || digest.Channels[0] != "team-payments" {
		t.Fatalf("digest: %d %+v", code, digest)
	}
	waitText(t, base, ws.channel(t, "team-payments"), "Production readiness for Payments")
	// with the sandbox's repositories scored from their GitHub facts
	waitText(t, base, ws.channel(t, "team-payments"), "*invoice-renderer* Bronze")
	waitText(t, base, ws.channel(t, "team-payments"), "fraud-rules")
	apiPost(t, base+"api/digest", `{"as":"U0PAY0001"}`, &digest)
	if len(digest.Channels) != 0 || !strings.Contains(digest.Summary, "Already posted this period") {
		t.Fatalf("second digest: %+v", digest)
	}
	stop()

	base, lines, stop = serveLocally(t, cfg, LocalAuto)
	defer stop()
	if !strings.Contains(strings.Join(lines, "\n"), "The sandbox from last time is back") {
		t.Fatalf("output: %q", lines)
	}
	apiGet(t, base+"api/workspace?as=U0PAY0001", &ws)
	if !ws.Restored || ws.channel(t, "general") != general {
		t.Fatalf("after the restart: %+v", ws)
	}
	waitText(t, base, general, "Checkout is owned by Payments")
}

// TestLocalModeWhen: auto means "without tokens, on loopback", on means
// always, off never; and tokens are replaced by the sandbox's only in
// local mode.
func TestLocalModeWhen(t *testing.T) {
	cfg := localConfig(t, "sqlite:"+filepath.Join(t.TempDir(), "gantry.db"))
	withTokens := cfg
	withTokens.Slack = config.Slack{AppToken: "xapp-1-real", BotToken: "xoxb-real"}
	network := cfg
	network.Server.Listen = "0.0.0.0:0"
	for _, c := range []struct {
		name  string
		cfg   config.Config
		mode  LocalMode
		local bool
	}{
		{"off", cfg, LocalOff, false},
		{"auto without tokens", cfg, LocalAuto, true},
		{"auto with tokens", withTokens, LocalAuto, false},
		{"auto on a network address", network, LocalAuto, false},
		{"on on a network address", network, LocalOn, true},
		{"on with tokens", withTokens, LocalOn, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, err := Open(context.Background(), c.cfg, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			l, err := a.startLocal(context.Background(), ops.NewServer(a.Log), c.mode.runs(c.cfg))
			if err != nil {
				t.Fatal(err)
			}
			defer l.close()
			if (l != nil) != c.local {
				t.Fatalf("local mode: %v", l != nil)
			}
			if l != nil && !strings.HasPrefix(a.Config.Slack.APIURL, "http://127.0.0.1:") {
				t.Fatalf("the bot is not pointed at the sandbox: %q", a.Config.Slack.APIURL)
			}
			if l == nil && c.cfg.Slack.BotToken != a.Config.Slack.BotToken {
				t.Fatal("the tokens changed outside local mode")
			}
		})
	}
}

// TestLocalPostgres: database steps run against GANTRY_LOCAL_POSTGRES when
// it is set, and are otherwise skipped, saying so on the step and on the
// form's input.
func TestLocalPostgres(t *testing.T) {
	step := func(t *testing.T) (actions.Step, actions.Input) {
		t.Helper()
		cfg := localConfig(t, "sqlite:"+filepath.Join(t.TempDir(), "gantry.db"))
		a, err := Open(context.Background(), cfg, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		l, err := a.startLocal(context.Background(), ops.NewServer(a.Log), true)
		if err != nil {
			t.Fatal(err)
		}
		defer l.close()
		set, _, err := a.Actions()
		if err != nil {
			t.Fatal(err)
		}
		def, err := set.Get("create-service")
		if err != nil {
			t.Fatal(err)
		}
		var st actions.Step
		for _, s := range def.Spec.Steps {
			if s.Uses == actions.UsesCreateDatabase {
				st = s
			}
		}
		for _, in := range def.Spec.Inputs {
			if in.Name == "database" {
				return st, in
			}
		}
		t.Fatal("no database input")
		return st, actions.Input{}
	}
	t.Run("skipped", func(t *testing.T) {
		t.Setenv(LocalPostgresEnv, "")
		st, in := step(t)
		if st.If != "false" || !strings.Contains(st.SkipReason(), "the local sandbox has no PostgreSQL server (set GANTRY_LOCAL_POSTGRES") ||
			!strings.Contains(in.Help, "GANTRY_LOCAL_POSTGRES") {
			t.Fatalf("step %+v, input help %q", st, in.Help)
		}
	})
	t.Run("run", func(t *testing.T) {
		testdb.NeedPostgres(t)
		t.Setenv(LocalPostgresEnv, os.Getenv(testdb.PostgresEnv))
		st, in := step(t)
		if st.If != "inputs.database" || strings.Contains(in.Help, LocalPostgresEnv) {
			t.Fatalf("step %+v, input help %q", st, in.Help)
		}
	})
}

// TestLocalRollback: /rollback works in the sandbox: a service's owner
// asks, a platform engineer approves, and the deploy workflow dispatched
// on the GitHub sandbox runs to success, so the run is done.
func TestLocalRollback(t *testing.T) {
	t.Setenv(LocalPostgresEnv, "")
	cfg := localConfig(t, "sqlite:"+filepath.Join(t.TempDir(), "gantry.db"))
	base, _, stop := serveLocally(t, cfg, LocalAuto)
	defer stop()
	var ws localWorkspace
	apiGet(t, base+"api/workspace?as=U0PAY0001", &ws)
	general, platform := ws.channel(t, "general"), ws.channel(t, "team-platform")
	const priya, alice = "U0PAY0001", "U0PLT0001"
	if code := apiPost(t, base+"api/command", `{"as":"`+priya+`","channel":"`+general+`","command":"/rollback","text":""}`, nil); code != 200 {
		t.Fatalf("/rollback: %d", code)
	}
	var views struct{ Modals []struct{ ID string } }
	for deadline := time.Now().Add(10 * time.Second); len(views.Modals) == 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the /rollback form did not open")
		}
		apiGet(t, base+"api/views?as="+priya, &views)
	}
	var sub struct {
		OK     bool
		Errors map[string]string
	}
	state := `{"service":{"v":"component:default/checkout"},"version":{"v":"v1.4.2"},"reason":{"v":"The 1.5 release double-charges cards"}}`
	if code := apiPost(t, base+"api/submit", `{"as":"`+priya+`","view_id":"`+views.Modals[0].ID+`","state":`+state+`}`, &sub); code != 200 || !sub.OK || len(sub.Errors) > 0 {
		t.Fatalf("submit: %d %+v", code, sub)
	}
	waitText(t, base, platform, "asks to run Roll back a service")
	var msgs struct {
		Messages []struct {
			TS     string
			Text   string
			Blocks json.RawMessage
		}
	}
	apiGet(t, base+"api/messages?as="+alice+"&channel="+platform, &msgs)
	var ts, run string
	for _, m := range msgs.Messages {
		if strings.Contains(m.Text, "Roll back a service") {
			ts = m.TS
			run = regexp.MustCompile(`run (R[A-Z0-9]+)`).FindStringSubmatch(m.Text)[1]
		}
	}
	if code := apiPost(t, base+"api/click", `{"as":"`+alice+`","channel":"`+platform+`","ts":"`+ts+`","action_id":"actions.approve","value":"`+run+`"}`, nil); code != 200 {
		t.Fatalf("approve: %d", code)
	}
	waitText(t, base, platform, ":tada: Done.")
	// The requester hears the outcome, linked to the workflow run.
	var dm struct{ DM string }
	apiGet(t, base+"api/workspace?as="+priya, &dm)
	waitText(t, base, dm.DM, "checkout is back on v1.4.2")
	waitText(t, base, dm.DM, "/actions/runs/")
}
