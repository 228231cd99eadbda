package config

// Actions configures self-service actions.
type Actions struct {
	// Paths are files or folders of Action definitions (YAML), relative to
	// the config file.
	Paths []string `yaml:"paths"`
}

func (a Actions) validate(where string) []string { return nil }
