package scorecard_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/scorecard"
)

func TestEvaluateLevelsScoresAndUnknown(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.putGitHub("component:default/checkout", nil)
	e.putGitHub("component:default/payment-gateway", map[string]any{"has_codeowners": false})
	e.putGitHub("component:default/refunds-worker", map[string]any{"branch_protected": nil, "required_reviews": nil,
		"unknown": map[string]any{"branch_protected": "needs the administration permission"}})
	ev := e.evaluate()
	if ev.ID == 0 || ev.Trigger != "test" || ev.Entities < 80 || len(ev.Results) != 20 || ev.Written != 20 {
		t.Fatalf("evaluation: id %d, trigger %q, %d entities, %d results, %d written", ev.ID, ev.Trigger, ev.Entities, len(ev.Results), ev.Written)
	}
	if len(ev.Problems) > 0 {
		t.Errorf("problems: %v", ev.Problems)
	}

	checkout := e.result(prodReadiness, "component:default/checkout")
	if checkout.LevelName != "Gold" || checkout.Score != 100 || checkout.Team != "group:default/payments" || checkout.Repo != "bramble/checkout" {
		t.Errorf("checkout: %+v", checkout)
	}
	// One failing Bronze rule: below Bronze, however good the rest.
	pg := e.result(prodReadiness, "component:default/payment-gateway")
	if pg.Level != -1 || pg.LevelName != "" || pg.Rule("codeowners").State != scorecard.StateFail || pg.Score != 94.1 {
		t.Errorf("payment-gateway: level %d %q, codeowners %v, score %v", pg.Level, pg.LevelName, pg.Rule("codeowners"), pg.Score)
	}
	// A fact GitHub would not give is unknown, with the reason, and holds
	// the level back without counting as a failure.
	rw := e.result(prodReadiness, "component:default/refunds-worker")
	bp := rw.Rule("branch-protection")
	if rw.LevelName != "Bronze" || bp.State != scorecard.StateUnknown || bp.Detail != "branch_protected is unknown: needs the administration permission" {
		t.Errorf("refunds-worker: %s, branch-protection %+v", rw.LevelName, bp)
	}
	// No GitHub facts at all: unknown, saying why.
	ledger := e.result(prodReadiness, "component:default/ledger")
	if r := ledger.Rule("readme"); r.State != scorecard.StateUnknown || !strings.Contains(r.Detail, "no GitHub facts") {
		t.Errorf("ledger readme: %+v", r)
	}
	// ledger has no spec.owner: it is owned through its system, and that
	// is where its digest goes; the owner rule reads the inherited owner.
	if ledger.Team != "group:default/payments" || ledger.Rule("owner").State != scorecard.StatePass {
		t.Errorf("ledger: team %q, owner rule %+v", ledger.Team, ledger.Rule("owner"))
	}
	// Logistics' services: owned, no channel (the digest deals with that).
	if r := e.result(prodReadiness, "component:default/shipping-rates"); r.Team != "group:default/logistics" {
		t.Errorf("shipping-rates team: %q", r.Team)
	}
}

