package actions

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/gantryhq/gantry/internal/expr"
)

// Field types of a step's `with`.
const (
	fieldString   = "string"
	fieldBool     = "boolean"
	fieldInt      = "integer"
	fieldList     = "list of strings"
	fieldMap      = "map of strings"
	fieldAny      = "any value"
	fieldDuration = "duration"
)

// Field is one `with` field of a step.
type Field struct {
	Name     string
	Type     string
	Required bool
	Help     string
}

// OutputDoc is one output of a step.
type OutputDoc struct {
	Name string
	Help string
}

// Schema describes a step kind: its `with` fields, its outputs, and the
// line of the dry-run plan it writes. It is static, so definitions are
// validated without GitHub or a database.
type Schema struct {
	Uses    string
	Title   string // "Create the repository"
	Summary string // one line for the docs
	Fields  []Field
	Outputs []OutputDoc
	// Plan says what the step will do with these (rendered) values.
	Plan func(w With) string
	// Predict returns the outputs known before the step runs (a new
	// repository's name), so later steps' plan lines can name them.
	Predict func(w With) map[string]any
}

// Schemas returns every step kind, by name.
func Schemas() []Schema {
	out := make([]Schema, 0, len(stepSchemas))
	for _, s := range stepSchemas {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Uses < out[j].Uses })
	return out
}

