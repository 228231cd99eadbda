package app

import (
	"context"
	"os"
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

// The teams and people, from a file; the services, from GitHub.
const githubDigestTeams = `apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: payments
  title: Payments
  annotations:
    gantry.dev/slack-channel: "#team-payments"
    gantry.dev/oncall: user:default/priya
spec:
  type: team
  children: []
  members: [priya]
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: priya
spec:
  profile: {displayName: Priya Raman, email: priya@acme.example}
  memberOf: [payments]
`

const githubDigestCheckout = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout
  title: Checkout
  description: Takes the basket to a paid order, with every payment method.
  annotations:
    backstage.io/techdocs-ref: dir:.
spec:
  type: service
  lifecycle: production
  owner: group:default/payments
`

// TestDigestFromGitHubFacts is the whole path through the fakes: the
// github source reads checkout's repository from GitHub (githubfake), its
// facts are evaluated against the example scorecard, and the Monday digest
// lands in the team's channel (slackfake) with checkout's level and the
// fixes to make, CODEOWNERS first. The team adds .github/CODEOWNERS on
// GitHub; the next sync reads it, and the next Monday's digest shows
// checkout going up and the rule it fixed.
func TestDigestFromGitHubFacts(t *testing.T) {
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) { testDigestFromGitHubFacts(t, eng.URL(t)) })
	}
}

func testDigestFromGitHubFacts(t *testing.T, dbURL string) {
	pushed := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	gh, err := githubfake.New(&githubfake.Fixture{
		Orgs: []githubfake.Org{{Login: "acme"}},
		Repos: []githubfake.Repo{{Owner: "acme", Name: "checkout", PushedAt: pushed, Files: map[string]string{
			"catalog-info.yaml":        githubDigestCheckout,
			"README.md":                "# checkout\n",
			"SECURITY.md":              "Report to security@acme.example\n",
			".github/dependabot.yml":   "version: 2\n",
			".github/workflows/ci.yml": "on: push\njobs: {test: {runs-on: ubuntu-latest, steps: [{run: make test}]}}\n",
		},
			Branches: []githubfake.Branch{{Name: "main", Protection: &githubfake.Protection{
				RequiredPullRequestReviews: &githubfake.ReviewRules{RequiredApprovingReviewCount: 1}}}},
			Runs: []githubfake.Run{{Workflow: ".github/workflows/ci.yml", Conclusion: "success", CreatedAt: pushed}},
		}},
		Tokens: []githubfake.Token{{Token: "ghp_digest"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := gh.Start(); err != nil {
		t.Fatal(err)
	}
	defer gh.Close()

	fake := slackfake.NewServer(t, slackfake.Options{})
	fake.AddUser(slackfake.User{ID: "U0PAY0001", Name: "priya", RealName: "Priya Raman", Email: "priya@acme.example"})
	payments := fake.AddChannel("team-payments")
	fake.AddChannel("engineering")

	cfg := config.Defaults()
	cfg.Dir = t.TempDir()
	cfg.Database = dbURL
	cfg.Server.Listen = "127.0.0.1:0"
	teams := filepath.Join(cfg.Dir, "teams.yaml")
	if err := os.WriteFile(teams, []byte(githubDigestTeams), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg.Catalog.Sources = []config.Source{{Name: "teams", Type: "file", Path: teams}, {Name: "acme-github", Type: "github", GitHubSource: config.GitHubSource{Org: "acme"}}}
	cfg.GitHub = config.GitHub{BaseURL: gh.URL() + "/api/v3/", Token: "ghp_digest"}
	cfg.Slack = config.Slack{AppToken: fake.AppToken(), BotToken: fake.BotToken(), APIURL: fake.APIURL()}
	scorecards, _ := filepath.Abs("../../examples/scorecards")
	cfg.Scorecards = config.Scorecards{Paths: []string{scorecards}}

	// Monday 23 November 2026, 08:59 in Paris.
	clock := bottest.NewClock(time.Date(2026, 11, 23, 7, 59, 0, 0, time.UTC))
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	s := serveScorecards(t, ctx, cfg, clock, nil)
	defer s.stop(t)

	// The first sync read checkout from GitHub, facts included.
	f, err := s.app.DB.Facts(ctx, "component:default/checkout")
	if err != nil || f[scorecard.ProviderGitHub].Facts["has_codeowners"] != false || f[scorecard.ProviderGitHub].Facts["has_readme"] != true {
		t.Fatalf("checkout's GitHub facts after the first sync: %+v %v", f, err)
	}
	digests := func() []slackfake.Message {
		var out []slackfake.Message
		for _, m := range fake.Messages(payments.ID) {
			if strings.HasPrefix(m.Text, "Production readiness for ") {
				out = append(out, m)
			}
		}
		return out
	}
	waitDigests := func(n int) []slackfake.Message {
		t.Helper()
		for {
			mark := fake.Mark()
			if ds := digests(); len(ds) >= n {
				return ds
			}
			if _, err := fake.WaitSince(ctx, mark, func(e slackfake.Event) bool {
				return e.Type == slackfake.EventMessagePosted && e.Message != nil && e.Message.Channel == payments.ID
			}); err != nil {
				t.Fatalf("waiting for digest %d in #team-payments: %v\n%s", n, err, s.logText())
			}
		}
	}
	if err := clock.WaitSleepers(ctx, 1); err != nil { // the schedule waits for 09:00
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	first := bottest.Text(waitDigests(1)[0])
	for _, want := range []string{"*Checkout* below Bronze · 94%", "*Next fixes*\n*1. CODEOWNERS* (Bronze) on Checkout", "Add .github/CODEOWNERS naming your team"} {
		if !strings.Contains(first, want) {
			t.Errorf("the first digest lacks %q:\n%s", want, first)
		}
	}

	// The team adds CODEOWNERS on GitHub; the next sync reads it and
	// evaluates.
	clock.Advance(time.Hour)
	if _, err := gh.PushFiles("acme", "checkout", "main", map[string]string{".github/CODEOWNERS": "* @acme/payments\n"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := gh.AddWorkflowRun("acme", "checkout", githubfake.Run{Workflow: ".github/workflows/ci.yml", Conclusion: "success", CreatedAt: clock.Now()}); err != nil {
		t.Fatal(err) // the push's CI run, green
	}
	if _, err := s.app.Sync(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if f, _ := s.app.DB.Facts(ctx, "component:default/checkout"); f[scorecard.ProviderGitHub].Facts["has_codeowners"] != true ||
		f[scorecard.ProviderGitHub].Facts["latest_run_conclusion"] != "success" {
		t.Fatalf("the sync did not read CODEOWNERS: %+v", f)
	}

	// Next Monday 09:00: checkout went up, and the digest says which rule did it.
	clock.Advance(7*24*time.Hour - time.Hour)
	ds := waitDigests(2)
	second := bottest.Text(ds[1])
	for _, want := range []string{"*Checkout* Gold · 100% :arrow_up: from below Bronze", "fixed: CODEOWNERS", ":arrow_up: 1 up"} {
		if !strings.Contains(second, want) {
			t.Errorf("the second digest lacks %q:\n%s", want, second)
		}
	}
	if len(ds) != 2 {
		t.Errorf("#team-payments has %d digests", len(ds))
	}
}
