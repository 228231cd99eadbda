package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/bot"
	"github.com/gantryhq/gantry/bot/bottest"
	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/internal/slackfake"
	"github.com/gantryhq/gantry/internal/slackfake/blocklimits"
	"github.com/gantryhq/gantry/scorecard"
)

// TestGoldenScorecardViews checks every scorecard view against its golden
// file in testdata/golden/scorecard (go test ./bot -run Golden -update).
func TestGoldenScorecardViews(t *testing.T) {
	cat := bottest.ExampleCatalog(t)
	f := newScorecardFixture(t, cat)
	ctx := context.Background()
	get := func(ref string) *catalog.Entity {
		e, err := cat.Get(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	entityCard := func(ref string) bot.Message {
		c, err := f.svc.EntityCard(ctx, get(ref))
		if err != nil {
			t.Fatal(err)
		}
		return bot.ScorecardEntityMessage(c)
	}
	teamCard := func(ref string) bot.Message {
		e := get(ref)
		ds, err := f.svc.TeamCards(ctx, e, "")
		if err != nil {
			t.Fatal(err)
		}
		return bot.ScorecardTeamMessage(e.Title(), ds)
	}
	prod, _ := f.set.Get("production-readiness")
	payments := f.digest(t, "production-readiness", "group:default/payments")
	logistics := f.digest(t, "production-readiness", "group:default/logistics")
	ops := f.digest(t, "ops-hygiene", "group:default/payments")
	big := bigDigest(prod, 40)
	status := &scorecard.Status{Entity: "component:default/checkout", Title: "Checkout", Kind: "Component", CheckedAt: bottest.Now,
		Prometheus: true, Signals: []scorecard.Signal{
			{Name: "Error rate", Value: 0.42, Unit: "%", Known: true},
			{Name: "Latency p99", Value: 812, Unit: "ms", Known: true, Warn: true},
			{Name: "Saturation", Detail: "no data"}},
		CI: &scorecard.CIStatus{Repo: "bramble/checkout", Branch: "main", Conclusion: "failure", At: bottest.Now.Add(-time.Hour), ReadAt: bottest.Now.Add(-10 * time.Minute)}}
	card, err := f.svc.EntityCard(ctx, get("checkout"))
	if err != nil {
		t.Fatal(err)
	}
	status.Scores = card.Scores
	ans, err := cat.WhoOwns(ctx, "checkout")
	if err != nil {
		t.Fatal(err)
	}
	status.Owner, status.Oncall = ans.Matches[0].Owner, ans.Matches[0].Oncall
	quiet := &scorecard.Status{Entity: "component:default/ledger", Title: "ledger", Kind: "Component", CheckedAt: bottest.Now}
	report := &scorecard.DigestReport{Scorecard: "production-readiness", ScorecardTitle: "Production readiness",
		Period: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC), Outcomes: []scorecard.DigestOutcome{
			{Team: "group:default/payments", TeamTitle: "Payments", Channel: "C0PAY", Outcome: scorecard.OutcomePosted, TS: "1.1", Retries: 3},
			{Team: "group:default/search", TeamTitle: "Search & Discovery", Channel: "#team-search", Outcome: scorecard.OutcomeFailed, Error: "slack chat.postMessage: channel_not_found"},
			{Team: "", TeamTitle: "Services without a known owner", Outcome: scorecard.OutcomeSkipped, Error: "nobody known owns these services, and no fallback channel is configured"},
			{Team: "group:default/platform", TeamTitle: "Platform", Channel: "#team-platform", Outcome: scorecard.OutcomeUncertain,
				Error: "Gantry (gantry-1) stopped while posting it, so Slack may or may not have shown it; not posted again this period: if #team-platform does not have it, run `gantry digest send --team platform --retry-failed`"},
		}}

	cases := []struct {
		name    string
		payload any
	}{
		{"digest", bot.DigestMessage(payments)},
		{"digest_no_channel", bot.DigestMessage(logistics)},
		{"digest_fix_button", bot.DigestMessage(ops)},
		{"digest_adopt_and_unowned", bot.DigestMessage(inferredDigest(prod))},
		{"digest_many_services", bot.DigestMessage(big)},
		{"details", bot.DigestDetailsMessage(payments, prod, 0)},
		{"details_second_page", bot.DigestDetailsMessage(big, prod, 8)},
		{"entity", entityCard("checkout")},
		{"entity_unknown_facts", entityCard("seller-payouts")},
		{"entity_no_scorecard", entityCard("api:default/checkout-api")},
		{"team", teamCard("group:default/payments")},
		{"team_nothing_owned", bot.ScorecardTeamMessage("Engineering", nil)},
		{"status", bot.StatusMessage(bot.StatusView{Status: status, IDs: map[string]string{status.Oncall.Ref: "U0PAY0003"}})},
		{"status_quiet", bot.StatusMessage(bot.StatusView{Status: quiet})},
		{"report", bot.DigestReportMessage(report)},
		{"usage", bot.ScorecardUsage()},
		{"status_usage", bot.StatusUsage()},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		seen[c.name+".json"] = true
		t.Run(c.name, func(t *testing.T) { golden(t, "scorecard/"+c.name, c.payload) })
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "golden", "scorecard", "*.json"))
	for _, file := range files {
		if !seen[filepath.Base(file)] {
			t.Errorf("%s has no case; delete it", file)
		}
	}
}

