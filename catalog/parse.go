package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
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
	// LostTargets is true when a Location document of the file is invalid:
	// its targets are not in Targets, so the caller must not conclude that
	// the files it used to lead to are gone. (Broken implies the same.)
	LostTargets bool
	// Targets are the targets of the file's valid Location entities, in
	// order, for the caller to follow.
	Targets []Target
	// Notes are substitutions left unresolved that are not errors: a remote
	// $text the reader does not fetch (see ErrNotFetched).
	Notes []Problem
}

// ErrNotFetched is what a ParseOptions.Resolve returns (wrapped) for a
// target it deliberately does not read, such as a remote URL when there is
// no network. The placeholder then becomes the target itself (the URL),
// the entity stays valid, and a note says so: Backstage would have fetched
// it, so the descriptor is not wrong.
var ErrNotFetched = errors.New("not fetched")

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
		out.Problems = append(out.Problems, FileTooLarge(file, int64(len(data))))
		return out
	case len(bytes.TrimSpace(data)) == 0:
		out.Broken = true
		fail(1, "file is empty: it holds no entity")
		return out
	}
	if line, msg, ok := binaryAt(data); ok {
		out.Broken = true
		fail(line, "%s", msg)
		return out
	}
	// A YAML error ends the document it is in, not the file: reading goes on
	// at the next document marker ("---" at the start of a line) after the
	// error, as Backstage does, with the lines before it blanked so that
	// line numbers stay those of the file.
	src, from, yamlErrors := data, 0, 0
	for {
		errLine, ok := parseDocuments(file, src, data, opts, &out)
		if ok {
			return out
		}
		out.Broken = true
		if n := len(out.Problems); n >= 2 && out.Problems[n-1] == out.Problems[n-2] {
			out.Problems = out.Problems[:n-1] // met again from the marker it is on
		}
		if yamlErrors++; yamlErrors == maxYAMLErrors {
			fail(errLine, "too many YAML errors: the rest of the file is not read")
			return out
		}
		next, line := nextDocumentMarker(data, max(errLine-1, from))
		if next < 0 {
			return out
		}
		from = line
		src = append(bytes.Repeat([]byte{'\n'}, line-1), data[next:]...) // one break a line
	}
}

// maxYAMLErrors bounds the YAML errors reported for one file (each costs a
// new pass over the rest of it).
const maxYAMLErrors = 20

// parseDocuments decodes the documents of src (data with a prefix blanked),
// adding entities and problems to out, until the end or a YAML error: then it
// returns the error's line and false.
func parseDocuments(file string, src, data []byte, opts ParseOptions, out *Parsed) (int, bool) {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return 0, true
		}
		if err != nil {
			line, msg := yamlErrorLine(shiftedError(src, err), src)
			out.Problems = append(out.Problems, Problem{File: file, Line: line, Message: "invalid YAML: " + msg + templateHint(data, line)})
			return line, false
		}
		if len(doc.Content) == 0 || isNull(doc.Content[0]) {
			continue // an empty document ("---" alone, or only comments)
		}
		e, problems, notes := parseDocument(file, &doc, opts)
		out.Notes = append(out.Notes, notes...)
		out.Problems = append(out.Problems, problems...)
		if len(problems) > 0 && strings.EqualFold(e.Kind, KindLocation) {
			out.LostTargets = true
		}
		if len(problems) == 0 {
			out.Entities = append(out.Entities, e)
			if e.Is(KindLocation) {
				out.Targets = append(out.Targets, locationTargets(&e, locator{root: doc.Content[0]})...)
			}
		}
	}
}

// nextDocumentMarker returns the offset and line of the first line after
// line (1-based) that starts a document, or -1.
func nextDocumentMarker(data []byte, line int) (int, int) {
	off := 0
	for i, text := range yamlLines(data) {
		if i+1 > line && isDocumentMarker(text) {
			return off, i + 1
		}
		off += len(text)
	}
	return -1, 0
}

