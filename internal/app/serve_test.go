package app

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/config"
)

// TestServe starts the server on a free port over the example catalog and
// checks health, readiness after the first sync, and metrics.
func TestServe(t *testing.T) {
	cfg := config.Defaults()
	cfg.Dir = t.TempDir()
	cfg.Database = "sqlite:" + filepath.Join(cfg.Dir, "gantry.db")
	cfg.Server.Listen = "127.0.0.1:0"
	examples, _ := filepath.Abs("../../examples/catalog/all.yaml")
	cfg.Catalog.Sources = []config.Source{{Name: "examples", Type: "file", Path: examples}}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := Open(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()

	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ServeOptions{Out: pw}); pw.Close() }()
	lines := bufio.NewScanner(pr)
	if !lines.Scan() {
		t.Fatalf("no output: %v", <-done)
	}
	base := regexp.MustCompile(`http://[0-9.:]+/`).FindString(lines.Text())
	if base == "" {
		t.Fatalf("first line does not give the URL: %q", lines.Text())
	}
	get := func(path string) (int, string) {
		resp, err := http.Get(base + strings.TrimPrefix(path, "/"))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, body := get("/healthz"); code != 200 || !strings.Contains(body, "ok") {
		t.Errorf("healthz: %d %q", code, body)
	}
	if !lines.Scan() || !strings.HasPrefix(lines.Text(), "Catalog synced") { // the first sync has finished
		t.Fatalf("second line: %q", lines.Text())
	}
	go io.Copy(io.Discard, pr)
	if code, body := get("/readyz"); code != 200 || !strings.Contains(body, `"ready":true`) {
		t.Errorf("readyz after sync: %d %s", code, body)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, body := get("/metrics")
		if strings.Contains(body, "gantry_catalog_entities 82") && strings.Contains(body, `gantry_catalog_syncs_total{source="examples"} 1`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics lack the sync:\n%s", body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve returned %v", err)
	}
}

// TestBrowseURL: the printed URL is one a browser on this machine opens,
// also for a server listening on every interface; and only loopback
// addresses count as local.
func TestBrowseURL(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:8080": "http://127.0.0.1:8080/",
		"0.0.0.0:8080":   "http://127.0.0.1:8080/",
		"[::]:9000":      "http://localhost:9000/",
		"[::1]:9000":     "http://[::1]:9000/",
		"10.1.2.3:80":    "http://10.1.2.3:80/",
	} {
		tcp, err := net.ResolveTCPAddr("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := browseURL(tcp); got != want {
			t.Errorf("browseURL(%s) = %s, want %s", addr, got, want)
		}
	}
	for listen, want := range map[string]bool{
		"127.0.0.1:8080": true, "localhost:8080": true, "[::1]:8080": true, "127.0.0.2:1": true,
		":8080": false, "0.0.0.0:8080": false, "10.0.0.1:8080": false, "example.com:80": false, "nonsense": false,
	} {
		if got := loopback(listen); got != want {
			t.Errorf("loopback(%q) = %v", listen, got)
		}
	}
}

// TestRunLocal is gantry serve in local mode: the URL is the first line,
// before the database is opened; information logs are held back while it
// starts (warnings pass); the first sync is the only one, and the metrics
// count it, for the example files and the GitHub sandbox alike.
func TestRunLocal(t *testing.T) {
	t.Setenv(LocalPostgresEnv, "")
	cfg := localConfig(t, "sqlite:"+filepath.Join(t.TempDir(), "gantry.db"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := &lockedWriter{w: &strings.Builder{}}
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := Run(ctx, cfg, ServeOptions{Out: pw, Logs: logs, Local: LocalAuto})
		pw.Close()
		done <- err
	}()
	lines := bufio.NewScanner(pr)
	var out []string
	for lines.Scan() {
		out = append(out, lines.Text())
		if strings.HasPrefix(lines.Text(), "Catalog synced") {
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if len(out) == 0 || !strings.HasPrefix(out[0], "Gantry is running: http://127.0.0.1:") || !strings.Contains(out[0], "local Slack sandbox") {
		t.Fatalf("first lines: %q (%v)", out, logs.w)
	}
	logs.mu.Lock()
	held := logs.w.(*strings.Builder).String()
	logs.mu.Unlock()
	if strings.Contains(held, "level=INFO") {
		t.Errorf("information logs during a local start:\n%s", held)
	}
	base := regexp.MustCompile(`http://[0-9.:]+/`).FindString(out[0])
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(base + "metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := string(body)
		if strings.Contains(m, `gantry_catalog_syncs_total{source="examples"} 1`) &&
			strings.Contains(m, `gantry_catalog_syncs_total{source="`+LocalGitHubSource+`"} 1`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the metrics do not count the first sync once:\n%s", m)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
}
