package app

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/config"
	"github.com/gantryhq/gantry/internal/errkind"
	"github.com/gantryhq/gantry/internal/slackfake"
)

// exampleConfig is the example catalog in a fresh SQLite file, served on
// a free port.
func exampleConfig(t *testing.T) config.Config {
	t.Helper()
	cfg := config.Defaults()
	cfg.Dir = t.TempDir()
	cfg.Database = "sqlite:" + filepath.Join(cfg.Dir, "gantry.db")
	cfg.Server.Listen = "127.0.0.1:0"
	examples, _ := filepath.Abs("../../examples/catalog/all.yaml")
	cfg.Catalog.Sources = []config.Source{{Name: "examples", Type: "file", Path: examples}}
	return cfg
}

// slackWorkspace is a fake Slack with two of the example's people in it.
func slackWorkspace(t *testing.T) (*slackfake.Server, slackfake.User, slackfake.User, slackfake.Channel) {
	t.Helper()
	fake := slackfake.NewServer(t, slackfake.Options{})
	priya := fake.AddUser(slackfake.User{ID: "U0PAY0001", Name: "priya", RealName: "Priya Raman", Email: "priya@bramble.example"})
	alice := fake.AddUser(slackfake.User{ID: "U0PLT0001", Name: "alice", RealName: "Alice Nakamura", Email: "alice@bramble.example"})
	return fake, priya, alice, fake.AddChannel("general")
}

// served runs Serve and returns its base URL once the first sync is done.
type served struct {
	base string
	done chan error
	logs *lockedWriter
}

func serve(t *testing.T, ctx context.Context, cfg config.Config) (*served, error) {
	t.Helper()
	logs := &lockedWriter{w: &strings.Builder{}}
	a, err := Open(ctx, cfg, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	pr, pw := io.Pipe()
	s := &served{done: make(chan error, 1), logs: logs}
	go func() { err := a.Serve(ctx, ServeOptions{Out: pw}); pw.Close(); s.done <- err }()
	lines := bufio.NewScanner(pr)
	if !lines.Scan() {
		return nil, <-s.done
	}
	s.base = regexp.MustCompile(`http://[0-9.:]+/`).FindString(lines.Text())
	for lines.Scan() && !strings.HasPrefix(lines.Text(), "Catalog synced") {
	}
	go io.Copy(io.Discard, pr)
	return s, nil
}

// lockedWriter serialises writes to a builder the test reads at the end.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func readyz(t *testing.T, base string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(base + "readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

func TestServeAnswersInSlack(t *testing.T) {
	fake, priya, alice, general := slackWorkspace(t)
	cfg := exampleConfig(t)
	cfg.Slack = config.Slack{AppToken: fake.AppToken(), BotToken: fake.BotToken(), APIURL: fake.APIURL(), AdminGroup: "group:default/platform"}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := serve(t, ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := fake.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}
	// Ready: the socket is connected and the database answers.
	code, body := readyz(t, s.base)
	checks, _ := body["checks"].(map[string]any)
	if code != 200 || checks["slack"] != "ok" || checks["database"] != "ok" {
		t.Fatalf("readyz: %d %v", code, body)
	}

	ask := func(user slackfake.User, command, text string) string {
		t.Helper()
		mark := fake.Mark()
		d, err := fake.SlashCommand(ctx, user.ID, general.ID, command, text)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		ev, err := fake.WaitSince(ctx, mark, slackfake.IsEphemeral(user.ID))
		if err != nil {
			t.Fatal(err)
		}
		return ev.Message.Text + string(ev.Message.Blocks)
	}
	if got := ask(priya, "/whoowns", "checkout"); !strings.Contains(got, "#team-payments") {
		t.Errorf("/whoowns checkout: %s", got)
	}
	// /gantry sync is wired, for admins only.
	if got := ask(priya, "/gantry", "sync"); !strings.Contains(got, "for members of platform") {
		t.Errorf("/gantry sync as priya: %s", got)
	}
	if got := ask(alice, "/gantry", "sync examples"); !strings.Contains(got, "Syncing source examples now") {
		t.Errorf("/gantry sync as alice: %s", got)
	}

	// Slack metrics are on /metrics.
	resp, err := http.Get(s.base + "metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`gantry_slack_envelopes_total{kind="/whoowns",type="slash_commands"} 1`, "gantry_slack_ack_latency_seconds_count",
		`gantry_slack_api_calls_total{method="auth.test",status="ok"} 1`, "gantry_slack_connected 1", "gantry_slack_reconnects_total 0"} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("metrics lack %q", want)
		}
	}

	cancel()
	if err := <-s.done; err != nil {
		t.Errorf("serve: %v", err)
	}
}