// isDocumentMarker reports whether a line is "---", alone or followed by a
// space.
func isDocumentMarker(text []byte) bool {
	text = trimBreak(text)
	return bytes.HasPrefix(text, []byte("---")) && (len(text) == 3 || text[3] == ' ' || text[3] == '\t')
}

// lastContentLine returns the last line before line that holds more than
// blanks or a comment, or line.
func lastContentLine(data []byte, line int) int {
	for n := line - 1; n >= 1; n-- {
		text := strings.TrimSpace(lineText(data, n))
		if text != "" && !strings.HasPrefix(text, "#") {
			return n
		}
	}
	return line
}

// templateHint explains a problem on a line that holds an unrendered
// template placeholder, the usual reason a skeleton is not valid YAML.
func templateHint(data []byte, line int) string {
	if line < 1 {
		return ""
	}
	text := lineText(data, line)
	if strings.Contains(text, "{{") || strings.Contains(text, "{%") {
		return " (the line holds a template placeholder: is this an unrendered template skeleton?)"
	}
	return ""
}

// lineText returns line n (1-based) of data, or "".
func lineText(data []byte, n int) string {
	lines := yamlLines(data)
	if n < 1 || n > len(lines) {
		return ""
	}
	return string(trimBreak(lines[n-1]))
}

// yamlLines splits data into lines, each with its line break, the breaks
// being those of YAML (and so of yaml.v3's line numbers): \n, \r\n, \r,
// NEL, LS and PS.
func yamlLines(data []byte) [][]byte {
	var out [][]byte
	start := 0
	for i := 0; i < len(data); {
		if n := breakAt(data, i); n > 0 {
			out = append(out, data[start:i+n])
			i += n
			start = i
			continue
		}
		i++
	}
	if start < len(data) {
		out = append(out, data[start:])
	}
	return out
}

// breakAt returns the length of the line break at data[i], or 0.
func breakAt(data []byte, i int) int {
	switch {
	case data[i] == '\r' && i+1 < len(data) && data[i+1] == '\n':
		return 2
	case data[i] == '\r' || data[i] == '\n':
		return 1
	case data[i] == 0xC2 && i+1 < len(data) && data[i+1] == 0x85:
		return 2
	case data[i] == 0xE2 && i+2 < len(data) && data[i+1] == 0x80 && (data[i+2] == 0xA8 || data[i+2] == 0xA9):
		return 3
	}
	return 0
}

// trimBreak removes the line break that ends a line.
func trimBreak(line []byte) []byte {
	for i := range line {
		if breakAt(line, i) > 0 {
			return line[:i]
		}
	}
	return line
}

// lineOf returns the 1-based line of the byte at offset off.
func lineOf(data []byte, off int) int {
	n := 1
	for i := 0; i < off && i < len(data); {
		if b := breakAt(data, i); b > 0 {
			n++
			i += b
			continue
		}
		i++
	}
	return n
}

