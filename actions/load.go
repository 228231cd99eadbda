package actions

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/internal/fuzzy"
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
	files, err := definitionFiles(paths)
	if err != nil {
		return nil, nil, err
	}
	var all []*Action
	var problems []catalog.Problem
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			problems = append(problems, catalog.Problem{File: f, Message: fmt.Sprintf("cannot read: %v", unwrapPath(err))})
			continue
		}
		acts, probs := Parse(f, data)
		all = append(all, acts...)
		problems = append(problems, probs...)
	}
	valid, probs := Validate(all, opts)
	problems = append(problems, probs...)
	sort.SliceStable(problems, func(i, j int) bool {
		if problems[i].File != problems[j].File {
			return problems[i].File < problems[j].File
		}
		return problems[i].Line < problems[j].Line
	})
	return NewSet(valid), problems, nil
}

// definitionFiles expands folders into their YAML files, sorted.
func definitionFiles(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("actions path %s: %w", p, unwrapPath(err))
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && path != p && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			if ext := filepath.Ext(path); !d.IsDir() && (ext == ".yaml" || ext == ".yml") {
				out = append(out, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("actions path %s: %w", p, unwrapPath(err))
		}
	}
	return out, nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, fs.ErrNotExist) {
			return errors.New("no such file or folder")
		}
		return pe.Err
	}
	return err
}

// Parse reads the Action documents of one file, reporting shape mistakes
// (unknown fields, wrong types) with their line. Semantic checks are
// Validate's.
func Parse(file string, data []byte) ([]*Action, []catalog.Problem) {
	d := &decoder{file: file}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []*Action
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			d.problems = append(d.problems, catalog.Problem{File: file, Line: yamlErrLine(err), Message: "invalid YAML: " + yamlErrText(err)})
			break
		}
		if len(doc.Content) == 0 {
			continue
		}
		before := len(d.problems)
		a := d.action(doc.Content[0])
		if a != nil && len(d.problems) == before {
			out = append(out, a)
		}
	}
	return out, d.problems
}

var yamlLinePrefix = "yaml: line "

func yamlErrLine(err error) int {
	msg := err.Error()
	if i := strings.Index(msg, yamlLinePrefix); i >= 0 {
		rest := msg[i+len(yamlLinePrefix):]
		if j := strings.IndexByte(rest, ':'); j > 0 {
			if n, err := strconv.Atoi(rest[:j]); err == nil {
				return n
			}
		}
	}
	return 0
}

func yamlErrText(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if strings.HasPrefix(msg, "line ") {
		if i := strings.Index(msg, ": "); i >= 0 {
			return msg[i+2:]
		}
	}
	return msg
}

// decoder turns YAML nodes into an Action, recording problems with lines.
type decoder struct {
	file     string
	problems []catalog.Problem
}

func (d *decoder) fail(n *yaml.Node, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	d.problems = append(d.problems, catalog.Problem{File: d.file, Line: line, Message: fmt.Sprintf(format, args...)})
}

// fields reads a mapping, reporting keys that are not in known (with the
// nearest known key) and keys given twice.
func (d *decoder) fields(n *yaml.Node, what string, known ...string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	if n == nil {
		return out
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode {
		d.fail(n, "%s must be a mapping, not %s", what, nodeKind(n))
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := k.Value
		if _, dup := out[key]; dup {
			d.fail(k, "%s.%s is given twice", what, key)
			continue
		}
		if !contains(known, key) {
			msg := fmt.Sprintf("unknown field %s.%s", what, key)
			if near := fuzzy.Nearest(key, known); near != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", near)
			}
			d.fail(k, "%s", msg)
			continue
		}
		out[key] = v
	}
	return out
}

func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "empty"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "something else"
}

func (d *decoder) str(n *yaml.Node, what string) string {
	if n == nil {
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		d.fail(n, "%s must be text, not %s", what, nodeKind(n))
		return ""
	}
	if n.Tag == "!!null" {
		return ""
	}
	return n.Value
}

func (d *decoder) boolean(n *yaml.Node, what string) bool {
	if n == nil {
		return false
	}
	var b bool
	if n.Kind != yaml.ScalarNode || n.Decode(&b) != nil {
		d.fail(n, "%s must be true or false, not %s", what, nodeKind(n))
	}
	return b
}

func (d *decoder) integer(n *yaml.Node, what string) *int {
	if n == nil {
		return nil
	}
	var v int
	if n.Kind != yaml.ScalarNode || n.Decode(&v) != nil {
		d.fail(n, "%s must be a whole number, not %s", what, nodeKind(n))
		return nil
	}
	return &v
}

