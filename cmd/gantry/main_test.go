package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// run runs the gantry command line in-process, as a user would type it.
func run(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := newRootCommand(&out, &errOut, func(k string) string { return env[k] })
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	code = exitCodeTo(&errOut, err)
	return out.String(), errOut.String(), code
}

// writeConfig writes a gantry.yaml using the example catalog and a fresh
// database, and returns its path.
func writeConfig(t *testing.T, extra string) string {
	t.Helper()
	dir := t.TempDir()
	examples, err := filepath.Abs("../../examples/catalog/all.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := "database: sqlite:" + filepath.Join(dir, "gantry.db") + "\ncatalog:\n  sources:\n    - name: examples\n      type: file\n      path: " + examples + "\n" + extra
	path := filepath.Join(dir, "gantry.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

var problemLine = regexp.MustCompile(`^[^:]+\.ya?ml:\d+: .+`)

func TestValidate(t *testing.T) {
	out, _, code := run(t, nil, "catalog", "validate", "../../examples/catalog/all.yaml")
	if code != 0 || out != "" {
		t.Fatalf("valid catalog: code %d, output %q", code, out)
	}
	out, errOut, code := run(t, nil, "catalog", "validate", "../../examples/broken")
	if code != 1 {
		t.Fatalf("broken catalog: code %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for _, l := range lines {
		if !problemLine.MatchString(l) {
			t.Errorf("not FILE:LINE: message: %q", l)
		}
	}
	for _, want := range []string{"invalid YAML", "metadata.name is required", "not a valid name", "unknown apiVersion", "no such file", "Location cycle", "already defined"} {
		if !strings.Contains(out, want) {
			t.Errorf("validate output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "problem(s)") {
		t.Errorf("no summary on stderr: %q", errOut)
	}
}

func TestSyncWhoOwnsSearchQueryGet(t *testing.T) {
	cfg := writeConfig(t, "")
	out, _, code := run(t, nil, "--config", cfg, "catalog", "sync")
	if code != 0 || !strings.Contains(out, "examples:") || !strings.Contains(out, "82 added") {
		t.Fatalf("sync: code %d\n%s", code, out)
	}
	out, _, code = run(t, nil, "--config", cfg, "catalog", "sync", "--source", "examples")
	if code != 0 || !strings.Contains(out, "0 added, 0 updated, 0 removed, 82 unchanged") {
		t.Fatalf("re-sync: code %d\n%s", code, out)
	}
	if _, errOut, code := run(t, nil, "--config", cfg, "catalog", "sync", "--source", "nope"); code != 2 || !strings.Contains(errOut, "examples") {
		t.Errorf("unknown source: code %d %q", code, errOut)
	}

	out, _, code = run(t, nil, "--config", cfg, "whoowns", "checkout", "--json")
	if code != 0 {
		t.Fatalf("whoowns: code %d", code)
	}
	var who struct {
		Query   string `json:"query"`
		Matches []struct {
			Ref, Kind, Title string
			Owner            struct {
				Ref, DisplayName, Email, SlackChannel string
				Members                               []struct{ Ref, Email, SlackUserID string }
			}
			OwnedVia *string         `json:"ownedVia"`
			Oncall   json.RawMessage `json:"oncall"`
			Links    []struct{ URL string }
			System   string
			Domain   string
		} `json:"matches"`
		Suggestions []string `json:"suggestions"`
	}
	if err := json.Unmarshal([]byte(out), &who); err != nil {
		t.Fatalf("whoowns --json: %v\n%s", err, out)
	}
	m := who.Matches[0]
	if who.Query != "checkout" || m.Ref != "component:default/checkout" || m.Owner.Ref != "group:default/payments" ||
		m.Owner.SlackChannel != "#team-payments" || len(m.Owner.Members) != 4 || m.Owner.Members[0].SlackUserID == "" ||
		m.System != "system:default/payments-platform" || m.Domain != "domain:default/commerce" || who.Suggestions == nil {
		t.Errorf("whoowns contract: %+v", who)
	}
	for _, key := range []string{`"ownedVia": null`, `"oncall": {`, `"suggestions": []`, `"slackUserId"`, `"displayName"`} {
		if !strings.Contains(out, key) {
			t.Errorf("whoowns --json lacks %s", key)
		}
	}

	out, _, code = run(t, nil, "--config", cfg, "whoowns", "chekout")
	if code != 4 || !strings.Contains(out, "Did you mean: component:default/checkout") {
		t.Errorf("whoowns miss: code %d\n%s", code, out)
	}

	for _, args := range [][]string{{"search", "refunds", "--json"}, {"catalog", "query", `entity.kind == "Component" && !has(entity.spec.owner)`, "--json"}} {
		out, _, code = run(t, nil, append([]string{"--config", cfg}, args...)...)
		var list struct {
			Count    int `json:"count"`
			Entities []struct {
				Ref, Kind, Title, Owner string
			} `json:"entities"`
		}
		if err := json.Unmarshal([]byte(out), &list); err != nil || code != 0 || list.Count == 0 || len(list.Entities) == 0 || list.Entities[0].Ref == "" {
			t.Errorf("%v: code %d, %v\n%s", args, code, err, out)
		}
	}
	if _, errOut, code := run(t, nil, "--config", cfg, "catalog", "query", "entity.kind =="); code != 2 || !strings.Contains(errOut, "1:") {
		t.Errorf("bad query: code %d %q", code, errOut)
	}

	out, _, code = run(t, nil, "--config", cfg, "catalog", "get", "component:default/checkout")
	if code != 0 || !strings.Contains(out, "kind: Component") || !strings.Contains(out, "backstage.io/managed-by-location") || !strings.Contains(out, "targetRef: group:default/payments") {
		t.Errorf("get: code %d\n%s", code, out)
	}
	if _, _, code := run(t, nil, "--config", cfg, "catalog", "get", "component:default/nope"); code != 4 {
		t.Errorf("get missing: code %d", code)
	}
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "gantry.yaml")
	os.WriteFile(path, []byte("database: sqlite:x.db\nserver:\n  listen: 127.0.0.1:0\n  lisen: typo\n"), 0o644)
	_, errOut, code := run(t, nil, "--config", path, "whoowns", "x")
	if code != 2 || !strings.Contains(errOut, path+":4: unknown field \"lisen\" (in server)") {
		t.Errorf("unknown field: code %d %q", code, errOut)
	}
	_, errOut, code = run(t, nil, "--config", filepath.Join(dir, "missing.yaml"), "whoowns", "x")
	if code != 2 || !strings.Contains(errOut, "no such file") {
		t.Errorf("missing config: code %d %q", code, errOut)
	}
	// The database URL from the environment wins over the file, and --db over both.
	cfg := writeConfig(t, "")
	env := map[string]string{"GANTRY_DATABASE_URL": "mysql://nope"}
	if _, errOut, code := run(t, env, "--config", cfg, "catalog", "sync"); code != 2 || !strings.Contains(errOut, "database must be") {
		t.Errorf("GANTRY_DATABASE_URL not applied: code %d %q", code, errOut)
	}
	if _, _, code := run(t, env, "--config", cfg, "--db", "sqlite:"+filepath.Join(dir, "db.sqlite"), "catalog", "sync"); code != 0 {
		t.Errorf("--db not applied: code %d", code)
	}
}
