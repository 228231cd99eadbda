package app

import (
	"bufio"
	"context"
	"io"
	"log/slog"
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
