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

// ghBudget is the API budget of a sync, computed from the fixture alone
// (never from the source's own counters):
//
//	first sync: ⌈N/100⌉ list + 1 tree per repository + 1 per distinct file
//	read (descriptors, CODEOWNERS: by blob, so a CODEOWNERS shared by many
//	repositories is read once) + 1 team call per repository with neither a
//	descriptor, CODEOWNERS nor a team-* topic + the facts calls (1 for the
//	default branch, 1 for the protection rule of a protected one, 1 for
//	open pull requests when there are any, 1 for workflow runs when there
//	are workflows), at most facts_max_calls;
//
//	nothing changed: ⌈N/100⌉ list calls, all answered 304;
//
//	nothing changed but facts_ttl passed: ⌈N/100⌉ list + the same team
//	calls + 1 facts call per repository (its protection rule when
//	protected, else its branch) + pull request and workflow run calls as
//	above, at most facts_max_calls; every one conditional and answered 304,
//	so none is charged.
//
// N counts the archived repositories the list shows; the rest counts the
// repositories read (archived ones excluded).
type ghBudget struct {
	pages, repos, trees, blobs, teams, facts, factsRefresh int
}

func (b ghBudget) first(factsMax int) int {
	return b.pages + b.trees + b.blobs + b.teams + min(b.facts, factsMax)
}

func (b ghBudget) refresh(factsMax int) int {
	return b.pages + b.teams + min(b.factsRefresh, factsMax)
}

func budgetOf(f *githubfake.Fixture, descriptor string) ghBudget {
	b := ghBudget{pages: (len(f.Repos) + 99) / 100}
	files := map[string]bool{}
	for _, r := range f.Repos {
		if r.Archived {
			continue
		}
		b.repos++
		b.trees++
		desc, hasDesc := r.Files[descriptor]
		if hasDesc {
			files[desc] = true
		}
		if r.CODEOWNERS != "" {
			files[r.CODEOWNERS] = true
		}
		teamTopic := false
		for _, tp := range r.Topics {
			teamTopic = teamTopic || strings.HasPrefix(tp, "team-")
		}
		if !hasDesc && r.CODEOWNERS == "" && !teamTopic {
			b.teams++
		}
		protected := false
		for _, br := range r.Branches {
			protected = protected || (br.Name == "main" && br.Protection != nil)
		}
		workflows := 0
		for p := range r.Files {
			if strings.HasPrefix(p, ".github/workflows/") {
				workflows = 1
			}
		}
		pulls := 0
		for _, p := range r.Pulls {
			if p.State == "" || p.State == "open" {
				pulls = 1
			}
		}
		b.facts += 1 + workflows + pulls
		b.factsRefresh += 1 + workflows + pulls
		if protected {
			b.facts++
		}
	}
	b.blobs = len(files)
	return b
}

