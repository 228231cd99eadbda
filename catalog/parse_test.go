package catalog

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

const testFile = "catalog/team-a.yaml"

// component is a valid descriptor of 8 lines.
const component = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout
spec:
  type: service
  lifecycle: production
  owner: team-a
`

func parse(src string) Parsed { return ParseFile(testFile, []byte(src), ParseOptions{}) }

// problemStrings renders problems as "FILE:LINE: message".
func problemStrings(ps []Problem) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

// TestParseFileBadInputs checks each bad input the product promises to
// report: the file, the exact line and the reason.
func TestParseFileBadInputs(t *testing.T) {
	cases := []struct {
		name   string
		src    string
		line   int
		msg    string
		broken bool
	}{
		{"unclosed flow sequence", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: a\n  tags: [a, b\nspec:\n  type: service\n",
			5, "invalid YAML: did not find expected ',' or ']'", true},
		{"unclosed flow sequence at the end", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: a\n  tags: [a, b\n\n\n",
			5, "did not find expected ',' or ']'", true},
		{"unclosed flow mapping", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: a\nspec:\n  type: service\n",
			3, "did not find expected ',' or '}'", true},
		{"unclosed flow sequence on line 1", "tags: [a,\n  b\n", 1, "did not find expected ',' or ']'", true},
		{"unclosed bracket in a later document", "# nothing\n---\nkind: [\n", 3, "did not find expected node content", true},
		{"bad indentation: over-indented key", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: a\n   title: b\nspec:\n  type: service\n",
			5, "mapping values are not allowed in this context", true},
		{"bad indentation: key between two levels", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n    name: a\n  title: b\nspec:\n  type: service\n",
			5, "did not find expected key", true},
		{"bad indentation deep in a mapping", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: a\n  title: b\n  labels:\n    a: b\n   c: d\nspec:\n  type: service\n",
			8, "did not find expected key", true},
		{"list item inside a mapping", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: a\n- x\n",
			5, "did not find expected key", true},
		{"tab indentation", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n\tname: a\nspec:\n  type: service\n",
			4, "found character that cannot start any token", true},
		{"unterminated double quote", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: \"a\nspec:\n  type: service\n",
			4, "found unexpected end of stream", true},
		{"unterminated single quote", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: 'a\n",
			4, "found unexpected end of stream", true},
		{"error on the first line", "%FOO bar\n", 1, "found unknown directive name", true},
		{"duplicate YAML directive", "%YAML 1.1\n%YAML 1.1\n---\n", 2, "found duplicate %YAML directive", true},
		{"unknown alias", component + "  system: *nope\n", 9, "unknown anchor 'nope' referenced", true},
		{"unrendered template", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\n  {%- if values.description %}\n",
			5, "unrendered template skeleton", true},
		{"a missing required field", strings.Replace(component, "  lifecycle: production\n", "", 1), 5, "spec.lifecycle is required for a Component", false},
		{"a name with a space", strings.Replace(component, "name: checkout", "name: check out", 1), 4, `metadata.name "check out" is not a valid name`, false},
		{"an unknown apiVersion", strings.Replace(component, "v1alpha1", "v2", 1), 1, `unknown apiVersion "backstage.io/v2" for kind Component`, false},
		{"an empty file", "", 1, "file is empty", true},
		{"only blank lines", "\n  \n\t\n", 1, "file is empty", true},
		{"duplicated keys", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: a\n  name: b\n", 5, `key "name" is defined twice (first on line 4)`, false},
		{"duplicated top-level keys", component + "spec: {}\n", 9, `key "spec" is defined twice (first on line 5)`, false},
		{"a list document", "- apiVersion: backstage.io/v1alpha1\n- kind: Component\n", 1, "document is not a mapping", false},
		{"a scalar document", "\n\nhello\n", 3, "document is not a mapping", false},
		{"not an entity", "catalog:\n  locations: []\n", 1, "not a catalog entity", false},
		{"a key that is a mapping", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {{cookiecutter.name}}\n", 4, "a key is a mapping", false},
		{"tags as a string", strings.Replace(component, "  name: checkout\n", "  name: checkout\n  tags: x\n", 1), 5, "metadata.tags must be a list of strings", false},
		{"a tag that is a number", strings.Replace(component, "  name: checkout\n", "  name: checkout\n  tags:\n    - ok\n    - 3\n", 1), 7, "metadata.tags[1] must be a string, not a number", false},
		{"owner as a list", strings.Replace(component, "  owner: team-a\n", "  owner: [a]\n", 1), 8, "spec.owner must be a string, not a list", false},
		{"owner as a block list", strings.Replace(component, "  owner: team-a\n", "  owner:\n    - a\n", 1), 8, "spec.owner must be a string, not a list", false},
		{"an annotation that is a number", strings.Replace(component, "  name: checkout\n", "  name: checkout\n  annotations:\n    pagerduty.com/service-id: 12345\n", 1), 6,
			"metadata.annotations.pagerduty.com/service-id must be a string, not a number (quote it)", false},
		{"a label that is a boolean", strings.Replace(component, "  name: checkout\n", "  name: checkout\n  labels:\n    public: true\n", 1), 6,
			"metadata.labels.public must be a string, not a boolean (quote it)", false},
		{"metadata as a string", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: checkout\nspec:\n  type: service\n  lifecycle: production\n", 3,
			"metadata must be a mapping, not a string", false},
		{"spec as a list", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: a\nspec:\n  - type\n", 5, "spec must be a mapping, not a list", false},
		{"kind as a number", strings.Replace(component, "kind: Component", "kind: 3", 1), 2, "kind must be a string, not a number", false},
		{"an empty namespace", strings.Replace(component, "  name: checkout\n", "  name: checkout\n  namespace: \"\"\n", 1), 5, "metadata.namespace must not be empty", false},
		{"a link without url", strings.Replace(component, "  name: checkout\n", "  name: checkout\n  links:\n    - title: Docs\n", 1), 6, "metadata.links[0].url is required", false},
		{"a control character", component + "  system: a\x01b\n", 9, "character U+0001 is not allowed in YAML", true},
		{"a NUL byte", component + "\x00", 9, "not UTF-8 text (binary content)", true},
		{"a PNG header", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 1, "not UTF-8 text (binary content)", true},
		{"Latin-1 text", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: caf\xe9\n", 4, "not UTF-8 text", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := parse(c.src)
			if len(p.Problems) != 1 {
				t.Fatalf("want 1 problem, got %d: %q", len(p.Problems), problemStrings(p.Problems))
			}
			got := p.Problems[0]
			if got.File != testFile || got.Line != c.line || !strings.Contains(got.Message, c.msg) {
				t.Errorf("problem %q, want %s:%d: ...%s...", got, testFile, c.line, c.msg)
			}
			if p.Broken != c.broken {
				t.Errorf("Broken = %v, want %v", p.Broken, c.broken)
			}
			if len(p.Entities) != 0 {
				t.Errorf("%d entities returned with a problem", len(p.Entities))
			}
		})
	}
}

func TestParseFileTooLarge(t *testing.T) {
	// A valid YAML file of 10 MB: refused whole, before it is parsed.
	var b bytes.Buffer
	b.WriteString(component)
	b.WriteString("  notes: |\n")
	line := "    " + strings.Repeat("x", 95) + "\n"
	for b.Len() < 10<<20 {
		b.WriteString(line)
	}
	p := ParseFile(testFile, b.Bytes(), ParseOptions{})
	if len(p.Problems) != 1 || len(p.Entities) != 0 || !p.Broken {
		t.Fatalf("got %d entities, broken=%v, problems %q", len(p.Entities), p.Broken, problemStrings(p.Problems))
	}
	if got := p.Problems[0]; got.Line != 1 || got.String() != testFile+":1: file is 10.0 MB, over the 4.0 MB limit for a descriptor file" {
		t.Errorf("problem %q", got)
	}
	// Exactly at the limit is read.
	at := append([]byte(component+"  notes: |\n"), bytes.Repeat([]byte(line), MaxFileSize)[:MaxFileSize-len(component)-len("  notes: |\n")]...)
	at[len(at)-1] = '\n'
	if p := ParseFile(testFile, at, ParseOptions{}); len(p.Entities) != 1 {
		t.Errorf("file of %d bytes: %q", len(at), problemStrings(p.Problems))
	}
}

func TestParseFileRandomBytes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 50; i++ {
		data := make([]byte, 1+rng.IntN(4096))
		for j := range data {
			data[j] = byte(rng.UintN(256))
		}
		p := ParseFile(testFile, data, ParseOptions{})
		if len(p.Problems) == 0 || len(p.Entities) != 0 || !p.Broken {
			t.Fatalf("random bytes %d: %d entities, broken=%v, %q", i, len(p.Entities), p.Broken, problemStrings(p.Problems))
		}
		// The line is where the first byte that is not YAML text is.
		lineOK := false
		for j, c := range data {
			if c == 0 || c >= 0x80 || (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F {
				lineOK = p.Problems[0].Line == 1+bytes.Count(data[:j], []byte{'\n'})
				break
			}
		}
		if !lineOK {
			t.Errorf("random bytes %d: problem %q not at the first bad byte", i, p.Problems[0])
		}
	}
}

func TestParseFileMultiDocument(t *testing.T) {
	src := "# the team's catalog\n" + // 1
		"---\n" + // 2
		component + // 3-10
		"---\n" + // 11
		"---\n" + // 12: an empty document, skipped
		"# only a comment\n" + // 13
		"---\n" + // 14
		"apiVersion: backstage.io/v1alpha1\n" + // 15
		"kind: Group\n" + // 16
		"metadata:\n" + // 17
		"  name: team-a\n" + // 18
		"  tags: [oops\n" + // 19: broken YAML
		"---\n" + // 20
		"apiVersion: backstage.io/v1alpha1\n" + // 21
		"kind: Group\n" + // 22
		"metadata:\n" + // 23
		"  name: team-b\n" + // 24
		"spec:\n" + // 25
		"  type: team\n" + // 26
		"  children: []\n" + // 27
		"--- # a comment after the marker\n" + // 28
		"apiVersion: backstage.io/v1alpha1\n" + // 29
		"kind: User\n" + // 30
		"metadata:\n" + // 31
		"  name: al ice\n" + // 32: invalid name
		"spec:\n" + // 33
		"  memberOf: [team-b]\n" + // 34
		"...\n" + // 35
		"---\n" + // 36
		"apiVersion: backstage.io/v1alpha1\n" + // 37
		"kind: User\n" + // 38
		"metadata: {name: bob, namespace: people}\n" + // 39
		"spec: {memberOf: [group:default/team-b]}\n" // 40
	p := parse(src)
	var got []string
	for _, e := range p.Entities {
		got = append(got, e.Ref().String()+"@"+itoa(e.Origin.Line))
		if e.Origin.File != testFile {
			t.Errorf("%s: Origin.File %q", e.Ref(), e.Origin.File)
		}
	}
	want := []string{"component:default/checkout@3", "group:default/team-b@21", "user:people/bob@37"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("entities %v, want %v", got, want)
	}
	wantProblems := []string{
		testFile + ":19: invalid YAML: did not find expected ',' or ']'",
		testFile + `:32: metadata.name "al ice" is not a valid name: 1-63 characters, letters, digits and -_. inside, starting and ending with a letter or digit (no spaces)`,
	}
	if gp := problemStrings(p.Problems); strings.Join(gp, "\n") != strings.Join(wantProblems, "\n") {
		t.Errorf("problems\n%s\nwant\n%s", strings.Join(gp, "\n"), strings.Join(wantProblems, "\n"))
	}
	if p.Problems[1].Ref != (Ref{"user", "default", "al ice"}) {
		t.Errorf("problem Ref %+v", p.Problems[1].Ref)
	}
	if !p.Broken {
		t.Error("a file with broken YAML is not marked Broken")
	}

	// Documents that are all empty or comments: nothing, and no problem.
	for _, src := range []string{"---\n", "# nothing yet\n", "---\n---\n# x\n...\n"} {
		if p := parse(src); len(p.Entities) != 0 || len(p.Problems) != 0 || p.Broken {
			t.Errorf("%q: %d entities, broken=%v, %q", src, len(p.Entities), p.Broken, problemStrings(p.Problems))
		}
	}
}

func TestParseFileManyYAMLErrors(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 100; i++ {
		b.WriteString("---\nkind: [\n")
	}
	b.WriteString("---\n" + component)
	p := parse(b.String())
	if len(p.Problems) != maxYAMLErrors+1 || !strings.Contains(p.Problems[maxYAMLErrors].Message, "too many YAML errors") {
		t.Fatalf("%d problems, last %q", len(p.Problems), p.Problems[len(p.Problems)-1])
	}
	for i, pr := range p.Problems[:maxYAMLErrors] {
		if pr.Line != 2+2*i {
			t.Errorf("problem %d at line %d, want %d", i, pr.Line, 2+2*i)
		}
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestParseFileAnchorsAndMergeKeys(t *testing.T) {
	src := `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: a
  labels: &labels
    tier: "1"
  tags: &tags [java, web]
