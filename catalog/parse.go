package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// MaxFileSize is the largest descriptor (or substituted) file read. Real
// descriptors are a few kilobytes; a file of megabytes is almost always a
// generated or misplaced file, and reading it whole would cost every sync.
const MaxFileSize = 4 << 20

// maxNodesPerDocument bounds the YAML nodes converted per document, so an
// alias bomb ("billion laughs") cannot exhaust memory.
const maxNodesPerDocument = 200_000

// ParseOptions tunes ParseFile.
type ParseOptions struct {
	// Resolve reads the file named by a $text, $json or $yaml substitution;
	// target is as written (relative to the descriptor). Nil means
	// substitutions are reported as problems.
	Resolve func(target string) ([]byte, error)
}

// Parsed is what ParseFile read from one file.
type Parsed struct {
	// Entities are the valid entities, in file order, with Origin.File and
	// Origin.Line set.
	Entities []Entity
	// Problems are the file's problems. An entity with a problem is not in
	// Entities.
	Problems []Problem
	// Broken is true when the file could not be read as YAML at all (or only
	// in part): the caller must not conclude that entities it used to hold
	// are gone.
	Broken bool
	// Targets are the targets of the file's valid Location entities, in
	// order, for the caller to follow.
	Targets []Target
}

// Target is one target of a Location entity.
type Target struct {
	Location Ref    // the Location that names it
	Type     string // spec.type ("file", "url", "github-discovery", ...)
	Value    string // as written
	Line     int
	// Optional is true when the Location says presence: optional, so a
	// missing target is not a problem.
	Optional bool
}

// ParseFile reads the descriptors of one file: zero or more YAML documents,
// each an entity. file names it in problems. Every document is validated;
// valid ones are returned even when others are not.
func ParseFile(file string, data []byte, opts ParseOptions) Parsed {
	var out Parsed
	fail := func(line int, format string, args ...any) {
		out.Problems = append(out.Problems, Problem{File: file, Line: line, Message: fmt.Sprintf(format, args...)})
	}
	switch {
	case len(data) > MaxFileSize:
		out.Broken = true
		fail(0, "file is %s, over the %s limit for a descriptor file", humanBytes(len(data)), humanBytes(MaxFileSize))
		return out
	case len(bytes.TrimSpace(data)) == 0:
		out.Broken = true
		fail(1, "file is empty: it holds no entity")
		return out
	}
	if line, ok := binaryAt(data); ok {
		out.Broken = true
		fail(line, "file is not text (binary content): not a descriptor")
		return out
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			out.Broken = true
			line, msg := yamlErrorLine(err)
			fail(line, "invalid YAML: %s", msg)
			break
		}
		if len(doc.Content) == 0 || isNull(doc.Content[0]) {
			continue // an empty document ("---" alone, or only comments)
		}
		e, problems := parseDocument(file, &doc, opts)
		out.Problems = append(out.Problems, problems...)
		if len(problems) == 0 {
			out.Entities = append(out.Entities, e)
			if e.Is(KindLocation) {
				out.Targets = append(out.Targets, locationTargets(&e, locator{root: doc.Content[0]})...)
			}
		}
	}
	return out
}

// parseDocument turns one YAML document into a validated entity.
func parseDocument(file string, doc *yaml.Node, opts ParseOptions) (Entity, []Problem) {
	root := doc.Content[0]
	line := root.Line
	loc := locator{root: root}
	if root.Kind != yaml.MappingNode {
		return Entity{}, []Problem{{File: file, Line: line, Message: "document is not a mapping: an entity needs apiVersion, kind, metadata and spec"}}
	}
	budget := maxNodesPerDocument
	v, err := nodeValue(root, &budget)
	if err != nil {
		return Entity{}, []Problem{{File: file, Line: line, Message: err.Error()}}
	}
	raw := v.(map[string]any)
	var problems []Problem
	if opts.Resolve != nil || hasSubstitution(raw) {
		raw = substitute(raw, opts.Resolve, func(path []string, msg string) {
			problems = append(problems, Problem{File: file, Line: loc.line(path...), Message: msg})
		}, nil).(map[string]any)
	}
	e, shapeProblems := fromMap(raw)
	e.Origin = Origin{File: file, Line: line}
	for _, p := range append(shapeProblems, Validate(&e)...) {
		problems = append(problems, Problem{File: file, Line: loc.line(p.Path...), Message: p.Message, Ref: refIfNamed(&e)})
	}
	if e.Metadata.Namespace == "" {
		e.Metadata.Namespace = DefaultNamespace // as Backstage stores it
	}
	return e, problems
}

