package defload

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/internal/fuzzy"
)

// Decoder reads the YAML nodes of one file, recording each mistake as a
// problem at its line. Definition packages embed it in their own decoder.
type Decoder struct {
	File     string
	Problems []catalog.Problem
}

// Documents decodes each document of data with decode, in order, and
// returns what it made of those that recorded no problem. Invalid YAML is
// a problem at its line and ends the file.
func Documents[T any](d *Decoder, data []byte, decode func(*yaml.Node) *T) []*T {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []*T
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			d.FailAt(yamlErrLine(err), "invalid YAML: %s", yamlErrText(err))
			break
		}
		if len(doc.Content) == 0 {
			continue
		}
		before := len(d.Problems)
		if v := decode(doc.Content[0]); v != nil && len(d.Problems) == before {
			out = append(out, v)
		}
	}
	return out
}

// Fail records a problem at n's line (0 when n is nil).
func (d *Decoder) Fail(n *yaml.Node, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	d.FailAt(line, format, args...)
}

// FailAt records a problem at line.
func (d *Decoder) FailAt(line int, format string, args ...any) {
	d.Problems = append(d.Problems, catalog.Problem{File: d.File, Line: line, Message: fmt.Sprintf(format, args...)})
}

// AnyKey, given to Fields as the known keys, accepts every key (a map of
// names the definition chooses, such as an action's inputs).
const AnyKey = "\x00any"

// Fields reads a mapping, reporting keys that are not in known (with the
// nearest known one: "unknown field spec.stpes (did you mean steps?)") and
// keys given twice. what is the mapping's path in messages ("spec").
func (d *Decoder) Fields(n *yaml.Node, what string, known ...string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	if n == nil {
		return out
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode {
		d.Fail(n, "%s must be a mapping, not %s", what, NodeKind(n))
		return out
	}
	anyKey := slices.Contains(known, AnyKey)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := k.Value
		if _, dup := out[key]; dup {
			d.Fail(k, "%s.%s is given twice", what, key)
			continue
		}
		if !anyKey && !slices.Contains(known, key) {
			msg := fmt.Sprintf("unknown field %s.%s", what, key)
			if near := fuzzy.Nearest(key, known); near != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", near)
			}
			d.Fail(k, "%s", msg)
			continue
		}
		out[key] = v
	}
	return out
}

// Str reads text ("" for a missing or null value).
func (d *Decoder) Str(n *yaml.Node, what string) string {
	if n == nil {
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		d.Fail(n, "%s must be text, not %s", what, NodeKind(n))
		return ""
	}
	if n.Tag == "!!null" {
		return ""
	}
	return n.Value
}

// Bool reads true or false (false when missing).
func (d *Decoder) Bool(n *yaml.Node, what string) bool {
	if n == nil {
		return false
	}
	var b bool
	if n.Kind != yaml.ScalarNode || n.Decode(&b) != nil {
		d.Fail(n, "%s must be true or false, not %s", what, NodeKind(n))
	}
	return b
}

// Int reads a whole number (nil when missing or wrong).
func (d *Decoder) Int(n *yaml.Node, what string) *int {
	if n == nil {
		return nil
	}
	var v int
	if n.Kind != yaml.ScalarNode || n.Decode(&v) != nil {
		d.Fail(n, "%s must be a whole number, not %s", what, NodeKind(n))
		return nil
	}
	return &v
}

// Number reads a number (nil when missing or wrong).
func (d *Decoder) Number(n *yaml.Node, what string) *float64 {
	if n == nil {
		return nil
	}
	var v float64
	if n.Kind != yaml.ScalarNode || n.Decode(&v) != nil {
		d.Fail(n, "%s must be a number, not %s", what, NodeKind(n))
		return nil
	}
	return &v
}

// Strs reads a list of text, or one text as a list of one.
func (d *Decoder) Strs(n *yaml.Node, what string) []string {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		if s := d.Str(n, what); s != "" {
			return []string{s}
		}
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.Fail(n, "%s must be a list, not %s", what, NodeKind(n))
		return nil
	}
	var out []string
	for i, c := range n.Content {
		out = append(out, d.Str(c, fmt.Sprintf("%s[%d]", what, i)))
	}
	return out
}

// List reads a list's items (nil when missing or not a list).
func (d *Decoder) List(n *yaml.Node, what string) []*yaml.Node {
	if n == nil {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.Fail(n, "%s must be a list, not %s", what, NodeKind(n))
		return nil
	}
	return n.Content
}

// NodeKind describes what a node is, for "must be …, not …" messages.
func NodeKind(n *yaml.Node) string {
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

// Or returns n, or fallback when n is nil: where to report a missing
// field (at the mapping that lacks it).
func Or(n, fallback *yaml.Node) *yaml.Node {
	if n != nil {
		return n
	}
	return fallback
}

// yamlErrLine is the line of a YAML syntax error ("yaml: line 3: …").
func yamlErrLine(err error) int {
	msg := err.Error()
	const prefix = "yaml: line "
	if i := strings.Index(msg, prefix); i >= 0 {
		rest := msg[i+len(prefix):]
		if j := strings.IndexByte(rest, ':'); j > 0 {
			if n, err := strconv.Atoi(rest[:j]); err == nil {
				return n
			}
		}
	}
	return 0
}

// yamlErrText is a YAML syntax error without its "yaml: line N:" prefix.
func yamlErrText(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if strings.HasPrefix(msg, "line ") {
		if i := strings.Index(msg, ": "); i >= 0 {
			return msg[i+2:]
		}
	}
	return msg
}
