package githubfake

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Pull requests between branches of one repository: list, get, open,
// update, and merge (a real merge commit on the base branch).

type pullRefJSON struct {
	Label string   `json:"label"`
	Ref   string   `json:"ref"`
	SHA   string   `json:"sha"`
	User  userJSON `json:"user"`
	Repo  repoJSON `json:"repo"`
}

type pullJSON struct {
	URL                string      `json:"url"`
	ID                 int64       `json:"id"`
	NodeID             string      `json:"node_id"`
	HTMLURL            string      `json:"html_url"`
	DiffURL            string      `json:"diff_url"`
	PatchURL           string      `json:"patch_url"`
	IssueURL           string      `json:"issue_url"`
	Number             int         `json:"number"`
	State              string      `json:"state"`
	Locked             bool        `json:"locked"`
	Title              string      `json:"title"`
	User               userJSON    `json:"user"`
	Body               *string     `json:"body"`
	Labels             []struct{}  `json:"labels"`
	CreatedAt          ts          `json:"created_at"`
	UpdatedAt          ts          `json:"updated_at"`
	ClosedAt           ts          `json:"closed_at"`
	MergedAt           ts          `json:"merged_at"`
	MergeCommitSHA     *string     `json:"merge_commit_sha"`
	Assignees          []struct{}  `json:"assignees"`
	RequestedReviewers []struct{}  `json:"requested_reviewers"`
	Draft              bool        `json:"draft"`
	Head               pullRefJSON `json:"head"`
	Base               pullRefJSON `json:"base"`
	AuthorAssociation  string      `json:"author_association"`
	Merged             *bool       `json:"merged,omitempty"`
	Mergeable          *bool       `json:"mergeable,omitempty"`
	MergeableState     string      `json:"mergeable_state,omitempty"`
	Commits            *int        `json:"commits,omitempty"`
	ChangedFiles       *int        `json:"changed_files,omitempty"`
}

func (c *call) pullJSON(p *pull, full bool) pullJSON {
	r := c.repo
	api := c.repoURL(r)
	web := c.s.st.WebURL + "/" + r.fullName() + "/pull/" + strconv.Itoa(p.Number)
	owner := c.userJSON(r.Owner)
	rj := c.repoJSON(r)
	ref := func(branch, sha string) pullRefJSON {
		return pullRefJSON{Label: r.Owner + ":" + branch, Ref: branch, SHA: sha, User: owner, Repo: rj}
	}
	headSHA := p.HeadSHA
	if p.State == "open" && r.head(p.Head) != "" {
		headSHA = r.head(p.Head)
	}
	baseSHA := p.BaseSHA
	if p.State == "open" && r.head(p.Base) != "" {
		baseSHA = r.head(p.Base)
	}
	j := pullJSON{
		URL: api + "/pulls/" + strconv.Itoa(p.Number), ID: p.ID, NodeID: nodeID("PullRequest", p.ID), HTMLURL: web,
		DiffURL: web + ".diff", PatchURL: web + ".patch", IssueURL: api + "/issues/" + strconv.Itoa(p.Number),
		Number: p.Number, State: p.State, Title: p.Title, User: c.userJSON(p.User), Body: strp(p.Body),
		Labels: []struct{}{}, CreatedAt: ts(p.CreatedAt), UpdatedAt: ts(p.UpdatedAt), ClosedAt: tsp(p.ClosedAt),
		MergedAt: tsp(p.MergedAt), Assignees: []struct{}{}, RequestedReviewers: []struct{}{}, Draft: p.Draft,
		Head: ref(p.Head, headSHA), Base: ref(p.Base, baseSHA), AuthorAssociation: "MEMBER",
	}
	if full {
		merged := p.MergedAt != nil
		j.Merged = &merged
		if p.State == "open" {
			_, conflict := mergeFiles(r, p.Base, p.Head) // read-only: GET holds only the read lock
			ok := conflict == ""
			j.Mergeable = &ok
			j.MergeableState = map[bool]string{true: "clean", false: "dirty"}[ok]
		}
	}
	return j
}

