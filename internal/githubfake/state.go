package githubfake

import (
	"sort"
	"strings"
	"time"
)

// state is everything the fake knows. It is serialised as is by Snapshot,
// so every field that matters is exported (the types themselves are not);
// the maps tagged "-" are indexes rebuilt by reindex.
type state struct {
	NextID        int64                   `json:"next_id"`
	WebURL        string                  `json:"web_url"`
	Limits        Limits                  `json:"limits"`
	Progression   *RunProgression         `json:"run_progression,omitempty"`
	Accounts      map[string]*account     `json:"accounts"` // by lower(login)
	Repos         map[int64]*repo         `json:"repos"`    // deleted ones too
	Moved         map[string]int64        `json:"moved"`    // lower(owner/name) of a renamed repo → id
	Tokens        map[string]*token       `json:"tokens"`
	Apps          map[int64]*app          `json:"apps"`
	Installations map[int64]*installation `json:"installations"`

	byName map[string]int64 // lower(owner/name) → id of the live repo
}

type account struct {
	Login       string           `json:"login"`
	ID          int64            `json:"id"`
	Type        string           `json:"type"` // User or Organization
	Name        string           `json:"name,omitempty"`
	Email       string           `json:"email,omitempty"`
	Description string           `json:"description,omitempty"`
	CreatedAt   time.Time        `json:"created_at"`
	Members     []string         `json:"members,omitempty"`
	Teams       map[string]*team `json:"teams,omitempty"` // by slug
}

type team struct {
	ID          int64            `json:"id"`
	Slug        string           `json:"slug"`
	Name        string           `json:"name"`
	Description string           `json:"description,omitempty"`
	Privacy     string           `json:"privacy"`
	Permission  string           `json:"permission"`
	Parent      string           `json:"parent,omitempty"`
	Members     []string         `json:"members,omitempty"`
	Maintainers []string         `json:"maintainers,omitempty"`
	Repos       map[int64]string `json:"repos,omitempty"` // repo id → permission, so renames keep grants
}

type repo struct {
	ID            int64                  `json:"id"`
	Owner         string                 `json:"owner"`
	Name          string                 `json:"name"`
	Description   string                 `json:"description,omitempty"`
	Homepage      string                 `json:"homepage,omitempty"`
	Language      string                 `json:"language,omitempty"`
	Topics        []string               `json:"topics,omitempty"`
	Visibility    string                 `json:"visibility"`
	Archived      bool                   `json:"archived,omitempty"`
	IsTemplate    bool                   `json:"is_template,omitempty"`
	Fork          bool                   `json:"fork,omitempty"`
	Deleted       bool                   `json:"deleted,omitempty"`
	DefaultBranch string                 `json:"default_branch"`
	TemplateID    int64                  `json:"template_id,omitempty"`
	CreatedAt     time.Time              `json:"created_at"`
	UpdatedAt     time.Time              `json:"updated_at"`
	PushedAt      time.Time              `json:"pushed_at"`
	Refs          map[string]string      `json:"refs"` // "refs/heads/main" → sha
	Protections   map[string]*Protection `json:"protections,omitempty"`
	RuleBranches  map[string]bool        `json:"rule_branches,omitempty"` // protected by a ruleset only
	Objects       objectStore            `json:"objects"`
	Pulls         []*pull                `json:"pulls,omitempty"`
	Workflows     []*workflow            `json:"workflows,omitempty"`
	Runs          []*run                 `json:"runs,omitempty"`
	Dispatches    []Dispatch             `json:"dispatches,omitempty"`
}

type pull struct {
	ID        int64      `json:"id"`
	Number    int        `json:"number"`
	Title     string     `json:"title"`
	Body      string     `json:"body,omitempty"`
	State     string     `json:"state"`
	User      string     `json:"user"`
	Head      string     `json:"head"`
	Base      string     `json:"base"`
	HeadSHA   string     `json:"head_sha"`
	BaseSHA   string     `json:"base_sha"`
	Draft     bool       `json:"draft,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	ClosedAt  *time.Time `json:"closed_at,omitempty"`
	MergedAt  *time.Time `json:"merged_at,omitempty"`
}

type workflow struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Path      string    `json:"path"`
	State     string    `json:"state"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	NextRun   int       `json:"next_run"`
}