// parseDocument turns one YAML document into a validated entity.
func parseDocument(file string, doc *yaml.Node, opts ParseOptions) (Entity, []Problem, []Problem) {
	root := doc.Content[0]
	line := root.Line
	loc := locator{root: root}
	if root.Kind != yaml.MappingNode {
		return Entity{}, []Problem{{File: file, Line: line, Message: "document is not a mapping: an entity needs apiVersion, kind, metadata and spec"}}, nil
	}
	budget := maxNodesPerDocument
	v, err := nodeValue(root, &budget)
	if err != nil {
		if ne, ok := err.(*nodeError); ok && ne.line > 0 {
			line = ne.line
		}
		return Entity{}, []Problem{{File: file, Line: line, Message: err.Error()}}, nil
	}
	raw := v.(map[string]any)
	_, hasAPIVersion := raw["apiVersion"]
	_, hasKind := raw["kind"]
	if !hasAPIVersion && !hasKind {
		return Entity{}, []Problem{{File: file, Line: line, Message: "not a catalog entity: the document has no apiVersion and no kind (a descriptor starts with apiVersion: backstage.io/v1alpha1 and a kind)"}}, nil
	}
	var problems, notes []Problem
	// Paths already reported: a problem inside one of them would only repeat
	// it (spec.definition "must be a string" after its $text failed).
	var reported [][]string
	if opts.Resolve != nil || hasSubstitution(raw) {
		raw = substitute(raw, opts.Resolve, func(path []string, directive, msg string) {
			at := append(path[:len(path):len(path)], directive)
			problems = append(problems, Problem{File: file, Line: loc.line(at...), Message: msg})
			reported = append(reported, path)
		}, func(path []string, directive, msg string) {
			at := append(path[:len(path):len(path)], directive)
			notes = append(notes, Problem{File: file, Line: loc.line(at...), Message: msg})
		}, nil).(map[string]any)
	}
	e, shapeProblems := fromMap(raw)
	e.Origin = Origin{File: file, Line: line}
	for _, p := range shapeProblems {
		if !under(p.Path, reported) {
			problems = append(problems, Problem{File: file, Line: loc.line(p.Path...), Message: p.Message, Ref: refIfNamed(&e)})
		}
	}
	for _, p := range shapeProblems {
		reported = append(reported, p.Path)
	}
	for _, p := range Validate(&e) {
		if !under(p.Path, reported) {
			problems = append(problems, Problem{File: file, Line: loc.line(p.Path...), Message: p.Message + nameHint(p.Path, e.Metadata.Name), Ref: refIfNamed(&e)})
		}
	}
	if e.Metadata.Namespace == "" {
		e.Metadata.Namespace = DefaultNamespace // as Backstage stores it
	}
	return e, problems, notes
}

// under reports whether path is one of paths or inside one of them.
func under(path []string, paths [][]string) bool {
	for _, p := range paths {
		if len(p) <= len(path) && slices.Equal(p, path[:len(p)]) {
			return true
		}
	}
	return false
}

// nameHint explains an invalid name that is an unrendered placeholder.
func nameHint(path []string, name string) string {
	if slices.Equal(path, []string{"metadata", "name"}) && (strings.Contains(name, "{{") || strings.Contains(name, "{%")) {
		return " (it is a template placeholder: is this an unrendered template skeleton?)"
	}
	return ""
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
	if ns, ok := meta["namespace"].(string); ok && ns == "" {
		problems = append(problems, problemAt("metadata.namespace must not be empty (leave it out for the default namespace)", "metadata", "namespace"))
	}
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

// locator finds the line of a field inside a document: the line of its key
// (of its item, in a list), or of the nearest enclosing field that exists.
type locator struct{ root *yaml.Node }

func (l locator) line(path ...string) int {
	n := l.root
	best := n.Line
	for _, part := range path {
		key, next := child(n, part)
		if next == nil {
			break
		}
		n, best = next, key.Line
	}
	return best
}

// child returns the key and value nodes of key in a mapping, or item i of a
// sequence (twice).
func child(n *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				return n.Content[i], n.Content[i+1]
			}
		}
	case yaml.SequenceNode:
		if i, err := strconv.Atoi(key); err == nil && i >= 0 && i < len(n.Content) {
			return n.Content[i], n.Content[i]
		}
	}
	return nil, nil
}

// nodeError is a problem found while converting a document, at a line.
type nodeError struct {
	line int
	msg  string
}

func (e *nodeError) Error() string { return e.msg }

// nodeValue converts a YAML node into plain Go values (map[string]any,
// []any, string, int64, float64, bool, nil). Unlike decoding into `any`, it
// keeps timestamps and other scalars as the text their authors wrote, so
// descriptors round-trip unchanged.
func nodeValue(n *yaml.Node, budget *int) (any, error) {
	*budget--
	if *budget < 0 {
		return nil, &nodeError{n.Line, fmt.Sprintf("document is too large or too deeply aliased (over %d YAML nodes)", maxNodesPerDocument)}
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return nodeValue(n.Content[0], budget)
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, &nodeError{n.Line, fmt.Sprintf("alias *%s names no anchor", n.Value)}
		}
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
			if k.Kind == yaml.AliasNode && k.Alias != nil {
				k = k.Alias
			}
			if k.Kind != yaml.ScalarNode {
				return nil, &nodeError{n.Content[i].Line, "a key is a " + kindName(k) + ", not a plain value (an unrendered template placeholder such as {{ name }}?)"}
			}
			if keyLines == nil {
				keyLines = make(map[string]int, len(n.Content)/2)
			}
			if k.ShortTag() == "!!merge" {
				if err := mergeInto(out, vn, budget); err != nil {
					return nil, err
				}
				continue
			}
			if first, dup := keyLines[k.Value]; dup {
				return nil, &nodeError{n.Content[i].Line, fmt.Sprintf("key %q is defined twice (first on line %d)", k.Value, first)}
			}
			keyLines[k.Value] = n.Content[i].Line
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
	return nil, &nodeError{n.Line, "unsupported YAML node"}
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	}
	return "YAML node"
}

