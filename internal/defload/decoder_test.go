package defload

import (
	"reflect"
	"testing"

	"go.yaml.in/yaml/v3"
)

type doc struct {
	Name  string
	Tags  []string
	Count *int
	On    bool
	With  map[string]string
}

func decodeDoc(d *Decoder) func(n *yaml.Node) *doc {
	return func(n *yaml.Node) *doc {
		f := d.Fields(n, "spec", "name", "tags", "count", "on", "with")
		out := &doc{Name: d.Str(f["name"], "spec.name"), Tags: d.Strs(f["tags"], "spec.tags"),
			Count: d.Int(f["count"], "spec.count"), On: d.Bool(f["on"], "spec.on")}
		if w := f["with"]; w != nil {
			out.With = map[string]string{}
			for k, v := range d.Fields(w, "spec.with", AnyKey) {
				out.With[k] = d.Str(v, "spec.with."+k)
			}
		}
		return out
	}
}

func problems(d *Decoder) []string {
	var out []string
	for _, p := range d.Problems {
		out = append(out, p.String())
	}
	return out
}

func TestDocuments(t *testing.T) {
	d := &Decoder{File: "x.yaml"}
	data := `name: first
tags: one
with: {a: "1", b: "2"}
---
name: second
nmae: x
name: again
count: many
on: maybe
tags: [{x: 1}]
---
name: third
`
	got := Documents(d, []byte(data), decodeDoc(d))
	var names []string
	for _, g := range got {
		names = append(names, g.Name)
	}
	if !reflect.DeepEqual(names, []string{"first", "third"}) {
		t.Errorf("kept %v: a document with problems is left out", names)
	}
	if got[0].Tags[0] != "one" || got[0].With["b"] != "2" {
		t.Errorf("first: %+v", got[0])
	}
	want := []string{
		`x.yaml:6: unknown field spec.nmae (did you mean name?)`,
		`x.yaml:7: spec.name is given twice`,
		`x.yaml:10: spec.tags[0] must be text, not a mapping`,
		`x.yaml:8: spec.count must be a whole number, not "many"`,
		`x.yaml:9: spec.on must be true or false, not "maybe"`,
	}
	if g := problems(d); !reflect.DeepEqual(g, want) {
		t.Errorf("problems:\n got %q\nwant %q", g, want)
	}
}

func TestDocumentsInvalidYAML(t *testing.T) {
	d := &Decoder{File: "x.yaml"}
	got := Documents(d, []byte("name: a\n---\nname: [\n"), decodeDoc(d))
	if len(got) != 1 {
		t.Errorf("the document before the mistake: %v", got)
	}
	if g := problems(d); len(g) != 1 || g[0][:len("x.yaml:3: invalid YAML: ")] != "x.yaml:3: invalid YAML: " {
		t.Errorf("problems %q", g)
	}
}

func TestNodeKind(t *testing.T) {
	d := &Decoder{File: "x.yaml"}
	Documents(d, []byte("name:\n---\nname: [a]\n---\n[a]\n"), decodeDoc(d))
	want := []string{"x.yaml:3: spec.name must be text, not a list", "x.yaml:5: spec must be a mapping, not a list"}
	if g := problems(d); !reflect.DeepEqual(g, want) {
		t.Errorf("problems:\n got %q\nwant %q", g, want)
	}
	if k := NodeKind(&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null"}); k != "empty" {
		t.Errorf("null: %s", k)
	}
}
