package playground

import (
	"embed"
	"fmt"
	"io/fs"

	"go.yaml.in/yaml/v3"
)

// dist is the built web client (web/, built by `make web`), and the copy
// of manifest.yaml it reads the slash commands from.
//
//go:embed dist
var dist embed.FS

// assets returns the built client's files.
func assets() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil { // only if the embed directive changed
		panic(fmt.Sprintf("playground: embedded assets: %v", err))
	}
	return sub
}

// Command is a slash command as manifest.yaml declares it, for the
// composer's autocomplete.
type Command struct {
	Command     string `json:"command" yaml:"command"`
	Description string `json:"description" yaml:"description"`
	UsageHint   string `json:"usage_hint,omitempty" yaml:"usage_hint"`
}

// Commands returns the slash commands of the embedded manifest.yaml.
func Commands() ([]Command, error) {
	data, err := fs.ReadFile(assets(), "manifest.yaml")
	if err != nil {
		return nil, fmt.Errorf("playground: the embedded manifest.yaml: %w", err)
	}
	return parseCommands(data)
}

func parseCommands(data []byte) ([]Command, error) {
	var m struct {
		Features struct {
			SlashCommands []Command `yaml:"slash_commands"`
		} `yaml:"features"`
	}
	if err := yaml.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("playground: manifest.yaml: %w", err)
	}
	return m.Features.SlashCommands, nil
}
