package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/slackfake"
)

func scorecardConfig(t *testing.T, extra string) string {
	t.Helper()
	examples, _ := filepath.Abs("../../examples/scorecards")
	return writeConfig(t, "scorecards:\n  paths: ["+examples+"]\n"+extra)
}

func TestScorecardValidate(t *testing.T) {
	cfg := scorecardConfig(t, "")
	if out, errOut, code := run(t, nil, "--config", cfg, "scorecard", "validate"); code != 0 || out != "" || !strings.Contains(errOut, "1 valid scorecard(s) (production-readiness), 0 problem(s)") {
		t.Fatalf("examples: code %d\n%s%s", code, out, errOut)
	}
	broken := filepath.Join(t.TempDir(), "broken.yaml")
	os.WriteFile(broken, []byte("apiVersion: gantry.dev/v1\nkind: Scorecard\nmetadata: {name: x}\nspec:\n  levels: [Bronze]\n  rules:\n    - id: a\n      level: Bronze\n      expression: facts.github.has_readme ==\n      fix: x\n"), 0o644)
	out, errOut, code := run(t, nil, "--config", cfg, "scorecard", "validate", broken)
	if code != 1 || !strings.HasPrefix(out, broken+":9: spec.rules[0] (a).expression: column ") || !problemLine.MatchString(strings.TrimSpace(out)) {
		t.Fatalf("broken: code %d\n%s%s", code, out, errOut)
	}
	// The Prometheus queries of the config are checked too.
	bad := scorecardConfig(t, "  prometheus:\n    url: http://prometheus:9090\n    facts:\n      errors_per_day: 'sum(${{ entity.metadata.name'\n")
	if out, _, code := run(t, nil, "--config", bad, "scorecard", "validate"); code != 1 || !strings.Contains(out, "prometheus fact errors_per_day") {
		t.Errorf("bad prometheus query: %d %s", code, out)
	}
	if _, errOut, code := run(t, nil, "--config", writeConfig(t, ""), "scorecard", "validate"); code != 2 || !strings.Contains(errOut, "no scorecards to check") {
		t.Errorf("no scorecards: %d %s", code, errOut)
	}
}

func TestScorecardEvalAndDigestPreview(t *testing.T) {
	cfg := scorecardConfig(t, "")
	if _, errOut, code := run(t, nil, "--config", cfg, "catalog", "sync"); code != 0 {
		t.Fatal(errOut)
	}
	out, errOut, code := run(t, nil, "--config", cfg, "scorecard", "eval")
	if code != 0 || !strings.Contains(out, "Production readiness (production-readiness): 20 entities") ||
		!strings.Contains(out, "component:default/checkout") || !strings.Contains(out, "unknown: readme") ||
		!strings.Contains(errOut, "20 result(s), 0 changed since the last evaluation") {
		t.Fatalf("eval: %d\n%s%s", code, out, errOut)
	}
	out, _, code = run(t, nil, "--config", cfg, "scorecard", "eval", "--json", "--entity", "checkout")
	var ev struct {
		Results []struct {
			Entity string `json:"entity"`
			Rules  []struct {
				Rule, State string
			} `json:"rules"`
		} `json:"results"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &ev) != nil || len(ev.Results) != 1 || len(ev.Results[0].Rules) != 12 {
		t.Fatalf("eval --json: %d\n%s", code, out)
	}

	out, _, code = run(t, nil, "--config", cfg, "digest", "preview", "--team", "payments")
	if code != 0 || !strings.Contains(out, `"channel": "#team-payments"`) || !strings.Contains(out, `"type": "header"`) ||
		!strings.Contains(out, "# As text\nProduction readiness: Payments  → #team-payments") || !strings.Contains(out, "Next fixes") {
		t.Fatalf("preview: %d\n%s", code, out)
	}
	out, _, code = run(t, nil, "--config", cfg, "digest", "preview", "--team", "logistics", "--format", "json")
	var payload struct {
		Channel string            `json:"channel"`
		Blocks  []json.RawMessage `json:"blocks"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &payload) != nil || payload.Channel != "#engineering" || len(payload.Blocks) < 5 {
		t.Fatalf("preview logistics --format json: %d\n%s", code, out)
	}
	if _, errOut, code := run(t, nil, "--config", cfg, "digest", "preview", "--team", "nobody"); code != 4 || !strings.Contains(errOut, "nobody") {
		t.Errorf("unknown team: %d %s", code, errOut)
	}
	if _, errOut, code := run(t, nil, "--config", cfg, "digest", "preview"); code == 0 || !strings.Contains(errOut, "team") {
		t.Errorf("no team: %d %s", code, errOut)
	}
}

