package config

import (
	"strings"
	"testing"
	"time"
)

func TestGitHubSourceFields(t *testing.T) {
	cfg, err := Parse("gantry.yaml", []byte(`
catalog:
  sources:
    - name: acme-github
      type: github
      org: acme
      paths: ["catalog-info.yaml", "services/*/catalog-info.yaml"]
      infer: false
      include_archived: true
      facts_ttl: 12h
      facts_max_calls: 300
github:
  base_url: https://github.example.com/api/v3/
`))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.validate(); err != nil {
		t.Fatal(err)
	}
	s := cfg.Catalog.Sources[0]
	if s.Org != "acme" || len(s.Paths) != 2 || s.InferOrDefault() || !s.IncludeArchived || s.FactsTTLDuration() != 12*time.Hour || s.FactsMaxCalls != 300 {
		t.Errorf("source = %+v", s)
	}
	if (GitHubSource{}).InferOrDefault() != true || (GitHubSource{FactsTTL: "off"}).FactsTTLDuration() >= 0 {
		t.Error("defaults")
	}
}

func TestGitHubSourceValidation(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"type: github", "needs org (or user)"},
		{"type: github\n      org: a\n      user: b", "names both org and user"},
		{"type: github\n      org: a\n      paths: ['[x']", "malformed glob"},
		{"type: github\n      org: a\n      facts_ttl: soon", "not a duration"},
		{"type: github\n      org: a\n      facts_ttl: 5s", "too short"},
		{"type: github\n      org: a\n      facts_max_calls: -1", "must not be negative"},
		{"type: svn", "(file, dir or github)"},
	} {
		cfg, err := Parse("g.yaml", []byte("catalog:\n  sources:\n    - name: s\n      "+tc.yaml+"\n"))
		if err == nil {
			err = cfg.validate()
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.yaml, err, tc.want)
		}
	}
}
