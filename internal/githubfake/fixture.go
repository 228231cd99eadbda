package githubfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Fixture declares the world the fake starts from: accounts, repositories
// with their git history, teams, credentials and limits. It is plain data so
// that a test can write it as a Go literal and the playground can keep it in a
// YAML or JSON file; the JSON field names are also the YAML keys.
type Fixture struct {
	// WebURL is the base of html_url and clone_url values
	// (default "https://github.com"). API URLs always point at the fake.
	WebURL string `json:"web_url,omitempty"`

	Users  []User  `json:"users,omitempty"`
	Orgs   []Org   `json:"orgs,omitempty"`
	Repos  []Repo  `json:"repos,omitempty"`
	Tokens []Token `json:"tokens,omitempty"`
	Apps   []App   `json:"apps,omitempty"`

	Limits Limits `json:"limits,omitzero"`

	// RunProgression, when set, moves dispatched workflow runs from queued to
	// in_progress to completed as the server's clock passes the given delays;
	// without it runs stay queued until CompleteRun is called.
	RunProgression *RunProgression `json:"run_progression,omitempty"`
}

// Limits are the knobs GitHub does not let you turn, made turnable so that
// tests can reach them with small data.
type Limits struct {
	// RateLimit is the primary (core) limit per hour, per caller; default
	// 5000.
	RateLimit int `json:"rate_limit,omitempty"`
	// SecondaryPoints is the secondary limit in points a minute per caller
	// (a GET costs 1, a write 5); default 900, as GitHub documents for
	// REST; negative turns it off.
	SecondaryPoints int `json:"secondary_points,omitempty"`
	// TreeEntries caps a recursive tree listing before it is marked
	// truncated; default 100000, as on GitHub.
	TreeEntries int `json:"tree_entries,omitempty"`
	// TreeBytes caps the size of a recursive tree answer the same way;
	// default 7 MB, as on GitHub.
	TreeBytes int `json:"tree_bytes,omitempty"`
	// TokenLifetime is how long an App installation token lives; default 1h.
	TokenLifetime Duration `json:"token_lifetime,omitempty"`
}

// RunProgression drives dispatched runs forward by the fake clock.
type RunProgression struct {
	StartAfter    Duration `json:"start_after,omitempty"`    // queued → in_progress
	CompleteAfter Duration `json:"complete_after,omitempty"` // → completed
	Conclusion    string   `json:"conclusion,omitempty"`     // default "success"
}

// User is a personal account.
type User struct {
	Login string `json:"login"`
	ID    int64  `json:"id,omitempty"`
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
}

// Org is an organization account with its members and teams.
type Org struct {
	Login       string   `json:"login"`
	ID          int64    `json:"id,omitempty"`
	Name        string   `json:"name,omitempty"`
	Description string   `json:"description,omitempty"`
	Members     []string `json:"members,omitempty"`
	Teams       []Team   `json:"teams,omitempty"`
}

// Team is an org team. Repos maps a repository ("name" in the same org, or
// "owner/name") to a permission: pull, triage, push, maintain or admin.
type Team struct {
	Slug        string            `json:"slug"`
	Name        string            `json:"name,omitempty"`
	ID          int64             `json:"id,omitempty"`
	Description string            `json:"description,omitempty"`
	Privacy     string            `json:"privacy,omitempty"`    // closed (default) or secret
	Permission  string            `json:"permission,omitempty"` // default for new repo grants; "pull"
	Parent      string            `json:"parent,omitempty"`     // parent team slug
	Members     []string          `json:"members,omitempty"`
	Maintainers []string          `json:"maintainers,omitempty"`
	Repos       map[string]string `json:"repos,omitempty"`
}

