package actions

import (
	"encoding/json"
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/internal/defload"
	"github.com/gantryhq/gantry/internal/expr"
)

// LoadOptions tune Load.
type LoadOptions struct {
	// Secrets are the names templates may read as secrets.NAME (the
	// environment variables listed in actions.secrets); any other name is
	// a problem.
	Secrets []string
}

// Load reads the action definitions in paths (files, or folders whose
// .yaml and .yml files are all read, recursively) and validates them. It
// returns the valid actions and one problem per mistake ("FILE:LINE:
// message"); an action with a problem is left out. The error is for paths
// that cannot be read at all.
func Load(paths []string, opts LoadOptions) (*Set, []catalog.Problem, error) {
	files, err := defload.Files("actions", paths)
	if err != nil {
		return nil, nil, err
	}
	var all []*Action
	var problems []catalog.Problem
	unread := defload.Read(files, func(f string, data []byte) {
		acts, probs := Parse(f, data)
		all = append(all, acts...)
		problems = append(problems, probs...)
	})
	valid, probs := Validate(all, opts)
	problems = append(append(problems, unread...), probs...)
	defload.Sort(problems)
	return NewSet(valid), problems, nil
}

// Parse reads the Action documents of one file, reporting shape mistakes
// (unknown fields, wrong types) with their line. Semantic checks are
// Validate's.
func Parse(file string, data []byte) ([]*Action, []catalog.Problem) {
	d := &decoder{Decoder: defload.Decoder{File: file}}
	out := defload.Documents(&d.Decoder, data, d.action)
	return out, d.Problems
}

// decoder turns YAML nodes into an Action, recording problems with lines.
type decoder struct {
	defload.Decoder
}

// value decodes any YAML value into plain JSON-compatible Go values.
func (d *decoder) value(n *yaml.Node, what string) any {
	if n == nil {
		return nil
	}
	var v any
	if err := n.Decode(&v); err != nil {
		d.Fail(n, "%s: %v", what, err)
		return nil
	}
	return normalize(v)
}

