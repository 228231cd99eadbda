package config

import (
	"fmt"
	"regexp"
)

// Actions configures self-service actions.
type Actions struct {
	// Paths are files or folders of Action definitions (YAML), relative to
	// the config file.
	Paths []string `yaml:"paths"`
	// MaxConcurrent bounds the runs executing at once; default 4.
	MaxConcurrent int `yaml:"max_concurrent"`
	// Secrets names the environment variables that templates may read as
	// secrets.NAME (webhook tokens, ...). Their values are redacted from the
	// audit trail, run outputs and errors; any other variable is out of
	// reach.
	Secrets []string `yaml:"secrets"`
	// Postgres is the server postgres.createDatabase steps create
	// databases on.
	Postgres ActionsPostgres `yaml:"postgres"`
}

// ActionsPostgres names where the provisioning server's URL is.
type ActionsPostgres struct {
	// URLEnv is the environment variable holding the server's URL, with a
	// role that may create roles and databases; default
	// GANTRY_POSTGRES_ADMIN_URL. The URL is a secret, so it is never read
	// from the file.
	URLEnv string `yaml:"url_env"`
}

// DefaultPostgresURLEnv is where postgres.createDatabase finds its server.
const DefaultPostgresURLEnv = "GANTRY_POSTGRES_ADMIN_URL"

// PostgresURLEnv returns the variable that holds the provisioning server's
// URL.
func (a Actions) PostgresURLEnv() string {
	if a.Postgres.URLEnv != "" {
		return a.Postgres.URLEnv
	}
	return DefaultPostgresURLEnv
}

// Concurrency returns how many runs may execute at once.
func (a Actions) Concurrency() int {
	if a.MaxConcurrent > 0 {
		return a.MaxConcurrent
	}
	return 4
}

var envNameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (a Actions) validate(where string) []string {
	var errs []string
	if a.MaxConcurrent < 0 {
		errs = append(errs, where+": actions.max_concurrent must be positive")
	}
	seen := map[string]bool{}
	for i, s := range a.Secrets {
		switch {
		case !envNameRe.MatchString(s):
			errs = append(errs, fmt.Sprintf("%s: actions.secrets[%d] %q is not an environment variable name", where, i, s))
		case seen[s]:
			errs = append(errs, fmt.Sprintf("%s: actions.secrets[%d] %q is listed twice", where, i, s))
		}
		seen[s] = true
	}
	if e := a.Postgres.URLEnv; e != "" && !envNameRe.MatchString(e) {
		errs = append(errs, fmt.Sprintf("%s: actions.postgres.url_env %q is not an environment variable name", where, e))
	}
	for i, p := range a.Paths {
		if p == "" {
			errs = append(errs, fmt.Sprintf("%s: actions.paths[%d] is empty", where, i))
		}
	}
	return errs
}