// Repo declares a repository. Files (plus CODEOWNERS) become one initial
// commit on the default branch; Branches add history on top. A repo with no
// files and no commits is empty, as a freshly created GitHub repo is.
type Repo struct {
	Owner         string    `json:"owner"`
	Name          string    `json:"name"`
	ID            int64     `json:"id,omitempty"`
	Description   string    `json:"description,omitempty"`
	Homepage      string    `json:"homepage,omitempty"`
	Language      string    `json:"language,omitempty"`
	Topics        []string  `json:"topics,omitempty"`
	Visibility    string    `json:"visibility,omitempty"` // public, private or internal
	Private       bool      `json:"private,omitempty"`    // shorthand for visibility: private
	Archived      bool      `json:"archived,omitempty"`
	IsTemplate    bool      `json:"is_template,omitempty"`
	Fork          bool      `json:"fork,omitempty"`
	DefaultBranch string    `json:"default_branch,omitempty"` // default "main"
	CreatedAt     time.Time `json:"created_at,omitzero"`
	UpdatedAt     time.Time `json:"updated_at,omitzero"`
	PushedAt      time.Time `json:"pushed_at,omitzero"`

	Files      map[string]string `json:"files,omitempty"`
	CODEOWNERS string            `json:"codeowners,omitempty"` // written to .github/CODEOWNERS
	Branches   []Branch          `json:"branches,omitempty"`

	Pulls     []Pull     `json:"pulls,omitempty"`
	Workflows []Workflow `json:"workflows,omitempty"`
	Runs      []Run      `json:"runs,omitempty"`
}

// Branch adds commits to a branch. A branch other than the default starts at
// From (default: the default branch's head).
type Branch struct {
	Name       string      `json:"name"`
	From       string      `json:"from,omitempty"`
	Commits    []Commit    `json:"commits,omitempty"`
	Protection *Protection `json:"protection,omitempty"`
	// Ruleset protects the branch by a repository ruleset (not modelled
	// further): GitHub shows the branch protected, while the classic
	// protection API answers 404 "Branch not protected" unless Protection
	// is set too.
	Ruleset bool `json:"ruleset,omitempty"`
}

// Commit is a change set applied to its parent's tree.
type Commit struct {
	Message string            `json:"message,omitempty"`
	Date    time.Time         `json:"date,omitzero"`
	Author  string            `json:"author,omitempty"` // a login
	Files   map[string]string `json:"files,omitempty"`
	Deleted []string          `json:"deleted,omitempty"`
}

// Protection is a branch protection rule, in the shape of GitHub's PUT body.
type Protection struct {
	RequiredStatusChecks           *StatusChecks  `json:"required_status_checks,omitempty"`
	RequiredPullRequestReviews     *ReviewRules   `json:"required_pull_request_reviews,omitempty"`
	Restrictions                   *Restrictions  `json:"restrictions,omitempty"`
	EnforceAdmins                  bool           `json:"enforce_admins,omitempty"`
	RequiredLinearHistory          bool           `json:"required_linear_history,omitempty"`
	AllowForcePushes               bool           `json:"allow_force_pushes,omitempty"`
	AllowDeletions                 bool           `json:"allow_deletions,omitempty"`
	RequiredConversationResolution bool           `json:"required_conversation_resolution,omitempty"`
	LockBranch                     bool           `json:"lock_branch,omitempty"`
	BlockCreations                 bool           `json:"block_creations,omitempty"`
	Extra                          map[string]any `json:"extra,omitempty"` // unknown PUT fields, kept
}

// StatusChecks are the required status checks of a protection rule.
type StatusChecks struct {
	Strict   bool     `json:"strict"`
	Contexts []string `json:"contexts"`
}

// ReviewRules are the pull request review requirements of a protection rule.
type ReviewRules struct {
	RequiredApprovingReviewCount int  `json:"required_approving_review_count"`
	DismissStaleReviews          bool `json:"dismiss_stale_reviews"`
	RequireCodeOwnerReviews      bool `json:"require_code_owner_reviews"`
	RequireLastPushApproval      bool `json:"require_last_push_approval"`
}

// Restrictions limit who may push to a protected branch.
type Restrictions struct {
	Users []string `json:"users"`
	Teams []string `json:"teams"`
	Apps  []string `json:"apps"`
}

// Pull is a pull request. Head and Base are branch names in the same repo.
type Pull struct {
	Number    int        `json:"number,omitempty"`
	Title     string     `json:"title"`
	Body      string     `json:"body,omitempty"`
	State     string     `json:"state,omitempty"` // open (default) or closed
	User      string     `json:"user,omitempty"`
	Head      string     `json:"head,omitempty"`
	Base      string     `json:"base,omitempty"`
	Draft     bool       `json:"draft,omitempty"`
	CreatedAt time.Time  `json:"created_at,omitzero"`
	ClosedAt  *time.Time `json:"closed_at,omitempty"`
	MergedAt  *time.Time `json:"merged_at,omitempty"`
}