func (c *call) listPulls() *reply {
	state := c.query("state")
	if state == "" {
		state = "open"
	}
	head := c.query("head")
	if _, b, ok := strings.Cut(head, ":"); ok {
		head = b
	}
	var ps []*pull
	for _, p := range c.repo.Pulls {
		if state != "all" && p.State != state || head != "" && p.Head != head || c.query("base") != "" && p.Base != c.query("base") {
			continue
		}
		ps = append(ps, p)
	}
	byUpdated := c.query("sort") == "updated"
	asc := c.query("direction") == "asc"
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if asc {
			a, b = b, a
		}
		if byUpdated {
			return b.UpdatedAt.Before(a.UpdatedAt) || b.UpdatedAt.Equal(a.UpdatedAt) && b.Number < a.Number
		}
		return b.CreatedAt.Before(a.CreatedAt) || b.CreatedAt.Equal(a.CreatedAt) && b.Number < a.Number
	})
	rep := okReply(nil)
	start, end := c.page(rep, len(ps))
	out := []pullJSON{}
	for _, p := range ps[start:end] {
		out = append(out, c.pullJSON(p, false))
	}
	rep.body = out
	return rep
}

func (c *call) pullFromPath() *pull {
	n, err := strconv.Atoi(c.r.PathValue("number"))
	if err != nil {
		return nil
	}
	return c.repo.pull(n)
}

func (c *call) getPull() *reply {
	p := c.pullFromPath()
	if p == nil {
		return c.notFound()
	}
	return okReply(c.pullJSON(p, true))
}

func pullInvalid(field, code string) fieldError {
	return fieldError{Resource: "PullRequest", Field: field, Code: code}
}

func (c *call) createPull() *reply {
	r := c.repo
	if r.Archived {
		return c.archived()
	}
	var b struct {
		Title string `json:"title"`
		Head  string `json:"head"`
		Base  string `json:"base"`
		Body  string `json:"body"`
		Draft bool   `json:"draft"`
	}
	if rep := c.decode(&b); rep != nil {
		return rep
	}
	if _, branch, ok := strings.Cut(b.Head, ":"); ok {
		b.Head = branch
	}
	switch {
	case b.Title == "":
		return c.invalid("Validation Failed", pullInvalid("title", "missing_field"))
	case b.Head == "" || r.head(b.Head) == "":
		return c.invalid("Validation Failed", pullInvalid("head", "invalid"))
	case b.Base == "" || r.head(b.Base) == "":
		return c.invalid("Validation Failed", pullInvalid("base", "invalid"))
	}
	for _, p := range r.Pulls {
		if p.State == "open" && p.Head == b.Head && p.Base == b.Base {
			return c.invalid("Validation Failed", fieldError{Resource: "PullRequest", Code: "custom",
				Message: fmt.Sprintf("A pull request already exists for %s:%s.", r.Owner, b.Head)})
		}
	}
	if r.Objects.isAncestor(r.head(b.Head), r.head(b.Base)) {
		return c.invalid("Validation Failed", fieldError{Resource: "PullRequest", Code: "custom",
			Message: fmt.Sprintf("No commits between %s and %s", b.Base, b.Head)})
	}
	p, err := c.s.st.addPull(r, Pull{Title: b.Title, Body: b.Body, User: c.login(), Head: b.Head, Base: b.Base,
		Draft: b.Draft, CreatedAt: c.now})
	if err != nil {
		return c.invalid(err.Error())
	}
	return createdReply(c.pullJSON(p, true))
}

func (c *call) updatePull() *reply {
	p := c.pullFromPath()
	if p == nil {
		return c.notFound()
	}
	var b struct {
		Title *string `json:"title"`
		Body  *string `json:"body"`
		State *string `json:"state"`
		Base  *string `json:"base"`
	}
	if rep := c.decode(&b); rep != nil {
		return rep
	}
	if b.Title != nil {
		p.Title = *b.Title
	}
	if b.Body != nil {
		p.Body = *b.Body
	}
	if b.Base != nil {
		if c.repo.head(*b.Base) == "" {
			return c.invalid("Validation Failed", pullInvalid("base", "invalid"))
		}
		p.Base = *b.Base
	}
	if b.State != nil && p.MergedAt == nil {
		switch *b.State {
		case "closed":
			p.State, p.ClosedAt, p.HeadSHA = "closed", &c.now, c.repo.head(p.Head)
		case "open":
			p.State, p.ClosedAt = "open", nil
		default:
			return c.invalid("Validation Failed", pullInvalid("state", "invalid"))
		}
	}
	p.UpdatedAt = c.now
	return okReply(c.pullJSON(p, true))
}

