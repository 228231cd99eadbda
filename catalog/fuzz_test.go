package catalog

import (
	"strings"
	"testing"
)

// FuzzParseFile: whatever the bytes, ParseFile does not panic, returns only
// valid entities, and locates every problem in the file.
func FuzzParseFile(f *testing.F) {
	seeds := []string{
		component + "---\n" + "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-a\n  namespace: org\nspec:\n  type: team\n  children: []\n  members: [alice]\n",
		"apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: root\nspec:\n  type: file\n  targets:\n    - ./a.yaml\n    - ./teams/*.yaml\n",
		"apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: petstore\nspec:\n  type: openapi\n  lifecycle: production\n  definition:\n    $text: ./openapi.yaml\n",
		"a: &a [x, x]\nb: &b [*a, *a]\nc: *b\nd:\n  <<: {e: 1}\n",
		"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {{cookiecutter.name}}\n  {%- if x %}\n",
		"kind: [\n---\nkind: {\n---\n\ttab: 1\n---\nname: \"open\n",
		"%YAML 1.1\n---\n!!map {? a : b}\n...\n",
		"- a\n- b\n",
		"\xef\xbb\xbfapiVersion: v1\nkind: Widget\nmetadata: {name: w}\n",
		"",
		"\x89PNG\r\n\x1a\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		resolve := func(target string) ([]byte, error) {
			if strings.Contains(target, "missing") {
				return nil, errNoSuchFile
			}
			return []byte("key: [value]\n"), nil
		}
		for _, opts := range []ParseOptions{{}, {Resolve: resolve}} {
			p := ParseFile("fuzz.yaml", data, opts)
			checkParsed(t, "fuzz.yaml", data, p)
			for _, pr := range p.Problems {
				if pr.Line == 0 {
					t.Fatalf("problem without a line: %q", pr)
				}
			}
			if len(p.Entities) > 0 && len(p.Problems) == 0 && p.Broken {
				t.Fatal("Broken without a problem")
			}
		}
	})
}

// FuzzParseRef: ParseRef does not panic, and a parsed reference reads back
// the same from its canonical form.
func FuzzParseRef(f *testing.F) {
	for _, s := range []string{"foo", "user:dtuite", "group:roadiehq/engineering", "Component:Sample", "ns/a:b", "a:b:c/d/e", ":", "/", " x ", "k:/", "İ:ǅ/Σ"} {
		f.Add(s, "group", "default")
	}
	f.Fuzz(func(t *testing.T, s, kind, ns string) {
		r, err := ParseRef(s, kind, ns)
		if err != nil {
			if !r.IsZero() {
				t.Fatalf("ParseRef(%q) returned %+v with error %v", s, r, err)
			}
			return
		}
		if r.Kind == "" || r.Name == "" || r.Namespace == "" {
			t.Fatalf("ParseRef(%q, %q, %q) = %+v: an empty part", s, kind, ns, r)
		}
		back, err := ParseRef(r.String(), "", "")
		if err != nil || back != r {
			t.Fatalf("ParseRef(%q) = %+v, but its String %q reads back as %+v, %v", s, r, r.String(), back, err)
		}
	})
}
