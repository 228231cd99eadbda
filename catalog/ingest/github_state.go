package ingest

import (
	"context"
	"time"
)

// GitHubState is what a GitHub source remembers between syncs, so that a
// sync with nothing changed costs one conditional request per page of the
// repository list and nothing else. The store implements it; every method
// is safe for concurrent use.
type GitHubState interface {
	// GitHubPages returns the ETag recorded for each page (1-based) of the
	// source's repository list.
	GitHubPages(ctx context.Context, source string) (map[int]string, error)
	// SetGitHubPages replaces the source's page ETags.
	SetGitHubPages(ctx context.Context, source string, etags map[int]string) error
	// GitHubRepos returns the repositories recorded for the source, with
	// their files.
	GitHubRepos(ctx context.Context, source string) ([]GitHubRepo, error)
	// PutGitHubRepo records one repository (by ID), replacing its files.
	PutGitHubRepo(ctx context.Context, source string, r GitHubRepo) error
	// DeleteGitHubRepos forgets repositories of the source, and their files.
	DeleteGitHubRepos(ctx context.Context, source string, ids []int64) error
	// GitHubBlobs returns the stored content of the blobs that are stored,
	// by SHA.
	GitHubBlobs(ctx context.Context, shas []string) (map[string][]byte, error)
	// PutGitHubBlob stores a blob's content under its SHA.
	PutGitHubBlob(ctx context.Context, sha string, data []byte) error
	// PruneGitHubBlobs deletes the blobs no recorded file refers to, and
	// says how many.
	PruneGitHubBlobs(ctx context.Context) (int, error)
}

// FactWriter records facts read about an entity; the store implements it
// (store.DB.PutFacts). Facts of one provider replace that provider's last
// facts for the entity.
type FactWriter interface {
	PutFacts(ctx context.Context, ref, provider string, facts map[string]any, readAt time.Time) error
	DeleteFacts(ctx context.Context, ref, provider string) error
}

// GitHubRepo is what a GitHub source recorded of one repository.
type GitHubRepo struct {
	ID            int64
	FullName      string // "org/repo" as GitHub spells it
	DefaultBranch string
	// HeadSHA is the default branch's head commit when a read told it;
	// TreeSHA and TreeETag the default branch's tree as last read.
	HeadSHA  string
	TreeSHA  string
	TreeETag string
	PushedAt time.Time
	// ListPage is the page of the repository list the repository was on.
	ListPage int
	// Files are the files read (descriptors, their targets and
	// substitutions, CODEOWNERS) with their blob SHAs.
	Files []GitHubFile
	// Extra is everything else: the list's metadata, owner inference,
	// facts and the ETags of conditional reads.
	Extra GitHubRepoExtra
}

// File roles.
const (
	RoleDescriptor = "descriptor" // matched a configured path
	RoleTarget     = "target"     // reached through a Location
	RoleDependency = "dependency" // read by $text, $json or $yaml
	RoleCodeowners = "codeowners"
)

// GitHubFile is one file of a repository that a sync read.
type GitHubFile struct {
	Path string
	SHA  string
	Size int64
	Role string
	// Deps are the files a descriptor substituted ($text, ...), path →
	// blob SHA ("" when missing); Targets the files its Locations led to;
	// Refs the entities it held at its last clean parse.
	Deps    map[string]string `json:"deps,omitempty"`
	Targets []string          `json:"targets,omitempty"`
	Refs    []string          `json:"refs,omitempty"`
}

// GitHubRepoExtra is the part of a repository's state kept as JSON.
type GitHubRepoExtra struct {
	Meta RepoMeta `json:"meta"`
	// Owner is the owner inference made at the last read of the tree.
	Owner *InferredOwner `json:"owner,omitempty"`
	// PathsKey identifies the paths (and infer) the files were found with;
	// when the configuration changes, the tree is read again.
	PathsKey string `json:"paths_key,omitempty"`
	// Codeowners is the CODEOWNERS file the tree held, if any, and the
	// owner of "*" it names.
	Codeowners *CodeownersFile `json:"codeowners,omitempty"`
	// FactFiles says which well-known files the tree held (README,
	// SECURITY.md, ...), path by fact name, as of the last tree read.
	FactFiles map[string]string `json:"fact_files,omitempty"`
	// HasWorkflows says the tree holds .github/workflows/*.yml.
	HasWorkflows bool `json:"has_workflows,omitempty"`
	// Facts are the facts last read, at FactsReadAt.
	Facts       map[string]any `json:"facts,omitempty"`
	FactsReadAt time.Time      `json:"facts_read_at,omitzero"`
	// FactRefs are the entities the facts were last recorded for.
	FactRefs []string `json:"fact_refs,omitempty"`
	// ETags of the conditional reads besides the tree, by name ("teams",
	// "protection", "pulls", "runs"), with the answers they stood for.
	ETags   map[string]string `json:"etags,omitempty"`
	Answers map[string]any    `json:"answers,omitempty"`
}

// RepoMeta is what the repository list says of a repository.
type RepoMeta struct {
	Name            string    `json:"name"`
	Description     string    `json:"description,omitempty"`
	Topics          []string  `json:"topics,omitempty"`
	Language        string    `json:"language,omitempty"`
	Homepage        string    `json:"homepage,omitempty"`
	HTMLURL         string    `json:"html_url"`
	Visibility      string    `json:"visibility,omitempty"`
	Archived        bool      `json:"archived,omitempty"`
	Fork            bool      `json:"fork,omitempty"`
	Empty           bool      `json:"empty,omitempty"` // size 0 and no tree
	OpenIssuesCount int       `json:"open_issues_count"`
	UpdatedAt       time.Time `json:"updated_at,omitzero"`
}

// CodeownersFile is a repository's CODEOWNERS, as far as inference needs it.
type CodeownersFile struct {
	Path  string `json:"path"`
	SHA   string `json:"sha"`
	Owner string `json:"owner,omitempty"` // the ref owning "*", "" when none
	// Notes are its syntax errors, "LINE: message".
	Notes []string `json:"notes,omitempty"`
}

// InferredOwner is who an inferred entity names as owner, and why.
type InferredOwner struct {
	Ref  string `json:"ref,omitempty"`  // "group:default/payments"; "" when none was found
	From string `json:"from,omitempty"` // "CODEOWNERS", "topic team-payments", "admin team"
	// CodeownersSHA is the blob the answer was read from, if any.
	CodeownersSHA string `json:"codeowners_sha,omitempty"`
}