func TestHistoryRecordsChangesAndTrends(t *testing.T) {
	e := newEnv(t, envOptions{})
	ref := "component:default/payment-gateway"
	e.putGitHub(ref, map[string]any{"has_codeowners": false})
	first := e.evaluate()
	e.clock.Advance(time.Hour)
	if again := e.evaluate(); again.Written != 0 {
		t.Errorf("an evaluation with nothing changed wrote %d results", again.Written)
	}
	// A week later, the team adds CODEOWNERS.
	e.clock.Advance(7 * 24 * time.Hour)
	e.putGitHub(ref, nil)
	changed := e.evaluate()
	if changed.Written != 1 {
		t.Errorf("one entity changed; %d results written", changed.Written)
	}
	then, err := e.svc.Results(e.ctx, prodReadiness, first.FinishedAt.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	var before scorecard.EntityResult
	for _, r := range then {
		if r.Entity == ref {
			before = r
		}
	}
	if before.Level != -1 || !before.Since.Equal(first.FinishedAt) {
		t.Errorf("as of the first evaluation: level %d since %v", before.Level, before.Since)
	}
	now := e.result(prodReadiness, ref)
	if now.LevelName != "Gold" || !now.Since.Equal(changed.FinishedAt) {
		t.Errorf("now: %s since %v", now.LevelName, now.Since)
	}
	// The card compares with a week ago: up three levels, CODEOWNERS fixed.
	ent, err := e.cat.Get(e.ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	card, err := e.svc.EntityCard(e.ctx, ent)
	if err != nil {
		t.Fatal(err)
	}
	if len(card.Scores) != 1 {
		t.Fatalf("card: %+v", card)
	}
	tr := card.Scores[0].Trend
	if tr.Before == nil || tr.LevelChange != 3 || tr.ScoreChange != 5.9 || len(tr.Flipped) != 1 || tr.Flipped[0].Rule != "codeowners" || !tr.Flipped[0].Fixed() {
		t.Errorf("trend: %+v", tr)
	}
}

func writeCard(t *testing.T, body string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "card.yaml")
	if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// A rule that exceeds its cost limit on real data is refused: an error on
// every entity (never a pass or a fail), reported once with its file and
// line, while the other rules are evaluated.
func TestOverCostRuleRefusedAtEvaluation(t *testing.T) {
	file := writeCard(t, `apiVersion: gantry.dev/v1
kind: Scorecard
metadata: {name: costly}
spec:
  levels: [Bronze]
  rules:
    - id: owner
      level: Bronze
      expression: facts.catalog.has_owner
      fix: Set spec.owner.
    - id: tags-cubed
      level: Bronze
      expression: entity.metadata.tags.all(a, entity.metadata.tags.all(b, entity.metadata.tags.all(c, a + b + c != "")))
      fix: Simplify.
`)
	e := newEnv(t, envOptions{paths: []string{file}, costLimit: 60})
	ev := e.evaluate()
	if len(ev.Problems) != 1 || !strings.HasPrefix(ev.Problems[0], file+":11: scorecard costly, rule tags-cubed is refused: expression exceeded its cost limit of 60") {
		t.Fatalf("problems: %v", ev.Problems)
	}
	errors, passes := 0, 0
	for _, r := range ev.Results {
		if r.Rule("owner").State == scorecard.StatePass {
			passes++
		}
		if tc := r.Rule("tags-cubed"); tc.State == scorecard.StateError {
			errors++
			if !strings.HasPrefix(tc.Detail, "refused: ") {
				t.Errorf("%s: %q", r.Entity, tc.Detail)
			}
			if r.Level != -1 {
				t.Errorf("%s reached a level with a refused rule", r.Entity)
			}
		}
	}
	if passes == 0 || errors == 0 {
		t.Errorf("owner passes on %d, tags-cubed refused on %d", passes, errors)
	}
}

func TestQueryWithFacts(t *testing.T) {
	e := newEnv(t, envOptions{})
	for ref, n := range map[string]float64{"component:default/ledger": 150, "component:default/checkout": 500, "component:default/seller-payouts": 10} {
		if err := e.db.PutFacts(e.ctx, ref, scorecard.ProviderPrometheus, map[string]any{"errors_per_day": n}, e.clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	// The seed's question: services without owner with more than 100 errors a day.
	res, err := e.svc.Query(e.ctx, `!has(entity.spec.owner) && facts.prometheus.errors_per_day > 100`, 10)
	if err != nil {
		t.Fatal(err)
	}
	if res.Count != 1 || res.Entities[0].Ref().String() != "component:default/ledger" {
		t.Errorf("got %d: %v", res.Count, res.Entities)
	}
	res, err = e.svc.Query(e.ctx, `entity.kind == "Component" && facts.catalog.team == "group:default/logistics"`, 10)
	if err != nil || res.Count != 4 {
		t.Errorf("catalog facts: %d %v", res.Count, err)
	}
	// Without facts it is the catalog's query.
	if res, err := e.svc.Query(e.ctx, `entity.kind == "Group"`, 100); err != nil || res.Count < 5 {
		t.Errorf("plain query: %d %v", res.Count, err)
	}
	if _, err := e.svc.Query(e.ctx, `facts.prometheus.errors_per_day >`, 10); err == nil {
		t.Error("a broken expression was accepted")
	}
}

func TestFixInputsAndStaleFacts(t *testing.T) {
	file := writeCard(t, `apiVersion: gantry.dev/v1
kind: Scorecard
metadata: {name: live}
spec:
  levels: [Bronze]
  rules:
    - id: errors
      title: Few errors
      level: Bronze
      expression: facts.prometheus.errors_per_day < 100
      fix:
        hint: Fix the top error.
        action: open-incident
        with:
          service: ${{ entity.metadata.name }}
          repo: ${{ facts.github.repo }}
`)
	prom, err := scorecard.NewPrometheus(scorecard.PrometheusOptions{URL: "http://127.0.0.1:1", Interval: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, envOptions{paths: []string{file}, prometheus: prom})
	ref := "component:default/checkout"
	e.putGitHub(ref, nil)
	e.db.PutFacts(e.ctx, ref, scorecard.ProviderPrometheus, map[string]any{"errors_per_day": 3.0}, e.clock.Now())
	e.evaluate()
	if r := e.result("live", ref); r.Rule("errors").State != scorecard.StatePass {
		t.Errorf("fresh facts: %+v", r.Rule("errors"))
	}
	// Facts older than three intervals are not trusted any more.
	e.clock.Advance(10 * time.Minute)
	e.evaluate()
	if r := e.result("live", ref); r.Rule("errors").State != scorecard.StateUnknown {
		t.Errorf("stale facts: %+v", r.Rule("errors"))
	}
	action, inputs, err := e.svc.FixInputs(e.ctx, "live", "errors", ref)
	if err != nil || action != "open-incident" || inputs["service"] != "checkout" || inputs["repo"] != "bramble/checkout" {
		t.Errorf("fix inputs: %q %v %v", action, inputs, err)
	}
	if _, _, err := e.svc.FixInputs(e.ctx, "live", "nope", ref); err == nil {
		t.Error("an unknown rule gave inputs")
	}
}
