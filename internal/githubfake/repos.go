package githubfake

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
)

type permsJSON struct {
	Admin    bool `json:"admin"`
	Maintain bool `json:"maintain"`
	Push     bool `json:"push"`
	Triage   bool `json:"triage"`
	Pull     bool `json:"pull"`
}

// repoJSON is GitHub's repository object (the fields clients read, plus the
// ones whose absence would look wrong).
type repoJSON struct {
	ID                       int64      `json:"id"`
	NodeID                   string     `json:"node_id"`
	Name                     string     `json:"name"`
	FullName                 string     `json:"full_name"`
	Private                  bool       `json:"private"`
	Owner                    userJSON   `json:"owner"`
	HTMLURL                  string     `json:"html_url"`
	Description              *string    `json:"description"`
	Fork                     bool       `json:"fork"`
	URL                      string     `json:"url"`
	BranchesURL              string     `json:"branches_url"`
	ContentsURL              string     `json:"contents_url"`
	PullsURL                 string     `json:"pulls_url"`
	TeamsURL                 string     `json:"teams_url"`
	TreesURL                 string     `json:"trees_url"`
	CreatedAt                ts         `json:"created_at"`
	UpdatedAt                ts         `json:"updated_at"`
	PushedAt                 ts         `json:"pushed_at"`
	GitURL                   string     `json:"git_url"`
	SSHURL                   string     `json:"ssh_url"`
	CloneURL                 string     `json:"clone_url"`
	SvnURL                   string     `json:"svn_url"`
	Homepage                 *string    `json:"homepage"`
	Size                     int        `json:"size"`
	StargazersCount          int        `json:"stargazers_count"`
	WatchersCount            int        `json:"watchers_count"`
	Language                 *string    `json:"language"`
	HasIssues                bool       `json:"has_issues"`
	HasProjects              bool       `json:"has_projects"`
	HasDownloads             bool       `json:"has_downloads"`
	HasWiki                  bool       `json:"has_wiki"`
	HasPages                 bool       `json:"has_pages"`
	HasDiscussions           bool       `json:"has_discussions"`
	ForksCount               int        `json:"forks_count"`
	MirrorURL                *string    `json:"mirror_url"`
	Archived                 bool       `json:"archived"`
	Disabled                 bool       `json:"disabled"`
	OpenIssuesCount          int        `json:"open_issues_count"`
	License                  *struct{}  `json:"license"`
	AllowForking             bool       `json:"allow_forking"`
	IsTemplate               bool       `json:"is_template"`
	WebCommitSignoffRequired bool       `json:"web_commit_signoff_required"`
	Topics                   []string   `json:"topics"`
	Visibility               string     `json:"visibility"`
	Forks                    int        `json:"forks"`
	OpenIssues               int        `json:"open_issues"`
	Watchers                 int        `json:"watchers"`
	DefaultBranch            string     `json:"default_branch"`
	Permissions              *permsJSON `json:"permissions,omitempty"`
	TemplateRepository       *repoJSON  `json:"template_repository,omitempty"`
	Organization             *userJSON  `json:"organization,omitempty"`
	NetworkCount             *int       `json:"network_count,omitempty"`
	SubscribersCount         *int       `json:"subscribers_count,omitempty"`
	RoleName                 string     `json:"role_name,omitempty"`
}

func (c *call) repoURL(r *repo) string { return c.api + "/repos/" + r.fullName() }

