package main

import (
	"encoding/json"
	"io"

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
