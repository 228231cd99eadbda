// Package config reads gantry.yaml: one YAML file, every field documented
// in README.md, unknown fields rejected with the file and line, and the
// database and secrets overridable from the environment.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"go.yaml.in/yaml/v3"

	"github.com/gantryhq/gantry/internal/errkind"
)

// DefaultPath is where the config is read when --config is not given.
const DefaultPath = "gantry.yaml"

// Config is the whole configuration.
type Config struct {
	// Database is the store URL: sqlite:PATH (relative to the config
	// file) or postgres://user@host/db.
	Database   string     `yaml:"database"`
	Server     Server     `yaml:"server"`
	Catalog    Catalog    `yaml:"catalog"`
	Slack      Slack      `yaml:"slack"`
	GitHub     GitHub     `yaml:"github"`
	Actions    Actions    `yaml:"actions"`
	Scorecards Scorecards `yaml:"scorecards"`
	Log        Log        `yaml:"log"`

	// Path is the file the config was read from ("" for defaults); Dir is
	// its directory, against which relative paths are resolved.
	Path string `yaml:"-"`
	Dir  string `yaml:"-"`
}

// Server is the HTTP listener for health, readiness and metrics.
type Server struct {
	Listen string `yaml:"listen"`
}

// Catalog configures the catalog's sources and refresh.
type Catalog struct {
	// Refresh is how often sources are re-synced: a duration ("5m") or a
	// cron expression ("*/10 * * * *", "@hourly").
	Refresh string   `yaml:"refresh"`
	Sources []Source `yaml:"sources"`
}

// Source is one catalog source.
type Source struct {
	Name string `yaml:"name"`
	// Type is file (a descriptor or Location file) or dir (a folder scan).
	Type string `yaml:"type"`
	Path string `yaml:"path"`
	// Glob selects files of a dir source; default **/catalog-info.yaml.
	Glob string `yaml:"glob"`
	// Root bounds the files a file source's Locations and substitutions may
	// read; default the folder of Path.
	Root string `yaml:"root"`
	// GitHubSource holds the fields of a github source (org or user,
	// paths, infer, include_archived, facts_ttl, facts_max_calls).
	GitHubSource `yaml:",inline"`

	line int
}

// Log configures logging.
type Log struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // text or json
}

// Defaults returns the configuration used when no file exists.
func Defaults() Config {
	return Config{
		Database: "sqlite:gantry.db",
		Server:   Server{Listen: "127.0.0.1:8080"},
		Catalog:  Catalog{Refresh: "5m"},
		Log:      Log{Level: "info", Format: "text"},
	}
}

// Load reads the config at path. When path is "" it reads DefaultPath if
// it exists and otherwise returns the defaults. Environment overrides are
// applied (see ApplyEnv). Errors name the file and line.
func Load(path string, getenv func(string) string) (Config, error) {
	explicit := path != ""
	if !explicit {
		path = DefaultPath
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if !explicit && errors.Is(err, os.ErrNotExist) {
			cfg := Defaults()
			cfg.Dir, _ = os.Getwd()
			cfg.ApplyEnv(getenv)
			return cfg, cfg.validate()
		}
		return Config{}, errkind.New(errkind.Invalid, "config %s: %v", path, unwrapPath(err))
	}
	cfg, err := Parse(path, data)
	if err != nil {
		return Config{}, err
	}
	cfg.ApplyEnv(getenv)
	return cfg, cfg.validate()
}

// Parse reads a config from data; path names it in errors and anchors
// relative paths.
func Parse(path string, data []byte) (Config, error) {
	cfg := Defaults()
	abs, err := filepath.Abs(path)
	if err != nil {
		return Config{}, err
	}
	cfg.Path, cfg.Dir = path, filepath.Dir(abs)
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, errkind.New(errkind.Invalid, "%s", located(path, err))
	}
	if len(doc.Content) == 0 {
		return cfg, nil // an empty file means the defaults
	}
	strict := yaml.NewDecoder(bytes.NewReader(data))
	strict.KnownFields(true)
	if err := strict.Decode(&cfg); err != nil {
		return Config{}, errkind.New(errkind.Invalid, "%s", located(path, err))
	}
	// Remember each source's line so later checks can point at it.
	if sources := find(doc.Content[0], "catalog", "sources"); sources != nil && sources.Kind == yaml.SequenceNode {
		for i, n := range sources.Content {
			if i < len(cfg.Catalog.Sources) {
				cfg.Catalog.Sources[i].line = n.Line
			}
		}
	}
	return cfg, nil
}

// ApplyEnv applies environment overrides: GANTRY_DATABASE_URL, and the
// secrets each section reads from the environment.
func (c *Config) ApplyEnv(getenv func(string) string) {
	if getenv == nil {
		return
	}
	if v := getenv("GANTRY_DATABASE_URL"); v != "" {
		c.Database = v
	}
	c.Slack.applyEnv(getenv)
	c.GitHub.applyEnv(getenv)
}

// Resolve returns p made absolute against the config's folder.
func (c *Config) Resolve(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.Dir, p)
}

// DatabaseURL returns the database URL with a relative SQLite path
// resolved against the config's folder.
func (c *Config) DatabaseURL() string {
	rest, ok := strings.CutPrefix(c.Database, "sqlite:")
	if !ok || strings.HasPrefix(rest, "//") || strings.HasPrefix(rest, ":memory:") || filepath.IsAbs(rest) {
		return c.Database
	}
	return "sqlite:" + c.Resolve(rest)
}