func (c *call) repoJSON(r *repo) repoJSON {
	web := c.s.st.WebURL + "/" + r.fullName()
	api := c.repoURL(r)
	host := strings.TrimPrefix(strings.TrimPrefix(c.s.st.WebURL, "https://"), "http://")
	topics := slices.Clone(r.Topics)
	if topics == nil {
		topics = []string{}
	}
	open := 0
	for _, p := range r.Pulls {
		if p.State == "open" {
			open++
		}
	}
	j := repoJSON{
		ID: r.ID, NodeID: nodeID("Repository", r.ID), Name: r.Name, FullName: r.fullName(),
		Private: r.private(), Owner: c.userJSON(r.Owner), HTMLURL: web, Description: strp(r.Description),
		Fork: r.Fork, URL: api,
		BranchesURL: api + "/branches{/branch}", ContentsURL: api + "/contents/{+path}",
		PullsURL: api + "/pulls{/number}", TeamsURL: api + "/teams", TreesURL: api + "/git/trees{/sha}",
		CreatedAt: ts(r.CreatedAt), UpdatedAt: ts(r.UpdatedAt), PushedAt: ts(r.PushedAt),
		GitURL: "git://" + host + "/" + r.fullName() + ".git", SSHURL: "git@" + host + ":" + r.fullName() + ".git",
		CloneURL: web + ".git", SvnURL: web, Homepage: strp(r.Homepage), Size: r.sizeKB(),
		Language: strp(r.Language), HasIssues: true, HasProjects: true, HasDownloads: true, HasWiki: true,
		Archived: r.Archived, OpenIssuesCount: open, AllowForking: true, IsTemplate: r.IsTemplate,
		Topics: topics, Visibility: r.Visibility, OpenIssues: open, DefaultBranch: r.DefaultBranch,
	}
	if c.tok != nil {
		admin := c.isAdmin()
		push := c.hasPerm("contents", "write")
		j.Permissions = &permsJSON{Admin: admin, Maintain: admin, Push: push, Triage: push, Pull: true}
	}
	return j
}

// fullRepoJSON is the single-repository form, which adds the organization,
// counters and the template it was generated from.
func (c *call) fullRepoJSON(r *repo) repoJSON {
	j := c.repoJSON(r)
	if o := c.s.st.account(r.Owner); o != nil && o.Type == "Organization" {
		u := c.userJSON(o.Login)
		j.Organization = &u
	}
	zero := 0
	j.NetworkCount, j.SubscribersCount = &zero, &zero
	if t := c.s.st.Repos[r.TemplateID]; t != nil && !t.Deleted {
		tj := c.repoJSON(t)
		j.TemplateRepository = &tj
	}
	return j
}

// sizeKB approximates GitHub's "size" (KB of the default branch's blobs).
func (r *repo) sizeKB() int {
	head := r.head(r.DefaultBranch)
	if head == "" {
		return 0
	}
	n := 0
	for _, l := range r.Objects.flatten(r.Objects.commitTree(head)) {
		if o := r.Objects[l.SHA]; o != nil {
			n += len(o.Data)
		}
	}
	return (n + 1023) / 1024
}

func (c *call) getRepo() *reply { return okReply(c.fullRepoJSON(c.repo)) }

// listRepos filters, sorts and pages a repository list the way GitHub's
// list endpoints do.
func (c *call) listRepos(repos []*repo, typ, defSort string) *reply {
	var out []*repo
	for _, r := range repos {
		if !c.canSee(r) {
			continue
		}
		switch typ {
		case "public":
			if r.private() {
				continue
			}
		case "private":
			if !r.private() {
				continue
			}
		case "forks":
			if !r.Fork {
				continue
			}
		case "sources":
			if r.Fork {
				continue
			}
		}
		out = append(out, r)
	}
	sortBy := c.query("sort")
	if sortBy == "" {
		sortBy = defSort
	}
	dir := c.query("direction")
	if dir == "" {
		dir = "desc"
		if sortBy == "full_name" {
			dir = "asc"
		}
	}
	less := func(a, b *repo) bool {
		switch sortBy {
		case "updated":
			return a.UpdatedAt.Before(b.UpdatedAt) || a.UpdatedAt.Equal(b.UpdatedAt) && a.ID < b.ID
		case "pushed":
			return a.PushedAt.Before(b.PushedAt) || a.PushedAt.Equal(b.PushedAt) && a.ID < b.ID
		case "full_name":
			return strings.ToLower(a.fullName()) < strings.ToLower(b.fullName())
		default:
			return a.CreatedAt.Before(b.CreatedAt) || a.CreatedAt.Equal(b.CreatedAt) && a.ID < b.ID
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if dir == "desc" {
			return less(out[j], out[i])
		}
		return less(out[i], out[j])
	})
	rep := okReply(nil)
	start, end := c.page(rep, len(out))
	body := []repoJSON{}
	for _, r := range out[start:end] {
		body = append(body, c.repoJSON(r))
	}
	rep.body = body
	return rep
}