spec: &base
  type: service
  lifecycle: production
  owner: team-a
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: b
  labels: *labels
  tags: *tags
spec:
  <<: *base
  lifecycle: experimental
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: c
spec:
  <<: [{type: library, lifecycle: deprecated}, {type: website, owner: team-c}]
  system: shop
`
	p := parse(src)
	if len(p.Problems) != 0 || len(p.Entities) != 3 {
		t.Fatalf("%d entities, problems %q", len(p.Entities), problemStrings(p.Problems))
	}
	b, c := p.Entities[1], p.Entities[2]
	if b.Metadata.Labels["tier"] != "1" || strings.Join(b.Metadata.Tags, ",") != "java,web" {
		t.Errorf("aliases: labels %v tags %v", b.Metadata.Labels, b.Metadata.Tags)
	}
	// Keys written beside a merge key win over merged ones, wherever they are.
	if b.SpecString("type") != "service" || b.SpecString("lifecycle") != "experimental" || b.SpecString("owner") != "team-a" {
		t.Errorf("merge: %v", b.Spec)
	}
	// In a list of merged mappings, the first one wins.
	if c.SpecString("type") != "library" || c.SpecString("lifecycle") != "deprecated" || c.SpecString("owner") != "team-c" || c.SpecString("system") != "shop" {
		t.Errorf("merge list: %v", c.Spec)
	}
	// Expanding an alias copies: changing one entity leaves the other alone.
	b.Metadata.Labels["tier"] = "2"
	if p.Entities[0].Metadata.Labels["tier"] != "1" {
		t.Error("aliased labels are shared between entities")
	}

	bad := parse("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\nspec:\n  <<: [a, b]\n")
	if len(bad.Problems) != 1 || bad.Problems[0].Line != 6 || !strings.Contains(bad.Problems[0].Message, "merge key (<<) needs a mapping") {
		t.Errorf("merge of a list of strings: %q", problemStrings(bad.Problems))
	}
}

func TestParseFileAliasBomb(t *testing.T) {
	src := `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: lol
