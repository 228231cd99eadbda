package scorecard_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/scorecard"
)

func TestExampleLoads(t *testing.T) {
	set, problems, err := scorecard.Load([]string{examplePath("scorecards")}, scorecard.LoadOptions{})
	if err != nil || len(problems) > 0 {
		t.Fatalf("the example has problems: %v %v", err, problems)
	}
	sc, err := set.Get(prodReadiness)
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Levels) != 3 || sc.Levels[0].Name != "Bronze" || sc.Levels[2].Name != "Gold" {
		t.Errorf("levels: %+v", sc.Levels)
	}
	// The default the issue lists, rule by rule.
	want := []string{"owner", "description", "readme", "codeowners", "oncall", "docs", "branch-protection", "ci-passing",
		"security-md", "recent-activity", "no-stale-prs", "dependency-updates"}
	var got []string
	for _, r := range sc.Rules {
		got = append(got, r.ID)
		if r.Fix.Hint == "" {
			t.Errorf("rule %s has no fix hint", r.ID)
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("rules: %v, want %v", got, want)
	}
	if sc.Digest == nil || sc.Digest.Schedule != "0 9 * * 1" || sc.Digest.Fallback != "#engineering" {
		t.Fatalf("digest: %+v", sc.Digest)
	}
	// Mondays at 09:00 in Paris: 08:00 UTC in winter, 07:00 UTC in summer.
	next := sc.Digest.Next(time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC))
	if want := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC); !next.Equal(want) {
		t.Errorf("next digest %v, want %v", next, want)
	}
	summer := sc.Digest.Next(time.Date(2026, 6, 2, 0, 0, 0, 0, time.UTC))
	if want := time.Date(2026, 6, 8, 7, 0, 0, 0, time.UTC); !summer.Equal(want) {
		t.Errorf("next summer digest %v, want %v", summer, want)
	}
	start, end, ok := sc.Digest.Period(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	if !ok || !start.Equal(time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)) || !end.Equal(time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("period %v – %v %v", start, end, ok)
	}
	prev, ok := sc.Digest.Previous(start)
	if !ok || !prev.Equal(time.Date(2026, 11, 16, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("previous period %v %v", prev, ok)
	}
}

const goodCard = `apiVersion: gantry.dev/v1
kind: Scorecard
metadata:
  name: %s
spec:
  levels: [Bronze, Silver]
  rules:
    - id: owner
      level: Bronze
      expression: facts.catalog.has_owner
      fix: Set spec.owner.
`

