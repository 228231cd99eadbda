package config

import (
	"fmt"
	"path"
	"strings"
	"time"
)

// GitHubSource is the part of a catalog source of type github: the
// repositories of an organization (or a user) on the GitHub that the
// github section points at.
type GitHubSource struct {
	// Org or User names the account whose repositories are read.
	Org  string `yaml:"org"`
	User string `yaml:"user"`
	// Paths are the descriptor paths read in each repository (globs
	// allowed); default [catalog-info.yaml].
	Paths []string `yaml:"paths"`
	// Infer adds an inferred Component for each repository without a
	// descriptor; default true.
	Infer *bool `yaml:"infer"`
	// IncludeArchived reads archived repositories too.
	IncludeArchived bool `yaml:"include_archived"`
	// FactsTTL is how long facts stay fresh when a repository did not
	// change ("24h", the default); "off" reads no facts.
	FactsTTL string `yaml:"facts_ttl"`
	// FactsMaxCalls caps the API calls one sync spends on facts (default
	// 1000); repositories over it are read at the next sync.
	FactsMaxCalls int `yaml:"facts_max_calls"`
}

// InferOrDefault says whether inference is on (default true).
func (g GitHubSource) InferOrDefault() bool { return g.Infer == nil || *g.Infer }

// FactsTTLDuration returns facts_ttl: 0 for the default, negative for off.
func (g GitHubSource) FactsTTLDuration() time.Duration {
	s := strings.TrimSpace(g.FactsTTL)
	switch s {
	case "":
		return 0
	case "off", "0", "none":
		return -1
	}
	d, _ := time.ParseDuration(s)
	return d
}

func (g GitHubSource) validate(at, label string) []string {
	var errs []string
	switch {
	case g.Org == "" && g.User == "":
		errs = append(errs, at+": "+label+" needs org (or user) for a github source")
	case g.Org != "" && g.User != "":
		errs = append(errs, at+": "+label+" names both org and user: a github source reads one account")
	}
	for i, p := range g.Paths {
		if strings.TrimSpace(p) == "" || strings.HasPrefix(p, "../") {
			errs = append(errs, fmt.Sprintf("%s: %s.paths[%d] %q is not a path inside a repository", at, label, i, p))
			continue
		}
		for _, part := range strings.Split(p, "/") {
			if _, err := path.Match(part, ""); err != nil && part != "**" {
				errs = append(errs, fmt.Sprintf("%s: %s.paths[%d] %q is a malformed glob", at, label, i, p))
				break
			}
		}
	}
	if s := strings.TrimSpace(g.FactsTTL); s != "" && g.FactsTTLDuration() == 0 {
		errs = append(errs, fmt.Sprintf("%s: %s.facts_ttl %q is not a duration such as 24h (or off)", at, label, g.FactsTTL))
	} else if d := g.FactsTTLDuration(); d > 0 && d < time.Minute {
		errs = append(errs, fmt.Sprintf("%s: %s.facts_ttl %q is too short: at least 1m", at, label, g.FactsTTL))
	}
	if g.FactsMaxCalls < 0 {
		errs = append(errs, fmt.Sprintf("%s: %s.facts_max_calls must not be negative", at, label))
	}
	return errs
}