spec:
  type: service
  lifecycle: production
  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
  g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
  h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
  i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
`
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	p := parse(src)
	runtime.ReadMemStats(&after)
	if len(p.Entities) != 0 || len(p.Problems) != 1 || !strings.Contains(p.Problems[0].Message, "too deeply aliased") {
		t.Fatalf("alias bomb: %d entities, %q", len(p.Entities), problemStrings(p.Problems))
	}
	if l := p.Problems[0].Line; l < 8 || l > 16 {
		t.Errorf("alias bomb reported on line %d, outside the aliases", l)
	}
	// 9^9 strings expanded would take gigabytes; refused, it takes little.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
		t.Errorf("alias bomb allocated %d MB", alloc>>20)
	}

	// An alias of its own mapping is a cycle: refused the same way.
	p = parse("apiVersion: backstage.io/v1alpha1\nkind: Widget\nmetadata:\n  name: x\nspec: &s\n  self: *s\n")
	if len(p.Problems) != 1 || !strings.Contains(p.Problems[0].Message, "too deeply aliased") {
		t.Errorf("recursive alias: %q", problemStrings(p.Problems))
	}
}

// normalise turns a value into what JSON keeps of it (numbers as float64).
func normalise(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestParseFileScalarsKeptAsWritten(t *testing.T) {
	src := component + `  created: 2021-03-04
  updated: 2021-03-04T05:06:07Z
  version: "1.10"
  float: 1.10
  port: 8080
  negative: -17
  leadingZero: 017
  octal: 0o17
  hex: 0x1F
  underscored: 1_000
  binary: 0b101
  big: 123456789012345678901234567890
  ratio: .5
  infinity: .inf
  notANumber: .nan
  yes: yes
  on: off
  enabled: true
  nothing: null
  tilde: ~
  empty:
  quoted: "true"
  sha: 1e10
  strTag: !!str 42
  custom: !thing value