// writeFiles writes name → content into a temporary folder.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// A rule with a syntax error is reported with its file and line, and the
// other scorecards still load.
func TestSyntaxErrorReportedWhileOthersLoad(t *testing.T) {
	broken := `apiVersion: gantry.dev/v1
kind: Scorecard
metadata:
  name: broken
spec:
  levels: [Bronze]
  rules:
    - id: ok
      level: Bronze
      expression: facts.catalog.has_owner
      fix: fine
    - id: typo
      level: Bronze
      expression: facts.catalog.has_owner &&& true
      fix: fix it
    - id: multiline
      level: Bronze
      expression: |
        facts.catalog.has_owner &&
          entity.metadata.name ==
          )
      fix: fix it
`
	dir := writeFiles(t, map[string]string{"a-good.yaml": sprintf(goodCard, "good"), "b-broken.yaml": broken, "c-good.yaml": sprintf(goodCard, "also-good")})
	set, problems, err := scorecard.Load([]string{dir}, scorecard.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, sc := range set.All() {
		names = append(names, sc.Name)
	}
	if strings.Join(names, ",") != "also-good,good" {
		t.Errorf("loaded %v; the good scorecards must load and the broken one not", names)
	}
	file := filepath.Join(dir, "b-broken.yaml")
	wantPrefixes := []string{file + ":14: spec.rules[1] (typo).expression: column 27: Syntax error", file + ":21: spec.rules[2] (multiline).expression: column 3: Syntax error"}
	if len(problems) != len(wantPrefixes) {
		t.Fatalf("problems: %v", problems)
	}
	for i, p := range problems {
		if !strings.HasPrefix(p.String(), wantPrefixes[i]) {
			t.Errorf("problem %d: %q, want it to start with %q", i, p.String(), wantPrefixes[i])
		}
	}
	if !strings.Contains(problems[0].Message, "Syntax error") {
		t.Errorf("the message should say what is wrong: %s", problems[0])
	}
}

func TestDefinitionProblems(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       []string // "LINE: substring"
	}{
		{"unknown field", `apiVersion: gantry.dev/v1
kind: Scorecard
metadata: {name: x}
spec:
  levels: [Bronze]
  rulez: []
`, []string{"6: unknown field spec.rulez (did you mean rules?)", "5: spec.rules must list"}},
		{"level not defined, duplicate id, bad weight", `apiVersion: gantry.dev/v1
kind: Scorecard
metadata: {name: x}
spec:
  levels: [Bronze, Silver]
  rules:
    - id: a
      level: Platinum
      expression: "true"
      fix: x
    - id: a
      level: bronze
      weight: heavy
      expression: "true"
      fix: x
`, []string{`8: spec.rules[0] (a).level "Platinum" is not one of the levels (Bronze, Silver)`, `11: spec.rules[1] (a).id "a" is already used at line 7`, "13: spec.rules[1] (a).weight must be a number"}},
		{"missing fix and expression", `apiVersion: gantry.dev/v1
kind: Scorecard
metadata: {name: x}
spec:
  levels: [Bronze]
  rules:
    - id: a
      level: Bronze
      fix: {}
`, []string{"7: spec.rules[0] (a).expression is required", "9: spec.rules[0] (a).fix needs a hint"}},
		{"digest schedule and zone", `apiVersion: gantry.dev/v1
kind: Scorecard
metadata: {name: x}
spec:
  levels: [Bronze]
  rules: [{id: a, level: Bronze, expression: "true", fix: x}]
  digest:
    schedule: "0 9 * * 1"
    timeZone: Mars/Olympus
`, []string{`9: spec.digest: timeZone "Mars/Olympus" is not a time zone name`}},
		{"bad cron and channel", `apiVersion: gantry.dev/v1
kind: Scorecard
metadata: {name: x}
spec:
  levels: [Bronze]
  rules: [{id: a, level: Bronze, expression: "true", fix: x}]
  digest:
    schedule: every monday
    fallback: engineering
`, []string{`8: spec.digest: schedule "every monday" is not a cron expression`}},
		{"interval schedule refused", `apiVersion: gantry.dev/v1
kind: Scorecard
metadata: {name: x}
spec:
  levels: [Bronze]
  rules: [{id: a, level: Bronze, expression: "true", fix: x}]
  digest:
    schedule: "@every 1h"
    channel: engineering
`, []string{"8: spec.digest: schedule \"@every 1h\": a digest needs calendar times"}},
		{"wrong kind and version", `apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: x}
`, []string{"1: apiVersion must be gantry.dev/v1"}},
		{"filter that does not compile", `apiVersion: gantry.dev/v1
kind: Scorecard
metadata: {name: x}
spec:
  filter: entity.kind ==
  levels: [Bronze]
  rules: [{id: a, level: Bronze, expression: "true", fix: x}]
`, []string{"5: spec.filter: column "}},
		{"fix with inputs but no action", `apiVersion: gantry.dev/v1
kind: Scorecard
metadata: {name: x}
spec:
  levels: [Bronze]
  rules:
    - id: a
      level: Bronze
      expression: "true"
      fix:
        hint: x
        with: {repo: "${{ facts.github.repo"}
`, []string{"12: spec.rules[0] (a).fix.with prefills an action's inputs", "12: spec.rules[0] (a).fix.with.repo: "}},
		{"invalid YAML", "apiVersion: gantry.dev/v1\nkind: [\n", []string{"2: invalid YAML"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "card.yaml")
			if err := os.WriteFile(file, []byte(c.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			set, problems, err := scorecard.Load([]string{file}, scorecard.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(set.All()) != 0 {
				t.Errorf("a scorecard with problems was loaded")
			}
			for _, w := range c.want {
				line, msg, _ := strings.Cut(w, ": ")
				if !hasProblem(problems, file, line, msg) {
					t.Errorf("no problem %s:%s: %s…\ngot:\n%s", file, line, msg, catalog.Problems(problems).Error())
				}
			}
		})
	}
}

func hasProblem(ps []catalog.Problem, file, line, msg string) bool {
	for _, p := range ps {
		if strings.HasPrefix(p.String(), file+":"+line+": "+msg) {
			return true
		}
	}
	return false
}

func TestDuplicateScorecardAcrossFiles(t *testing.T) {
	dir := writeFiles(t, map[string]string{"a.yaml": sprintf(goodCard, "same"), "b.yaml": sprintf(goodCard, "same")})
	set, problems, err := scorecard.Load([]string{dir}, scorecard.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(set.All()) != 1 || len(problems) != 1 || !strings.Contains(problems[0].Message, `scorecard "same" is already defined at `+filepath.Join(dir, "a.yaml")+":1") {
		t.Errorf("got %d scorecards, problems %v", len(set.All()), problems)
	}
}

// An expression over the cost limit is refused: at load when it exceeds it
// on any entity (here on an empty one), at evaluation otherwise (see
// TestOverCostRuleRefusedAtEvaluation).
func TestOverCostExpressionRefusedAtLoad(t *testing.T) {
	y := `apiVersion: gantry.dev/v1
kind: Scorecard
metadata: {name: costly}
spec:
  levels: [Bronze]
  rules:
    - id: spin
      level: Bronze
      expression: "[1,2,3,4,5,6,7,8,9,10].all(a, [1,2,3,4,5,6,7,8,9,10].all(b, [1,2,3,4,5,6,7,8,9,10].all(c, a+b+c > 0)))"
      fix: x
`
	file := filepath.Join(t.TempDir(), "costly.yaml")
	if err := os.WriteFile(file, []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
	set, problems, err := scorecard.Load([]string{file}, scorecard.LoadOptions{CostLimit: 5000})
	if err != nil {
		t.Fatal(err)
	}
	if len(set.All()) != 0 || len(problems) != 1 || !strings.HasPrefix(problems[0].String(), file+":9: spec.rules[0] (spin).expression is refused: expression exceeded its cost limit of 5000") {
		t.Fatalf("got %d scorecards, problems %v", len(set.All()), problems)
	}
	// The same rule under the default limit is fine.
	if set, problems, _ := scorecard.Load([]string{file}, scorecard.LoadOptions{}); len(set.All()) != 1 || len(problems) != 0 {
		t.Errorf("under the default limit: %v", problems)
	}
}

func TestLevelsAsMappingsAndEmoji(t *testing.T) {
	y := `apiVersion: gantry.dev/v1
kind: Scorecard
metadata: {name: m}
spec:
  levels:
    - {name: Basic, emoji: ":seedling:"}
    - name: Good
    - name: Better
    - name: Best
  rules: [{id: a, level: best, expression: "true", fix: x}]
`
	file := filepath.Join(t.TempDir(), "m.yaml")
	os.WriteFile(file, []byte(y), 0o644)
	set, problems, _ := scorecard.Load([]string{file}, scorecard.LoadOptions{})
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	sc := set.All()[0]
	got := []string{sc.LevelEmoji(-1), sc.LevelEmoji(0), sc.LevelEmoji(1), sc.LevelEmoji(2), sc.LevelEmoji(3)}
	want := []string{":heavy_minus_sign:", ":seedling:", ":third_place_medal:", ":second_place_medal:", ":first_place_medal:"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("emoji %v, want %v", got, want)
	}
	if sc.Rules[0].Level != "Best" || sc.Rules[0].LevelIndex() != 3 {
		t.Errorf("a rule's level is matched case-insensitively and spelt as defined: %q %d", sc.Rules[0].Level, sc.Rules[0].LevelIndex())
	}
}
