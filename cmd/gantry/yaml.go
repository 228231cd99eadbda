package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gantryhq/gantry/catalog"
)

// printYAML writes an entity as YAML, in Backstage's shape, through its
// JSON form so that field names and order match the JSON output.
func printYAML(w io.Writer, e *catalog.Entity) error {
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	var v yaml.Node
	if err := yaml.Unmarshal(data, &v); err != nil {
		return err
	}
	blockStyle(&v)
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	defer enc.Close()
	return enc.Encode(&v)
}

// blockStyle turns the flow style that JSON input parses into YAML's
// block style, and quotes only strings that need it.
func blockStyle(n *yaml.Node) {
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		n.Style = 0
	}
	if n.Kind == yaml.ScalarNode && n.Style == yaml.DoubleQuotedStyle {
		n.Style = 0
	}
	for _, c := range n.Content {
		blockStyle(c)
	}
}

// printOrigin writes where an entity was read as YAML comments, so the
// output stays a descriptor that can be read back.
func printOrigin(w io.Writer, o catalog.Origin) {
	if o.Source == "" && o.File == "" {
		return
	}
	where := o.File
	if o.Line > 0 {
		where += ":" + strconv.Itoa(o.Line)
	}
	fmt.Fprintf(w, "# source %s, read from %s\n", o.Source, where)
	if o.Flag != "" {
		fmt.Fprintf(w, "# kept from the last good read; its file now fails: %s\n", strings.ReplaceAll(o.Flag, "\n", " "))
	}
}

// originJSON is the "origin" field `catalog get --json` adds to the entity.
type originJSON struct {
	Source string `json:"source"`
	File   string `json:"file"`
	Line   int    `json:"line"`
	// Flag is why this is the last good version, when its file now fails.
	Flag string `json:"flag,omitempty"`
}

// printEntityJSON writes an entity in Backstage's JSON shape with an
// "origin" field added: where it was read.
func printEntityJSON(w io.Writer, e *catalog.Entity) error {
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	origin, err := json.Marshal(originJSON{Source: e.Origin.Source, File: e.Origin.File, Line: e.Origin.Line, Flag: e.Origin.Flag})
	if err != nil {
		return err
	}
	data = bytes.TrimSpace(data)
	if len(data) < 2 || data[len(data)-1] != '}' {
		return fmt.Errorf("entity %s: unexpected JSON form", e.Ref())
	}
	sep := ","
	if len(data) == 2 {
		sep = ""
	}
	out := append(append(append(data[:len(data)-1:len(data)-1], sep+`"origin":`...), origin...), '}')
	return printJSON(w, json.RawMessage(out))
}