// locationTargets lists a Location's target and targets with their lines.
func locationTargets(e *Entity, loc locator) []Target {
	typ, _ := e.Spec["type"].(string)
	presence, _ := e.Spec["presence"].(string)
	var out []Target
	if t, ok := e.Spec["target"].(string); ok && t != "" {
		out = append(out, Target{Location: e.Ref(), Type: typ, Value: t, Line: loc.line("spec", "target"), Optional: presence == "optional"})
	}
	for i, t := range e.SpecStrings("targets") {
		if _, isList := e.Spec["targets"].([]any); !isList {
			break
		}
		out = append(out, Target{Location: e.Ref(), Type: typ, Value: t, Line: loc.line("spec", "targets", strconv.Itoa(i)), Optional: presence == "optional"})
	}
	return out
}

// refIfNamed returns the entity's ref when it has a kind and a name.
func refIfNamed(e *Entity) Ref {
	if e.Kind == "" || e.Metadata.Name == "" {
		return Ref{}
	}
	return e.Ref()
}

// FieldError is a problem at a path inside an entity ("spec", "owner").
type FieldError struct {
	Path    []string
	Message string
}

func (f FieldError) Error() string { return f.Message }

func problemAt(msg string, path ...string) FieldError { return FieldError{Path: path, Message: msg} }

// fromMap reads the typed fields of an entity out of its generic form,
// reporting fields of the wrong type.
func fromMap(raw map[string]any) (Entity, []FieldError) {
	var e Entity
	var problems []FieldError
	str := func(m map[string]any, key string, path ...string) string {
		switch v := m[key].(type) {
		case nil:
			return ""
		case string:
			return v
		default:
			problems = append(problems, problemAt(fmt.Sprintf("%s must be a string, not %s", strings.Join(append(path, key), "."), typeName(v)), append(path, key)...))
			return ""
		}
	}
	for k, v := range raw {
		switch k {
		case "apiVersion", "kind":
		case "metadata":
			if _, ok := v.(map[string]any); !ok && v != nil {
				problems = append(problems, problemAt("metadata must be a mapping, not "+typeName(v), "metadata"))
			}
		case "spec":
			if m, ok := v.(map[string]any); ok {
				e.Spec = m
			} else if v != nil {
				problems = append(problems, problemAt("spec must be a mapping, not "+typeName(v), "spec"))
			}
		case "relations":
			// Relations are derived by the catalog; any written in a
			// descriptor are ignored, as Backstage does.
		default:
			if e.Extra == nil {
				e.Extra = map[string]any{}
			}
			e.Extra[k] = v
		}
	}
	e.APIVersion = str(raw, "apiVersion")
	e.Kind = str(raw, "kind")
	meta, _ := raw["metadata"].(map[string]any)
	if meta == nil {
		return e, problems
	}
	md := &e.Metadata
	md.Name = str(meta, "name", "metadata")
	md.Namespace = str(meta, "namespace", "metadata")
	md.Title = str(meta, "title", "metadata")
	md.Description = str(meta, "description", "metadata")
	for k, v := range meta {
		switch k {
		case "name", "namespace", "title", "description":
		case "labels", "annotations":
			m, ok := v.(map[string]any)
			if !ok {
				if v != nil {
					problems = append(problems, problemAt("metadata."+k+" must be a mapping of strings", "metadata", k))
				}
				continue
			}
			strs := make(map[string]string, len(m))
			for key, val := range m {
				s, ok := val.(string)
				if !ok {
					problems = append(problems, problemAt(fmt.Sprintf("metadata.%s.%s must be a string, not %s (quote it)", k, key, typeName(val)), "metadata", k, key))
					continue
				}
				strs[key] = s
			}
			if k == "labels" {
				md.Labels = strs
			} else {
				md.Annotations = strs
			}
		case "tags":
			list, ok := v.([]any)
			if !ok {
				if v != nil {
					problems = append(problems, problemAt("metadata.tags must be a list of strings", "metadata", "tags"))
				}
				continue
			}
			md.Tags = make([]string, 0, len(list))
			for i, item := range list {
				s, ok := item.(string)
				if !ok {
					problems = append(problems, problemAt(fmt.Sprintf("metadata.tags[%d] must be a string, not %s", i, typeName(item)), "metadata", "tags", strconv.Itoa(i)))
					continue
				}
				md.Tags = append(md.Tags, s)
			}
		case "links":
			list, ok := v.([]any)
			if !ok {
				if v != nil {
					problems = append(problems, problemAt("metadata.links must be a list", "metadata", "links"))
				}
				continue
			}
			md.Links = make([]Link, 0, len(list))
			for i, item := range list {
				m, ok := item.(map[string]any)
				if !ok {
					problems = append(problems, problemAt(fmt.Sprintf("metadata.links[%d] must be a mapping with a url", i), "metadata", "links", strconv.Itoa(i)))
					continue
				}
				p := []string{"metadata", "links", strconv.Itoa(i)}
				l := Link{URL: str(m, "url", p...), Title: str(m, "title", p...), Icon: str(m, "icon", p...), Type: str(m, "type", p...)}
				md.Links = append(md.Links, l)
			}
		default:
			if md.Extra == nil {
				md.Extra = map[string]any{}
			}
			md.Extra[k] = v
		}
	}
	return e, problems
}