func (c *call) listOrgRepos() *reply {
	o := c.org()
	if o == nil {
		return c.notFound()
	}
	var repos []*repo
	for _, r := range c.s.st.liveRepos() {
		if strings.EqualFold(r.Owner, o.Login) {
			repos = append(repos, r)
		}
	}
	return c.listRepos(repos, c.query("type"), "created")
}

// listUserRepos answers GET /users/{user}/repos. As on GitHub, type is
// owner (the default: what the user owns), member (what the user reaches as
// a member, here of an organization) or all (both).
func (c *call) listUserRepos() *reply {
	u := c.s.st.account(c.r.PathValue("user"))
	if u == nil {
		return c.notFound()
	}
	typ := c.query("type")
	if typ == "" {
		typ = "owner"
	}
	var repos []*repo
	for _, r := range c.s.st.liveRepos() {
		owned := strings.EqualFold(r.Owner, u.Login)
		owner := c.s.st.account(r.Owner)
		member := !owned && owner != nil && owner.Type == "Organization" && c.s.st.memberOf(u.Login, owner)
		if owned && typ != "member" || member && (typ == "member" || typ == "all") {
			repos = append(repos, r)
		}
	}
	return c.listRepos(repos, typ, "full_name")
}

// listAuthUserRepos lists what the token's user owns or reaches through an
// organization it belongs to.
func (c *call) listAuthUserRepos() *reply {
	login := c.login()
	var repos []*repo
	for _, r := range c.s.st.liveRepos() {
		owner := c.s.st.account(r.Owner)
		if strings.EqualFold(r.Owner, login) || owner != nil && owner.Type == "Organization" && c.s.st.memberOf(login, owner) {
			repos = append(repos, r)
		}
	}
	return c.listRepos(repos, c.query("type"), "full_name")
}

type createRepoBody struct {
	Name              string  `json:"name"`
	Description       string  `json:"description"`
	Homepage          string  `json:"homepage"`
	Private           *bool   `json:"private"`
	Visibility        string  `json:"visibility"`
	IsTemplate        bool    `json:"is_template"`
	AutoInit          bool    `json:"auto_init"`
	GitignoreTemplate string  `json:"gitignore_template"`
	LicenseTemplate   string  `json:"license_template"`
	TeamID            int64   `json:"team_id"`
	DefaultBranch     *string `json:"default_branch"`
}

func (c *call) createOrgRepo() *reply {
	o := c.org()
	if o == nil {
		return c.notFound()
	}
	return c.createRepo(o)
}

func (c *call) createUserRepo() *reply {
	if c.tok == nil || c.tok.InstallationID != 0 {
		return c.fail(http.StatusForbidden, "Resource not accessible by integration")
	}
	return c.createRepo(c.s.st.account(c.tok.Login))
}

// repoNameTaken is GitHub's exact answer for a name clash on create.
func (c *call) repoNameTaken() *reply {
	return c.invalid("Repository creation failed.", fieldError{
		Resource: "Repository", Code: "custom", Field: "name", Message: "name already exists on this account",
	})
}

// sanitizeRepoName does what GitHub does to a requested name: characters
// outside [A-Za-z0-9._-] become "-".
func sanitizeRepoName(n string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-' {
			return r
		}
		return '-'
	}, strings.TrimSpace(n))
}