func (c *call) mergePull() *reply {
	p := c.pullFromPath()
	if p == nil {
		return c.notFound()
	}
	var b struct {
		CommitTitle   string `json:"commit_title"`
		CommitMessage string `json:"commit_message"`
		SHA           string `json:"sha"`
		MergeMethod   string `json:"merge_method"`
	}
	if rep := c.decode(&b); rep != nil {
		return rep
	}
	if p.State != "open" {
		return c.fail(http.StatusMethodNotAllowed, "Pull Request is not mergeable")
	}
	if b.SHA != "" && b.SHA != c.repo.head(p.Head) {
		return c.fail(http.StatusConflict, "Head branch was modified. Review and try the merge again.")
	}
	msg := b.CommitTitle
	if msg == "" {
		msg = fmt.Sprintf("Merge pull request #%d from %s/%s", p.Number, c.repo.Owner, p.Head)
	}
	if b.CommitMessage != "" {
		msg += "\n\n" + b.CommitMessage
	}
	sha, err := c.s.st.mergePull(c.repo, p, msg, authorSig(c.login(), c.now), c.now)
	if err != nil {
		return c.fail(http.StatusMethodNotAllowed, err.Error())
	}
	return okReply(map[string]any{"sha": sha, "merged": true, "message": "Pull Request successfully merged"})
}

// mergeFiles merges head into base file by file against their merge base;
// it returns the merged flat tree, or why it conflicts. It writes nothing.
func mergeFiles(r *repo, base, head string) (map[string]leaf, string) {
	objs := r.Objects
	bSHA, hSHA := r.head(base), r.head(head)
	if bSHA == "" || hSHA == "" {
		return nil, "branch not found"
	}
	mb := mergeBase(objs, bSHA, hSHA)
	ancestor := map[string]leaf{}
	if mb != "" {
		ancestor = objs.flatten(objs.commitTree(mb))
	}
	ours, theirs := objs.flatten(objs.commitTree(bSHA)), objs.flatten(objs.commitTree(hSHA))
	paths := map[string]bool{}
	for _, m := range []map[string]leaf{ancestor, ours, theirs} {
		for p := range m {
			paths[p] = true
		}
	}
	out := map[string]leaf{}
	for p := range paths {
		a, aok := ancestor[p]
		o, ook := ours[p]
		t, tok := theirs[p]
		switch {
		case ook == tok && o == t: // same on both sides
			if ook {
				out[p] = o
			}
		case aok == tok && a == t: // only ours changed
			if ook {
				out[p] = o
			}
		case aok == ook && a == o: // only theirs changed
			if tok {
				out[p] = t
			}
		default:
			return nil, "Merge conflict in " + p
		}
	}
	return out, ""
}

// mergeBase finds a common ancestor of a and b (the first one reached from b
// in breadth-first order, which is the best one for linear histories).
func mergeBase(objs objectStore, a, b string) string {
	seen := map[string]bool{}
	for q := []string{a}; len(q) > 0; q = q[1:] {
		if seen[q[0]] {
			continue
		}
		seen[q[0]] = true
		if o := objs[q[0]]; o != nil && o.Type == "commit" {
			q = append(q, o.Commit.Parents...)
		}
	}
	for q := []string{b}; len(q) > 0; q = q[1:] {
		if seen[q[0]] {
			return q[0]
		}
		if o := objs[q[0]]; o != nil && o.Type == "commit" {
			q = append(q, o.Commit.Parents...)
		}
	}
	return ""
}

// mergePull writes a merge commit on the base branch and closes the pull.
func (st *state) mergePull(r *repo, p *pull, msg string, who signature, now time.Time) (string, error) {
	files, conflict := mergeFiles(r, p.Base, p.Head)
	if conflict != "" {
		return "", fmt.Errorf("Pull Request is not mergeable: %s", conflict)
	}
	tree := r.Objects.writeTree(files)
	head := r.head(p.Head)
	sha := r.commit(tree, []string{r.head(p.Base), head}, msg, who)
	st.setRef(r, "refs/heads/"+p.Base, sha, now)
	p.State, p.HeadSHA, p.BaseSHA, p.UpdatedAt = "closed", head, sha, now
	p.MergedAt, p.ClosedAt = &now, &now
	return sha, nil
}
