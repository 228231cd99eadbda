package ingest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/catalog/ingest"
	"github.com/gantryhq/gantry/internal/ghclient"
	"github.com/gantryhq/gantry/internal/githubfake"
	"github.com/gantryhq/gantry/store"
)

// deleteCounting is countingState that counts forgotten facts too.
type deleteCounting struct{ *countingState }

func (d deleteCounting) DeleteFacts(ctx context.Context, ref, provider string) error {
	d.add("delete facts")
	return d.DB.DeleteFacts(ctx, ref, provider)
}

// declared is a Component of the file source, with a project slug unless
// slug is "".
func declared(name, slug string) string {
	s := "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: " + name + "\n"
	if slug != "" {
		s += "  annotations:\n    github.com/project-slug: " + slug + "\n"
	}
	return s + "spec:\n  type: service\n  lifecycle: production\n  owner: group:default/payments\n"
}

// TestGitHubFactsReachEntitiesDeclaredElsewhere: a company declares its
// services in a file source, naming their repositories by
// github.com/project-slug; the github source's facts reach them, follow
// the slug when it moves, and cost no write when nothing changed.
func TestGitHubFactsReachEntitiesDeclaredElsewhere(t *testing.T) {
	onEngines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := &ghClock{t: time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)}
		day := func(n int) time.Time { return time.Date(2025, 5, n, 12, 0, 0, 0, time.UTC) }
		protected := []githubfake.Branch{{Name: "main", Protection: &githubfake.Protection{
			RequiredPullRequestReviews: &githubfake.ReviewRules{RequiredApprovingReviewCount: 1}}}}
		fake, err := githubfake.New(&githubfake.Fixture{
			Tokens: []githubfake.Token{{Token: ghToken}},
			Orgs:   []githubfake.Org{{Login: "acme"}},
			Repos: []githubfake.Repo{
				{Owner: "acme", Name: "payments", PushedAt: day(20), Branches: protected,
					Files: map[string]string{"README.md": "# payments\n"}},
				{Owner: "acme", Name: "search", PushedAt: day(30), Files: map[string]string{"SECURITY.md": "mail us\n"}},
				{Owner: "acme", Name: "ledger", PushedAt: day(1), Files: map[string]string{"x.go": "package x\n"}},
			},
		}, githubfake.WithClock(clock.Now))
		if err != nil {
			t.Fatal(err)
		}
		if err := fake.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = fake.Close() })
		gh, err := ghclient.New(ghclient.Config{BaseURL: fake.URL() + "/api/v3/", Token: ghToken, Now: clock.Now, Sleep: clock.Sleep, PerMinute: -1})
		if err != nil {
			t.Fatal(err)
		}
		state := deleteCounting{&countingState{DB: db, writes: map[string]int{}}}
		src := ingest.NewGitHubSource("acme-github", gh.Client, state, state, db, ingest.GitHubOptions{Org: "acme", Infer: true, Now: clock.Now})
		dir := t.TempDir()
		files := ingest.NewDirSource("files", dir, "")
		syncer := ingest.NewSyncer(db, nil)
		sync := func(descriptors map[string]string) {
			t.Helper()
			for name, body := range descriptors {
				path := filepath.Join(dir, name, "catalog-info.yaml")
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for _, s := range []ingest.Source{files, src} {
				if res, err := syncer.Sync(ctx, s); err != nil || len(res.Problems) > 0 {
					t.Fatalf("sync %s: %v %s", s.Name(), err, problems(res))
				}
			}
		}
		// repoOf says which repository's facts an entity holds ("" for none).
		repoOf := func(ref string) string {
			t.Helper()
			facts, err := db.Facts(ctx, ref)
			if err != nil {
				t.Fatal(err)
			}
			if gh, ok := facts["github"]; ok {
				return fmt.Sprint(gh.Facts["repo"])
			}
			return ""
		}
		expect := func(when string, want map[string]string) {
			t.Helper()
			for ref, repo := range want {
				if got := repoOf(ref); got != repo {
					t.Errorf("%s: %s has the facts of %q, want %q", when, ref, got, repo)
				}
			}
		}

		// checkout names payments by its slug (another spelling), search has
		// no slug but takes the ref the search repository would be inferred
		// under, ledger takes ledger's ref but its slug names another
		// repository.
		sync(map[string]string{
			"checkout": declared("checkout", "Acme/Payments"),
			"search":   declared("search", ""),
			"ledger":   declared("ledger", "acme/ledger-v2"),
		})
		expect("first sync", map[string]string{
			"component:default/checkout": "acme/payments",
			"component:default/payments": "acme/payments", // the inferred one
			"component:default/search":   "acme/search",
			"component:default/ledger":   "",
		})
		facts, _ := db.Facts(ctx, "component:default/checkout")
		if f := facts["github"].Facts; f["has_readme"] != true || f["branch_protected"] != true || f["required_reviews"] != float64(1) {
			t.Errorf("checkout's facts: %v", f)
		}
		if e, _ := db.Entity(ctx, catalog.MustParseRef("component:default/search")); e.Origin.Source != "files" {
			t.Errorf("search is from %s", e.Origin.Source)
		}

		// Nothing changed: one conditional list call, no write.
		fake.ResetCalls()
		state.reset()
		sync(nil)
		if c := fake.Calls(); c.Total != 1 || c.Route(routeList).NotModified != 1 {
			t.Errorf("re-sync calls: %+v", c.Routes)
		}
		if n := state.total(); n != 0 {
			t.Errorf("re-sync with nothing changed wrote %v", state.writes)
		}

		// checkout's slug moves to search (read before payments, which let
		// it go): it holds search's facts, with no call to GitHub.
		fake.ResetCalls()
		sync(map[string]string{"checkout": declared("checkout", "acme/search")})
		expect("slug moved", map[string]string{
			"component:default/checkout": "acme/search",
			"component:default/payments": "acme/payments",
			"component:default/search":   "acme/search",
		})
		if c := fake.Calls(); c.Total != 1 {
			t.Errorf("slug moved: %+v", c.Routes)
		}
		// ... to a repository the source does not read, then away for good:
		// its facts are forgotten.
		sync(map[string]string{"checkout": declared("checkout", "other/payments")})
		expect("slug elsewhere", map[string]string{"component:default/checkout": "", "component:default/search": "acme/search"})
		sync(map[string]string{"checkout": declared("checkout", "acme/payments"), "ledger": declared("ledger", "")})
		expect("slug back", map[string]string{"component:default/checkout": "acme/payments", "component:default/ledger": "acme/ledger"})
		sync(map[string]string{"checkout": declared("checkout", "")})
		expect("slug gone", map[string]string{"component:default/checkout": "", "component:default/payments": "acme/payments"})
		state.reset()
		sync(nil)
		if n := state.total(); n != 0 {
			t.Errorf("re-sync after the moves wrote %v", state.writes)
		}

		// payments declares itself: its inferred entity (slug and all) is
		// removed by this sync, so the facts leave it at once, and the next
		// sync writes nothing.
		if _, err := fake.PushFiles("acme", "payments", "main", map[string]string{"catalog-info.yaml": declared("payments-core", "")}, nil); err != nil {
			t.Fatal(err)
		}
		sync(nil)
		expect("payments declares itself", map[string]string{"component:default/payments-core": "acme/payments", "component:default/payments": ""})
		state.reset()
		sync(nil)
		if n := state.total(); n != 0 {
			t.Errorf("re-sync after payments declared itself wrote %v", state.writes)
		}
	})
}