func (c *call) createRepo(owner *account) *reply {
	var b createRepoBody
	if rep := c.decode(&b); rep != nil {
		return rep
	}
	name := sanitizeRepoName(b.Name)
	if name == "" || name == "." || name == ".." {
		return c.invalid("Repository creation failed.", fieldError{Resource: "Repository", Code: "missing_field", Field: "name"})
	}
	if c.s.st.repoByName(owner.Login, name) != nil {
		return c.repoNameTaken()
	}
	vis := b.Visibility
	if vis == "" {
		vis = "public"
		if b.Private != nil && *b.Private {
			vis = "private"
		}
	}
	fr := Repo{Owner: owner.Login, Name: name, Description: b.Description, Homepage: b.Homepage,
		Visibility: vis, IsTemplate: b.IsTemplate, CreatedAt: c.now}
	if b.AutoInit || b.GitignoreTemplate != "" || b.LicenseTemplate != "" {
		fr.Files = map[string]string{"README.md": "# " + name + "\n" + descLine(b.Description)}
		if b.GitignoreTemplate != "" {
			fr.Files[".gitignore"] = "# " + b.GitignoreTemplate + " .gitignore\n"
		}
		if b.LicenseTemplate != "" {
			fr.Files["LICENSE"] = strings.ToUpper(b.LicenseTemplate) + " License\n"
		}
		fr.Branches = nil
	}
	r, err := c.s.st.addRepo(fr)
	if err != nil {
		return c.invalid("Repository creation failed.", fieldError{Resource: "Repository", Code: "custom", Field: "name", Message: err.Error()})
	}
	if b.TeamID != 0 {
		for _, t := range owner.Teams {
			if t.ID == b.TeamID {
				t.Repos[r.ID] = t.Permission
			}
		}
	}
	c.s.log.Info("githubfake: repo created", "repo", r.fullName())
	return createdReply(c.fullRepoJSON(r))
}

func descLine(d string) string {
	if d == "" {
		return ""
	}
	return "\n" + d + "\n"
}

type generateBody struct {
	Owner              string `json:"owner"`
	Name               string `json:"name"`
	Description        string `json:"description"`
	IncludeAllBranches bool   `json:"include_all_branches"`
	Private            bool   `json:"private"`
}

// generateRepo creates a repository from a template: a fresh history with
// one commit per copied branch, holding the template's files.
func (c *call) generateRepo() *reply {
	tmpl := c.repo
	var b generateBody
	if rep := c.decode(&b); rep != nil {
		return rep
	}
	if !tmpl.IsTemplate {
		return c.invalid("Validation Failed", fieldError{Resource: "Repository", Code: "custom", Field: "template",
			Message: tmpl.fullName() + " is not a template repository"})
	}
	if b.Owner == "" {
		b.Owner = c.login()
	}
	owner := c.s.st.account(b.Owner)
	if owner == nil {
		return c.notFound()
	}
	name := sanitizeRepoName(b.Name)
	if name == "" {
		return c.invalid("Repository creation failed.", fieldError{Resource: "Repository", Code: "missing_field", Field: "name"})
	}
	if c.s.st.repoByName(owner.Login, name) != nil {
		return c.repoNameTaken()
	}
	vis := "public"
	if b.Private {
		vis = "private"
	}
	r, err := c.s.st.addRepo(Repo{Owner: owner.Login, Name: name, Description: b.Description, Visibility: vis,
		DefaultBranch: tmpl.DefaultBranch, CreatedAt: c.now})
	if err != nil {
		return c.invalid("Repository creation failed.", fieldError{Resource: "Repository", Code: "custom", Field: "name", Message: err.Error()})
	}
	r.TemplateID = tmpl.ID
	branches := []string{tmpl.DefaultBranch}
	if b.IncludeAllBranches {
		branches = tmpl.branchNames()
	}
	for _, br := range branches {
		head := tmpl.head(br)
		if head == "" {
			continue
		}
		tree := tmpl.Objects.commitTree(head)
		copyTree(tmpl.Objects, r.Objects, tree)
		r.Refs["refs/heads/"+br] = r.commit(tree, nil, "Initial commit", authorSig(c.login(), c.now))
	}
	r.PushedAt, r.UpdatedAt = c.now, c.now
	c.s.log.Info("githubfake: repo generated", "repo", r.fullName(), "template", tmpl.fullName())
	return createdReply(c.fullRepoJSON(r))
}

// copyTree copies a tree and everything below it between object stores.
func copyTree(src, dst objectStore, sha string) {
	o, ok := src[sha]
	if !ok {
		return
	}
	if _, done := dst[sha]; done {
		return
	}
	dst[sha] = o // objects are immutable once stored, so sharing is safe
	if o.Type == "tree" {
		for _, e := range o.Entries {
			copyTree(src, dst, e.SHA)
		}
	}
}