// inferredDigest is the unowned services' digest, one of them inferred
// from its repository (the Adopt button).
func inferredDigest(sc *scorecard.Scorecard) *scorecard.Digest {
	rules := func(states ...scorecard.State) []scorecard.RuleResult {
		var out []scorecard.RuleResult
		for i, r := range sc.Rules {
			s := scorecard.StatePass
			if i < len(states) {
				s = states[i]
			}
			out = append(out, scorecard.RuleResult{Rule: r.ID, State: s})
		}
		return out
	}
	now := []scorecard.EntityResult{
		{Scorecard: sc.Name, Entity: "component:default/sales-export-cron", Title: "sales-export-cron", Kind: "Component",
			Inferred: true, Repo: "bramble/sales-export-cron", Level: -1, Score: 40, Rules: rules(scorecard.StateFail, scorecard.StateFail)},
		{Scorecard: sc.Name, Entity: "component:default/old-admin", Title: "old-admin", Kind: "Component",
			Level: -1, Score: 82, Rules: rules(scorecard.StateFail)},
	}
	d := sc.ComposeDigest(scorecard.TeamInfo{Title: "Services without a known owner"}, now, nil)
	d.Channel, d.NoChannel = "#engineering", true
	d.Period = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	d.PeriodKey = scorecard.PeriodKey(d.Period)
	d.EvaluatedAt = bottest.Now
	return d
}

// bigDigest is a team with n services at every level, for limits and pages.
func bigDigest(sc *scorecard.Scorecard, n int) *scorecard.Digest {
	var now, before []scorecard.EntityResult
	for i := range n {
		var rules []scorecard.RuleResult
		for j, r := range sc.Rules {
			s := scorecard.StatePass
			switch {
			case (i+j)%5 == 0:
				s = scorecard.StateFail
			case (i+j)%7 == 0:
				s = scorecard.StateUnknown
			}
			rules = append(rules, scorecard.RuleResult{Rule: r.ID, State: s})
		}
		r := scorecard.EntityResult{Scorecard: sc.Name, Entity: fmt.Sprintf("component:default/service-%02d", i),
			Title: fmt.Sprintf("Service %02d with a rather long title to fill the lines", i), Kind: "Component",
			Team: "group:default/big", Rules: rules}
		r.Level, r.Score = outcome(sc, rules)
		now = append(now, r)
		b := r
		b.Level, b.Score = r.Level-(i%3)+1, r.Score-float64(i%4)
		before = append(before, b)
	}
	d := sc.ComposeDigest(scorecard.TeamInfo{Ref: "group:default/big", Title: "Big team", Channel: "#team-big"}, now, before)
	d.Channel = "#team-big"
	d.Period = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	d.Previous = d.Period.Add(-7 * 24 * time.Hour)
	d.PeriodKey = scorecard.PeriodKey(d.Period)
	d.EvaluatedAt = bottest.Now
	return d
}

// outcome is the level and score of rule results (as the evaluator does).
func outcome(sc *scorecard.Scorecard, rules []scorecard.RuleResult) (int, float64) {
	level := len(sc.Levels) - 1
	var total, passed float64
	for i, r := range sc.Rules {
		total += r.Weight
		if rules[i].State == scorecard.StatePass {
			passed += r.Weight
		} else if r.LevelIndex()-1 < level {
			level = r.LevelIndex() - 1
		}
	}
	return level, float64(int(1000*passed/total)) / 10
}

// A digest stays within Slack's limits whatever the team's size: 50
// blocks, 3,000 characters a section, buttons within theirs.
func TestDigestWithinLimitsAtAnySize(t *testing.T) {
	set, _, err := scorecard.Load([]string{filepath.Join("..", "examples", "scorecards")}, scorecard.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sc := set.All()[0]
	for _, n := range []int{0, 1, 25, 26, 200, 1000} {
		d := bigDigest(sc, n)
		for _, m := range []bot.Message{bot.DigestMessage(d), bot.DigestDetailsMessage(d, sc, 0), bot.DigestDetailsMessage(d, sc, max(n-3, 0)),
			bot.ScorecardTeamMessage("Big", []*scorecard.Digest{d, d, d, d})} {
			raw, _ := json.Marshal(m.Blocks)
			if err := blocklimits.CheckMessage(m.Text, raw); err != nil {
				t.Errorf("%d services: %v", n, err)
			}
		}
		if n == 200 && !strings.Contains(bottest.Text(slackMessage(bot.DigestMessage(d))), "and 175 more: see Details") {
			t.Errorf("a long digest does not say how many more are in Details")
		}
	}
}

func slackMessage(m bot.Message) slackfake.Message {
	raw, _ := json.Marshal(m.Blocks)
	return slackfake.Message{Text: m.Text, Blocks: raw}
}