// mergeInto applies a YAML merge key ("<<: *base"): keys already present win.
func mergeInto(out map[string]any, n *yaml.Node, budget *int) error {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
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
			return &nodeError{s.Line, "a merge key (<<) needs a mapping or a list of mappings"}
		}
		for k, val := range m {
			if _, exists := out[k]; !exists {
				out[k] = val
			}
		}
	}
	return nil
}

// YAML 1.2 core schema integers, as Backstage's YAML parser reads them;
// yaml.v3 also tags YAML 1.1 forms (017 as octal, 0b101, 1_000) as
// integers, and those are kept as the text written.
var (
	decimalRe = regexp.MustCompile(`^[-+]?[0-9]+$`)
	octalRe   = regexp.MustCompile(`^0o[0-7]+$`)
	hexRe     = regexp.MustCompile(`^0x[0-9a-fA-F]+$`)
)

func scalarValue(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		if b, err := strconv.ParseBool(n.Value); err == nil {
			return b
		}
	case "!!int":
		var i int64
		var err error
		switch {
		case decimalRe.MatchString(n.Value):
			i, err = strconv.ParseInt(n.Value, 10, 64)
		case octalRe.MatchString(n.Value):
			i, err = strconv.ParseInt(n.Value[2:], 8, 64)
		case hexRe.MatchString(n.Value):
			i, err = strconv.ParseInt(n.Value[2:], 16, 64)
		default:
			return n.Value
		}
		if err == nil {
			return i
		}
	case "!!float":
		if decimalRe.MatchString(n.Value) {
			return n.Value // an integer too large for int64: its digits are kept
		}
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

// placeholder returns the directive of a one-key mapping {$text|$json|$yaml: "target"}.
func placeholder(m map[string]any) (string, bool) {
	if len(m) != 1 {
		return "", false
	}
	for k, v := range m {
		switch k {
		case "$text", "$json", "$yaml":
			// As Backstage, a non-string value is not a placeholder
			// (JSON Schema in a spec may hold such keys).
			_, isString := v.(string)
			return k, isString
		}
	}
	return "", false
}

// substitute replaces placeholders in v by the content they name, as
// Backstage's PlaceholderProcessor does. Problems are reported at the
// placeholder's path and the placeholder is left in place.
func substitute(v any, resolve func(string) ([]byte, error), report, note func(path []string, directive, msg string), path []string) any {
	switch v := v.(type) {
	case map[string]any:
		if directive, ok := placeholder(v); ok {
			target, _ := v[directive].(string)
			if target == "" {
				report(path, directive, directive+" needs a file path")
				return v
			}
			if resolve == nil {
				report(path, directive, directive+" substitution of "+target+" is not supported here")
				return v
			}
			data, err := resolve(target)
			if errors.Is(err, ErrNotFetched) {
				note(path, directive, fmt.Sprintf("%s %s: %v; the field holds the address instead", directive, target, err))
				return target
			}
			if err != nil {
				report(path, directive, fmt.Sprintf("%s %s: %v", directive, target, err))
				return v
			}
			if len(data) > MaxFileSize {
				report(path, directive, fmt.Sprintf("%s %s: file is %s, over the %s limit", directive, target, humanBytes(len(data)), humanBytes(MaxFileSize)))
				return v
			}
			switch directive {
			case "$text":
				return string(data)
			case "$json":
				var x any
				if err := json.Unmarshal(data, &x); err != nil {
					report(path, directive, fmt.Sprintf("$json %s: invalid JSON: %v", target, err))
					return v
				}
				return x
			default: // $yaml
				var n yaml.Node
				if err := yaml.Unmarshal(data, &n); err != nil {
					line, msg := yamlErrorLine(err, data)
					report(path, directive, fmt.Sprintf("$yaml %s: invalid YAML: line %d: %s", target, line, msg))
					return v
				}
				budget := maxNodesPerDocument
				x, err := nodeValue(&n, &budget)
				if err != nil {
					report(path, directive, fmt.Sprintf("$yaml %s: %v", target, err))
					return v
				}
				return x
			}
		}
		for k, x := range v {
			v[k] = substitute(x, resolve, report, note, append(path[:len(path):len(path)], k))
		}
		return v
	case []any:
		for i, x := range v {
			v[i] = substitute(x, resolve, report, note, append(path[:len(path):len(path)], strconv.Itoa(i)))
		}
		return v
	}
	return v
}

// yamlParserErrors are the messages of yaml.v3's parser (as opposed to its
// scanner): it reports them with a 0-based line, that of the construct left
// open when it has one.
var yamlParserErrors = []string{
	"did not find expected <stream-start>",
	"did not find expected <document start>",
	"did not find expected node content",
	"did not find expected '-' indicator",
	"did not find expected key",
	"did not find expected ',' or ']'",
	"did not find expected ',' or '}'",
	"found undefined tag handle",
	"found duplicate %YAML directive",
	"found duplicate %TAG directive",
	"found incompatible YAML document",
}

// shiftedError decodes src again behind one more line and returns the same
// error as err with its line back to src's numbering. yaml.v3 takes an
// error's line from the construct left open unless that is on the first
// line, and leaves the line out when both are there: behind a blank line,
// neither happens.
func shiftedError(src []byte, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if _, text, ok := strings.Cut(rest, ": "); ok && !slices.Contains(yamlParserErrors, text) {
			return err // a scanner error with its line: exact already
		}
	}
	shifted := make([]byte, 0, len(src)+1)
	if bom := []byte("\xef\xbb\xbf"); bytes.HasPrefix(src, bom) {
		shifted = append(append(shifted, bom...), '\n')
		shifted = append(shifted, src[len(bom):]...)
	} else {
		shifted = append(append(shifted, '\n'), src...)
	}
	dec := yaml.NewDecoder(bytes.NewReader(shifted))
	for {
		var doc yaml.Node
		serr := dec.Decode(&doc)
		if serr == nil {
			continue
		}
		msg := strings.TrimPrefix(serr.Error(), "yaml: ")
		rest, ok := strings.CutPrefix(msg, "line ")
		i := strings.Index(rest, ": ")
		if !ok || i < 0 || !strings.HasSuffix(err.Error(), rest[i+2:]) {
			return err // not the same error: keep the first
		}
		n, cerr := strconv.Atoi(rest[:i])
		if cerr != nil || n < 1 {
			return err
		}
		return fmt.Errorf("yaml: line %d: %s", n-1, rest[i+2:])
	}
}