func TestServeWithoutSlack(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := serve(t, ctx, exampleConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	code, body := readyz(t, s.base)
	checks, _ := body["checks"].(map[string]any)
	if _, has := checks["slack"]; code != 200 || has {
		t.Errorf("readyz without Slack: %d %v", code, body)
	}
	cancel()
	if err := <-s.done; err != nil {
		t.Errorf("serve: %v", err)
	}
	s.logs.mu.Lock()
	logs := s.logs.w.(*strings.Builder).String()
	s.logs.mu.Unlock()
	if !strings.Contains(logs, "Slack is not connected: set SLACK_APP_TOKEN") {
		t.Errorf("no hint on how to connect Slack in the logs:\n%s", logs)
	}
}

func TestServeRefusesBadTokens(t *testing.T) {
	fake, _, _, _ := slackWorkspace(t)
	cfg := exampleConfig(t)
	cfg.Slack = config.Slack{AppToken: "xapp-1-revoked", BotToken: fake.BotToken(), APIURL: fake.APIURL()}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, err := serve(t, ctx, cfg)
	if !errkind.Is(err, errkind.Invalid) || !strings.Contains(err.Error(), "SLACK_APP_TOKEN") || !strings.Contains(err.Error(), "invalid_auth") {
		t.Fatalf("serve with a bad app token: %v", err)
	}
}

// buildGantry builds the gantry binary, or skips the test when it cannot
// be built here.
func buildGantry(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the gantry binary: not in -short")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool to build the binary with")
	}
	bin := filepath.Join(t.TempDir(), "gantry")
	cmd := exec.Command(goBin, "build", "-tags", "sqlite_fts5", "-o", bin, "../../cmd/gantry")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("cannot build gantry here: %v\n%s", err, out)
	}
	return bin
}

func writeConfig(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	examples, _ := filepath.Abs("../../examples/catalog/all.yaml")
	yaml := "database: sqlite:" + filepath.Join(dir, "gantry.db") + "\nserver:\n  listen: 127.0.0.1:0\ncatalog:\n  sources:\n    - name: examples\n      type: file\n      path: " + examples + "\n"
	path := filepath.Join(dir, "gantry.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestGantryServeBinary runs the real binary against a fake Slack: a bad
// token ends it with exit status 2 and a sentence naming the token; good
// tokens connect, and the resident memory of the idle bot with the example
// catalog is measured (and logged, not asserted).
func TestGantryServeBinary(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc for resident memory")
	}
	bin := buildGantry(t)
	fake, priya, _, general := slackWorkspace(t)
	cfgPath := writeConfig(t)
	env := func(app, botToken string) []string {
		return append(os.Environ(), "SLACK_APP_TOKEN="+app, "SLACK_BOT_TOKEN="+botToken, "SLACK_API_URL="+fake.APIURL())
	}

	t.Run("bad token", func(t *testing.T) {
		cmd := exec.Command(bin, "serve", "--config", cfgPath)
		cmd.Env = env(fake.AppToken(), "xoxb-wrong")
		out, err := cmd.CombinedOutput()
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.ExitCode() != 2 {
			t.Fatalf("exit: %v\n%s", err, out)
		}
		if !strings.Contains(string(out), "SLACK_BOT_TOKEN") || !strings.Contains(string(out), "invalid_auth") || strings.Contains(string(out), "Gantry is running") {
			t.Errorf("output does not explain the bad token:\n%s", out)
		}
	})

	t.Run("idle resident memory", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, "serve", "--config", cfgPath)
		cmd.Env = env(fake.AppToken(), fake.BotToken())
		stdout, _ := cmd.StdoutPipe()
		cmd.Stderr = io.Discard
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = cmd.Process.Signal(os.Interrupt); _ = cmd.Wait() }()
		lines := bufio.NewScanner(stdout)
		for lines.Scan() && !strings.HasPrefix(lines.Text(), "Catalog synced") {
		}
		go io.Copy(io.Discard, stdout)
		if err := fake.WaitConnected(ctx, 1); err != nil {
			t.Fatal(err)
		}
		mark := fake.Mark()
		d, err := fake.SlashCommand(ctx, priya.ID, general.ID, "/whoowns", "checkout")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := fake.WaitSince(ctx, mark, slackfake.IsEphemeral(priya.ID)); err != nil {
			t.Fatal(err)
		}
		rss, hwm := procMemory(t, cmd.Process.Pid)
		t.Logf("gantry serve, connected to Slack, example catalog synced, after one /whoowns: RSS %.1f MB (peak %.1f MB)", rss, hwm)
	})
}

// procMemory reads VmRSS and VmHWM of a process, in MB.
func procMemory(t *testing.T, pid int) (rss, hwm float64) {
	t.Helper()
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb / 1024
		case "VmHWM:":
			hwm = kb / 1024
		}
	}
	return rss, hwm
}
