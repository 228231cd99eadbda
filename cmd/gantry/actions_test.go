package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/actions"
	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/store"
)

func TestActionsValidate(t *testing.T) {
	examples, _ := filepath.Abs("../../examples/actions")
	cfg := writeConfig(t, "actions:\n  paths: ["+examples+"]\n  secrets: [INCIDENT_WEBHOOK_URL]\n")
	if out, errOut, code := run(t, nil, "--config", cfg, "actions", "validate"); code != 0 || out != "" || !strings.Contains(errOut, "2 valid actions, 0 problem(s)") {
		t.Fatalf("examples: code %d\n%s%s", code, out, errOut)
	}
	out, _, code := run(t, nil, "--config", cfg, "actions", "list")
	if code != 0 || !strings.Contains(out, "create-service") || !strings.Contains(out, "/create-service") || !strings.Contains(out, "approved by group:default/platform") {
		t.Fatalf("list: %d\n%s", code, out)
	}

	broken := filepath.Join(t.TempDir(), "broken.yaml")
	os.WriteFile(broken, []byte("apiVersion: gantry.dev/v1\nkind: Action\nmetadata: {name: x}\nspec:\n  steps:\n    - id: a\n      uses: http.request\n      with: {url: \"${{ secrets.NOPE }}\"}\n"), 0o644)
	out, _, code = run(t, nil, "--config", cfg, "actions", "validate", broken)
	if code != 1 || !strings.HasPrefix(out, broken+":8: step a: with.url reads secrets.NOPE") {
		t.Fatalf("broken: code %d\n%s", code, out)
	}
}

func TestRunsListAndShow(t *testing.T) {
	examples, _ := filepath.Abs("../../examples/actions")
	cfg := writeConfig(t, "actions:\n  paths: ["+examples+"]\n")
	if _, errOut, code := run(t, nil, "--config", cfg, "catalog", "sync"); code != 0 {
		t.Fatal(errOut)
	}
	// A run, rejected, made through the engine on the config's database.
	dbURL := "sqlite:" + filepath.Join(filepath.Dir(cfg), "gantry.db")
	ctx := context.Background()
	db, err := store.Open(ctx, dbURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	cat, _ := catalog.New(db)
	eng, err := actions.NewEngine(actions.Options{Store: db, Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	set, _, _ := actions.Load([]string{examples}, actions.LoadOptions{Secrets: []string{"INCIDENT_WEBHOOK_URL"}})
	def, _ := set.Get("create-service")
	priya := actions.Actor{SlackID: "U0PAY0001", Ref: "user:default/priya"}
	r, errs, err := eng.Submit(ctx, actions.SubmitRequest{Action: def, Requester: priya, Inputs: map[string]string{
		"name": "ledger-sync", "description": "Copies the ledger to the warehouse.", "owner": "group:default/payments"}})
	if err != nil || len(errs) > 0 {
		t.Fatalf("submit: %v %v", err, errs)
	}
	eng.Decide(ctx, r.ID, actions.Actor{SlackID: "U0PLT0001", Ref: "user:default/alice"}, false, "Use the ledger's export instead.")
	db.Close()

	out, _, code := run(t, nil, "--config", cfg, "runs", "list")
	if code != 0 || !strings.Contains(out, r.ID) || !strings.Contains(out, "rejected") || !strings.Contains(out, "Use the ledger's export instead.") {
		t.Fatalf("runs list: %d\n%s", code, out)
	}
	out, _, code = run(t, nil, "--config", cfg, "runs", "show", r.ID)
	for _, want := range []string{"Run " + r.ID + ": Create a service", "rejected (Use the ledger's export instead.) by user:default/alice",
		"Audit trail:", "run.created", "approval.requested", "approval.rejected", "name: ledger-sync"} {
		if !strings.Contains(out, want) {
			t.Errorf("runs show lacks %q:\n%s", want, out)
		}
	}
	out, _, _ = run(t, nil, "--config", cfg, "runs", "show", r.ID, "--json")
	var j struct {
		ID    string `json:"id"`
		Audit []struct {
			Event string `json:"event"`
		} `json:"audit"`
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil || j.ID != r.ID || len(j.Audit) != 3 {
		t.Fatalf("--json: %v %+v", err, j)
	}
	if _, errOut, code := run(t, nil, "--config", cfg, "runs", "show", "RNOPE"); code != 4 || !strings.Contains(errOut, "there is no run RNOPE") {
		t.Fatalf("unknown run: %d %s", code, errOut)
	}
}

// TestRunsShowSkipped: `runs show` says why a step was skipped, in the
// words Slack uses (actions.SkippedText).
func TestRunsShowSkipped(t *testing.T) {
	run := &actions.Run{ID: "R1", Action: "create-service", State: actions.StateSucceeded,
		Steps: []actions.StepState{
			{ID: "repo", Uses: actions.UsesCreateRepo, Status: actions.StepDone, Attempts: 1},
			{ID: "db", Uses: actions.UsesCreateDatabase, Status: actions.StepSkipped, Memo: map[string]any{"skipReason": "its condition is false (if: inputs.database)"}},
		}}
	var b strings.Builder
	j := runView(run, nil)
	printRun(&b, j)
	want := "skipped: its condition is false (if: inputs.database)"
	if !strings.Contains(b.String(), "     "+want+"\n") || j.Steps[1].Skipped != want || j.Steps[0].Skipped != "" {
		t.Fatalf("runs show:\n%s\n%+v", b.String(), j.Steps)
	}
}
