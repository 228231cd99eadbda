package githubfake

import (
	"sort"
	"strings"
	"time"
)

// The commits API: a commit with its changed files, and first-parent history
// filtered by path and date (what scorecards read for "last change").

type fileChangeJSON struct {
	SHA       string `json:"sha"`
	Filename  string `json:"filename"`
	Status    string `json:"status"`
	Additions int    `json:"additions"`
	Deletions int    `json:"deletions"`
	Changes   int    `json:"changes"`
	BlobURL   string `json:"blob_url"`
	RawURL    string `json:"raw_url"`
}

type repoCommitJSON struct {
	SHA         string           `json:"sha"`
	NodeID      string           `json:"node_id"`
	Commit      innerCommitJSON  `json:"commit"`
	URL         string           `json:"url"`
	HTMLURL     string           `json:"html_url"`
	CommentsURL string           `json:"comments_url"`
	Author      *userJSON        `json:"author"`
	Committer   *userJSON        `json:"committer"`
	Parents     []shaURL         `json:"parents"`
	Stats       *statsJSON       `json:"stats,omitempty"`
	Files       []fileChangeJSON `json:"files,omitempty"`
}

type innerCommitJSON struct {
	Author       sigJSON `json:"author"`
	Committer    sigJSON `json:"committer"`
	Message      string  `json:"message"`
	Tree         shaURL  `json:"tree"`
	URL          string  `json:"url"`
	CommentCount int     `json:"comment_count"`
	Verification struct {
		Verified  bool    `json:"verified"`
		Reason    string  `json:"reason"`
		Signature *string `json:"signature"`
		Payload   *string `json:"payload"`
	} `json:"verification"`
}

type statsJSON struct {
	Total     int `json:"total"`
	Additions int `json:"additions"`
	Deletions int `json:"deletions"`
}

// userOf maps a commit signature to the account GitHub would link it to:
// the noreply address of a known login.
func (c *call) userOf(s signature) *userJSON {
	login, ok := strings.CutSuffix(s.Email, "@users.noreply.github.com")
	if !ok || c.s.st.account(login) == nil {
		return nil
	}
	u := c.userJSON(login)
	return &u
}

func (c *call) repoCommitJSON(sha string, withFiles bool) repoCommitJSON {
	g := c.gitCommitJSON(sha)
	co := c.repo.Objects[sha].Commit
	api := c.repoURL(c.repo)
	j := repoCommitJSON{
		SHA: sha, NodeID: g.NodeID, URL: api + "/commits/" + sha, HTMLURL: g.HTMLURL,
		CommentsURL: api + "/commits/" + sha + "/comments",
		Commit: innerCommitJSON{Author: g.Author, Committer: g.Committer, Message: g.Message, Tree: g.Tree,
			URL: g.URL},
		Author: c.userOf(co.Author), Committer: c.userOf(co.Committer), Parents: []shaURL{},
	}
	j.Commit.Verification = g.Verification
	for _, p := range co.Parents {
		j.Parents = append(j.Parents, shaURL{SHA: p, URL: api + "/commits/" + p, HTMLURL: c.s.st.WebURL + "/" + c.repo.fullName() + "/commit/" + p})
	}
	if withFiles {
		j.Files, j.Stats = c.diff(co), &statsJSON{}
		for _, f := range j.Files {
			j.Stats.Additions += f.Additions
			j.Stats.Deletions += f.Deletions
		}
		j.Stats.Total = j.Stats.Additions + j.Stats.Deletions
	}
	return j
}

// diff lists files changed against the first parent, counting lines the
// simple way (a changed file counts all its lines as removed and added).
func (c *call) diff(co *commitObj) []fileChangeJSON {
	objs := c.repo.Objects
	before := map[string]leaf{}
	if len(co.Parents) > 0 {
		before = objs.flatten(objs.commitTree(co.Parents[0]))
	}
	after := objs.flatten(co.Tree)
	lines := func(sha string) int {
		if o := objs[sha]; o != nil && len(o.Data) > 0 {
			return strings.Count(string(o.Data), "\n") + map[bool]int{true: 0, false: 1}[strings.HasSuffix(string(o.Data), "\n")]
		}
		return 0
	}
	web := c.s.st.WebURL + "/" + c.repo.fullName()
	out := []fileChangeJSON{}
	add := func(path, status, sha string, plus, minus int) {
		out = append(out, fileChangeJSON{SHA: sha, Filename: path, Status: status, Additions: plus, Deletions: minus,
			Changes: plus + minus, BlobURL: web + "/blob/" + sha + "/" + escapePath(path), RawURL: web + "/raw/" + sha + "/" + escapePath(path)})
	}
	for p, l := range after {
		old, ok := before[p]
		switch {
		case !ok:
			add(p, "added", l.SHA, lines(l.SHA), 0)
		case old.SHA != l.SHA:
			add(p, "modified", l.SHA, lines(l.SHA), lines(old.SHA))
		}
	}
	for p, l := range before {
		if _, ok := after[p]; !ok {
			add(p, "removed", l.SHA, 0, lines(l.SHA))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Filename < out[j].Filename })
	return out
}

func (c *call) getCommit() *reply {
	if c.repo.empty() {
		return c.emptyRepo()
	}
	ref := c.r.PathValue("ref")
	sha, ok := c.repo.resolve(ref)
	if !ok {
		return c.invalid("No commit found for SHA: " + ref)
	}
	return okReply(c.repoCommitJSON(sha, true))
}

// listCommits walks first-parent history from ?sha (default branch), keeping
// commits that touch ?path and fall within ?since/?until.
func (c *call) listCommits() *reply {
	r := c.repo
	if r.empty() {
		return c.emptyRepo()
	}
	start, ok := r.resolve(c.query("sha"))
	if !ok {
		return c.notFound()
	}
	path := strings.Trim(c.query("path"), "/")
	since, _ := time.Parse(time.RFC3339, c.query("since"))
	until, _ := time.Parse(time.RFC3339, c.query("until"))
	var shas []string
	for _, sha := range r.Objects.firstParents(start) {
		co := r.Objects[sha].Commit
		d := co.Committer.Date
		if !since.IsZero() && d.Before(since) || !until.IsZero() && d.After(until) {
			continue
		}
		if path != "" && !c.touches(co, path) {
			continue
		}
		shas = append(shas, sha)
	}
	rep := okReply(nil)
	from, to := c.page(rep, len(shas))
	out := []repoCommitJSON{}
	for _, sha := range shas[from:to] {
		out = append(out, c.repoCommitJSON(sha, false))
	}
	rep.body = out
	return rep
}

// touches reports whether a commit changed path (a file or a directory).
func (c *call) touches(co *commitObj, path string) bool {
	objs := c.repo.Objects
	now, okNow := objs.lookup(co.Tree, path)
	if len(co.Parents) == 0 {
		return okNow
	}
	before, okBefore := objs.lookup(objs.commitTree(co.Parents[0]), path)
	return okNow != okBefore || now.SHA != before.SHA
}
