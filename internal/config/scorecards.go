package config

// Scorecards configures scorecards and their weekly digests.
type Scorecards struct {
	// Paths are files or folders of Scorecard definitions (YAML), relative
	// to the config file.
	Paths []string `yaml:"paths"`
}

func (s Scorecards) validate(where string) []string { return nil }