type run struct {
	ID           int64     `json:"id"`
	WorkflowID   int64     `json:"workflow_id"`
	HeadBranch   string    `json:"head_branch"`
	HeadSHA      string    `json:"head_sha"`
	Event        string    `json:"event"`
	Status       string    `json:"status"`
	Conclusion   string    `json:"conclusion,omitempty"`
	RunNumber    int       `json:"run_number"`
	Actor        string    `json:"actor,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	RunStartedAt time.Time `json:"run_started_at"`
	Auto         bool      `json:"auto,omitempty"` // driven by RunProgression
}

type token struct {
	Token          string            `json:"token"`
	Login          string            `json:"login"`
	Permissions    map[string]string `json:"permissions,omitempty"`
	Role           string            `json:"role,omitempty"` // a classic token's user's role; "" is admin
	RepoIDs        []int64           `json:"repo_ids,omitempty"`
	Account        string            `json:"account,omitempty"` // installation tokens: only this owner's repos
	ExpiresAt      *time.Time        `json:"expires_at,omitempty"`
	InstallationID int64             `json:"installation_id,omitempty"`
}

type app struct {
	ID           int64     `json:"id"`
	Slug         string    `json:"slug"`
	Name         string    `json:"name"`
	Owner        string    `json:"owner"`
	PublicKeyPEM string    `json:"public_key_pem"`
	CreatedAt    time.Time `json:"created_at"`
}

type installation struct {
	ID          int64             `json:"id"`
	AppID       int64             `json:"app_id"`
	Account     string            `json:"account"`
	Permissions map[string]string `json:"permissions"`
	RepoIDs     []int64           `json:"repo_ids,omitempty"` // nil: all repos of the account
	CreatedAt   time.Time         `json:"created_at"`
}

func newState() *state {
	return &state{
		NextID:        1000,
		Accounts:      map[string]*account{},
		Repos:         map[int64]*repo{},
		Moved:         map[string]int64{},
		Tokens:        map[string]*token{},
		Apps:          map[int64]*app{},
		Installations: map[int64]*installation{},
		byName:        map[string]int64{},
	}
}

func key(owner, name string) string { return strings.ToLower(owner + "/" + name) }

// reindex rebuilds the derived maps after a restore.
func (st *state) reindex() {
	st.byName = map[string]int64{}
	for id, r := range st.Repos {
		if !r.Deleted {
			st.byName[key(r.Owner, r.Name)] = id
		}
	}
}

// id hands out the next object id; ids are global like GitHub's database
// ids, which keeps them unique across kinds and simple to persist.
func (st *state) id(want int64) int64 {
	if want != 0 {
		if want >= st.NextID {
			st.NextID = want + 1
		}
		return want
	}
	id := st.NextID
	st.NextID++
	return id
}

func (st *state) account(login string) *account { return st.Accounts[strings.ToLower(login)] }

func (st *state) repoByName(owner, name string) *repo {
	if id, ok := st.byName[key(owner, name)]; ok {
		return st.Repos[id]
	}
	return nil
}

// liveRepos lists repos that are not deleted, ordered by id for stable output.
func (st *state) liveRepos() []*repo {
	out := make([]*repo, 0, len(st.byName))
	for _, id := range st.byName {
		out = append(out, st.Repos[id])
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (r *repo) fullName() string { return r.Owner + "/" + r.Name }

func (r *repo) private() bool { return r.Visibility != "public" }

func (r *repo) head(branch string) string { return r.Refs["refs/heads/"+branch] }

// empty reports a repo with no commits, which GitHub answers 409 for on git
// data reads.
func (r *repo) empty() bool {
	for ref := range r.Refs {
		if strings.HasPrefix(ref, "refs/heads/") {
			return false
		}
	}
	return true
}

// resolve turns a branch, tag, full ref, or full or abbreviated commit SHA
// into a commit SHA; "" means the default branch.
func (r *repo) resolve(ref string) (string, bool) {
	if ref == "" {
		ref = r.DefaultBranch
	}
	for _, full := range []string{"refs/heads/" + ref, "refs/tags/" + ref, ref} {
		if sha, ok := r.Refs[full]; ok {
			return r.peel(sha)
		}
	}
	if o, ok := r.Objects[ref]; ok && o.Type == "commit" {
		return ref, true
	}
	if len(ref) >= 7 && len(ref) < 40 {
		for sha, o := range r.Objects {
			if o.Type == "commit" && strings.HasPrefix(sha, ref) {
				return sha, true
			}
		}
	}
	return "", false
}

// peel follows a ref target to a commit (refs may point at trees or blobs
// through the git data API, which GitHub allows for tags).
func (r *repo) peel(sha string) (string, bool) {
	return sha, r.Objects.kind(sha) == "commit"
}

func (r *repo) branchNames() []string {
	var out []string
	for ref := range r.Refs {
		if b, ok := strings.CutPrefix(ref, "refs/heads/"); ok {
			out = append(out, b)
		}
	}
	sort.Strings(out)
	return out
}

func (r *repo) workflowByKey(k string) *workflow {
	for _, w := range r.Workflows {
		if k == w.Path || k == lastSegment(w.Path) || k == w.Name || k == itoa64(w.ID) {
			return w
		}
	}
	return nil
}

func (r *repo) run(id int64) *run {
	for _, x := range r.Runs {
		if x.ID == id {
			return x
		}
	}
	return nil
}

func (r *repo) pull(number int) *pull {
	for _, p := range r.Pulls {
		if p.Number == number {
			return p
		}
	}
	return nil
}

func (r *repo) nextPullNumber() int {
	n := 0
	for _, p := range r.Pulls {
		n = max(n, p.Number)
	}
	return n + 1
}

func lastSegment(p string) string {
	if i := strings.LastIndex(p, "/"); i >= 0 {
		return p[i+1:]
	}
	return p
}
