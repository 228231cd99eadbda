package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// smallCatalog writes a config whose one file source holds a system with
// an unowned component, a component and an API that share a name, a
// broken file and a remote target, and returns the config's path and the
// catalog's folder.
func smallCatalog(t *testing.T) (cfg, dir string) {
	t.Helper()
	dir = t.TempDir()
	files := map[string]string{
		"all.yaml": `apiVersion: backstage.io/v1alpha1
kind: Location
metadata: {name: all}
spec:
  targets: [./team.yaml, ./broken.yaml, "https://example.com/remote/catalog-info.yaml"]
`,
		"team.yaml": `apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: billing-team}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: System
metadata: {name: billing}
spec: {owner: billing-team}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: invoices}
spec: {type: service, lifecycle: production, system: billing}
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: invoices}
spec: {type: openapi, lifecycle: production, owner: billing-team, definition: "openapi: 3.0.0"}
`,
		"broken.yaml": "",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg = filepath.Join(dir, "gantry.yaml")
	conf := "database: sqlite:" + filepath.Join(dir, "gantry.db") + "\ncatalog:\n  sources:\n    - name: small\n      type: file\n      path: " + filepath.Join(dir, "all.yaml") + "\n"
	if err := os.WriteFile(cfg, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg, dir
}

// TestExitCodes holds the documented exit codes: 2 for a usage error
// (missing or extra arguments, unknown flags or commands, an unknown
// source, an ambiguous name), in every command; 4
// when nothing matches (search with or without --json, whoowns, get), 0
// for a query without matches.
func TestExitCodes(t *testing.T) {
	cfg, _ := smallCatalog(t)
	if _, _, code := run(t, nil, "--config", cfg, "catalog", "sync"); code != 0 {
		t.Fatalf("sync: code %d", code)
	}
	for _, c := range []struct {
		args []string
		code int
		err  string // in stderr
	}{
		{[]string{"whoowns"}, 2, "usage: gantry whoowns QUERY"},
		{[]string{"search"}, 2, "usage: gantry search TEXT"},
		{[]string{"catalog", "get"}, 2, "usage: gantry catalog get REF"},
		{[]string{"catalog", "get", "a", "b"}, 2, "accepts 1 arg(s)"},
		{[]string{"catalog", "query"}, 2, "usage: gantry catalog query EXPR"},
		{[]string{"catalog", "validate"}, 2, "usage: gantry catalog validate PATH..."},
		{[]string{"catalog", "sync", "extra"}, 2, "unknown command"},
		{[]string{"catalog", "sync", "--sauce", "x"}, 2, "unknown flag: --sauce; usage: gantry catalog sync [flags]"},
		{[]string{"search", "x", "--limit", "ten"}, 2, `invalid argument "ten" for "--limit"`},
		{[]string{"whoowns", "x", "--jsn"}, 2, "unknown flag: --jsn"},
		{[]string{"catalog", "sync", "--source", "nope"}, 2, `no source named "nope" (configured: small)`},
		{[]string{"catalog", "get", "invoices"}, 2, "api:default/invoices, component:default/invoices"},
		{[]string{"catalog", "get", "nothing-here"}, 4, "nothing-here"},
		{[]string{"search", "zzyzx"}, 4, ""},
		{[]string{"search", "zzyzx", "--json"}, 4, ""},
		{[]string{"whoowns", "zzyzx"}, 4, ""},
		{[]string{"whoowns", "zzyzx", "--json"}, 4, ""},
		// Every other command answers usage mistakes the same way.
		{[]string{"nope"}, 2, `unknown command "nope" for "gantry"`},
		{[]string{"catalog", "nope"}, 2, `unknown command "nope" for "gantry catalog"`},
		{[]string{"catalog", "adopt"}, 2, "usage: gantry catalog adopt ORG/REPO"},
		{[]string{"runs", "show"}, 2, "usage: gantry runs show ID"},
		{[]string{"runs", "list", "--limit", "ten"}, 2, `invalid argument "ten" for "--limit"`},
		{[]string{"actions", "list", "extra"}, 2, "usage: gantry actions list"},
		{[]string{"scorecard", "eval", "--bogus"}, 2, "unknown flag: --bogus"},
		{[]string{"digest", "send", "extra"}, 2, "usage: gantry digest send"},
		{[]string{"serve", "extra"}, 2, "usage: gantry serve"},
		{[]string{"catalog", "query", `entity.kind == "Resource"`}, 0, ""},
		{[]string{"catalog", "get", "component:default/invoices"}, 0, ""},
	} {
		out, errOut, code := run(t, nil, append([]string{"--config", cfg}, c.args...)...)
		if code != c.code || !strings.Contains(errOut, c.err) {
			t.Errorf("%v: code %d, want %d; stderr %q (want %q); stdout %q", c.args, code, c.code, errOut, c.err, out)
		}
	}
	out, _, _ := run(t, nil, "--config", cfg, "search", "zzyzx", "--json")
	if strings.TrimSpace(out) != "{\n  \"count\": 0,\n  \"entities\": []\n}" {
		t.Errorf("search --json without a match: %q", out)
	}
}

// TestSyncOutput: the summary line, then each problem unindented as
// FILE:LINE: (a whole-file problem at line 1), notes on stderr.
func TestSyncOutput(t *testing.T) {
	cfg, _ := smallCatalog(t)
	out, errOut, code := run(t, nil, "--config", cfg, "catalog", "sync")
	if code != 0 {
		t.Fatalf("sync: code %d\n%s%s", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "small: 3 file(s) read in ") || !strings.HasSuffix(lines[0], ": 5 added, 0 updated, 0 removed, 0 unchanged, 0 kept from the last good read, 1 error(s)") {
		t.Fatalf("sync output:\n%s", out)
	}
	if lines[1] != "broken.yaml:1: file is empty: it holds no entity" && !strings.HasSuffix(lines[1], string(filepath.Separator)+"broken.yaml:1: file is empty: it holds no entity") {
		t.Errorf("problem line %q", lines[1])
	}
	if !strings.HasPrefix(errOut, "note: ") || !strings.Contains(errOut, "all.yaml:5: remote target https://example.com/remote/catalog-info.yaml is not fetched") {
		t.Errorf("notes on stderr: %q", errOut)
	}
}

// TestGetShowsTheOrigin: catalog get says where the entity was read, as
// YAML comments and as an origin field in JSON.
func TestGetShowsTheOrigin(t *testing.T) {
	cfg, dir := smallCatalog(t)
	run(t, nil, "--config", cfg, "catalog", "sync")
	out, _, code := run(t, nil, "--config", cfg, "catalog", "get", "component:default/invoices")
	first := strings.SplitN(out, "\n", 2)[0]
	if code != 0 || !strings.HasPrefix(first, "# source small, read from ") || !strings.HasSuffix(first, "team.yaml:11") || !strings.Contains(out, "\nkind: Component\n") {
		t.Errorf("get: code %d\n%s", code, out)
	}
	out, _, code = run(t, nil, "--config", cfg, "catalog", "get", "component:default/invoices", "--json")
	var got struct {
		Kind   string
		Origin struct {
			Source, File string
			Line         int
			Flag         string
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != 0 || got.Kind != "Component" || got.Origin.Source != "small" ||
		!strings.HasSuffix(got.Origin.File, "team.yaml") || got.Origin.Line != 11 || got.Origin.Flag != "" {
		t.Errorf("get --json: code %d %v %+v\n%s", code, err, got, out)
	}
	// team.yaml breaks: the entity is kept, and get says why.
	if err := os.WriteFile(filepath.Join(dir, "team.yaml"), []byte("kind: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, nil, "--config", cfg, "catalog", "sync")
	out, _, _ = run(t, nil, "--config", cfg, "catalog", "get", "component:default/invoices")
	if !strings.Contains(out, "\n# kept from the last good read; its file now fails: ") || !strings.Contains(out, "invalid YAML") {
		t.Errorf("get of a kept entity:\n%s", out)
	}
}

// TestWhoOwnsASystem: the answer for a system lists what it holds, and a
// part without an owner of its own is owned via the system.
func TestWhoOwnsASystem(t *testing.T) {
	cfg, _ := smallCatalog(t)
	run(t, nil, "--config", cfg, "catalog", "sync")
	out, _, code := run(t, nil, "--config", cfg, "whoowns", "billing")
	if code != 0 || !strings.Contains(out, "Owner:    billing-team (group:default/billing-team)") ||
		!strings.Contains(out, "Holds:    component:default/invoices (no owner of its own: owned through this system)") {
		t.Errorf("whoowns billing: code %d\n%s", code, out)
	}
	out, _, code = run(t, nil, "--config", cfg, "whoowns", "component:default/invoices")
	if code != 0 || !strings.Contains(out, "owned via system:default/billing") {
		t.Errorf("whoowns invoices: code %d\n%s", code, out)
	}
	out, _, code = run(t, nil, "--config", cfg, "whoowns", "billing-team")
	if code != 0 || !strings.Contains(out, "Owns:     api:default/invoices, system:default/billing, component:default/invoices (via system:default/billing)") {
		t.Errorf("whoowns billing-team: code %d\n%s", code, out)
	}
}

// TestEmptyCatalog: before the first sync, a question that finds nothing
// says the catalog is empty and how to fill it.
func TestEmptyCatalog(t *testing.T) {
	cfg, _ := smallCatalog(t)
	for _, args := range [][]string{{"whoowns", "invoices"}, {"search", "invoices", "--json"}, {"catalog", "get", "invoices"}, {"catalog", "query", "true"}} {
		_, errOut, code := run(t, nil, append([]string{"--config", cfg}, args...)...)
		want := 4
		if args[0] == "catalog" && args[1] == "query" {
			want = 0
		}
		if code != want || !strings.Contains(errOut, "The catalog is empty: run `gantry catalog sync`") {
			t.Errorf("%v on an empty catalog: code %d, stderr %q", args, code, errOut)
		}
	}
}