// TestGitHubBudget1000Repos checks the API budget (ghBudget) against
// the fake's call counter, for a generated organization of 1,000
// repositories plus a 5,000-file monorepo, with the client pacing itself as
// in production (on the test's clock) and the fake enforcing GitHub's
// secondary limit of 900 points a minute: nothing may be rate-limited.
func TestGitHubBudget1000Repos(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the 1,000-repository budget test is skipped")
	}
	f := githubfake.GenerateOrg("acme", 1000, githubfake.DefaultGenerateOptions())
	want := budgetOf(f, "catalog-info.yaml")
	// A facts budget big enough for every repository's facts in the first
	// sync; the default budget is checked below.
	factsMax := 4 * len(f.Repos)
	e := newGHEnv(t, f, ingest.GitHubOptions{Infer: true, FactsMaxCalls: factsMax}, paced)
	t.Logf("budget from the fixture: %+v", want)

	c, res, wall, paced := e.timedSync()
	st := e.src.LastStats()
	t.Logf("first sync of %d repositories: %s over loopback, %s paced (the test's clock); %s", len(f.Repos), wall.Round(time.Millisecond), paced.Round(time.Second), st)
	t.Logf("first sync calls by route: %s", routesLine(c))
	if st.Repos != want.repos {
		t.Errorf("%d repositories read, the fixture has %d not archived", st.Repos, want.repos)
	}
	for _, term := range []struct {
		name      string
		got, want int
	}{
		{"list", c.Route(routeList).Total(), want.pages},
		{"tree", c.Route(routeTree).Total(), want.trees},
		{"blob (the fixture's distinct descriptors and CODEOWNERS)", c.Route(routeBlob).Total(), want.blobs},
		{"team", c.Route(routeTeams).Total(), want.teams},
		{"facts", factCalls(c), min(want.facts, factsMax)},
	} {
		// The fixture decides every term: the sync makes exactly the calls
		// it needs, no more (over budget) and no fewer (something unread).
		if term.got != term.want {
			t.Errorf("%s calls: %d, the budget from the fixture is %d", term.name, term.got, term.want)
		}
	}
	if c.Total != want.first(factsMax) {
		t.Errorf("first sync: %d calls, the budget from the fixture is %d", c.Total, want.first(factsMax))
	}
	// The formula: ⌈N/100⌉ list + 1 tree per repository + 1 per
	// file actually read (the source's count, checked against the fake's).
	if catalog, files := c.Route(routeList).Total()+c.Route(routeTree).Total()+c.Route(routeBlob).Total(), st.BlobCalls; files != c.Route(routeBlob).Total() ||
		catalog > (len(f.Repos)+99)/100+st.Repos+files {
		t.Errorf("catalog calls %d over ⌈%d/100⌉ + %d repositories + %d files read", catalog, len(f.Repos), st.Repos, files)
	}
	if st.FactsDeferred != 0 || st.FactsRead != st.Repos {
		t.Errorf("facts: %s", st)
	}
	checkRoutes(t, c)
	checkNotLimited(t, e, c, "first sync")
	if res.Added < st.Repos || len(res.Problems) != 0 {
		t.Errorf("first sync: %+v\n%s", res, problems(res))
	}

	c, res, wall, _ = e.timedSync()
	t.Logf("re-sync with nothing changed: %s; %d calls (%d answered 304, %d charged); %s",
		wall.Round(time.Millisecond), c.Total, c.Route(routeList).NotModified, c.Charged, routesLine(c))
	if c.Total != want.pages || c.Route(routeList).NotModified != c.Total || c.Charged != 0 {
		t.Errorf("re-sync: %d calls (%s), want ⌈N/100⌉ = %d, all 304", c.Total, routesLine(c), want.pages)
	}
	if res.Changed() || res.Skipped != res.Files {
		t.Errorf("re-sync changed something: %+v", res)
	}
	checkNotLimited(t, e, c, "re-sync")

	// Nothing changed, but the facts' TTL passed: every fact is read again,
	// every call conditional, every answer a 304, nothing charged.
	e.clock.Advance(ingest.DefaultFactsTTL + time.Hour)
	c, res, wall, paced = e.timedSync()
	st = e.src.LastStats()
	t.Logf("re-sync after facts_ttl: %s over loopback, %s paced; %d calls (%d charged); %s; %s",
		wall.Round(time.Millisecond), paced.Round(time.Second), c.Total, c.Charged, routesLine(c), st)
	if c.Total != want.refresh(factsMax) || factCalls(c) != min(want.factsRefresh, factsMax) {
		t.Errorf("re-sync after the TTL: %d calls (%d for facts), the budget from the fixture is %d (%d)",
			c.Total, factCalls(c), want.refresh(factsMax), min(want.factsRefresh, factsMax))
	}
	if c.Charged != 0 {
		t.Errorf("re-sync after the TTL: %d calls charged, want 0", c.Charged)
	}
	notMod := 0
	for _, rc := range c.Routes {
		notMod += rc.NotModified
	}
	if notMod != c.Total || st.FactsRead != st.Repos {
		t.Errorf("re-sync after the TTL: %d of %d calls answered 304, facts read for %d of %d", notMod, c.Total, st.FactsRead, st.Repos)
	}
	if res.Changed() {
		t.Errorf("re-sync after the TTL changed the catalog: %+v", res)
	}
	checkNotLimited(t, e, c, "re-sync after the TTL")
}

