package actions_test

import (
	"context"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/actions"
)

func TestExamplesAreValid(t *testing.T) {
	set, problems, err := actions.Load([]string{filepath.Join(repoRoot(), "examples", "actions")}, actions.LoadOptions{Secrets: []string{"INCIDENT_WEBHOOK_URL"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s", p)
	}
	cs, ok := set.ByCommand("/create-service")
	if !ok {
		t.Fatal("no /create-service")
	}
	uses := map[string]bool{}
	for _, a := range set.All() {
		for _, s := range a.Spec.Steps {
			uses[s.Uses] = true
		}
		// The form shows each input's title; a raw name reads as code.
		for _, in := range a.Spec.Inputs {
			if in.Title == "" {
				t.Errorf("%s: input %s has no title", a.Metadata.Name, in.Name)
			}
		}
	}
	for _, sc := range actions.Schemas() {
		if !uses[sc.Uses] {
			t.Errorf("no example action uses %s", sc.Uses)
		}
	}
	if !cs.Spec.Approval.Needed() || cs.Spec.Approval.Groups[0] != "group:default/platform" {
		t.Errorf("create-service approval: %+v", cs.Spec.Approval)
	}
}

// TestProblemsAreLocated feeds broken definitions and checks each problem
// names the file and the line of the mistake.
func TestProblemsAreLocated(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       []string // "LINE: substring"
	}{
		{"not an action", "apiVersion: v1\nkind: Action\nmetadata: {name: x}\n", []string{"1: apiVersion must be gantry.dev/v1"}},
		{"a list, said once", "- a\n- b\n", []string{"1: the document must be a mapping, not a list"}},
		{"unknown field with a suggestion", `apiVersion: gantry.dev/v1
kind: Action
metadata: {name: x}
spec:
  stpes: []
`, []string{"5: unknown field spec.stpes (did you mean steps?)", "5: spec.steps is required"}},
		{"bad input and step", `apiVersion: gantry.dev/v1
kind: Action
metadata: {name: Bad_Name}
spec:
  command: gantry
  inputs:
    - name: svc
      type: strng
    - name: n
      type: number
      pattern: "[a-z]+"
    - name: svc
      type: string
      pattern: "(unclosed"
  steps:
    - id: repo
      uses: github.createrepo
      with: {owner: x}
    - id: files
      uses: github.commitFiles
      with:
        repo: ${{ steps.later.outputs.fullName }}
        files: {a: "${{ inputs.nope }}"}
        mesage: hi
    - id: later
      uses: http.request
      with: {url: "${{ secrets.TOKEN }}", method: "${{ inputs.svc ++ }}"}
      if: "inputs.svc +"
`, []string{
			"3: metadata.name \"Bad_Name\"",
			"5: spec.command \"gantry\"",
			"8: input svc: type \"strng\"",
			"11: input n: pattern, minLength and maxLength apply to string and text inputs only",
			"11: input n: pattern \"[a-z]+\" must be anchored",
			"12: input \"svc\" is defined twice",
			"14: input svc: pattern \"(unclosed\" is not a valid regular expression",
			"17: step repo: uses \"github.createrepo\" is not a step Gantry has (did you mean github.createRepo?)",
			"22: step files: with.repo reads steps.later, which runs later",
			"23: step files: with.files reads inputs.nope, but there is no input \"nope\"",
			"24: step files (github.commitFiles): unknown field with.mesage (did you mean message?)",
			"27: step later: with.url reads secrets.TOKEN, which is not listed in actions.secrets",
			"27: step later: with.method: in ${{ inputs.svc ++ }}",
			"28: step later: if:",
		}},
		{"step fields", `apiVersion: gantry.dev/v1
kind: Action
metadata: {name: z}
spec:
  steps:
    - uses: http.request
      name: First
      id: First
      with:
        method: POST
    - name: Again
      uses: http.request
      id: a
      with: {url: "https://x"}
    - uses: http.request
      with: {url: "https://x"}
      id: a
`, []string{
			"8: step id \"First\": use lowercase letters",
			"10: step First (http.request): with.url is required", // the with block
			"17: step id \"a\" is used twice",
		}},
		{"approval and allowed", `apiVersion: gantry.dev/v1
kind: Action
metadata: {name: y}
spec:
  allowed: {ownersOf: svc, groups: ["user:default/x"]}
  inputs: [{name: svc, type: string}]
  approval: {users: [user:default/alice], required: 2, mode: some, expires: forever}
  steps: [{id: a, uses: http.request, with: {url: "https://x"}}]
  output: {text: "${{ steps.a.outputs.nothing }}", links: [{title: t}]}
`, []string{
			"5: spec.allowed.groups: \"user:default/x\" is a user, not a group",
			"5: spec.allowed.ownersOf: input \"svc\" must be an entity input",
			"7: spec.approval.mode must be any or all",
			"7: spec.approval.required is 2 but only 1 user(s) may approve",
			"7: spec.approval.expires must be a duration",
			"9: spec.output.text reads steps.a.outputs.nothing, but http.request has no output \"nothing\"",
			"9: spec.output.links[0].url is required",
		}},
		{"each field on its own line", `apiVersion: gantry.dev/v1
kind: Action
metadata:
  title: Fields
  name: Not_A_Name
spec:
  inputs:
    - name: svc
      type: string
      minLength: 5
      maxLength: 2
      pattern: "[a-z]+"
  command: /gantry
  approval:
    groups:
      - group:default/platform
      - user:default/bob
    users: [user:default/alice]
    mode: every
    expires: 90d
    channel: team-platform
  steps: [{id: a, uses: http.request, with: {url: "https://x"}}]
  output:
    links:
      - title: ok
        url: "${{ steps.a.outputs.status }}"
      - title: broken
    text: "${{ steps.nope.outputs.x }}"
`, []string{
			"5: metadata.name \"Not_A_Name\"",
			"10: input svc: minLength is above maxLength",
			"12: input svc: pattern \"[a-z]+\" must be anchored",
			"13: spec.command /gantry is Gantry's own command",
			"17: spec.approval.groups: \"user:default/bob\" is a user, not a group",
			"19: spec.approval.mode must be any or all",
			"20: spec.approval.expires must be a duration",
			"21: spec.approval.channel must be #name",
			"27: spec.output.links[1].url is required",
			"28: spec.output.text reads steps.nope, but there is no such step",
		}},
		{"required that the requester makes impossible", `apiVersion: gantry.dev/v1
kind: Action
metadata: {name: z}
spec:
  approval:
    users: [user:default/alice, user:default/bashir]
    required: 2
  steps: [{id: a, uses: http.request, with: {url: "https://x"}}]
`, []string{
			"7: spec.approval.required is 2 and only 2 user(s) may approve, who may also start the action",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "action.yaml")
			if err := os.WriteFile(file, []byte(c.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			set, problems, err := actions.Load([]string{dir}, actions.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(set.All()) != 0 {
				t.Errorf("a broken action loaded")
			}
			var lines []string
			for _, p := range problems {
				lines = append(lines, p.String())
			}
			got := strings.Join(lines, "\n")
			if len(lines) != len(c.want) {
				t.Errorf("%d problems, want %d:\n%s", len(lines), len(c.want), got)
			}
			for _, w := range c.want {
				if !strings.Contains(got, file+":"+w) {
					t.Errorf("missing %q in:\n%s", file+":"+w, got)
				}
			}
		})
	}
}

// TestBadServiceNames: the example's pattern refuses path tricks, spaces,
// long names and shell metacharacters before anything runs.
func TestBadServiceNames(t *testing.T) {
	set, _, err := actions.Load([]string{filepath.Join(repoRoot(), "examples", "actions", "create-service.yaml")}, actions.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	def, err := set.Get("create-service")
	if err != nil {
		t.Fatal(err)
	}
	base := map[string]string{"description": "Takes card payments.", "owner": "group:default/payments"}
	for _, name := range []string{"../etc", "my service", strings.Repeat("a", 200), "x;rm -rf /", "$(reboot)", "`id`", "a|b", "svc&&ls", "Payments", "-x", "ok\nname"} {
		in := map[string]string{"name": name}
		for k, v := range base {
			in[k] = v
		}
		if _, errs := actions.CheckInputs(def, in); errs["name"] == "" {
			t.Errorf("name %q was accepted", name)
		}
	}
	in := map[string]string{"name": "payments-api"}
	for k, v := range base {
		in[k] = v
	}
	if vals, errs := actions.CheckInputs(def, in); len(errs) > 0 || vals["visibility"] != "private" || vals["database"] != false {
		t.Errorf("a good name: %v %v", errs, vals)
	}
}

// TestTemplatesCannotRunCommands: templates are CEL, which has no function
// that runs a program, reads a file or the network; and the package itself
// never starts a process.
func TestTemplatesCannotRunCommands(t *testing.T) {
	for _, src := range []string{`${{ exec("id") }}`, `${{ system("ls") }}`, "${{ `id` }}", `${{ os.getenv("HOME") }}`, `${{ import("os") }}`} {
		yaml := "apiVersion: gantry.dev/v1\nkind: Action\nmetadata: {name: x}\nspec:\n  steps: [{id: a, uses: http.request, with: {url: '" + strings.ReplaceAll(src, "'", "''") + "'}}]\n"
		acts, _ := actions.Parse("t.yaml", []byte(yaml))
		if valid, probs := actions.Validate(acts, actions.LoadOptions{}); len(valid) != 0 || len(probs) == 0 {
			t.Errorf("%s compiled", src)
		}
	}
	// A value that looks like a template is data: rendered once, never re-read.
	def := parseAction(t, `apiVersion: gantry.dev/v1
kind: Action
metadata: {name: echo}
spec:
  inputs: [{name: text, type: string}]
  steps: [{id: a, uses: http.request, with: {url: "https://x.example/", body: "${{ inputs.text }}"}}]
`)
	e := newEnv(t, enginesSQLite())
	got := ""
	step := actions.StepFunc(func(ctx context.Context, sc *actions.StepContext) (map[string]any, error) {
		got, _ = sc.With["body"].(string)
		return nil, nil
	})
	en := e.engine(map[string]actions.StepRunner{actions.UsesHTTPRequest: step}, nil)
	serve(t, en)
	run, _, err := en.Submit(e.ctx, actions.SubmitRequest{Action: def, Requester: priya, Inputs: map[string]string{"text": "${{ secrets.X }} $(id)"}})
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, en, run.ID, actions.StateSucceeded)
	if got != "${{ secrets.X }} $(id)" {
		t.Fatalf("the input was re-read as a template: %q", got)
	}
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(repoRoot(), "actions", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		ast, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			if p := strings.Trim(imp.Path.Value, `"`); p == "os/exec" || p == "syscall" || p == "plugin" {
				t.Errorf("%s imports %s", f, p)
			}
		}
	}
}