`
	p := parse(src)
	if len(p.Entities) != 1 {
		t.Fatalf("%q", problemStrings(p.Problems))
	}
	want := map[string]any{
		"created": "2021-03-04", "updated": "2021-03-04T05:06:07Z", "version": "1.10", "float": 1.1,
		"port": int64(8080), "negative": int64(-17), "leadingZero": int64(17), "octal": int64(15), "hex": int64(31),
		"underscored": "1_000", "binary": "0b101", "big": "123456789012345678901234567890", "ratio": 0.5,
		"infinity": ".inf", "notANumber": ".nan", "yes": "yes", "on": "off", "enabled": true,
		"nothing": nil, "tilde": nil, "empty": nil, "quoted": "true", "sha": 1e10, "strTag": "42", "custom": "value",
	}
	spec := p.Entities[0].Spec
	for k, v := range want {
		got, ok := spec[k]
		if !ok || !reflect.DeepEqual(got, v) {
			t.Errorf("spec.%s = %#v, want %#v", k, got, v)
		}
	}
}

func TestParseFileJSONRoundTrip(t *testing.T) {
	src := `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: sample-service
  namespace: shop
  title: Sample Service
  description: |
    A service.
  uid: 6a1c9d8e-1111-2222-3333-444455556666
  etag: abc123
  generation: 3
  labels:
    tier: "3"
    example.com/cost-centre: cc-42
  annotations:
    github.com/project-slug: RoadieHQ/sample-service
    backstage.io/kubernetes-label-selector: 'app.kubernetes.io/name=sample-service'
    example.com/created: "2021-03-04"
    example.com/empty: ""
  tags: [test, js, c++]
  links:
    - url: https://example.com/dash
      title: Dashboard
      icon: dashboard
      type: admin
    - url: https://example.com/docs