// yamlErrorLine returns the 1-based line of a yaml.v3 error in data, and its
// message without the "yaml: line N:" prefix.
func yamlErrorLine(err error, data []byte) (int, string) {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		err = errors.New(te.Errors[0])
	}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if i := strings.Index(rest, ": "); i > 0 {
			if n, err := strconv.Atoi(rest[:i]); err == nil {
				line, msg = n, rest[i+2:]
			}
		}
	}
	parserError := slices.Contains(yamlParserErrors, msg)
	switch {
	case strings.HasPrefix(msg, "unknown anchor '"):
		// Reported without a line: the first use of the alias is the place.
		name := strings.TrimSuffix(strings.TrimPrefix(msg, "unknown anchor '"), "' referenced")
		line = aliasLine(data, name)
	case line == 0:
		// yaml.v3 leaves the line out when it is the first one.
		line = 1
	case parserError:
		line++
	}
	if msg == "did not find expected key" || msg == "did not find expected '-' indicator" {
		// The line is the start of the block mapping (or list) in which
		// something is out of place; the place itself is more use.
		line = firstFailingLine(data, line, msg)
	}
	if strings.HasPrefix(msg, "did not find expected") && isDocumentMarker([]byte(lineText(data, line))) {
		// A document ended with something left open (an unclosed bracket):
		// that is before the marker.
		line = lastContentLine(data, line)
	}
	// An error at the end of the file is shown on its last line.
	if last := lastLine(data); line > last {
		line = last
	}
	return line, msg
}