// locator finds the line of a field inside a document, falling back to the
// nearest enclosing node that exists.
type locator struct{ root *yaml.Node }

func (l locator) line(path ...string) int {
	n := l.root
	best := n.Line
	for _, part := range path {
		next := child(n, part)
		if next == nil {
			break
		}
		n = next
		best = n.Line
	}
	return best
}

// child returns the value node of key in a mapping, or item i of a sequence.
func child(n *yaml.Node, key string) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				return n.Content[i+1]
			}
		}
	case yaml.SequenceNode:
		if i, err := strconv.Atoi(key); err == nil && i >= 0 && i < len(n.Content) {
			return n.Content[i]
		}
	}
	return nil
}

// nodeValue converts a YAML node into plain Go values (map[string]any,
// []any, string, int64, float64, bool, nil). Unlike decoding into `any`, it
// keeps timestamps and other scalars as the text their authors wrote, so
// descriptors round-trip unchanged.
func nodeValue(n *yaml.Node, budget *int) (any, error) {
	*budget--
	if *budget < 0 {
		return nil, errors.New("document is too large or too deeply aliased (over 200,000 YAML nodes)")
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return nodeValue(n.Content[0], budget)
	case yaml.AliasNode:
		return nodeValue(n.Alias, budget)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := nodeValue(c, budget)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		var keyLines map[string]int
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, vn := n.Content[i], n.Content[i+1]
			if keyLines == nil {
				keyLines = make(map[string]int, len(n.Content)/2)
			}
			if first, dup := keyLines[k.Value]; dup && k.ShortTag() != "!!merge" {
				return nil, fmt.Errorf("key %q is defined twice (first on line %d)", k.Value, first)
			}
			keyLines[k.Value] = k.Line
			if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
				if err := mergeInto(out, vn, budget); err != nil {
					return nil, err
				}
				continue
			}
			v, err := nodeValue(vn, budget)
			if err != nil {
				return nil, err
			}
			out[k.Value] = v
		}
		return out, nil
	case yaml.ScalarNode:
		return scalarValue(n), nil
	}
	return nil, fmt.Errorf("line %d: unsupported YAML node", n.Line)
}

// mergeInto applies a YAML merge key ("<<: *base"): keys already present win.
func mergeInto(out map[string]any, n *yaml.Node, budget *int) error {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	sources := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		sources = n.Content
	}
	for _, s := range sources {
		v, err := nodeValue(s, budget)
		if err != nil {
			return err
		}
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("line %d: a merge key (<<) needs a mapping", s.Line)
		}
		for k, val := range m {
			if _, exists := out[k]; !exists {
				out[k] = val
			}
		}
	}
	return nil
}

