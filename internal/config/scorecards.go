package config

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Scorecards configures scorecards, their facts and their weekly digests.
// The definitions themselves (kind: Scorecard) are files under Paths.
type Scorecards struct {
	// Paths are files or folders of Scorecard definitions (YAML), relative
	// to the config file.
	Paths []string `yaml:"paths"`
	// CostLimit bounds one evaluation of one rule (CEL cost units); 0 means
	// the expression language's default (100,000). A rule over it is
	// refused, not counted as failed.
	CostLimit uint64 `yaml:"cost_limit"`
	// HistoryDays is how long evaluation history is kept (default 400): a
	// result older than that is pruned once a newer one exists.
	HistoryDays int `yaml:"history_days"`
	// FallbackChannel is where a team's digest goes when the team has no
	// gantry.dev/slack-channel and the scorecard's digest names no
	// fallback of its own, e.g. "#engineering".
	FallbackChannel string `yaml:"fallback_channel"`
	// Digests turns the scheduled digests off on this instance when false
	// (default true): every replica may post, each digest is posted once.
	Digests *bool `yaml:"digests"`
	// Prometheus is the optional fact source facts.prometheus.* and the
	// live signals of /gantry status.
	Prometheus *Prometheus `yaml:"prometheus"`
}

// Prometheus is a Prometheus HTTP API (or anything that speaks it:
// Thanos, Mimir, VictoriaMetrics) queried per entity.
type Prometheus struct {
	// URL is the API's base, e.g. http://prometheus:9090 (the part before
	// /api/v1/query).
	URL string `yaml:"url"`
	// Timeout bounds one query (default 10s).
	Timeout string `yaml:"timeout"`
	// BearerTokenEnv names an environment variable holding a token sent as
	// "Authorization: Bearer …" (never written in this file).
	BearerTokenEnv string `yaml:"bearer_token_env"`
	// Filter is a CEL expression over `entity` choosing the entities whose
	// facts are queried (default: entity.kind == "Component").
	Filter string `yaml:"filter"`
	// Interval is how often each entity's facts are queried again (default
	// 15m); facts older than three intervals are dropped (unknown).
	Interval string `yaml:"interval"`
	// Concurrency bounds the queries in flight (default 8).
	Concurrency int `yaml:"concurrency"`
	// Facts are instant queries by fact name: facts.prometheus.<name>. Each
	// is templated per entity with ${{ … }} (CEL over `entity`), e.g.
	// sum(increase(http_requests_total{service="${{ entity.metadata.name }}",code=~"5.."}[1d])).
	Facts map[string]string `yaml:"facts"`
	// Status are the live signals /gantry status shows, in order.
	Status []StatusQuery `yaml:"status"`
}

// StatusQuery is one live signal of /gantry status.
type StatusQuery struct {
	Name  string `yaml:"name"`  // "Error rate"
	Query string `yaml:"query"` // templated like Facts
	Unit  string `yaml:"unit"`  // shown after the value: "%", "ms", "req/s"
	// WarnAbove and WarnBelow mark the value as a problem beyond them.
	WarnAbove *float64 `yaml:"warn_above"`
	WarnBelow *float64 `yaml:"warn_below"`
}

// Defaults of the scorecards section.
const (
	DefaultHistoryDays          = 400
	DefaultPrometheusTimeout    = 10 * time.Second
	DefaultPrometheusInterval   = 15 * time.Minute
	DefaultPrometheusConcurrent = 8
)

// DigestsEnabled reports whether this instance posts scheduled digests.
func (s Scorecards) DigestsEnabled() bool { return s.Digests == nil || *s.Digests }

// HistoryRetention is how long evaluation history is kept.
func (s Scorecards) HistoryRetention() time.Duration {
	days := s.HistoryDays
	if days <= 0 {
		days = DefaultHistoryDays
	}
	return time.Duration(days) * 24 * time.Hour
}

// TimeoutDuration is Timeout parsed, or its default.
func (p *Prometheus) TimeoutDuration() time.Duration {
	return durationOr(p.Timeout, DefaultPrometheusTimeout)
}

// IntervalDuration is Interval parsed, or its default.
func (p *Prometheus) IntervalDuration() time.Duration {
	return durationOr(p.Interval, DefaultPrometheusInterval)
}

// FactNames returns the names of the facts, sorted.
func (p *Prometheus) FactNames() []string {
	names := make([]string, 0, len(p.Facts))
	for n := range p.Facts {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func durationOr(s string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(strings.TrimSpace(s)); err == nil && d > 0 {
		return d
	}
	return def
}

var factNameRe = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

func (s Scorecards) validate(where string) []string {
	var errs []string
	add := func(format string, args ...any) {
		errs = append(errs, where+": scorecards."+fmt.Sprintf(format, args...))
	}
	if s.HistoryDays < 0 {
		add("history_days must be a positive number of days")
	}
	if s.FallbackChannel != "" && strings.ContainsAny(s.FallbackChannel, " \t,") {
		add("fallback_channel %q: one channel, e.g. #engineering or C0123ABCD", s.FallbackChannel)
	}
	p := s.Prometheus
	if p == nil {
		return errs
	}
	if u, err := url.Parse(p.URL); p.URL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		add("prometheus.url must be the API's base, e.g. http://prometheus:9090")
	}
	for _, f := range []struct{ name, v string }{{"timeout", p.Timeout}, {"interval", p.Interval}} {
		if f.v == "" {
			continue
		}
		if d, err := time.ParseDuration(f.v); err != nil || d <= 0 {
			add("prometheus.%s %q is not a duration such as 10s or 15m", f.name, f.v)
		}
	}
	if p.Concurrency < 0 {
		add("prometheus.concurrency must be positive")
	}
	for _, name := range p.FactNames() {
		if !factNameRe.MatchString(name) {
			add("prometheus.facts.%s: a fact name is lowercase letters, digits and _ (it is read as facts.prometheus.%s)", name, name)
		}
		if strings.TrimSpace(p.Facts[name]) == "" {
			add("prometheus.facts.%s has no query", name)
		}
	}
	for i, q := range p.Status {
		switch {
		case strings.TrimSpace(q.Name) == "":
			add("prometheus.status[%d].name is required", i)
		case strings.TrimSpace(q.Query) == "":
			add("prometheus.status[%d] (%s) has no query", i, q.Name)
		}
	}
	if len(p.Facts) == 0 && len(p.Status) == 0 {
		add("prometheus has neither facts nor status queries: add some, or remove the section")
	}
	return errs
}

// BearerToken reads the token from the variable BearerTokenEnv names
// ("" when none is configured).
func (p *Prometheus) BearerToken(getenv func(string) string) string {
	if p.BearerTokenEnv == "" || getenv == nil {
		return ""
	}
	return strings.TrimSpace(getenv(p.BearerTokenEnv))
}
