package ingest_test

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/catalog/ingest"
	"github.com/gantryhq/gantry/internal/errkind"
	"github.com/gantryhq/gantry/internal/ghclient"
	"github.com/gantryhq/gantry/internal/githubfake"
)

const checkoutDescriptor = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout
  description:
    $text: ./docs/summary.txt
spec:
  type: service
  lifecycle: production
  owner: group:default/payments
  providesApis: [payments-api]
---
apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: checkout-apis
spec:
  targets: ["./apis/*.yaml"]
`

const paymentsAPI = `apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: payments-api
spec:
  type: openapi
  lifecycle: production
  owner: group:default/payments
  definition: "openapi: 3.0.0"
`

// acmeFixture is an organization with one repository of each kind the
// source must handle.
func acmeFixture() *githubfake.Fixture {
	day := func(n int) time.Time { return time.Date(2025, 5, n, 12, 0, 0, 0, time.UTC) }
	return &githubfake.Fixture{
		Orgs: []githubfake.Org{{Login: "acme", Teams: []githubfake.Team{
			{Slug: "payments", Members: []string{"alice"}, Repos: map[string]string{"checkout": "admin", "billing": "push"}},
			{Slug: "core", Members: []string{"bob"}, Repos: map[string]string{"ledger": "admin", "search": "push"}},
			{Slug: "readers", Repos: map[string]string{"ledger": "pull"}},
		}}},
		Repos: []githubfake.Repo{
			{Owner: "acme", Name: "checkout", Description: "Takes the money", Language: "Go", PushedAt: day(20),
				Files: map[string]string{
					"catalog-info.yaml":        checkoutDescriptor,
					"docs/summary.txt":         "Checkout: carts to orders",
					"apis/payments.yaml":       paymentsAPI,
					"README.md":                "# checkout\n",
					"SECURITY.md":              "report to security@acme.dev\n",
					".github/dependabot.yml":   "version: 2\n",
					".github/workflows/ci.yml": "name: ci\non: push\njobs: {}\n",
				},
				Branches: []githubfake.Branch{{Name: "main", Protection: &githubfake.Protection{
					RequiredPullRequestReviews: &githubfake.ReviewRules{RequiredApprovingReviewCount: 2},
					RequiredStatusChecks:       &githubfake.StatusChecks{Strict: true, Contexts: []string{"ci"}},
				}}, {Name: "feature", Commits: []githubfake.Commit{{Files: map[string]string{"x.txt": "x"}}}}},
				Pulls: []githubfake.Pull{{Title: "Faster", Head: "feature", Base: "main", CreatedAt: day(10)},
					{Title: "Later", Head: "feature", Base: "main", CreatedAt: day(25)}},
				Runs: []githubfake.Run{{Workflow: ".github/workflows/ci.yml", Conclusion: "failure", CreatedAt: day(20)}},
			},
			{Owner: "acme", Name: "billing", Description: "Invoices", Topics: []string{"team-finance", "invoicing"},
				CODEOWNERS: "# billing\n*   @acme/payments @carol\n/docs/ @acme/writers\n",
				Files:      map[string]string{"README.md": "billing\n"}},
			{Owner: "acme", Name: "search", Description: "Finds things", Language: "C++", Homepage: "search.acme.dev",
				Topics: []string{"team-discovery", "full-text"}, Files: map[string]string{"main.cc": "int main(){}\n"}},
			{Owner: "acme", Name: "ledger", Files: map[string]string{"ledger.go": "package ledger\n"}},
			{Owner: "acme", Name: "orphan", Files: map[string]string{"x": "y"}},
			{Owner: "acme", Name: "old", Archived: true, Files: map[string]string{"catalog-info.yaml": strings.Replace(paymentsAPI, "payments-api", "old-api", 1)}},
			{Owner: "acme", Name: "empty"},
			{Owner: "acme", Name: "broken", Files: map[string]string{"catalog-info.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: [oops\n"}},
		},
	}
}

func TestGitHubSourceReadsDeclaredAndInferred(t *testing.T) {
	e := newGHEnv(t, acmeFixture(), ingest.GitHubOptions{Infer: true})
	res := e.sync()
	want := []string{
		"api:default/payments-api", "component:default/billing", "component:default/checkout",
		"component:default/empty", "component:default/ledger", "component:default/orphan",
		"component:default/search", "location:default/checkout-apis",
	}
	if got := e.refs(); !slices.Equal(got, want) {
		t.Errorf("refs = %v\nwant %v", got, want)
	}
	// The malformed descriptor is reported as org/repo:path:line, and did
	// not stop the organization.
	if p := problems(res); !strings.Contains(p, "acme/broken:catalog-info.yaml:4: ") || len(res.Problems) != 1 {
		t.Errorf("problems:\n%s", p)
	}

	checkout := e.entity("component:default/checkout")
	if checkout.Metadata.Description != "Checkout: carts to orders" || checkout.Origin.File != "acme/checkout:catalog-info.yaml" ||
		checkout.Annotation(catalog.AnnotationManagedByLocation) != "url:https://github.com/acme/checkout/blob/main/catalog-info.yaml" {
		t.Errorf("checkout = %+v / %+v", checkout.Metadata, checkout.Origin)
	}
	api := e.entity("api:default/payments-api")
	if api.Origin.File != "acme/checkout:apis/payments.yaml" || api.Origin.OriginLocation != "url:https://github.com/acme/checkout/blob/main/catalog-info.yaml" {
		t.Errorf("api origin = %+v", api.Origin)
	}

	for _, tc := range []struct{ ref, owner, from string }{
		{"component:default/billing", "group:default/payments", "CODEOWNERS"},
		{"component:default/search", "group:default/discovery", "topic team-discovery"},
		{"component:default/ledger", "group:default/core", "admin team"},
		{"component:default/orphan", "", "the repository (no CODEOWNERS, team-* topic or admin team names an owner)"},
	} {
		got := e.entity(tc.ref)
		if got == nil || got.SpecString("owner") != tc.owner || got.Annotation(catalog.AnnotationInferredFrom) != tc.from ||
			got.Annotation(catalog.AnnotationInferred) != "true" {
			t.Errorf("%s: owner %q from %q", tc.ref, got.SpecString("owner"), got.Annotation(catalog.AnnotationInferredFrom))
		}
	}
	search := e.entity("component:default/search")
	if !slices.Equal(search.Metadata.Tags, []string{"team-discovery", "full-text", "c++"}) ||
		search.Annotation(catalog.AnnotationProjectSlug) != "acme/search" ||
		search.Annotation(catalog.AnnotationSourceLocation) != "url:https://github.com/acme/search/tree/main/" ||
		len(search.Metadata.Links) != 2 || search.Metadata.Links[0].URL != "https://search.acme.dev" ||
		search.Metadata.Description != "Finds things" {
		t.Errorf("search = %+v", search.Metadata)
	}
}

func TestWhoOwnsAnswersForARepositoryWithoutDescriptor(t *testing.T) {
	e := newGHEnv(t, acmeFixture(), ingest.GitHubOptions{Infer: true})
	e.sync()
	for _, q := range []string{"billing", "acme/billing", "https://github.com/acme/billing"} {
		ans, err := e.cat.WhoOwns(e.ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(ans.Matches) != 1 {
			t.Fatalf("%s: %d matches", q, len(ans.Matches))
		}
		m := ans.Matches[0]
		if m.Owner == nil || m.Owner.Ref != "group:default/payments" || m.Provenance != "inferred from CODEOWNERS" || !m.Inferred || m.Repo != "acme/billing" {
			t.Errorf("%s: owner %+v, provenance %q, repo %q", q, m.Owner, m.Provenance, m.Repo)
		}
	}
	ans, _ := e.cat.WhoOwns(e.ctx, "checkout")
	if m := ans.Matches[0]; m.Provenance != "declared in acme/checkout:catalog-info.yaml" || m.Inferred {
		t.Errorf("checkout provenance %q", m.Provenance)
	}
}

func TestGitHubResyncWithNothingChangedCostsOnlyConditionalListCalls(t *testing.T) {
	e := newGHEnv(t, acmeFixture(), ingest.GitHubOptions{Infer: true})
	e.sync()
	e.calls()
	e.state.reset()
	res := e.sync()
	c := e.calls()
	if c.Total != 1 || c.Route(routeList).NotModified != 1 || c.Charged != 0 {
		t.Errorf("re-sync calls = %+v (charged %d), want one 304", c.Routes, c.Charged)
	}
	if res.Changed() || res.Skipped != res.Files-1 || e.state.total() != 0 {
		// The broken descriptor is read again (from the stored blob).
		t.Errorf("re-sync: %+v, state writes %v", res, e.state.writes)
	}
}

func TestGitHubChangesBetweenSyncs(t *testing.T) {
	e := newGHEnv(t, acmeFixture(), ingest.GitHubOptions{Infer: true})
	e.sync()
	e.calls()
	e.clock.Advance(time.Hour)
	// A push changing only the API file: one tree and one blob.
	if _, err := e.fake.PushFiles("acme", "checkout", "main", map[string]string{"apis/payments.yaml": strings.Replace(paymentsAPI, "openapi: 3.0.0", "openapi: 3.1.0", 1)}, nil); err != nil {
		t.Fatal(err)
	}
	res := e.sync()
	c := e.calls()
	if c.Route(routeTree).OK != 1 || c.Route(routeBlob).OK != 1 || res.Updated != 1 {
		t.Errorf("after a push: calls %+v, result %+v", c.Routes, res)
	}

	// Renamed and deleted repositories.
	if err := e.fake.RenameRepo("acme", "search", "search-svc"); err != nil {
		t.Fatal(err)
	}
	if err := e.fake.DeleteRepo("acme", "ledger"); err != nil {
		t.Fatal(err)
	}
	res = e.sync()
	refs := e.refs()
	if slices.Contains(refs, "component:default/search") || !slices.Contains(refs, "component:default/search-svc") ||
		slices.Contains(refs, "component:default/ledger") || res.Removed != 2 || res.Added != 1 {
		t.Errorf("after rename and delete: %v, result %+v", refs, res)
	}
	if f, _ := e.db.Facts(e.ctx, "component:default/ledger"); len(f) != 0 {
		t.Errorf("the deleted repository's facts are kept: %v", f)
	}
	if f, _ := e.db.Facts(e.ctx, "component:default/search-svc"); f["github"].Facts["repo"] != "acme/search-svc" {
		t.Errorf("renamed repository's facts: %v", f)
	}

	// A descriptor appears where an inferred entity was: the declaration
	// replaces it.
	if _, err := e.fake.PushFiles("acme", "orphan", "main", map[string]string{"catalog-info.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: orphan\nspec:\n  type: library\n  lifecycle: experimental\n  owner: group:default/core\n"}, nil); err != nil {
		t.Fatal(err)
	}
	e.sync()
	if o := e.entity("component:default/orphan"); o.Annotation(catalog.AnnotationInferred) != "" || o.SpecString("owner") != "group:default/core" {
		t.Errorf("orphan = %+v", o.Metadata.Annotations)
	}
}

func TestGitHubRenameDuringSyncFollowsTheRedirect(t *testing.T) {
	e := newGHEnv(t, acmeFixture(), ingest.GitHubOptions{Infer: true})
	e.sync()
	e.clock.Advance(time.Hour)
	if _, err := e.fake.PushFiles("acme", "checkout", "main", map[string]string{"README.md": "# new\n"}, nil); err != nil {
		t.Fatal(err)
	}
	e.calls()
	// The tree is asked for by the name the list gave; the repository is
	// renamed in between, and GitHub answers 301 to its new address.
	e.fake.SetLatency(routeList, 0)
	done := make(chan error, 1)
	go func() {
		// rename as soon as the list was answered
		for e.fake.Calls().Route(routeList).Total() == 0 {
			time.Sleep(time.Millisecond)
		}
		done <- e.fake.RenameRepo("acme", "checkout", "checkout-svc")
	}()
	e.fake.SetLatency(routeTree, 50*time.Millisecond)
	res := e.sync()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if e.entity("component:default/checkout") == nil || len(res.Problems) != 1 {
		t.Errorf("after a rename mid-sync: %v\n%s", e.refs(), problems(res))
	}
	if c := e.calls(); c.Route(routeTree).Redirected != 1 || c.Route("GET /repositories/{id}/git/trees/{sha}").OK != 1 {
		t.Errorf("the rename was not met: %+v", c.Routes)
	}
}

func TestGitHubInferredNeverReplacesDeclared(t *testing.T) {
	f := acmeFixture()
	// Another repository declares "billing"; the inferred one must yield.
	f.Repos = append(f.Repos, githubfake.Repo{Owner: "acme", Name: "zz-platform", Files: map[string]string{"catalog-info.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: billing\nspec:\n  type: service\n  lifecycle: production\n  owner: group:default/platform\n"}})
	e := newGHEnv(t, f, ingest.GitHubOptions{Infer: true})
	res := e.sync()
	b := e.entity("component:default/billing")
	if b.Annotation(catalog.AnnotationInferred) != "" || b.Origin.File != "acme/zz-platform:catalog-info.yaml" {
		t.Errorf("billing = %+v", b.Origin)
	}
	if strings.Contains(problems(res), "already defined") {
		t.Errorf("the inferred entity was offered anyway:\n%s", problems(res))
	}
	// Another source declares "orphan": the github source does not offer
	// its inferred one.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "catalog-info.yaml"), []byte("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: orphan\nspec:\n  type: service\n  lifecycle: production\n  owner: group:default/ops\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fresh := newGHEnv(t, acmeFixture(), ingest.GitHubOptions{Infer: true})
	if _, err := ingest.NewSyncer(fresh.db, nil).Sync(fresh.ctx, ingest.NewDirSource("files", dir, "")); err != nil {
		t.Fatal(err)
	}
	res = fresh.sync()
	if o := fresh.entity("component:default/orphan"); o.Origin.Source != "files" || strings.Contains(problems(res), "orphan") {
		t.Errorf("orphan from %s; problems:\n%s", o.Origin.Source, problems(res))
	}
}

func TestGitHubMissingPermissionNamesIt(t *testing.T) {
	f := acmeFixture()
	f.Tokens = []githubfake.Token{{Token: "meta", Permissions: map[string]string{"metadata": "read"}}}
	e := newGHEnv(t, f, ingest.GitHubOptions{Infer: true})
	_, err := e.syncer.Sync(e.ctx, e.src)
	var pe *ghclient.PermissionError
	if !errors.As(err, &pe) || pe.Permission != "contents=read" || !strings.Contains(err.Error(), `"Contents: read"`) || !errors.Is(err, errkind.Forbidden) {
		t.Fatalf("err = %v", err)
	}

	// Contents but no administration: the catalog syncs, branch
	// protection is unknown, and the missing permission is said once.
	f = acmeFixture()
	f.Tokens = []githubfake.Token{{Token: "contents", Permissions: map[string]string{"metadata": "read", "contents": "read", "pull_requests": "read", "actions": "read", "members": "read"}}}
	e = newGHEnv(t, f, ingest.GitHubOptions{Infer: true})
	res := e.sync()
	if n := notes(res); strings.Count(n, `lacks the "Administration: read" permission`) != 1 {
		t.Errorf("notes:\n%s", n)
	}
	// The branch says it is protected and which checks it requires (no
	// permission beyond contents needed); only the rule's required reviews
	// are unknown, and why.
	facts, _ := e.db.Facts(e.ctx, "component:default/checkout")
	gh := facts["github"].Facts
	if _, ok := gh["required_reviews"]; ok || gh["branch_protected"] != true ||
		gh["unknown"].(map[string]any)["required_reviews"] != "needs the administration=read permission" {
		t.Errorf("facts = %v", gh)
	}
	if checks, _ := gh["required_status_checks"].([]any); len(checks) != 1 || checks[0] != "ci" {
		t.Errorf("required checks from the branch = %v", gh["required_status_checks"])
	}
	if f, _ := e.db.Facts(e.ctx, "component:default/billing"); f["github"].Facts["branch_protected"] != false || f["github"].Facts["unknown"] != nil {
		t.Errorf("an unprotected branch's facts are all known: %v", f["github"].Facts)
	}
	// The refused rule is not asked again while the branch is unchanged:
	// after the TTL the refresh is all 304s, and the reason stays.
	e.calls()
	e.clock.Advance(25 * time.Hour)
	res = e.sync()
	c := e.calls()
	if c.Charged != 0 || c.Route(routeProtection).Total() != 0 || c.Route(routeBranch).NotModified != 6 {
		t.Errorf("refresh without the permission: %d charged, %+v", c.Charged, c.Routes)
	}
	facts, _ = e.db.Facts(e.ctx, "component:default/checkout")
	if u, _ := facts["github"].Facts["unknown"].(map[string]any); u["required_reviews"] != "needs the administration=read permission" ||
		!facts["github"].ReadAt.Equal(e.clock.Now()) || strings.Count(notes(res), "Administration: read") != 1 {
		t.Errorf("refreshed facts = %v\nnotes:\n%s", facts["github"].Facts, notes(res))
	}
}

// TestGitHubProtectionHiddenFromNonAdmins: GitHub answers a plain 404 Not
// Found, not "Branch not protected", to a token whose user is not an admin
// of the repository. That leaves required_reviews unknown, with the
// reason; it does not make the branch unprotected.
func TestGitHubProtectionHiddenFromNonAdmins(t *testing.T) {
	f := acmeFixture()
	f.Tokens = []githubfake.Token{{Token: "classic", Role: "write"}}
	e := newGHEnv(t, f, ingest.GitHubOptions{Infer: true})
	res := e.sync()
	c := e.calls()
	if p := c.Route(routeProtection); p.Total() != 1 || p.Errors != 1 {
		t.Errorf("protection calls: %+v", p)
	}
	facts, _ := e.db.Facts(e.ctx, "component:default/checkout")
	gh := facts["github"].Facts
	u, _ := gh["unknown"].(map[string]any)
	if gh["branch_protected"] != true || !strings.Contains(fmt.Sprint(u["required_reviews"]), "404 Not Found") ||
		!strings.Contains(fmt.Sprint(u["required_reviews"]), "admin rights") {
		t.Errorf("checkout facts = %v", gh)
	}
	if _, ok := gh["required_reviews"]; ok {
		t.Errorf("required_reviews is set though unknown: %v", gh)
	}
	if n := notes(res); strings.Count(n, "branch protection rules are not read") != 1 {
		t.Errorf("notes:\n%s", n)
	}
	for _, ref := range []string{"component:default/billing", "component:default/ledger"} {
		if f, _ := e.db.Facts(e.ctx, ref); f["github"].Facts["branch_protected"] != false || f["github"].Facts["unknown"] != nil {
			t.Errorf("%s: %v", ref, f["github"].Facts)
		}
	}
	// A push changes the branch: the rule is asked again (still hidden).
	e.clock.Advance(time.Hour)
	if _, err := e.fake.PushFiles("acme", "checkout", "main", map[string]string{"README.md": "# again\n"}, nil); err != nil {
		t.Fatal(err)
	}
	e.sync()
	if p := e.calls().Route(routeProtection); p.Total() != 1 {
		t.Errorf("after a push, protection calls: %+v", p)
	}
}

// TestGitHubProtectionChanges: a branch that becomes protected has its rule
// read (one more call), and one whose protection is lifted is seen
// unprotected at the next refresh; neither is mistaken through a 304.
func TestGitHubProtectionChanges(t *testing.T) {
	e := newGHEnv(t, acmeFixture(), ingest.GitHubOptions{Infer: true, FactsTTL: time.Hour})
	e.sync()
	if err := e.fake.SetProtection("acme", "checkout", "main", nil); err != nil {
		t.Fatal(err)
	}
	if err := e.fake.SetProtection("acme", "ledger", "main", &githubfake.Protection{
		RequiredPullRequestReviews: &githubfake.ReviewRules{RequiredApprovingReviewCount: 3}}); err != nil {
		t.Fatal(err)
	}
	e.calls()
	e.clock.Advance(2 * time.Hour)
	e.sync()
	c := e.calls()
	if p := c.Route(routeProtection); p.Total() != 2 || p.OK != 1 || p.Errors != 1 {
		t.Errorf("protection calls: %+v", p) // checkout: 404 Branch not protected; ledger: 200
	}
	get := func(ref string) map[string]any {
		f, _ := e.db.Facts(e.ctx, ref)
		return f["github"].Facts
	}
	if f := get("component:default/checkout"); f["branch_protected"] != false || f["required_reviews"] != float64(0) {
		t.Errorf("checkout after its protection was lifted: %v", f)
	}
	if f := get("component:default/ledger"); f["branch_protected"] != true || f["required_reviews"] != float64(3) {
		t.Errorf("ledger after it was protected: %v", f)
	}
	// And back: checkout protected again is read again, not taken from a
	// stale 304.
	if err := e.fake.SetProtection("acme", "checkout", "main", &githubfake.Protection{
		RequiredPullRequestReviews: &githubfake.ReviewRules{RequiredApprovingReviewCount: 1}}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(2 * time.Hour)
	e.sync()
	if f := get("component:default/checkout"); f["branch_protected"] != true || f["required_reviews"] != float64(1) {
		t.Errorf("checkout protected again: %v", f)
	}
}

func TestGitHubServerErrorMidSyncRemovesNothing(t *testing.T) {
	e := newGHEnv(t, acmeFixture(), ingest.GitHubOptions{Infer: true})
	e.sync()
	before := e.refs()
	e.clock.Advance(time.Hour)
	for _, r := range []string{"checkout", "search"} {
		if _, err := e.fake.PushFiles("acme", r, "main", map[string]string{"new.txt": "x"}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.fake.DeleteRepo("acme", "ledger"); err != nil {
		t.Fatal(err)
	}
	e.fake.FailNext(routeTree, http.StatusInternalServerError, 100)
	_, err := e.syncer.Sync(e.ctx, e.src)
	if !errors.Is(err, errkind.Unavailable) || !strings.Contains(err.Error(), "500") {
		t.Errorf("err = %v", err)
	}
	if got := e.refs(); !slices.Equal(got, before) {
		t.Errorf("after the failed sync: %v, want %v", got, before)
	}
	// The next run, with GitHub well again, catches up.
	for range 100 {
		if _, err := e.syncer.Sync(e.ctx, e.src); err == nil {
			break
		}
	}
	res := e.sync()
	if slices.Contains(e.refs(), "component:default/ledger") {
		t.Errorf("the next run did not catch up: %v %+v", e.refs(), res)
	}
}

func TestGitHubEmptyOrganization(t *testing.T) {
	f := &githubfake.Fixture{Orgs: []githubfake.Org{{Login: "acme"}}}
	e := newGHEnv(t, f, ingest.GitHubOptions{Infer: true})
	res := e.sync()
	if res.Files != 0 || len(e.refs()) != 0 || e.calls().Route(routeList).OK != 1 {
		t.Errorf("empty org: %+v", res)
	}
	// An organization that becomes empty loses its entities.
	e2 := newGHEnv(t, acmeFixture(), ingest.GitHubOptions{Infer: true})
	e2.sync()
	for _, r := range e2.fake.Repos("acme") {
		if err := e2.fake.DeleteRepo("acme", r.Name); err != nil {
			t.Fatal(err)
		}
	}
	e2.sync()
	if refs := e2.refs(); len(refs) != 0 {
		t.Errorf("after every repository was deleted: %v", refs)
	}
}

func TestGitHubCodeownersWithSyntaxErrors(t *testing.T) {
	f := &githubfake.Fixture{Orgs: []githubfake.Org{{Login: "acme"}}, Repos: []githubfake.Repo{{Owner: "acme", Name: "tools",
		CODEOWNERS: "* @acme/platform\n!secret @acme/sec\n*.go user-without-at\n[abc].txt @acme/x\n* @acme/tools-team  # the default\n"}}}
	e := newGHEnv(t, f, ingest.GitHubOptions{Infer: true})
	res := e.sync()
	tools := e.entity("component:default/tools")
	if tools.SpecString("owner") != "group:default/tools-team" || tools.Annotation(catalog.AnnotationInferredFrom) != "CODEOWNERS" {
		t.Errorf("owner %q", tools.SpecString("owner"))
	}
	n := notes(res)
	for _, want := range []string{"acme/tools:.github/CODEOWNERS:2: CODEOWNERS: pattern \"!secret\"", "acme/tools:.github/CODEOWNERS:3: CODEOWNERS: invalid owner \"user-without-at\"", "acme/tools:.github/CODEOWNERS:4:"} {
		if !strings.Contains(n, want) {
			t.Errorf("notes lack %q:\n%s", want, n)
		}
	}
	if len(res.Problems) != 0 {
		t.Errorf("CODEOWNERS errors are problems:\n%s", problems(res))
	}
}

func TestGitHubBigAndTruncatedTrees(t *testing.T) {
	files := map[string]string{}
	for i := range 5000 {
		files["pkg/dir"+itoa(i%50)+"/file"+itoa(i)+".go"] = "package x\n"
	}
	for _, svc := range []string{"a", "b", "c"} {
		files["services/"+svc+"/catalog-info.yaml"] = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc-" + svc + "\nspec:\n  type: service\n  lifecycle: production\n  owner: group:default/x\n"
	}
	for _, limit := range []int{0, 100} {
		f := &githubfake.Fixture{Orgs: []githubfake.Org{{Login: "acme"}}, Limits: githubfake.Limits{TreeEntries: limit},
			Repos: []githubfake.Repo{{Owner: "acme", Name: "mono", Files: files}}}
		e := newGHEnv(t, f, ingest.GitHubOptions{Paths: []string{"services/*/catalog-info.yaml"}, FactsTTL: -1})
		e.sync()
		if refs := e.refs(); !slices.Equal(refs, []string{"component:default/svc-a", "component:default/svc-b", "component:default/svc-c"}) {
			t.Errorf("limit %d: refs %v", limit, refs)
		}
		c := e.calls()
		trees := c.Route(routeTree).OK
		switch {
		case limit == 0 && trees != 1: // 5,003 files in one answer
			t.Errorf("5,003 files: %d tree calls", trees)
		case limit == 100 && (trees < 3 || trees > 10): // root, services, services/a..c, .github, docs…
			t.Errorf("truncated tree: %d tree calls", trees)
		}
		if b := c.Route(routeBlob).OK; b != 3 {
			t.Errorf("limit %d: %d blobs read", limit, b)
		}
	}
}

func TestGitHubSecondaryLimitMidSyncWaitsAndResumes(t *testing.T) {
	e := newGHEnv(t, acmeFixture(), ingest.GitHubOptions{Infer: true})
	e.fake.SecondaryLimitNext(routeTree, 40*time.Second, 2)
	res := e.sync()
	if len(e.refs()) != 8 || e.clock.slept < 80*time.Second || len(res.Problems) != 1 {
		t.Errorf("refs %d, waited %s", len(e.refs()), e.clock.slept)
	}
}

// TestGitHubSecondaryPointsLimitWaitsAndResumes: with GitHub's points
// limit (here 10 a minute) met for real, not injected, the sync waits for
// the Retry-After each time and finishes the same as without it.
func TestGitHubSecondaryPointsLimitWaitsAndResumes(t *testing.T) {
	f := acmeFixture()
	f.Limits.SecondaryPoints = 10
	e := newGHEnv(t, f, ingest.GitHubOptions{Infer: true})
	res := e.sync()
	c := e.calls()
	if c.RateLimited == 0 || e.gh.Rate().Retries != c.RateLimited || e.clock.slept < time.Minute {
		t.Errorf("%d answers were limits, %d sent again, waited %s", c.RateLimited, e.gh.Rate().Retries, e.clock.slept)
	}
	if len(e.refs()) != 8 || len(res.Problems) != 1 {
		t.Errorf("refs %v\n%s", e.refs(), problems(res))
	}
}

func TestGitHubFacts(t *testing.T) {
	e := newGHEnv(t, acmeFixture(), ingest.GitHubOptions{Infer: true, FactsTTL: 24 * time.Hour})
	e.sync()
	c := e.calls()
	facts, err := e.db.Facts(e.ctx, "component:default/checkout")
	if err != nil {
		t.Fatal(err)
	}
	gh := facts["github"]
	want := map[string]any{"has_readme": true, "has_codeowners": false, "has_security_md": true, "has_dependabot": true,
		"has_renovate": false, "has_dependency_updates": true, "branch_protected": true, "required_reviews": float64(2),
		"open_pull_requests": float64(2), "oldest_open_pull_request_days": float64(22), "latest_run_conclusion": "failure",
		"archived": false, "visibility": "public", "days_since_push": float64(12), "repo": "acme/checkout"}
	for k, v := range want {
		if got := gh.Facts[k]; got != v {
			t.Errorf("%s = %v (%T), want %v", k, got, got, v)
		}
	}
	if checks := gh.Facts["required_status_checks"].([]any); len(checks) != 1 || checks[0] != "ci" || !gh.ReadAt.Equal(e.clock.Now()) {
		t.Errorf("checks %v, read at %v", checks, gh.ReadAt)
	}
	if api, _ := e.db.Facts(e.ctx, "api:default/payments-api"); api["github"].Facts["repo"] != "acme/checkout" {
		t.Errorf("the API of the repository has no facts")
	}
	if loc, _ := e.db.Facts(e.ctx, "location:default/checkout-apis"); len(loc) != 0 {
		t.Errorf("a Location got facts")
	}
	if b, _ := e.db.Facts(e.ctx, "component:default/billing"); b["github"].Facts["has_codeowners"] != true || b["github"].Facts["open_pull_requests"] != float64(0) {
		t.Errorf("billing facts %v", b["github"].Facts)
	}
	// Calls: the default branch of each non-empty repository, the
	// protection rule only of the protected one (never a 404 "Branch not
	// protected", which could not be a 304 next time), pulls only where the
	// list counts open ones, runs only where the tree has workflows.
	if b, p, pr, r := c.Route(routeBranch).Total(), c.Route(routeProtection).Total(), c.Route(routePulls).Total(), c.Route(routeRuns).Total(); b != 6 || p != 1 || pr != 1 || r != 1 {
		t.Errorf("facts calls: branch %d, protection %d, pulls %d, runs %d", b, p, pr, r)
	}
	if c.Route(routeProtection).Errors != 0 || c.Route(routeBranch).Errors != 0 {
		t.Errorf("facts calls answered errors: %+v", c.Routes)
	}

	// Within the TTL: no facts call. After it: all conditional, 304.
	e.clock.Advance(23 * time.Hour)
	e.sync()
	if c := e.calls(); c.Total != 1 {
		t.Errorf("within the TTL: %+v", c.Routes)
	}
	e.clock.Advance(2 * time.Hour)
	e.sync()
	c = e.calls()
	if c.Route(routeRuns).NotModified != 1 || c.Route(routePulls).NotModified != 1 || c.Route(routeProtection).NotModified != 1 || c.Route(routeTree).Total() != 0 {
		t.Errorf("after the TTL: %+v", c.Routes)
	}
	// Every facts call is conditional and answered 304, so nothing is
	// charged; the protected branch's rule is asked alone (its branch is
	// known protected), the others' branches alone.
	if c.Charged != 0 || c.Route(routeBranch).NotModified != 5 || c.Route(routeBranch).Total() != 5 {
		t.Errorf("after the TTL: %d charged; %+v", c.Charged, c.Routes)
	}
	for route, rc := range c.Routes {
		if rc.NotModified != rc.Total() {
			t.Errorf("after the TTL, %s answered other than 304: %+v", route, rc)
		}
	}
	facts, _ = e.db.Facts(e.ctx, "component:default/checkout")
	if facts["github"].Facts["days_since_push"] != float64(13) || !facts["github"].ReadAt.Equal(e.clock.Now()) {
		t.Errorf("refreshed facts %v at %v", facts["github"].Facts["days_since_push"], facts["github"].ReadAt)
	}
}

func TestGitHubFactsBudgetDefersTheRest(t *testing.T) {
	e := newGHEnv(t, acmeFixture(), ingest.GitHubOptions{Infer: true, FactsMaxCalls: 3})
	e.sync()
	st := e.src.LastStats()
	if st.FactCalls > 3 || st.FactsDeferred == 0 {
		t.Errorf("stats %+v", st)
	}
	for range 5 {
		e.sync()
	}
	if st := e.src.LastStats(); st.FactsDeferred != 0 {
		t.Errorf("facts never caught up: %+v", st)
	}
	if f, _ := e.db.Facts(e.ctx, "component:default/search"); f["github"].Facts == nil {
		t.Error("search has no facts")
	}
}

func TestGitHubMalformedDescriptorKeepsItsEntitiesAndNotTheOrg(t *testing.T) {
	f := acmeFixture()
	e := newGHEnv(t, f, ingest.GitHubOptions{Infer: true})
	e.sync()
	e.clock.Advance(time.Hour)
	if _, err := e.fake.PushFiles("acme", "checkout", "main", map[string]string{"catalog-info.yaml": "kind: Component\nmetadata: {name: [\n"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := e.fake.DeleteRepo("acme", "orphan"); err != nil {
		t.Fatal(err)
	}
	res := e.sync()
	refs := e.refs()
	if !slices.Contains(refs, "component:default/checkout") || !slices.Contains(refs, "api:default/payments-api") || slices.Contains(refs, "component:default/orphan") {
		t.Errorf("refs %v", refs)
	}
	if !strings.Contains(problems(res), "acme/checkout:catalog-info.yaml:2:") || res.Kept < 2 {
		t.Errorf("result %+v\n%s", res, problems(res))
	}
	if e.entity("component:default/checkout").Origin.Flag == "" {
		t.Error("the kept entity is not flagged")
	}
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

func TestGitHubAdoptOpensAPullRequest(t *testing.T) {
	e := newGHEnv(t, acmeFixture(), ingest.GitHubOptions{Infer: true})
	ad, err := e.src.Adopt(e.ctx, "acme/billing")
	if err != nil {
		t.Fatal(err)
	}
	if !ad.Created || ad.Owner.Ref != "group:default/payments" || !strings.Contains(ad.PullRequest, "/acme/billing/pull/") {
		t.Errorf("adoption = %+v", ad)
	}
	body, ok := e.fake.File("acme", "billing", ingest.AdoptBranch, "catalog-info.yaml")
	if !ok || !strings.Contains(body, "owner: group:default/payments") || strings.Contains(body, "gantry.dev/inferred") {
		t.Errorf("catalog-info.yaml on the branch:\n%s", body)
	}
	parsed := catalog.ParseFile("x", []byte(body), catalog.ParseOptions{})
	if len(parsed.Problems) != 0 || len(parsed.Entities) != 1 || parsed.Entities[0].Metadata.Name != "billing" {
		t.Errorf("the generated descriptor does not parse cleanly: %v", parsed.Problems)
	}
	if pulls := e.fake.Pulls("acme", "billing"); len(pulls) != 1 || pulls[0].Head != ingest.AdoptBranch || pulls[0].Base != "main" {
		t.Errorf("pulls = %+v", pulls)
	}
	again, err := e.src.Adopt(e.ctx, "acme/billing")
	if err != nil || again.Created || again.Number != ad.Number {
		t.Errorf("second adoption: %+v, %v", again, err)
	}
	if _, err := e.src.Adopt(e.ctx, "acme/checkout"); !errors.Is(err, errkind.Conflict) {
		t.Errorf("adopting a declared repository: %v", err)
	}
	if _, err := e.src.Adopt(e.ctx, "acme/nope"); !errors.Is(err, errkind.NotFound) {
		t.Errorf("adopting a missing repository: %v", err)
	}
}

// TestGitHubArchivedOnlyPageKeepsItsETag: a list page holding only archived
// repositories (left out with include_archived: false) is still asked with
// its ETag next time, and answered 304; turning include_archived on reads
// the pages whole again, so the archived repositories are not lost behind
// a 304.
func TestGitHubArchivedOnlyPageKeepsItsETag(t *testing.T) {
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	f := &githubfake.Fixture{Orgs: []githubfake.Org{{Login: "acme"}}}
	for i := range 130 {
		// Created ascending: page 1 is the first 100, all archived.
		f.Repos = append(f.Repos, githubfake.Repo{Owner: "acme", Name: fmt.Sprintf("r%03d", i), Archived: i < 100,
			CreatedAt: base.Add(time.Duration(i) * time.Hour), Files: map[string]string{"README.md": "# hi\n"}})
	}
	e := newGHEnv(t, f, ingest.GitHubOptions{Infer: true, FactsTTL: -1})
	e.sync()
	if c := e.calls(); c.Route(routeList).Total() != 2 || e.src.LastStats().Repos != 30 {
		t.Fatalf("first sync: %s; %s", routesLine(c), e.src.LastStats())
	}
	e.sync()
	if c := e.calls(); c.Total != 2 || c.Route(routeList).NotModified != 2 || c.Charged != 0 {
		t.Errorf("re-sync: %d calls, %s; want 2, both 304", c.Total, routesLine(c))
	}
	if n := len(e.refs()); n != 30 {
		t.Errorf("%d entities after the re-sync, want 30", n)
	}

	// The same store, include_archived on: every page is read whole.
	opts := ingest.GitHubOptions{Org: "acme", Infer: true, FactsTTL: -1, IncludeArchived: true, Now: e.clock.Now}
	e.src = ingest.NewGitHubSource("acme-github", e.gh.Client, e.state, e.state, e.db, opts)
	e.sync()
	if c := e.calls(); c.Route(routeList).OK != 2 || e.src.LastStats().Repos != 130 {
		t.Errorf("include_archived turned on: %s; %s", routesLine(c), e.src.LastStats())
	}
	if n := len(e.refs()); n != 130 {
		t.Errorf("%d entities with the archived ones, want 130", n)
	}
	e.sync()
	if c := e.calls(); c.Total != 2 || c.Route(routeList).NotModified != 2 {
		t.Errorf("re-sync with archived ones: %s", routesLine(c))
	}
}

// TestGitHubUserSourceListsOwnedRepositories: a user: source reads the
// repositories the user owns (type=owner), not those of the organizations
// the user belongs to.
func TestGitHubUserSourceListsOwnedRepositories(t *testing.T) {
	f := &githubfake.Fixture{
		Users: []githubfake.User{{Login: "dana"}},
		Orgs:  []githubfake.Org{{Login: "acme", Members: []string{"dana"}}},
		Repos: []githubfake.Repo{
			{Owner: "dana", Name: "dotfiles", Files: map[string]string{"README.md": "# mine\n"}},
			{Owner: "dana", Name: "blog", Files: map[string]string{"README.md": "# mine\n"}},
			{Owner: "acme", Name: "checkout", Files: map[string]string{"README.md": "# acme's\n"}},
		},
	}
	e := newGHEnv(t, f, ingest.GitHubOptions{User: "dana", Infer: true, FactsTTL: -1})
	e.sync()
	c := e.calls()
	if got := e.refs(); !slices.Equal(got, []string{"component:default/blog", "component:default/dotfiles"}) {
		t.Errorf("refs = %v", got)
	}
	if c.Route("GET /users/{user}/repos").Total() != 1 {
		t.Errorf("calls: %s", routesLine(c))
	}
}

// TestGitHubAdoptHonoursGlobbedPaths: with only globbed descriptor paths,
// the adopted descriptor goes where the source reads it (the glob made
// concrete with the entity's name), and once merged the next sync reads it
// as declared; a descriptor already at any matching path is a conflict.
func TestGitHubAdoptHonoursGlobbedPaths(t *testing.T) {
	e := newGHEnv(t, acmeFixture(), ingest.GitHubOptions{Infer: true, Paths: []string{"services/*/catalog-info.yaml"}})
	ad, err := e.src.Adopt(e.ctx, "acme/billing")
	if err != nil {
		t.Fatal(err)
	}
	const want = "services/billing/catalog-info.yaml"
	body, ok := e.fake.File("acme", "billing", ingest.AdoptBranch, want)
	if ad.Path != want || !ok || !strings.Contains(body, "name: billing") {
		t.Fatalf("adopted at %q; %s on the branch: %v", ad.Path, want, ok)
	}
	if _, err := e.fake.MergePull("acme", "billing", ad.Number); err != nil {
		t.Fatal(err)
	}
	res := e.sync()
	b := e.entity("component:default/billing")
	if b == nil || b.Annotation(catalog.AnnotationInferred) == "true" || !strings.Contains(b.Origin.File, want) {
		t.Fatalf("billing after the merge: %+v\n%s", b, problems(res))
	}

	if _, err := e.fake.PushFiles("acme", "ledger", "main", map[string]string{"services/ledger-api/catalog-info.yaml": body}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.src.Adopt(e.ctx, "acme/ledger"); !errors.Is(err, errkind.Conflict) || !strings.Contains(err.Error(), "services/ledger-api/catalog-info.yaml") {
		t.Errorf("adopting a repository declared at a globbed path: %v", err)
	}

	// "**/" stands for no directory; a pattern that cannot be made
	// concrete is refused, saying why.
	for _, c := range []struct {
		repo  string
		paths []string
		path  string
	}{
		{"acme/search", []string{"**/catalog-info.yaml"}, "catalog-info.yaml"},
		{"acme/orphan", []string{"svc-?/*.yaml", "meta.yaml"}, "meta.yaml"},
		{"acme/empty", []string{"[ab]*/c.yaml"}, ""},
	} {
		src := ingest.NewGitHubSource("other", e.gh.Client, e.state, e.state, e.db, ingest.GitHubOptions{Org: "acme", Infer: true, Paths: c.paths})
		ad, err := src.Adopt(e.ctx, c.repo)
		switch {
		case c.path == "" && !errors.Is(err, errkind.Invalid):
			t.Errorf("%v: %+v, %v; want refused", c.paths, ad, err)
		case c.path != "" && (err != nil || ad.Path != c.path):
			t.Errorf("%v: %+v, %v; want %s", c.paths, ad, err, c.path)
		}
	}
}

// TestGitHubRulesetProtectedBranch: a branch protected by a repository
// ruleset alone shows "protected" while the classic protection API answers
// 404 "Branch not protected". It is protected, its required reviews
// unknown (and why), and a refresh asks its branch alone: a 304.
func TestGitHubRulesetProtectedBranch(t *testing.T) {
	f := acmeFixture()
	f.Repos = append(f.Repos, githubfake.Repo{Owner: "acme", Name: "ruled", Files: map[string]string{"README.md": "# ruled\n"},
		Branches: []githubfake.Branch{{Name: "main", Ruleset: true}}})
	e := newGHEnv(t, f, ingest.GitHubOptions{Infer: true, FactsTTL: time.Hour})
	e.sync()
	e.calls()
	get := func() map[string]any {
		facts, _ := e.db.Facts(e.ctx, "component:default/ruled")
		return facts["github"].Facts
	}
	check := func(when string) {
		t.Helper()
		gh := get()
		u, _ := gh["unknown"].(map[string]any)
		if gh["branch_protected"] != true || !strings.Contains(fmt.Sprint(u["required_reviews"]), "ruleset") {
			t.Errorf("%s: facts = %v", when, gh)
		}
		if _, ok := gh["required_reviews"]; ok {
			t.Errorf("%s: required_reviews set though unknown: %v", when, gh)
		}
	}
	check("first sync")
	e.clock.Advance(2 * time.Hour)
	e.sync()
	c := e.calls()
	if c.Charged != 0 || c.Route(routeProtection).Total() != 1 { // checkout's rule, a 304
		t.Errorf("refresh: %d charged, %+v", c.Charged, c.Routes)
	}
	check("refresh")
}