func scalarValue(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		if b, err := strconv.ParseBool(n.Value); err == nil {
			return b
		}
	case "!!int":
		if i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64); err == nil {
			return i
		}
	case "!!float":
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f
		}
	}
	return n.Value
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// hasSubstitution reports whether any mapping in v is a $text, $json or
// $yaml placeholder.
func hasSubstitution(v any) bool {
	switch v := v.(type) {
	case map[string]any:
		if _, ok := placeholder(v); ok {
			return true
		}
		for _, x := range v {
			if hasSubstitution(x) {
				return true
			}
		}
	case []any:
		for _, x := range v {
			if hasSubstitution(x) {
				return true
			}
		}
	}
	return false
}

// placeholder returns the directive of a one-key mapping {$text|$json|$yaml: target}.
func placeholder(m map[string]any) (string, bool) {
	if len(m) != 1 {
		return "", false
	}
	for k := range m {
		switch k {
		case "$text", "$json", "$yaml":
			return k, true
		}
	}
	return "", false
}

// substitute replaces placeholders in v by the content they name, as
// Backstage's PlaceholderProcessor does. Problems are reported at the
// placeholder's path and the placeholder is left in place.
func substitute(v any, resolve func(string) ([]byte, error), report func(path []string, msg string), path []string) any {
	switch v := v.(type) {
	case map[string]any:
		if directive, ok := placeholder(v); ok {
			target, _ := v[directive].(string)
			if target == "" {
				report(path, directive+" needs a file path")
				return v
			}
			if resolve == nil {
				report(path, directive+" substitution of "+target+" is not supported here")
				return v
			}
			data, err := resolve(target)
			if err != nil {
				report(path, fmt.Sprintf("%s %s: %v", directive, target, err))
				return v
			}
			if len(data) > MaxFileSize {
				report(path, fmt.Sprintf("%s %s: file is %s, over the %s limit", directive, target, humanBytes(len(data)), humanBytes(MaxFileSize)))
				return v
			}
			switch directive {
			case "$text":
				return string(data)
			case "$json":
				var x any
				if err := json.Unmarshal(data, &x); err != nil {
					report(path, fmt.Sprintf("$json %s: invalid JSON: %v", target, err))
					return v
				}
				return x
			default: // $yaml
				var n yaml.Node
				if err := yaml.Unmarshal(data, &n); err != nil {
					report(path, fmt.Sprintf("$yaml %s: invalid YAML: %v", target, err))
					return v
				}
				budget := maxNodesPerDocument
				x, err := nodeValue(&n, &budget)
				if err != nil {
					report(path, fmt.Sprintf("$yaml %s: %v", target, err))
					return v
				}
				return x
			}
		}
		for k, x := range v {
			v[k] = substitute(x, resolve, report, append(path[:len(path):len(path)], k))
		}
		return v
	case []any:
		for i, x := range v {
			v[i] = substitute(x, resolve, report, append(path[:len(path):len(path)], strconv.Itoa(i)))
		}
		return v
	}
	return v
}

// yamlErrorLine extracts the line from yaml.v3's "yaml: line N: msg".
func yamlErrorLine(err error) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if i := strings.Index(rest, ": "); i > 0 {
			if n, err := strconv.Atoi(rest[:i]); err == nil {
				msg = rest[i+2:]
				// yaml.v3 reports its parser's errors (unlike its scanner's)
				// with the 0-based line of the construct left open.
				if strings.HasPrefix(msg, "did not find expected") {
					n++
				}
				return n, msg
			}
		}
	}
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		return yamlErrorLine(errors.New(te.Errors[0]))
	}
	return 0, msg
}

// binaryAt reports the line of the first NUL byte or invalid UTF-8
// sequence, the mark of a file that is not text.
func binaryAt(data []byte) (int, bool) {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == 0 || (r == utf8.RuneError && size == 1) {
			return 1 + bytes.Count(data[:i], []byte{'\n'}), true
		}
		i += size
	}
	return 0, false
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int64, float64:
		return "a number"
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	}
	return fmt.Sprintf("%T", v)
}

func humanBytes(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