// RefreshSchedule parses catalog.refresh into a cron schedule.
func (c *Config) RefreshSchedule() (cron.Schedule, error) {
	return ParseSchedule(c.Catalog.Refresh)
}

// ParseSchedule accepts a Go duration ("5m") or a cron expression (five
// fields, or a descriptor such as @hourly).
func ParseSchedule(s string) (cron.Schedule, error) {
	s = strings.TrimSpace(s)
	if d, err := time.ParseDuration(s); err == nil {
		if d < time.Second {
			return nil, fmt.Errorf("%q is too short: at least 1s", s)
		}
		return cron.Every(d), nil
	}
	sched, err := cron.ParseStandard(s)
	if err != nil {
		return nil, fmt.Errorf("%q is neither a duration (5m) nor a cron expression (*/5 * * * *): %v", s, err)
	}
	return sched, nil
}

var sourceNameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,62}$`)

func (c *Config) validate() error {
	var errs []string
	where := func(line int) string {
		if c.Path == "" {
			return "config"
		}
		if line == 0 {
			return c.Path
		}
		return c.Path + ":" + strconv.Itoa(line)
	}
	if !strings.HasPrefix(c.Database, "sqlite:") && !strings.HasPrefix(c.Database, "file:") &&
		!strings.HasPrefix(c.Database, "postgres://") && !strings.HasPrefix(c.Database, "postgresql://") {
		errs = append(errs, where(0)+": database must be sqlite:PATH or postgres://user@host/db")
	}
	if _, err := c.RefreshSchedule(); err != nil {
		errs = append(errs, where(0)+": catalog.refresh: "+err.Error())
	}
	seen := map[string]bool{}
	for i, s := range c.Catalog.Sources {
		at := where(s.line)
		label := fmt.Sprintf("catalog.sources[%d]", i)
		switch {
		case s.Name == "":
			errs = append(errs, at+": "+label+".name is required")
		case !sourceNameRe.MatchString(s.Name):
			errs = append(errs, fmt.Sprintf("%s: %s.name %q: lowercase letters, digits and -_. only", at, label, s.Name))
		case seen[s.Name]:
			errs = append(errs, fmt.Sprintf("%s: %s.name %q is used twice", at, label, s.Name))
		}
		seen[s.Name] = true
		switch s.Type {
		case "file", "dir":
			if s.Path == "" {
				errs = append(errs, at+": "+label+".path is required for a "+s.Type+" source")
			}
		case "github":
			errs = append(errs, s.GitHubSource.validate(at, label)...)
		case "":
			errs = append(errs, at+": "+label+".type is required (file, dir or github)")
		default:
			errs = append(errs, fmt.Sprintf("%s: %s.type %q is not a source type (file, dir or github)", at, label, s.Type))
		}
	}
	switch c.Log.Level {
	case "", "debug", "info", "warn", "error":
	default:
		errs = append(errs, where(0)+": log.level must be debug, info, warn or error")
	}
	switch c.Log.Format {
	case "", "text", "json":
	default:
		errs = append(errs, where(0)+": log.format must be text or json")
	}
	errs = append(errs, c.Slack.validate(where(0))...)
	errs = append(errs, c.GitHub.validate(where(0))...)
	errs = append(errs, c.Actions.validate(where(0))...)
	errs = append(errs, c.Scorecards.validate(where(0))...)
	if len(errs) > 0 {
		return errkind.New(errkind.Invalid, "%s", strings.Join(errs, "\n"))
	}
	return nil
}

// located rewrites yaml.v3's errors as "FILE:LINE: message" lines.
func located(path string, err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		lines := make([]string, len(te.Errors))
		for i, e := range te.Errors {
			lines[i] = locateOne(path, e)
		}
		return strings.Join(lines, "\n")
	}
	return locateOne(path, strings.TrimPrefix(err.Error(), "yaml: "))
}

var yamlLineRe = regexp.MustCompile(`^line (\d+): (.*)$`)
var unknownFieldRe = regexp.MustCompile(`^field (\S+) not found in type config\.(\w+)$`)

func locateOne(path, msg string) string {
	m := yamlLineRe.FindStringSubmatch(msg)
	if m == nil {
		return path + ": " + msg
	}
	text := m[2]
	if u := unknownFieldRe.FindStringSubmatch(text); u != nil {
		text = fmt.Sprintf("unknown field %q (in %s)", u[1], sectionName(u[2]))
	}
	return path + ":" + m[1] + ": " + text
}

// sectionName names a config struct the way the file spells it.
func sectionName(typeName string) string {
	switch typeName {
	case "Config":
		return "the top level"
	case "Source":
		return "catalog.sources"
	}
	return strings.ToLower(typeName)
}

// find returns the node at a key path in a mapping.
func find(n *yaml.Node, path ...string) *yaml.Node {
	for _, key := range path {
		if n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				next = n.Content[i+1]
			}
		}
		if next == nil {
			return nil
		}
		n = next
	}
	return n
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, os.ErrNotExist) {
			return errors.New("no such file")
		}
		return pe.Err
	}
	return err
}
