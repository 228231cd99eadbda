package app

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/catalog/ingest"
	"github.com/gantryhq/gantry/internal/config"
	"github.com/gantryhq/gantry/internal/errkind"
	"github.com/gantryhq/gantry/internal/githubfake"
)

func githubApp(t *testing.T) (*App, *githubfake.Server) {
	t.Helper()
	fake, err := githubfake.New(&githubfake.Fixture{
		Orgs: []githubfake.Org{{Login: "acme"}},
		Repos: []githubfake.Repo{
			{Owner: "acme", Name: "billing", CODEOWNERS: "* @acme/payments\n"},
			{Owner: "acme", Name: "checkout", Files: map[string]string{"catalog-info.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: checkout\nspec:\n  type: service\n  lifecycle: production\n  owner: group:default/payments\n"}},
		},
		Tokens: []githubfake.Token{{Token: "ghp_test"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := fake.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fake.Close() })
	cfg, err := config.Parse(filepath.Join(t.TempDir(), "gantry.yaml"), []byte(`
database: sqlite:gantry.db
github:
  base_url: `+fake.URL()+`/api/v3/
  token_env: ACME_TOKEN
catalog:
  sources:
    - name: acme-github
      type: github
      org: acme
`))
	if err != nil {
		t.Fatal(err)
	}
	cfg.ApplyEnv(func(k string) string {
		if k == "ACME_TOKEN" {
			return "ghp_test"
		}
		return ""
	})
	a, err := Open(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a, fake
}

func TestGitHubSourceWiring(t *testing.T) {
	a, _ := githubApp(t)
	ctx := context.Background()
	results, err := a.Sync(ctx, "")
	if err != nil || len(results) != 1 || results[0].Added != 2 {
		t.Fatalf("sync: %+v, %v", results, err)
	}
	ans, err := a.Catalog.WhoOwns(ctx, "billing")
	if err != nil || len(ans.Matches) != 1 || ans.Matches[0].Provenance != "inferred from CODEOWNERS" {
		t.Fatalf("whoowns billing: %+v, %v", ans, err)
	}
	if f, _ := a.DB.Facts(ctx, "component:default/checkout"); f["github"].Facts["repo"] != "acme/checkout" {
		t.Errorf("facts: %v", f)
	}
}

func TestStartSyncRunsOnceAtATime(t *testing.T) {
	a, fake := githubApp(t)
	fake.SetLatency("", 100*time.Millisecond)
	done := make(chan string, 1)
	if err := a.StartSync(context.Background(), "", func(r []ingest.Result, err error) { done <- SyncSummary(r, err) }); err != nil {
		t.Fatal(err)
	}
	if err := a.StartSync(context.Background(), "acme-github", nil); !errors.Is(err, errkind.Conflict) {
		t.Errorf("second sync while one runs: %v", err)
	}
	if err := a.StartSync(context.Background(), "nope", nil); !errors.Is(err, errkind.NotFound) {
		t.Errorf("unknown source: %v", err)
	}
	select {
	case s := <-done:
		if !strings.Contains(s, "acme-github: 2 added") {
			t.Errorf("summary %q", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the sync did not finish")
	}
	fake.SetLatency("", 0)
	// Once done, another may start.
	again := make(chan struct{})
	if err := a.StartSync(context.Background(), "acme-github", func([]ingest.Result, error) { close(again) }); err != nil {
		t.Fatalf("after the first ended: %v", err)
	}
	select {
	case <-again:
	case <-time.After(10 * time.Second):
		t.Fatal("the second sync did not finish")
	}
}

func TestAdoptThroughTheApp(t *testing.T) {
	a, fake := githubApp(t)
	ad, err := a.Adopt(context.Background(), "acme/billing")
	if err != nil || !ad.Created {
		t.Fatalf("adopt: %+v, %v", ad, err)
	}
	if len(fake.Pulls("acme", "billing")) != 1 {
		t.Error("no pull request")
	}
	if _, err := a.Adopt(context.Background(), "other/x"); !errors.Is(err, errkind.NotFound) {
		t.Errorf("unknown org: %v", err)
	}
}

func TestGitHubSourceWithoutCredentialsFailsClearly(t *testing.T) {
	a, _ := githubApp(t)
	a.Config.GitHub.Token = ""
	a.gh = githubDeps{}
	_, err := a.Sync(context.Background(), "acme-github")
	if !errors.Is(err, errkind.Invalid) || !strings.Contains(err.Error(), "$ACME_TOKEN") {
		t.Errorf("err = %v", err)
	}
}

// TestTwoServesOnOneSQLiteFileSyncOnce: a second process on the same SQLite
// file (here a second App) does not sync a source while the first holds
// its lease, and may once it is released.
func TestTwoServesOnOneSQLiteFileSyncOnce(t *testing.T) {
	a, fake := githubApp(t)
	b, err := Open(context.Background(), a.Config, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	ctx := context.Background()
	release, ok, err := b.DB.TryLockSync(ctx, "acme-github") // b is syncing
	if err != nil || !ok {
		t.Fatalf("lock: %v %v", ok, err)
	}
	if _, err := a.Sync(ctx, "acme-github"); !errors.Is(err, errkind.Conflict) {
		t.Errorf("sync while the other process syncs: %v", err)
	}
	if c := fake.Calls(); c.Total != 0 {
		t.Errorf("GitHub was asked %d times", c.Total)
	}
	release()
	if results, err := a.Sync(ctx, "acme-github"); err != nil || len(results) != 1 || results[0].Added != 2 {
		t.Errorf("sync after the release: %+v, %v", results, err)
	}
}

// TestSyncOrderGitHubLast: github sources sync after the others, which
// declare the entities their repositories' facts go to (by slug).
func TestSyncOrderGitHubLast(t *testing.T) {
	gh := ingest.NewGitHubSource("org", nil, nil, nil, nil, ingest.GitHubOptions{Org: "acme"})
	files := ingest.NewFileSource("files", "catalog-info.yaml")
	dir := ingest.NewDirSource("dir", ".", "")
	var names []string
	for _, src := range syncOrder([]ingest.Source{gh, files, dir}) {
		names = append(names, src.Name())
	}
	if strings.Join(names, ",") != "files,dir,org" {
		t.Fatalf("sync order: %v", names)
	}
}