// normalize makes a decoded value JSON-shaped (map[string]any, []any,
// string, float64, bool, nil), as it reads back from a run's snapshot.
func normalize(v any) any {
	b, err := json.Marshal(expr.JSONable(v))
	if err != nil {
		return fmt.Sprint(v)
	}
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

// mark records the line of each field of a mapping under prefix.
// (and of each item of a list field, as prefix+field+"[i]").
func mark(a *Action, prefix string, fields map[string]*yaml.Node) {
	for k, n := range fields {
		if n == nil {
			continue
		}
		a.lines[prefix+k] = n.Line
		if n.Kind == yaml.SequenceNode {
			for i, item := range n.Content {
				a.lines[fmt.Sprintf("%s%s[%d]", prefix, k, i)] = item.Line
			}
		}
	}
}

func (d *decoder) action(n *yaml.Node) *Action {
	top := d.Fields(n, "the document", "apiVersion", "kind", "metadata", "spec")
	if n.Kind != yaml.MappingNode {
		return nil // Fields said what the document is instead
	}
	a := &Action{File: d.File, Line: n.Line, lines: map[string]int{}}
	mark(a, "", top)
	a.APIVersion = d.Str(top["apiVersion"], "apiVersion")
	a.Kind = d.Str(top["kind"], "kind")
	switch {
	case a.APIVersion == "" && a.Kind == "":
		d.Fail(n, "not an action: apiVersion %s and kind %s are missing", APIVersion, Kind)
		return nil
	case a.APIVersion != APIVersion:
		d.Fail(defload.Or(top["apiVersion"], n), "apiVersion must be %s, not %q", APIVersion, a.APIVersion)
		return nil
	case a.Kind != Kind:
		d.Fail(defload.Or(top["kind"], n), "kind must be %s, not %q", Kind, a.Kind)
		return nil
	}
	md := d.Fields(top["metadata"], "metadata", "name", "title", "description", "labels", "annotations", "tags")
	mark(a, "metadata.", md)
	a.Metadata = Metadata{Name: d.Str(md["name"], "metadata.name"), Title: d.Str(md["title"], "metadata.title"),
		Description: d.Str(md["description"], "metadata.description")}
	if top["metadata"] == nil {
		d.Fail(n, "metadata is required (metadata.name names the action)")
	}
	if top["spec"] == nil {
		d.Fail(n, "spec is required (at least spec.steps)")
		return a
	}
	sp := d.Fields(top["spec"], "spec", "command", "allowed", "inputs", "approval", "steps", "output")
	mark(a, "spec.", sp)
	a.Spec.Command = d.Str(sp["command"], "spec.command")
	a.Spec.Allowed = d.allowed(a, sp["allowed"])
	for i, in := range d.List(sp["inputs"], "spec.inputs") {
		a.Spec.Inputs = append(a.Spec.Inputs, d.input(a, in, fmt.Sprintf("spec.inputs[%d]", i)))
	}
	a.Spec.Approval = d.approval(a, sp["approval"])
	for i, st := range d.List(sp["steps"], "spec.steps") {
		a.Spec.Steps = append(a.Spec.Steps, d.step(a, st, fmt.Sprintf("spec.steps[%d]", i)))
	}
	if sp["steps"] == nil {
		d.Fail(top["spec"], "spec.steps is required: an action does at least one thing")
	}
	a.Spec.Output = d.output(a, sp["output"])
	return a
}

func (d *decoder) allowed(a *Action, n *yaml.Node) Allowed {
	if n == nil {
		return Allowed{}
	}
	if n.Kind == yaml.ScalarNode && (n.Value == "everyone" || n.Value == "all") {
		return Allowed{Everyone: true, Line: n.Line}
	}
	f := d.Fields(n, "spec.allowed", "everyone", "groups", "users", "ownersOf")
	mark(a, "spec.allowed.", f)
	return Allowed{Everyone: d.Bool(f["everyone"], "spec.allowed.everyone"), Groups: d.Strs(f["groups"], "spec.allowed.groups"),
		Users: d.Strs(f["users"], "spec.allowed.users"), OwnersOf: d.Str(f["ownersOf"], "spec.allowed.ownersOf"), Line: n.Line}
}

func (d *decoder) input(a *Action, n *yaml.Node, what string) Input {
	f := d.Fields(n, what, "name", "title", "type", "required", "default", "help", "placeholder", "pattern", "patternMessage",
		"minLength", "maxLength", "min", "max", "integer", "options", "kind", "filter", "ownedByRequester")
	a.lines[what] = n.Line
	mark(a, what+".", f)
	in := Input{Line: n.Line,
		Name: d.Str(f["name"], what+".name"), Title: d.Str(f["title"], what+".title"), Type: d.Str(f["type"], what+".type"),
		Required: d.Bool(f["required"], what+".required"), Default: d.value(f["default"], what+".default"),
		Help: d.Str(f["help"], what+".help"), Placeholder: d.Str(f["placeholder"], what+".placeholder"),
		Pattern: d.Str(f["pattern"], what+".pattern"), PatternMessage: d.Str(f["patternMessage"], what+".patternMessage"),
		MinLength: d.Int(f["minLength"], what+".minLength"), MaxLength: d.Int(f["maxLength"], what+".maxLength"),
		Min: d.Number(f["min"], what+".min"), Max: d.Number(f["max"], what+".max"), Integer: d.Bool(f["integer"], what+".integer"),
		EntityKind: d.Str(f["kind"], what+".kind"), Filter: d.Str(f["filter"], what+".filter"),
		OwnedByRequester: d.Bool(f["ownedByRequester"], what+".ownedByRequester"),
	}
	if in.Type == "" {
		in.Type = TypeString
	}
	for i, o := range d.List(f["options"], what+".options") {
		ow := fmt.Sprintf("%s.options[%d]", what, i)
		if o.Kind == yaml.ScalarNode {
			in.Options = append(in.Options, Option{Value: d.Str(o, ow)})
			continue
		}
		of := d.Fields(o, ow, "value", "label")
		in.Options = append(in.Options, Option{Value: d.Str(of["value"], ow+".value"), Label: d.Str(of["label"], ow+".label")})
	}
	return in
}

func (d *decoder) approval(act *Action, n *yaml.Node) Approval {
	if n == nil {
		return Approval{}
	}
	if n.Kind == yaml.ScalarNode && (n.Value == "none" || n.Tag == "!!null") {
		return Approval{Line: n.Line}
	}
	f := d.Fields(n, "spec.approval", "groups", "users", "required", "mode", "expires", "channel")
	mark(act, "spec.approval.", f)
	a := Approval{Line: n.Line, Groups: d.Strs(f["groups"], "spec.approval.groups"), Users: d.Strs(f["users"], "spec.approval.users"),
		Mode: d.Str(f["mode"], "spec.approval.mode"), Expires: d.Str(f["expires"], "spec.approval.expires"),
		Channel: d.Str(f["channel"], "spec.approval.channel")}
	if r := d.Int(f["required"], "spec.approval.required"); r != nil {
		a.Required = *r
		if *r < 1 {
			d.Fail(f["required"], "spec.approval.required must be at least 1")
		}
	}
	return a
}

func (d *decoder) step(a *Action, n *yaml.Node, what string) Step {
	f := d.Fields(n, what, "id", "name", "uses", "with", "if")
	a.lines[what] = n.Line
	mark(a, what+".", f)
	s := Step{Line: n.Line, ID: d.Str(f["id"], what+".id"), Name: d.Str(f["name"], what+".name"),
		Uses: d.Str(f["uses"], what+".uses"), If: d.Str(f["if"], what+".if"), WithLines: map[string]int{}}
	if n := f["if"]; n != nil {
		s.IfLine = n.Line
	}
	if w := f["with"]; w != nil {
		if w.Kind != yaml.MappingNode {
			d.Fail(w, "%s.with must be a mapping, not %s", what, defload.NodeKind(w))
		} else {
			s.With = map[string]any{}
			for i := 0; i+1 < len(w.Content); i += 2 {
				k, v := w.Content[i], w.Content[i+1]
				s.With[k.Value] = d.value(v, what+".with."+k.Value)
				s.WithLines[k.Value] = v.Line
			}
		}
	}
	return s
}

func (d *decoder) output(a *Action, n *yaml.Node) Output {
	if n == nil {
		return Output{}
	}
	f := d.Fields(n, "spec.output", "text", "links")
	mark(a, "spec.output.", f)
	o := Output{Text: d.Str(f["text"], "spec.output.text")}
	for i, l := range d.List(f["links"], "spec.output.links") {
		w := fmt.Sprintf("spec.output.links[%d]", i)
		a.lines[w] = l.Line
		lf := d.Fields(l, w, "title", "url")
		mark(a, w+".", lf)
		o.Links = append(o.Links, Link{Title: d.Str(lf["title"], w+".title"), URL: d.Str(lf["url"], w+".url")})
	}
	return o
}