// TestGitHubDefaultFactsBudget1000Repos: with the default facts budget the
// first sync spends at most DefaultFactsMaxCalls on facts (and stays
// within the budget), later syncs catch up, and then a sync with nothing
// changed is back to the list's conditional calls.
func TestGitHubDefaultFactsBudget1000Repos(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the 1,000-repository budget test is skipped")
	}
	f := githubfake.GenerateOrg("acme", 1000, githubfake.DefaultGenerateOptions())
	want := budgetOf(f, "catalog-info.yaml")
	e := newGHEnv(t, f, ingest.GitHubOptions{Infer: true}, paced)
	syncs := 0
	for {
		e.sync()
		syncs++
		c := e.calls()
		st := e.src.LastStats()
		t.Logf("sync %d: %d calls, %d charged; %s", syncs, c.Total, c.Charged, st)
		if fc := factCalls(c); fc > ingest.DefaultFactsMaxCalls || fc != st.FactCalls {
			t.Errorf("sync %d spent %d calls on facts (source counted %d)", syncs, fc, st.FactCalls)
		}
		if syncs == 1 && c.Total > want.first(ingest.DefaultFactsMaxCalls) {
			t.Errorf("first sync: %d calls, over the budget of %d", c.Total, want.first(ingest.DefaultFactsMaxCalls))
		}
		checkNotLimited(t, e, c, fmt.Sprintf("sync %d", syncs))
		if st.FactsDeferred == 0 || syncs == 5 {
			break
		}
	}
	if st := e.src.LastStats(); st.FactsDeferred != 0 {
		t.Errorf("facts did not catch up in %d syncs: %s", syncs, st)
	}
	e.sync()
	if c := e.calls(); c.Total > want.pages || c.Charged != 0 {
		t.Errorf("after catching up, a sync with nothing changed made %d calls: %s", c.Total, routesLine(c))
	}
}

// timedSync syncs and returns the fake's answers, the wall time (over
// loopback) and the time on the test's clock (the client's pacing).
func (e *ghEnv) timedSync() (githubfake.CallStats, ingest.Result, time.Duration, time.Duration) {
	e.t.Helper()
	e.calls()
	start, clockStart := time.Now(), e.clock.Now()
	res := e.sync()
	return e.calls(), res, time.Since(start), e.clock.Now().Sub(clockStart)
}

func factCalls(c githubfake.CallStats) int {
	return c.Route(routeBranch).Total() + c.Route(routeProtection).Total() + c.Route(routePulls).Total() + c.Route(routeRuns).Total()
}

func checkRoutes(t *testing.T, c githubfake.CallStats) {
	t.Helper()
	for route := range c.Routes {
		switch route {
		case routeList, routeTree, routeBlob, routeTeams, routeBranch, routeProtection, routePulls, routeRuns:
		default:
			t.Errorf("unexpected route %s", route)
		}
	}
}

// checkNotLimited: no answer was a rate limit, and the client sent nothing
// twice.
func checkNotLimited(t *testing.T, e *ghEnv, c githubfake.CallStats, what string) {
	t.Helper()
	if c.RateLimited != 0 {
		t.Errorf("%s: %d answers were rate limits: %s", what, c.RateLimited, routesLine(c))
	}
	if r := e.gh.Rate(); r.Retries != 0 {
		t.Errorf("%s: the client sent %d requests again", what, r.Retries)
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
// changed of a 1,000-repository organization, over loopback (the client's
// pacing on the benchmark's clock, so it costs no time).
func BenchmarkGitHubSync1000(b *testing.B) {
	f := githubfake.GenerateOrg("acme", 1000, githubfake.DefaultGenerateOptions())
	b.Run("first", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			e := newGHEnv(b, f, ingest.GitHubOptions{Infer: true}, paced)
			b.StartTimer()
			e.sync()
		}
	})
	b.Run("unchanged", func(b *testing.B) {
		e := newGHEnv(b, f, ingest.GitHubOptions{Infer: true}, paced)
		e.sync()
		for b.Loop() {
			e.sync()
		}
	})
}