func (s Schema) field(name string) (Field, bool) {
	for _, f := range s.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

func (s Schema) fieldNames() []string {
	out := make([]string, len(s.Fields))
	for i, f := range s.Fields {
		out[i] = f.Name
	}
	return out
}

func (s Schema) hasOutput(name string) bool {
	for _, o := range s.Outputs {
		if o.Name == name {
			return true
		}
	}
	return false
}

// checkLiteral checks a value that holds no template against a field type.
func checkLiteral(f Field, v any) string {
	if s, ok := v.(string); ok && expr.HasTemplate(s) {
		return ""
	}
	switch f.Type {
	case fieldString:
		if _, ok := v.(string); !ok {
			return "must be text"
		}
	case fieldBool:
		if _, ok := v.(bool); !ok {
			return "must be true or false"
		}
	case fieldInt:
		if n, ok := v.(float64); !ok || n != float64(int64(n)) {
			return "must be a whole number"
		}
	case fieldList:
		switch l := v.(type) {
		case []any:
			for _, e := range l {
				if _, ok := e.(string); !ok {
					return "must be a list of text"
				}
			}
		case string:
		default:
			return "must be a list of text"
		}
	case fieldMap:
		m, ok := v.(map[string]any)
		if !ok {
			return "must be a mapping"
		}
		for _, e := range m {
			if _, ok := e.(string); !ok && e != nil {
				if _, isMap := e.(map[string]any); !isMap {
					return "must map names to text"
				}
			}
		}
	case fieldDuration:
		s, ok := v.(string)
		if !ok {
			return "must be a duration such as 30m"
		}
		if d, err := time.ParseDuration(s); err != nil || d <= 0 {
			return "must be a duration such as 30m"
		}
	}
	return ""
}

// Step kinds.
const (
	UsesCreateRepo       = "github.createRepo"
	UsesCommitFiles      = "github.commitFiles"
	UsesTeamAccess       = "github.teamAccess"
	UsesBranchProtection = "github.branchProtection"
	UsesDispatchWorkflow = "github.dispatchWorkflow"
	UsesCreateDatabase   = "postgres.createDatabase"
	UsesHTTPRequest      = "http.request"
	UsesCatalogRegister  = "catalog.register"
)

var stepSchemas = map[string]Schema{
	UsesCreateRepo: {
		Uses: UsesCreateRepo, Title: "Create the repository",
		Summary: "Create a GitHub repository, from a template repository or empty.",
		Fields: []Field{
			{"owner", fieldString, true, "organisation (or user) that owns the repository"},
			{"name", fieldString, true, "repository name"},
			{"template", fieldString, false, "template repository, owner/name; without it the repository starts with a README"},
			{"visibility", fieldString, false, "public, private (default) or internal"},
			{"description", fieldString, false, "repository description"},
			{"topics", fieldList, false, "repository topics"},
		},
		Outputs: []OutputDoc{{"fullName", "owner/name"}, {"owner", "owner"}, {"name", "name"}, {"url", "the repository's web page"},
			{"defaultBranch", "its default branch"}, {"cloneUrl", "HTTPS clone URL"}},
		Plan: func(w With) string {
			s := fmt.Sprintf("Create GitHub repository %s/%s", w.text("owner"), w.text("name"))
			if t := w.text("template"); t != "" {
				s += " from template " + t
			}
			return s + " (" + orDefault(w.text("visibility"), "private") + ")"
		},
		Predict: func(w With) map[string]any {
			return map[string]any{"fullName": w.text("owner") + "/" + w.text("name"), "owner": w.text("owner"), "name": w.text("name")}
		},
	},
	UsesCommitFiles: {
		Uses: UsesCommitFiles, Title: "Commit the files",
		Summary: "Render files and commit them in one commit (git data API), or open a pull request with them.",
		Fields: []Field{
			{"repo", fieldString, true, "owner/name"},
			{"files", fieldMap, true, "path → content (templated)"},
			{"message", fieldString, false, "commit message (default \"Add files from Gantry\")"},
			{"branch", fieldString, false, "branch to commit to (default: the repository's default branch)"},
			{"pullRequest", fieldBool, false, "commit to a new branch and open a pull request instead"},
			{"pullRequestTitle", fieldString, false, "the pull request's title (default: the commit message)"},
			{"pullRequestBody", fieldString, false, "the pull request's description"},
		},
		Outputs: []OutputDoc{{"commitSha", "the commit"}, {"commitUrl", "the commit's web page"}, {"branch", "the branch committed to"},
			{"pullRequestNumber", "the pull request's number (pullRequest: true)"}, {"pullRequestUrl", "the pull request's web page"}},
		Plan: func(w With) string {
			files := w.mapKeys("files")
			s := fmt.Sprintf("Commit %d file(s) to %s: %s", len(files), w.text("repo"), strings.Join(files, ", "))
			if w.boolean("pullRequest") {
				s += ", as a pull request"
			}
			return s
		},
	},
	UsesTeamAccess: {
		Uses: UsesTeamAccess, Title: "Grant the team access",
		Summary: "Grant a GitHub team a permission on a repository.",
		Fields: []Field{
			{"repo", fieldString, true, "owner/name"},
			{"team", fieldString, true, "team slug, org/slug, or a catalog group ref (its name is the slug)"},
			{"permission", fieldString, false, "pull, triage, push (default), maintain or admin"},
		},
		Outputs: []OutputDoc{{"team", "the team's slug"}, {"permission", "the permission granted"}},
		Plan: func(w With) string {
			return fmt.Sprintf("Grant team %s %s access to %s", teamSlug(w.text("team")), orDefault(w.text("permission"), "push"), w.text("repo"))
		},
	},
	UsesBranchProtection: {
		Uses: UsesBranchProtection, Title: "Protect the default branch",
		Summary: "Protect a branch: required reviews, status checks, admins included.",
		Fields: []Field{
			{"repo", fieldString, true, "owner/name"},
			{"branch", fieldString, false, "branch (default: the default branch)"},
			{"requiredReviews", fieldInt, false, "approving reviews required (default 1; 0 for none)"},
			{"requireCodeOwnerReviews", fieldBool, false, "require a code owner's review"},
			{"dismissStaleReviews", fieldBool, false, "dismiss approvals when new commits are pushed"},
			{"requiredStatusChecks", fieldList, false, "status checks that must pass"},
			{"strictStatusChecks", fieldBool, false, "require the branch to be up to date"},
			{"enforceAdmins", fieldBool, false, "apply the rules to admins too"},
			{"requireLinearHistory", fieldBool, false, "forbid merge commits"},
		},
		Outputs: []OutputDoc{{"branch", "the branch protected"}},
		Plan: func(w With) string {
			branch := "the default branch"
			if b := w.text("branch"); b != "" {
				branch = "branch " + b
			}
			return fmt.Sprintf("Protect %s of %s (%d approving review(s) required)", branch, w.text("repo"), w.intOr("requiredReviews", 1))
		},
	},
	UsesDispatchWorkflow: {
		Uses: UsesDispatchWorkflow, Title: "Run the workflow",
		Summary: "Start a GitHub Actions workflow (workflow_dispatch) with inputs; optionally wait for its conclusion.",
		Fields: []Field{
			{"repo", fieldString, true, "owner/name"},
			{"workflow", fieldString, true, "workflow file name (deploy.yml) or id"},
			{"ref", fieldString, false, "branch or tag (default: the default branch)"},
			{"inputs", fieldMap, false, "workflow inputs (at most 10)"},
			{"wait", fieldBool, false, "wait for the run to finish; fail unless it succeeds"},
			{"timeout", fieldDuration, false, "how long to wait (default 30m)"},
		},
		Outputs: []OutputDoc{{"runId", "the workflow run's id"}, {"runUrl", "its web page"}, {"status", "its status"},
			{"conclusion", "its conclusion (wait: true)"}},
		Plan: func(w With) string {
			s := fmt.Sprintf("Run workflow %s of %s on %s", w.text("workflow"), w.text("repo"), orDefault(w.text("ref"), "the default branch"))
			if w.boolean("wait") {
				s += " and wait for it"
			}
			return s
		},
	},
	UsesCreateDatabase: {
		Uses: UsesCreateDatabase, Title: "Create the database",
		Summary: "Create a PostgreSQL database and an owning role with a generated password, sent only to the requester in a DM.",
		Fields: []Field{
			{"name", fieldString, true, "database name: lowercase letters, digits and _"},
			{"owner", fieldString, false, "the owning role (default: the database's name)"},
		},
		Outputs: []OutputDoc{{"database", "the database"}, {"role", "its owning role"}, {"host", "the server's host"},
			{"port", "the server's port"}, {"url", "a connection URL without the password"}},
		Plan: func(w With) string {
			return fmt.Sprintf("Create PostgreSQL database %s owned by role %s (the password goes to the requester in a DM)", w.text("name"), orDefault(w.text("owner"), w.text("name")))
		},
	},
	UsesHTTPRequest: {
		Uses: UsesHTTPRequest, Title: "Call the webhook",
		Summary: "Call a webhook with a templated JSON body and headers; expects a 2xx answer.",
		Fields: []Field{
			{"url", fieldString, true, "http(s) URL"},
			{"method", fieldString, false, "GET, POST (default), PUT, PATCH or DELETE"},
			{"headers", fieldMap, false, "request headers (secrets.NAME for tokens)"},
			{"body", fieldAny, false, "sent as JSON"},
			{"expect", fieldList, false, "acceptable status codes (default: any 2xx)"},
			{"timeout", fieldDuration, false, "default 30s"},
		},
		Outputs: []OutputDoc{{"status", "the HTTP status"}, {"body", "the answer: JSON decoded, or text (first 4 KB)"}},
		Plan: func(w With) string {
			return fmt.Sprintf("%s %s", strings.ToUpper(orDefault(w.text("method"), "POST")), redactURL(w.text("url")))
		},
	},
	UsesCatalogRegister: {
		Uses: UsesCatalogRegister, Title: "Register in the catalog",
		Summary: "Add the repository's descriptor to the catalog as a registered location and sync it at once.",
		Fields: []Field{
			{"repo", fieldString, true, "owner/name"},
			{"path", fieldString, false, "descriptor path (default catalog-info.yaml)"},
			{"ref", fieldString, false, "branch (default: the default branch)"},
		},
		Outputs: []OutputDoc{{"location", "the registered location"}, {"entities", "refs of the entities it holds"},
			{"entity", "the first of them"}},
		Plan: func(w With) string {
			return fmt.Sprintf("Register %s:%s in the catalog", w.text("repo"), orDefault(w.text("path"), "catalog-info.yaml"))
		},
	},
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// teamSlug reads a team given as a slug, org/slug or a group ref.
func teamSlug(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		s = s[i+1:]
	}
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		s = s[i+1:]
	}
	return strings.ToLower(s)
}