spec:
  type: service
  lifecycle: production
  owner: group:roadiehq/engineering
  created: 2021-03-04T05:06:07Z
  replicas: 3
  ratio: 0.25
  custom:
    em: user:dtuite
    nested: [1, "two", {three: 3.5}, null, true]
status:
  items: []
relations:
  - type: ownedBy
    targetRef: group:default/ignored
`
	p := parse(src)
	if len(p.Entities) != 1 {
		t.Fatalf("%q", problemStrings(p.Problems))
	}
	e := p.Entities[0]
	if len(e.Relations) != 0 {
		t.Errorf("relations read from the descriptor: %v", e.Relations)
	}
	if e.Extra["status"] == nil || e.Metadata.Extra["uid"] != "6a1c9d8e-1111-2222-3333-444455556666" || e.Metadata.Extra["generation"] != int64(3) {
		t.Errorf("extra fields: %v %v", e.Extra, e.Metadata.Extra)
	}
	if e.Metadata.Description != "A service.\n" || e.Metadata.Title != "Sample Service" || e.Title() != "Sample Service" {
		t.Errorf("metadata %+v", e.Metadata)
	}
	e.Relations = []Relation{{Type: RelOwnedBy, Target: NewRef("group", "roadiehq", "engineering")}}

	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	var back Entity
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"apiVersion", back.APIVersion, e.APIVersion},
		{"kind", back.Kind, e.Kind},
		{"name", back.Metadata.Name, e.Metadata.Name},
		{"namespace", back.Metadata.Namespace, "shop"},
		{"title", back.Metadata.Title, e.Metadata.Title},
		{"description", back.Metadata.Description, e.Metadata.Description},
		{"labels", back.Metadata.Labels, e.Metadata.Labels},
		{"annotations", back.Metadata.Annotations, e.Metadata.Annotations},
		{"tags", back.Metadata.Tags, e.Metadata.Tags},
		{"links", back.Metadata.Links, e.Metadata.Links},
		{"metadata extra", back.Metadata.Extra, normalise(t, e.Metadata.Extra)},
		{"spec", back.Spec, normalise(t, e.Spec)},
		{"extra", back.Extra, normalise(t, e.Extra)},
		{"relations", back.Relations, e.Relations},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s after a JSON round trip: %#v, want %#v", c.name, c.got, c.want)
		}
	}
	if back.Spec["created"] != "2021-03-04T05:06:07Z" || back.Metadata.Annotations["example.com/created"] != "2021-03-04" {
		t.Errorf("timestamps not kept as written: %v", back.Spec["created"])
	}
	if _, ok := back.Metadata.Annotations["example.com/empty"]; !ok {
		t.Error("an empty annotation was lost")
	}
	// Origin is not part of the descriptor.
	if bytes.Contains(b, []byte(testFile)) {
		t.Errorf("Origin serialised: %s", b)
	}
}

func TestParseFileOrigin(t *testing.T) {
	p := parse("# header\n\n" + component)
	if len(p.Entities) != 1 {
		t.Fatalf("%q", problemStrings(p.Problems))
	}
	e := p.Entities[0]
	if e.Origin != (Origin{File: testFile, Line: 3}) {
		t.Errorf("Origin %+v", e.Origin)
	}
	if e.Metadata.Namespace != DefaultNamespace {
		t.Errorf("namespace %q, want the default", e.Metadata.Namespace)
	}
	if len(p.Targets) != 0 || p.Broken {
		t.Errorf("targets %v broken %v", p.Targets, p.Broken)
	}
}

func TestParseFileCascadesReportedOnce(t *testing.T) {
	cases := []struct {
		name string
		src  string
		want []string
	}{
		{"name of the wrong type", strings.Replace(component, "name: checkout", "name: 123", 1),
			[]string{":4: metadata.name must be a string, not a number"}},
		{"apiVersion of the wrong type", strings.Replace(component, "apiVersion: backstage.io/v1alpha1", "apiVersion: [x]", 1),
			[]string{":1: apiVersion must be a string, not a list"}},
		{"metadata absent", "apiVersion: backstage.io/v1alpha1\nkind: Component\nspec:\n  type: service\n  lifecycle: production\n",
			[]string{":1: metadata.name is required"}},
		{"several problems, each on its line", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: a b\n  tags: [Bad]\nspec:\n  type: service\n",
			[]string{`:4: metadata.name "a b" is not a valid name`, `:5: metadata.tags[0] "Bad" is not a valid tag`, ":6: spec.lifecycle is required for a Component"}},
	}
	for _, c := range cases {
		p := parse(c.src)
		got := problemStrings(p.Problems)
		ok := len(got) == len(c.want)
		for i := 0; ok && i < len(got); i++ {
			ok = strings.HasPrefix(got[i], testFile+c.want[i])
		}
		if !ok {
			t.Errorf("%s: problems %q, want %q", c.name, got, c.want)
		}
	}
}

func TestParseFileLocationTargets(t *testing.T) {
	src := `apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: root