type updateRepoBody struct {
	Name          *string `json:"name"`
	Description   *string `json:"description"`
	Homepage      *string `json:"homepage"`
	Private       *bool   `json:"private"`
	Visibility    *string `json:"visibility"`
	Archived      *bool   `json:"archived"`
	IsTemplate    *bool   `json:"is_template"`
	DefaultBranch *string `json:"default_branch"`
}

func (c *call) updateRepo() *reply {
	r := c.repo
	var b updateRepoBody
	if rep := c.decode(&b); rep != nil {
		return rep
	}
	if r.Archived && (b.Archived == nil || *b.Archived) {
		return c.fail(http.StatusForbidden, "Repository was archived so is read-only.")
	}
	if b.DefaultBranch != nil && r.head(*b.DefaultBranch) == "" && !r.empty() {
		return c.invalid("Validation Failed", fieldError{Resource: "Repository", Code: "invalid", Field: "default_branch",
			Message: fmt.Sprintf("The branch %s was not found. Please push that ref first or create it via the Git Data API.", *b.DefaultBranch)})
	}
	if b.Name != nil && *b.Name != r.Name {
		if err := c.s.st.renameRepo(r, sanitizeRepoName(*b.Name)); err != nil {
			return c.invalid("Validation Failed", fieldError{Resource: "Repository", Code: "custom", Field: "name", Message: err.Error()})
		}
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&r.Description, b.Description)
	set(&r.Homepage, b.Homepage)
	set(&r.Visibility, b.Visibility)
	set(&r.DefaultBranch, b.DefaultBranch)
	if b.Private != nil {
		r.Visibility = map[bool]string{true: "private", false: "public"}[*b.Private]
	}
	if b.Archived != nil {
		r.Archived = *b.Archived
	}
	if b.IsTemplate != nil {
		r.IsTemplate = *b.IsTemplate
	}
	r.UpdatedAt = c.now
	return okReply(c.fullRepoJSON(r))
}

func (c *call) deleteRepo() *reply {
	c.s.st.deleteRepo(c.repo)
	return noContent()
}

// renameRepo renames in place; the old name keeps redirecting to the id
// until a new repository takes it, as on GitHub.
func (st *state) renameRepo(r *repo, name string) error {
	if name == "" {
		return fmt.Errorf("name is required")
	}
	if other := st.repoByName(r.Owner, name); other != nil && other != r {
		return fmt.Errorf("name already exists on this account")
	}
	delete(st.byName, key(r.Owner, r.Name))
	st.Moved[key(r.Owner, r.Name)] = r.ID
	delete(st.Moved, key(r.Owner, name))
	r.Name = name
	st.byName[key(r.Owner, r.Name)] = r.ID
	return nil
}

// deleteRepo marks the repo deleted; its old names stop redirecting.
func (st *state) deleteRepo(r *repo) {
	r.Deleted = true
	delete(st.byName, key(r.Owner, r.Name))
	for k, id := range st.Moved {
		if id == r.ID {
			delete(st.Moved, k)
		}
	}
}

type topicsJSON struct {
	Names []string `json:"names"`
}

func (c *call) getTopics() *reply {
	names := slices.Clone(c.repo.Topics)
	if names == nil {
		names = []string{}
	}
	return okReply(topicsJSON{Names: names})
}

func (c *call) replaceTopics() *reply {
	var b topicsJSON
	if rep := c.decode(&b); rep != nil {
		return rep
	}
	if b.Names == nil {
		return c.invalid("Invalid request.\n\n\"names\" wasn't supplied.")
	}
	for _, t := range b.Names {
		if !validTopic(t) {
			return c.invalid("Validation Failed", fieldError{Resource: "Repository", Code: "invalid", Field: "topics",
				Message: fmt.Sprintf("%s is not a valid topic. Topics must start with a lowercase letter or number, consist of 50 characters or less, and can include hyphens.", t)})
		}
	}
	c.repo.Topics = normalizeTopics(b.Names)
	c.repo.UpdatedAt = c.now
	return c.getTopics()
}

func validTopic(t string) bool {
	if t == "" || len(t) > 50 || t[0] == '-' {
		return false
	}
	for _, r := range t {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

func normalizeTopics(in []string) []string {
	out := []string{}
	for _, t := range in {
		t = strings.ToLower(t)
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}