// Workflow is a GitHub Actions workflow, identified by its file path.
type Workflow struct {
	ID    int64  `json:"id,omitempty"`
	Name  string `json:"name,omitempty"`
	Path  string `json:"path"`            // .github/workflows/ci.yml
	State string `json:"state,omitempty"` // active (default) or disabled_manually
}

// Run is a workflow run. Workflow names the workflow by path, file name or
// name; an unknown one is declared on the fly.
type Run struct {
	ID         int64     `json:"id,omitempty"`
	Workflow   string    `json:"workflow"`
	HeadBranch string    `json:"head_branch,omitempty"` // default: the default branch
	HeadSHA    string    `json:"head_sha,omitempty"`    // default: that branch's head
	Event      string    `json:"event,omitempty"`       // default "push"
	Status     string    `json:"status,omitempty"`      // default "completed"
	Conclusion string    `json:"conclusion,omitempty"`  // default "success" when completed
	RunNumber  int       `json:"run_number,omitempty"`
	Actor      string    `json:"actor,omitempty"`
	CreatedAt  time.Time `json:"created_at,omitzero"`
	UpdatedAt  time.Time `json:"updated_at,omitzero"`
}

// Token is a credential the fake accepts. Permissions, when set, make it
// behave like a fine-grained or installation token (name → read|write|admin,
// e.g. "contents": "read"); without them it is a classic token that may do
// what its user's Role allows. Repos, when set, limits it to those
// "owner/name" repositories.
type Token struct {
	Token       string            `json:"token"`
	Login       string            `json:"login,omitempty"` // default "gantry-bot"
	Permissions map[string]string `json:"permissions,omitempty"`
	// Role is what the user of a classic token (no Permissions) may do on
	// the repositories it reaches: read, triage, write, maintain or admin
	// (default: admin, everything). As on GitHub, what the role does not
	// allow answers 404 Not Found (branch protection, for one, needs admin).
	Role      string     `json:"role,omitempty"`
	Repos     []string   `json:"repos,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// App is a GitHub App whose JWTs are verified with PublicKeyPEM (PKIX or
// PKCS#1). Only the public half ever lives in a fixture.
type App struct {
	ID            int64          `json:"id"`
	Slug          string         `json:"slug,omitempty"`
	Name          string         `json:"name,omitempty"`
	Owner         string         `json:"owner,omitempty"`
	PublicKeyPEM  string         `json:"public_key_pem"`
	Installations []Installation `json:"installations,omitempty"`
}

// Installation is an App installed on an account, on all its repos or on the
// listed Repos ("name" or "owner/name").
type Installation struct {
	ID          int64             `json:"id"`
	Account     string            `json:"account"`
	Permissions map[string]string `json:"permissions,omitempty"`
	Repos       []string          `json:"repos,omitempty"`
}

// Duration is a time.Duration written as "90s" or "1h" in YAML and JSON.
type Duration time.Duration

// MarshalText writes the duration the way time.Duration prints it.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText reads "1h30m"-style durations.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("duration %q: %w", b, err)
	}
	*d = Duration(v)
	return nil
}

// LoadFixture reads a fixture file; ".json" is read as JSON and anything
// else as YAML.
func LoadFixture(path string) (*Fixture, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load fixture: %w", err)
	}
	f, err := ParseFixture(data, strings.TrimPrefix(filepath.Ext(path), "."))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// ParseFixture decodes a fixture from "json" or "yaml" (also "yml").
// Unknown fields are rejected so that a typo in a fixture fails loudly
// instead of silently seeding less than the author meant.
func ParseFixture(data []byte, format string) (*Fixture, error) {
	if format != "json" {
		// YAML goes through JSON so that one set of field tags serves both.
		var doc any
		if err := yaml.Unmarshal(data, &doc); err != nil {
			return nil, fmt.Errorf("parse fixture yaml: %w", err)
		}
		j, err := json.Marshal(doc)
		if err != nil {
			return nil, fmt.Errorf("parse fixture yaml: %w", err)
		}
		data = j
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f Fixture
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("parse fixture: %w", err)
	}
	return &f, nil
}