func (d *decoder) number(n *yaml.Node, what string) *float64 {
	if n == nil {
		return nil
	}
	var v float64
	if n.Kind != yaml.ScalarNode || n.Decode(&v) != nil {
		d.fail(n, "%s must be a number, not %s", what, nodeKind(n))
		return nil
	}
	return &v
}

// strs reads a list of text, or one text as a list of one.
func (d *decoder) strs(n *yaml.Node, what string) []string {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		if s := d.str(n, what); s != "" {
			return []string{s}
		}
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.fail(n, "%s must be a list, not %s", what, nodeKind(n))
		return nil
	}
	var out []string
	for i, c := range n.Content {
		out = append(out, d.str(c, fmt.Sprintf("%s[%d]", what, i)))
	}
	return out
}

func (d *decoder) list(n *yaml.Node, what string) []*yaml.Node {
	if n == nil {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.fail(n, "%s must be a list, not %s", what, nodeKind(n))
		return nil
	}
	return n.Content
}

// value decodes any YAML value into plain JSON-compatible Go values.
func (d *decoder) value(n *yaml.Node, what string) any {
	if n == nil {
		return nil
	}
	var v any
	if err := n.Decode(&v); err != nil {
		d.fail(n, "%s: %v", what, err)
		return nil
	}
	return normalize(v)
}

// normalize makes a decoded value JSON-shaped (map[string]any, []any,
// string, float64, bool, nil), as it reads back from a run's snapshot.
func normalize(v any) any {
	b, err := json.Marshal(jsonable(v))
	if err != nil {
		return fmt.Sprint(v)
	}
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

func jsonable(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = jsonable(e)
		}
		return m
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = jsonable(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = jsonable(e)
		}
		return l
	}
	return v
}

func (d *decoder) action(n *yaml.Node) *Action {
	top := d.fields(n, "the document", "apiVersion", "kind", "metadata", "spec")
	a := &Action{File: d.file, Line: n.Line}
	a.APIVersion = d.str(top["apiVersion"], "apiVersion")
	a.Kind = d.str(top["kind"], "kind")
	switch {
	case a.APIVersion == "" && a.Kind == "":
		d.fail(n, "not an action: apiVersion %s and kind %s are missing", APIVersion, Kind)
		return nil
	case a.APIVersion != APIVersion:
		d.fail(orNode(top["apiVersion"], n), "apiVersion must be %s, not %q", APIVersion, a.APIVersion)
		return nil
	case a.Kind != Kind:
		d.fail(orNode(top["kind"], n), "kind must be %s, not %q", Kind, a.Kind)
		return nil
	}
	md := d.fields(top["metadata"], "metadata", "name", "title", "description", "labels", "annotations", "tags")
	a.Metadata = Metadata{Name: d.str(md["name"], "metadata.name"), Title: d.str(md["title"], "metadata.title"),
		Description: d.str(md["description"], "metadata.description")}
	if top["metadata"] == nil {
		d.fail(n, "metadata is required (metadata.name names the action)")
	}
	if top["spec"] == nil {
		d.fail(n, "spec is required (at least spec.steps)")
		return a
	}
	sp := d.fields(top["spec"], "spec", "command", "allowed", "inputs", "approval", "steps", "output")
	a.Spec.Command = d.str(sp["command"], "spec.command")
	a.Spec.Allowed = d.allowed(sp["allowed"])
	for i, in := range d.list(sp["inputs"], "spec.inputs") {
		a.Spec.Inputs = append(a.Spec.Inputs, d.input(in, fmt.Sprintf("spec.inputs[%d]", i)))
	}
	a.Spec.Approval = d.approval(sp["approval"])
	for i, st := range d.list(sp["steps"], "spec.steps") {
		a.Spec.Steps = append(a.Spec.Steps, d.step(st, fmt.Sprintf("spec.steps[%d]", i)))
	}
	if sp["steps"] == nil {
		d.fail(top["spec"], "spec.steps is required: an action does at least one thing")
	}
	a.Spec.Output = d.output(sp["output"])
	return a
}

func orNode(n, fallback *yaml.Node) *yaml.Node {
	if n != nil {
		return n
	}
	return fallback
}