spec:
  type: url
  target: https://github.com/o/r/blob/main/catalog-info.yaml
---
apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: teams
  namespace: org
spec:
  presence: optional
  targets:
    - ./teams/a.yaml

    - ./teams/*.yaml
---
apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: broken
spec:
  targets: ./x.yaml
`
	p := parse(src)
	if len(p.Entities) != 2 || len(p.Problems) != 1 || p.Problems[0].Line != 26 {
		t.Fatalf("%d entities, problems %q", len(p.Entities), problemStrings(p.Problems))
	}
	root, teams := NewRef("location", "", "root"), NewRef("location", "org", "teams")
	want := []Target{
		{Location: root, Type: "url", Value: "https://github.com/o/r/blob/main/catalog-info.yaml", Line: 7},
		{Location: teams, Value: "./teams/a.yaml", Line: 17, Optional: true},
		{Location: teams, Value: "./teams/*.yaml", Line: 19, Optional: true},
	}
	if !reflect.DeepEqual(p.Targets, want) {
		t.Errorf("targets\n%+v\nwant\n%+v", p.Targets, want)
	}
}

// fakeFiles resolves substitution targets from a map.
type fakeFiles map[string]string

func (f fakeFiles) resolve(target string) ([]byte, error) {
	data, ok := f[target]
	if !ok {
		return nil, errNoSuchFile
	}
	return []byte(data), nil
}

type errString string

func (e errString) Error() string { return string(e) }

const errNoSuchFile = errString("no such file")

func TestParseFileSubstitutions(t *testing.T) {
	api := func(definition string) string {
		return "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: petstore\nspec:\n  type: openapi\n  lifecycle: production\n  definition:\n" + definition
	}
	files := fakeFiles{
		"./openapi.yaml": "openapi: 3.0.0\ninfo:\n  title: Petstore\n",
		"./info.json":    `{"owner": "team-a", "tags": ["x"], "n": 2}`,
		"./info.yaml":    "owner: team-a\nlist: [a, b]\ncreated: 2021-03-04\n",
		"./bad.json":     `{"owner": `,
		"./bad.yaml":     "a: [\n",
		"./big.txt":      strings.Repeat("x", MaxFileSize+1),
	}
	cases := []struct {
		name    string
		src     string
		resolve func(string) ([]byte, error)
		check   func(t *testing.T, e Entity)
		problem string // "LINE: message" when the entity fails
	}{
		{"$text", api("    $text: ./openapi.yaml\n"), files.resolve, func(t *testing.T, e Entity) {
			if e.SpecString("definition") != files["./openapi.yaml"] {
				t.Errorf("definition %q", e.Spec["definition"])
			}
		}, ""},
		{"$json", api("    $text: ./openapi.yaml\n  info:\n    $json: ./info.json\n"), files.resolve, func(t *testing.T, e Entity) {
			if got := e.SpecString("info.owner"); got != "team-a" {
				t.Errorf("info %v", e.Spec["info"])
			}
		}, ""},
		{"$yaml in a list", api("    $text: ./openapi.yaml\n  extra:\n    - $yaml: ./info.yaml\n"), files.resolve, func(t *testing.T, e Entity) {
			item := e.Spec["extra"].([]any)[0].(map[string]any)
			if item["owner"] != "team-a" || item["created"] != "2021-03-04" {
				t.Errorf("extra %v", item)
			}
		}, ""},
		{"missing file", api("    $text: ./missing.yaml\n"), files.resolve, nil, "9: $text ./missing.yaml: no such file"},
		{"invalid JSON", api("    $json: ./bad.json\n"), files.resolve, nil, "9: $json ./bad.json: invalid JSON: unexpected end of JSON input"},
		{"invalid YAML", api("    $yaml: ./bad.yaml\n"), files.resolve, nil, "9: $yaml ./bad.yaml: invalid YAML: line 1: did not find expected node content"},
		{"too large", api("    $text: ./big.txt\n"), files.resolve, nil, "9: $text ./big.txt: file is 4.0 MB, over the 4.0 MB limit"},
		{"empty target", api("    $text: \"\"\n"), files.resolve, nil, "9: $text needs a file path"},
		{"nil Resolve", api("    $text: ./openapi.yaml\n"), nil, nil, "9: $text substitution of ./openapi.yaml is not supported here"},
		{"not a placeholder: a non-string value", "apiVersion: example.com/v1\nkind: Schema\nmetadata:\n  name: s\nspec:\n  items:\n    $json: {type: object}\n", nil, func(t *testing.T, e Entity) {
			if _, ok := e.Spec["items"].(map[string]any)["$json"].(map[string]any); !ok {
				t.Errorf("items %v", e.Spec["items"])
			}
		}, ""},
		{"not a placeholder: two keys", "apiVersion: example.com/v1\nkind: Schema\nmetadata:\n  name: s\nspec:\n  items:\n    $text: a\n    other: b\n", nil, func(t *testing.T, e Entity) {
			if e.SpecString("items.$text") != "a" {
				t.Errorf("items %v", e.Spec["items"])
			}
		}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var calls []string
			resolve := c.resolve
			if resolve != nil {
				resolve = func(target string) ([]byte, error) {
					calls = append(calls, target)
					return c.resolve(target)
				}
			}
			p := ParseFile(testFile, []byte(c.src), ParseOptions{Resolve: resolve})
			if c.problem != "" {
				if len(p.Problems) != 1 || len(p.Entities) != 0 || !strings.HasPrefix(p.Problems[0].String(), testFile+":"+c.problem) {
					t.Fatalf("%d entities, problems %q, want one %q", len(p.Entities), problemStrings(p.Problems), c.problem)
				}
				return
			}
			if len(p.Problems) != 0 || len(p.Entities) != 1 {
				t.Fatalf("problems %q", problemStrings(p.Problems))
			}
			c.check(t, p.Entities[0])
			if Validate(&p.Entities[0]) != nil {
				t.Errorf("entity with substitutions does not validate")
			}
		})
	}
}

// TestParseFileLineBreaks: lines are counted as YAML ends them, so a file
// with old Mac or Windows line ends gets the lines its editor shows.
func TestParseFileLineBreaks(t *testing.T) {
	cases := []struct {
		name, src string
		line      int
	}{
		{"CR", "apiVersion: example.com/v1\rkind: Widget\rmetadata:\r  name: a b\r", 4},
		{"CRLF", "apiVersion: example.com/v1\r\nkind: Widget\r\nmetadata:\r\n  name: a b\r\n", 4},
		{"mixed", "apiVersion: example.com/v1\r\nkind: Widget\rmetadata:\n  name: a b\n", 4},
		{"CR before a control character", "a: 1\r\rb: \x02\n", 3},
		{"CRLF before a YAML error", "a: 1\r\nb: [1,\r\n", 2},
	}
	for _, c := range cases {
		p := parse(c.src)
		if len(p.Problems) != 1 || p.Problems[0].Line != c.line {
			t.Errorf("%s: problems %q, want one on line %d", c.name, problemStrings(p.Problems), c.line)
		}
	}
	lines := yamlLines([]byte("a\r\nb\rc\nd\u2028e\u0085f"))
	if len(lines) != 6 || string(trimBreak(lines[4])) != "e" || lineOf([]byte("a\r\nb\rc"), 5) != 3 {
		t.Errorf("yamlLines = %q", lines)
	}
}

// TestParseFileMisplacedKeyInALaterDocument: the line of a misplaced key is
// found inside its own document, whatever comes after it.
func TestParseFileMisplacedKeyInALaterDocument(t *testing.T) {
	src := component + "---\nmetadata:\n    name: a\n  title: b\n---\n" + component
	p := parse(src)
	if len(p.Entities) != 2 || len(p.Problems) != 1 || p.Problems[0].Line != 12 || !strings.Contains(p.Problems[0].Message, "did not find expected key") {
		t.Errorf("%d entities, problems %q, want one on line 12", len(p.Entities), problemStrings(p.Problems))
	}
}
