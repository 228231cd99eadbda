package ingest_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/catalog/ingest"
	"github.com/gantryhq/gantry/internal/githubfake"
)

// TestGitHubBudget1000Repos checks the API budget against the
// fake's call counter, for a generated organization of 1,000 repositories
// (plus a 5,000-file monorepo): a first sync costs at most ⌈N/100⌉ list
// calls, one tree call per repository and one call per file actually read;
// a re-sync with nothing changed at most ⌈N/100⌉ calls, all answered 304.
// Owner inference's last resort (one call per repository with neither
// CODEOWNERS nor a team topic) and facts (at most three calls per
// repository, at most FactsMaxCalls a sync) are counted on their own.
func TestGitHubBudget1000Repos(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the 1,000-repository budget test is skipped")
	}
	f := githubfake.GenerateOrg("acme", 1000, githubfake.DefaultGenerateOptions())
	n := len(f.Repos)
	pages := (n + 99) / 100
	// A facts budget big enough for every repository's facts in the first
	// sync (at most three calls each); the default budget is checked below.
	e := newGHEnv(t, f, ingest.GitHubOptions{Infer: true, FactsMaxCalls: 3 * n})

	start := time.Now()
	res := e.sync()
	first := time.Since(start)
	c := e.calls()
	st := e.src.LastStats()
	t.Logf("first sync of %d repositories: %s; %s", n, first.Round(time.Millisecond), st)
	t.Logf("first sync calls by route: %s", routesLine(c))

	list, tree, blob := c.Route(routeList).Total(), c.Route(routeTree).Total(), c.Route(routeBlob).Total()
	switch {
	case list > pages:
		t.Errorf("list calls %d > ⌈N/100⌉ = %d", list, pages)
	case tree > st.Repos:
		t.Errorf("tree calls %d > one per repository (%d)", tree, st.Repos)
	case blob != st.BlobCalls:
		t.Errorf("blob calls %d, the source counted %d files read", blob, st.BlobCalls)
	}
	if catalog := list + tree + blob; catalog > pages+st.Repos+st.BlobCalls {
		t.Errorf("catalog calls %d over the budget %d", catalog, pages+st.Repos+st.BlobCalls)
	}
	// Every descriptor is read once; identical CODEOWNERS blobs once.
	descriptors := 0
	for _, r := range f.Repos {
		if r.Files["catalog-info.yaml"] != "" && !r.Archived {
			descriptors++
		}
	}
	if st.BlobCalls > descriptors+16 {
		t.Errorf("%d files read for %d descriptors", st.BlobCalls, descriptors)
	}
	if teams := c.Route(routeTeams).Total(); teams > st.Repos-descriptors {
		t.Errorf("team calls %d > repositories without descriptor", teams)
	}
	facts := c.Route(routeProtection).Total() + c.Route(routePulls).Total() + c.Route(routeRuns).Total()
	if facts > 3*st.Repos || facts != st.FactCalls || st.FactsDeferred != 0 || st.FactsRead != st.Repos {
		t.Errorf("facts calls %d (source counted %d) for %d repositories: %s", facts, st.FactCalls, st.Repos, st)
	}
	for route := range c.Routes {
		switch route {
		case routeList, routeTree, routeBlob, routeTeams, routeProtection, routePulls, routeRuns:
		default:
			t.Errorf("unexpected route %s", route)
		}
	}
	if res.Added < st.Repos || len(res.Problems) != 0 {
		t.Errorf("first sync: %+v\n%s", res, problems(res))
	}

	start = time.Now()
	res = e.sync()
	again := time.Since(start)
	c = e.calls()
	t.Logf("re-sync with nothing changed: %s; %d calls (%d answered 304, %d charged); %s",
		again.Round(time.Millisecond), c.Total, c.Route(routeList).NotModified, c.Charged, routesLine(c))
	if c.Total > pages || c.Route(routeList).NotModified != c.Total || c.Charged != 0 {
		t.Errorf("re-sync: %d calls (%s), want at most %d, all 304", c.Total, routesLine(c), pages)
	}
	if res.Changed() || res.Skipped != res.Files {
		t.Errorf("re-sync changed something: %+v", res)
	}
}

// TestGitHubDefaultFactsBudget1000Repos: with the default facts budget the
// first sync spends at most DefaultFactsMaxCalls on facts, later syncs
// catch up, and then a sync with nothing changed is back to the list's
// conditional calls.
func TestGitHubDefaultFactsBudget1000Repos(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the 1,000-repository budget test is skipped")
	}
	f := githubfake.GenerateOrg("acme", 1000, githubfake.DefaultGenerateOptions())
	pages := (len(f.Repos) + 99) / 100
	e := newGHEnv(t, f, ingest.GitHubOptions{Infer: true})
	syncs := 0
	for {
		e.sync()
		syncs++
		c := e.calls()
		st := e.src.LastStats()
		t.Logf("sync %d: %d calls, %d charged; %s", syncs, c.Total, c.Charged, st)
		if st.FactCalls > ingest.DefaultFactsMaxCalls {
			t.Errorf("sync %d spent %d calls on facts", syncs, st.FactCalls)
		}
		if st.FactsDeferred == 0 || syncs == 5 {
			break
		}
	}
	e.sync()
	if c := e.calls(); c.Total > pages || c.Charged != 0 {
		t.Errorf("after catching up, a sync with nothing changed made %d calls: %s", c.Total, routesLine(c))
	}
}

// routesLine writes the calls by route, sorted.
func routesLine(c githubfake.CallStats) string {
	var parts []string
	for route, rc := range c.Routes {
		parts = append(parts, fmt.Sprintf("%s=%d (304: %d)", route, rc.Total(), rc.NotModified))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// BenchmarkGitHubSync1000 times a first sync and a re-sync with nothing
// changed of a 1,000-repository organization, over loopback.
func BenchmarkGitHubSync1000(b *testing.B) {
	f := githubfake.GenerateOrg("acme", 1000, githubfake.DefaultGenerateOptions())
	b.Run("first", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			e := newGHEnv(b, f, ingest.GitHubOptions{Infer: true})
			b.StartTimer()
			e.sync()
		}
	})
	b.Run("unchanged", func(b *testing.B) {
		e := newGHEnv(b, f, ingest.GitHubOptions{Infer: true})
		e.sync()
		for b.Loop() {
			e.sync()
		}
	})
}