func (d *decoder) allowed(n *yaml.Node) Allowed {
	if n == nil {
		return Allowed{}
	}
	if n.Kind == yaml.ScalarNode && (n.Value == "everyone" || n.Value == "all") {
		return Allowed{Everyone: true, Line: n.Line}
	}
	f := d.fields(n, "spec.allowed", "everyone", "groups", "users", "ownersOf")
	return Allowed{Everyone: d.boolean(f["everyone"], "spec.allowed.everyone"), Groups: d.strs(f["groups"], "spec.allowed.groups"),
		Users: d.strs(f["users"], "spec.allowed.users"), OwnersOf: d.str(f["ownersOf"], "spec.allowed.ownersOf"), Line: n.Line}
}

func (d *decoder) input(n *yaml.Node, what string) Input {
	f := d.fields(n, what, "name", "title", "type", "required", "default", "help", "placeholder", "pattern", "patternMessage",
		"minLength", "maxLength", "min", "max", "integer", "options", "kind", "filter", "ownedByRequester")
	in := Input{Line: n.Line,
		Name: d.str(f["name"], what+".name"), Title: d.str(f["title"], what+".title"), Type: d.str(f["type"], what+".type"),
		Required: d.boolean(f["required"], what+".required"), Default: d.value(f["default"], what+".default"),
		Help: d.str(f["help"], what+".help"), Placeholder: d.str(f["placeholder"], what+".placeholder"),
		Pattern: d.str(f["pattern"], what+".pattern"), PatternMessage: d.str(f["patternMessage"], what+".patternMessage"),
		MinLength: d.integer(f["minLength"], what+".minLength"), MaxLength: d.integer(f["maxLength"], what+".maxLength"),
		Min: d.number(f["min"], what+".min"), Max: d.number(f["max"], what+".max"), Integer: d.boolean(f["integer"], what+".integer"),
		EntityKind: d.str(f["kind"], what+".kind"), Filter: d.str(f["filter"], what+".filter"),
		OwnedByRequester: d.boolean(f["ownedByRequester"], what+".ownedByRequester"),
	}
	if in.Type == "" {
		in.Type = TypeString
	}
	for i, o := range d.list(f["options"], what+".options") {
		ow := fmt.Sprintf("%s.options[%d]", what, i)
		if o.Kind == yaml.ScalarNode {
			in.Options = append(in.Options, Option{Value: d.str(o, ow)})
			continue
		}
		of := d.fields(o, ow, "value", "label")
		in.Options = append(in.Options, Option{Value: d.str(of["value"], ow+".value"), Label: d.str(of["label"], ow+".label")})
	}
	return in
}

func (d *decoder) approval(n *yaml.Node) Approval {
	if n == nil {
		return Approval{}
	}
	if n.Kind == yaml.ScalarNode && (n.Value == "none" || n.Tag == "!!null") {
		return Approval{Line: n.Line}
	}
	f := d.fields(n, "spec.approval", "groups", "users", "required", "mode", "expires", "channel")
	a := Approval{Line: n.Line, Groups: d.strs(f["groups"], "spec.approval.groups"), Users: d.strs(f["users"], "spec.approval.users"),
		Mode: d.str(f["mode"], "spec.approval.mode"), Expires: d.str(f["expires"], "spec.approval.expires"),
		Channel: d.str(f["channel"], "spec.approval.channel")}
	if r := d.integer(f["required"], "spec.approval.required"); r != nil {
		a.Required = *r
		if *r < 1 {
			d.fail(f["required"], "spec.approval.required must be at least 1")
		}
	}
	return a
}

func (d *decoder) step(n *yaml.Node, what string) Step {
	f := d.fields(n, what, "id", "name", "uses", "with", "if")
	s := Step{Line: n.Line, ID: d.str(f["id"], what+".id"), Name: d.str(f["name"], what+".name"),
		Uses: d.str(f["uses"], what+".uses"), If: d.str(f["if"], what+".if"), WithLines: map[string]int{}}
	if n := f["if"]; n != nil {
		s.IfLine = n.Line
	}
	if w := f["with"]; w != nil {
		if w.Kind != yaml.MappingNode {
			d.fail(w, "%s.with must be a mapping, not %s", what, nodeKind(w))
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

func (d *decoder) output(n *yaml.Node) Output {
	if n == nil {
		return Output{}
	}
	f := d.fields(n, "spec.output", "text", "links")
	o := Output{Text: d.str(f["text"], "spec.output.text")}
	for i, l := range d.list(f["links"], "spec.output.links") {
		w := fmt.Sprintf("spec.output.links[%d]", i)
		lf := d.fields(l, w, "title", "url")
		o.Links = append(o.Links, Link{Title: d.str(lf["title"], w+".title"), URL: d.str(lf["url"], w+".url")})
	}
	return o
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