func TestDigestSend(t *testing.T) {
	fake := slackfake.NewServer(t, slackfake.Options{})
	payments := fake.AddChannel("team-payments")
	env := map[string]string{"SLACK_APP_TOKEN": fake.AppToken(), "SLACK_BOT_TOKEN": fake.BotToken(), "SLACK_API_URL": fake.APIURL()}
	cfg := scorecardConfig(t, "")
	if _, errOut, code := run(t, env, "--config", cfg, "catalog", "sync"); code != 0 {
		t.Fatal(errOut)
	}
	out, errOut, code := run(t, env, "--config", cfg, "digest", "send", "--team", "payments")
	if code != 0 || !strings.Contains(out, "1 posted") || len(fake.Messages(payments.ID)) != 1 {
		t.Fatalf("send: %d\n%s%s", code, out, errOut)
	}
	// Once per period: a second send says where it is.
	out, _, code = run(t, env, "--config", cfg, "digest", "send", "--team", "group:default/payments")
	if code != 0 || !strings.Contains(out, "1 already posted") || !strings.Contains(out, "already") || len(fake.Messages(payments.ID)) != 1 {
		t.Fatalf("send again: %d\n%s", code, out)
	}
	// Slack refuses the channel for good: reported, exit 1.
	out, _, code = run(t, env, "--config", cfg, "digest", "send", "--team", "search")
	if code != 1 || !strings.Contains(out, "failed") || !strings.Contains(out, "channel_not_found") {
		t.Errorf("send to a channel that does not exist: %d\n%s", code, out)
	}
	// The failure is final for the period: sending again does not post…
	search := fake.AddChannel("team-search")
	out, errOut, code = run(t, env, "--config", cfg, "digest", "send", "--team", "search")
	if code != 1 || !strings.Contains(out, "1 already posted") || !strings.Contains(errOut, "--retry-failed") || len(fake.Messages(search.ID)) != 0 {
		t.Errorf("send again after the failure: %d\n%s%s", code, out, errOut)
	}
	// …until asked to, once the channel exists.
	out, errOut, code = run(t, env, "--config", cfg, "digest", "send", "--team", "search", "--retry-failed")
	if code != 0 || !strings.Contains(out, "1 posted") || len(fake.Messages(search.ID)) != 1 {
		t.Errorf("--retry-failed: %d\n%s%s", code, out, errOut)
	}
	// A posted digest is never reopened.
	out, _, code = run(t, env, "--config", cfg, "digest", "send", "--team", "payments", "--retry-failed")
	if code != 0 || !strings.Contains(out, "1 already posted") || len(fake.Messages(payments.ID)) != 1 {
		t.Errorf("--retry-failed on a posted digest: %d\n%s", code, out)
	}
}

// A fix naming an action that the config does not define, or prefilling
// an input its action does not have, is a problem at its line (with the
// nearest defined name) once actions are configured.
func TestScorecardValidateFixActions(t *testing.T) {
	card := filepath.Join(t.TempDir(), "fixes.yaml")
	if err := os.WriteFile(card, []byte(`apiVersion: gantry.dev/v1
kind: Scorecard
metadata: {name: fixes}
spec:
  levels: [Bronze]
  rules:
    - id: typo
      level: Bronze
      expression: "true"
      fix:
        hint: Create it.
        action: create-servce
    - id: unknown
      level: Bronze
      expression: "true"
      fix: {action: rename-everything}
    - id: known
      level: Bronze
      expression: "true"
      fix: {action: rollback}
    - id: inputs
      level: Bronze
      expression: "true"
      fix:
        action: rollback
        with:
          service: ${{ entity.metadata.name }}
          verison: "1.2.3"
`), 0o644); err != nil {
		t.Fatal(err)
	}
	examples, _ := filepath.Abs("../../examples/actions")
	withActions := scorecardConfig(t, "actions:\n  paths: ["+examples+"]\n  secrets: [INCIDENT_WEBHOOK_URL]\n")
	out, errOut, code := run(t, nil, "--config", withActions, "scorecard", "validate", card)
	want := card + `:12: fix action "create-servce" is not defined; did you mean "create-service"?` + "\n" +
		card + `:16: fix action "rename-everything" is not defined` + "\n" +
		card + `:28: fix action "rollback" has no input "verison"; did you mean "version"?` + "\n"
	if code != 1 || out != want || !strings.Contains(errOut, "1 valid scorecard(s) (fixes), 3 problem(s)") {
		t.Errorf("with actions: code %d\n%s%s\nwant\n%s", code, out, errOut, want)
	}
	// Without actions, the names are not checked.
	if out, errOut, code := run(t, nil, "--config", scorecardConfig(t, ""), "scorecard", "validate", card); code != 0 || out != "" {
		t.Errorf("without actions: code %d\n%s%s", code, out, errOut)
	}
}