// lastLine returns the last line of data that is not blank.
func lastLine(data []byte) int {
	lines := yamlLines(data)
	for n := len(lines); n > 1; n-- {
		if len(bytes.TrimSpace(trimBreak(lines[n-1]))) > 0 {
			return n
		}
	}
	return 1
}

// aliasLine returns the line of the first "*name" alias in data, or 1.
func aliasLine(data []byte, name string) int {
	re, err := regexp.Compile(`\*` + regexp.QuoteMeta(name) + `(?:[\s,\]}]|$)`)
	if err != nil {
		return 1
	}
	if loc := re.FindIndex(data); loc != nil {
		return lineOf(data, loc[0])
	}
	return 1
}

// maxBisectSize bounds the documents whose YAML errors are located by
// bisection (a parse per step).
const maxBisectSize = 1 << 20

// firstFailingLine finds the first line at which data, cut after that line,
// fails to parse with msg: where the out-of-place entry is. Lines from
// start on are tried, by bisection; start is returned if none fails alone.
func firstFailingLine(data []byte, start int, msg string) int {
	lines := yamlLines(data)
	fails := func(n int) bool {
		dec := yaml.NewDecoder(bytes.NewReader(bytes.Join(lines[:n], nil)))
		for {
			var doc yaml.Node
			err := dec.Decode(&doc)
			if err == nil {
				continue
			}
			return !errors.Is(err, io.EOF) && strings.HasSuffix(err.Error(), msg)
		}
	}
	// The place is in the document of start: before the next marker.
	lo, hi := start, len(lines)
	if _, next := nextDocumentMarker(data, start); next > 0 {
		hi = next - 1
	}
	if lo < 1 || lo > hi || len(bytes.Join(lines[lo-1:hi], nil)) > maxBisectSize || !fails(hi) {
		return start
	}
	for lo < hi {
		mid := (lo + hi) / 2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// binaryAt reports the line of the first byte that cannot be in a YAML
// file, with the reason: a NUL or invalid UTF-8 (binary content, or text in
// another encoding) or a control character.
func binaryAt(data []byte) (int, string, bool) {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		line := func() int { return lineOf(data, i) }
		switch {
		case r == 0 || (r == utf8.RuneError && size == 1):
			return line(), "file is not UTF-8 text (binary content): not a descriptor", true
		case !yamlPrintable(r):
			return line(), fmt.Sprintf("character %U is not allowed in YAML (a control character)", r), true
		}
		i += size
	}
	return 0, "", false
}

// yamlPrintable reports whether r may appear in a YAML stream.
func yamlPrintable(r rune) bool {
	switch {
	case r == '\t', r == '\n', r == '\r', r >= 0x20 && r <= 0x7E, r == 0x85:
		return true
	case r >= 0xA0 && r <= 0xD7FF, r >= 0xE000 && r <= 0xFFFD, r >= 0x10000 && r <= 0x10FFFF:
		return true
	}
	return false
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

// FileTooLarge is the problem of a file over MaxFileSize bytes, refused
// whole; it points at the file's first line, as every problem about a
// whole file does.
func FileTooLarge(file string, size int64) Problem {
	return Problem{File: file, Line: 1, Message: fmt.Sprintf("file is %s, over the %s limit for a descriptor file", humanBytes(size), humanBytes(MaxFileSize))}
}

func humanBytes[N int | int64](n N) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
