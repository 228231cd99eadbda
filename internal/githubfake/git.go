package githubfake

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// The git data API: blobs, trees, commits and refs, with GitHub's answers
// for empty repositories (409) and for protected branches.

func (c *call) emptyRepo() *reply { return c.fail(http.StatusConflict, "Git Repository is empty.") }

func (c *call) archived() *reply {
	return c.fail(http.StatusForbidden, "Repository was archived so is read-only.")
}

// gitWrite is the common gate of git data writes: archived repositories are
// read-only and GitHub's git database refuses to write into an empty one
// (the contents API is the way to make the first commit).
func (c *call) gitWrite() *reply {
	if c.repo.Archived {
		return c.archived()
	}
	if c.repo.empty() {
		return c.emptyRepo()
	}
	return nil
}

type blobJSON struct {
	SHA      string `json:"sha"`
	NodeID   string `json:"node_id"`
	Size     int    `json:"size"`
	URL      string `json:"url"`
	Content  string `json:"content"`
	Encoding string `json:"encoding"`
}

func (c *call) getBlob() *reply {
	if c.repo.empty() {
		return c.emptyRepo()
	}
	sha := c.r.PathValue("sha")
	o, ok := c.repo.Objects[sha]
	if !ok || o.Type != "blob" {
		return c.notFound()
	}
	return okReply(blobJSON{SHA: sha, NodeID: nodeID("Blob", int64(len(sha))), Size: len(o.Data),
		URL: c.repoURL(c.repo) + "/git/blobs/" + sha, Content: base64Lines(o.Data), Encoding: "base64"})
}

func (c *call) createBlob() *reply {
	if rep := c.gitWrite(); rep != nil {
		return rep
	}
	var b struct {
		Content  *string `json:"content"`
		Encoding string  `json:"encoding"`
	}
	if rep := c.decode(&b); rep != nil {
		return rep
	}
	if b.Content == nil {
		return c.invalid("Invalid request.\n\n\"content\" wasn't supplied.")
	}
	data := []byte(*b.Content)
	switch b.Encoding {
	case "", "utf-8", "utf8":
	case "base64":
		d, err := base64.StdEncoding.DecodeString(strings.Map(dropSpace, *b.Content))
		if err != nil {
			return c.invalid("Invalid request.\n\nInvalid Base64 content.")
		}
		data = d
	default:
		return c.invalid(fmt.Sprintf("Invalid request.\n\nencoding %q is not a supported value.", b.Encoding))
	}
	sha := c.repo.Objects.putBlob(data)
	return createdReply(map[string]string{"url": c.repoURL(c.repo) + "/git/blobs/" + sha, "sha": sha})
}

func dropSpace(r rune) rune {
	if r == '\n' || r == '\r' || r == ' ' {
		return -1
	}
	return r
}

type treeEntryJSON struct {
	Path string `json:"path"`
	Mode string `json:"mode"`
	Type string `json:"type"`
	SHA  string `json:"sha"`
	Size *int   `json:"size,omitempty"`
	URL  string `json:"url,omitempty"`
}

type treeJSON struct {
	SHA       string          `json:"sha"`
	URL       string          `json:"url"`
	Tree      []treeEntryJSON `json:"tree"`
	Truncated bool            `json:"truncated"`
}

func (c *call) entryJSON(path string, e treeEntry) treeEntryJSON {
	j := treeEntryJSON{Path: path, Mode: e.Mode, Type: e.Type, SHA: e.SHA}
	switch e.Type {
	case "blob":
		n := 0
		if o := c.repo.Objects[e.SHA]; o != nil {
			n = len(o.Data)
		}
		j.Size = &n
		j.URL = c.repoURL(c.repo) + "/git/blobs/" + e.SHA
	case "tree":
		j.URL = c.repoURL(c.repo) + "/git/trees/" + e.SHA
	}
	return j
}

// treeOf resolves what GET git/trees accepts: a tree SHA, a commit SHA or a
// branch or tag name.
func (r *repo) treeOf(ref string) (string, bool) {
	switch r.Objects.kind(ref) {
	case "tree":
		return ref, true
	case "commit":
		return r.Objects.commitTree(ref), true
	}
	if sha, ok := r.resolve(ref); ok {
		return r.Objects.commitTree(sha), true
	}
	return "", false
}

// getTree lists a tree; with ?recursive (any value, as on GitHub) it lists
// every entry below it and sets truncated past the entry limit.
func (c *call) getTree() *reply {
	if c.repo.empty() {
		return c.emptyRepo()
	}
	sha, ok := c.repo.treeOf(c.r.PathValue("sha"))
	if !ok {
		return c.notFound()
	}
	out := treeJSON{SHA: sha, URL: c.repoURL(c.repo) + "/git/trees/" + sha, Tree: []treeEntryJSON{}}
	if _, recursive := c.r.URL.Query()["recursive"]; recursive {
		limit, budget := c.s.st.Limits.TreeEntries, c.s.st.Limits.TreeBytes
		c.repo.Objects.walk(sha, "", func(path string, e treeEntry) bool {
			j := c.entryJSON(path, e)
			// The JSON size of an entry, closely enough for the byte cap.
			budget -= len(j.Path) + len(j.Mode) + len(j.Type) + len(j.SHA) + len(j.URL) + 60
			if len(out.Tree) >= limit || budget < 0 {
				out.Truncated = true
				return false
			}
			out.Tree = append(out.Tree, j)
			return true
		})
	} else {
		for _, e := range c.repo.Objects[sha].Entries {
			out.Tree = append(out.Tree, c.entryJSON(e.Name, e))
		}
	}
	return okReply(out)
}

type newTreeEntry struct {
	Path    string  `json:"path"`
	Mode    string  `json:"mode"`
	Type    string  `json:"type"`
	SHA     *string `json:"sha"`
	Content *string `json:"content"`
}

// createTree builds a tree from base_tree plus the given entries. An entry
// with "sha": null and no content deletes the path, as GitHub documents.
func (c *call) createTree() *reply {
	if rep := c.gitWrite(); rep != nil {
		return rep
	}
	var b struct {
		BaseTree string         `json:"base_tree"`
		Tree     []newTreeEntry `json:"tree"`
	}
	if rep := c.decode(&b); rep != nil {
		return rep
	}
	if b.Tree == nil {
		return c.invalid("Invalid request.\n\n\"tree\" wasn't supplied.")
	}
	objs := c.repo.Objects
	flat := map[string]leaf{}
	if b.BaseTree != "" {
		base, ok := c.repo.treeOf(b.BaseTree)
		if !ok || b.BaseTree != base && objs.kind(b.BaseTree) != "commit" {
			return c.invalid("Invalid tree info", fieldError{Resource: "Tree", Code: "invalid", Field: "base_tree"})
		}
		flat = objs.flatten(base)
	}
	for i, e := range b.Tree {
		p := strings.Trim(e.Path, "/")
		if p == "" {
			return c.invalid(fmt.Sprintf("tree.path[%d] is empty", i))
		}
		removeUnder(flat, p)
		switch {
		case e.Content != nil:
			mode := e.Mode
			if mode == "" {
				mode = modeFile
			}
			flat[p] = leaf{Mode: mode, SHA: objs.putBlob([]byte(*e.Content))}
		case e.SHA == nil:
			// deletion: already removed above
		case e.Type == "tree" || e.Mode == modeTree || e.Mode == "40000":
			if objs.kind(*e.SHA) != "tree" {
				return c.invalid(fmt.Sprintf("tree.sha %s is not a valid tree", *e.SHA))
			}
			for sub, l := range objs.flatten(*e.SHA) {
				flat[p+"/"+sub] = l
			}
		case e.Mode == modeModule || e.Type == "commit":
			flat[p] = leaf{Mode: modeModule, SHA: *e.SHA}
		default:
			if objs.kind(*e.SHA) != "blob" {
				return c.invalid(fmt.Sprintf("tree.sha %s is not a valid blob", *e.SHA))
			}
			if !validFileMode(e.Mode) {
				return c.invalid(fmt.Sprintf("tree.mode %q is not valid", e.Mode))
			}
			flat[p] = leaf{Mode: e.Mode, SHA: *e.SHA}
		}
	}
	sha := objs.writeTree(flat)
	out := treeJSON{SHA: sha, URL: c.repoURL(c.repo) + "/git/trees/" + sha, Tree: []treeEntryJSON{}}
	for _, e := range objs[sha].Entries {
		out.Tree = append(out.Tree, c.entryJSON(e.Name, e))
	}
	return createdReply(out)
}

func validFileMode(m string) bool { return m == modeFile || m == modeExec || m == modeLink }

// removeUnder drops path and everything below it from a flat tree.
func removeUnder(flat map[string]leaf, p string) {
	delete(flat, p)
	for k := range flat {
		if strings.HasPrefix(k, p+"/") {
			delete(flat, k)
		}
	}
}

type sigJSON struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Date  ts     `json:"date"`
}

type shaURL struct {
	SHA     string `json:"sha"`
	URL     string `json:"url"`
	HTMLURL string `json:"html_url,omitempty"`
}

type gitCommitJSON struct {
	SHA          string   `json:"sha"`
	NodeID       string   `json:"node_id"`
	URL          string   `json:"url"`
	HTMLURL      string   `json:"html_url"`
	Author       sigJSON  `json:"author"`
	Committer    sigJSON  `json:"committer"`
	Tree         shaURL   `json:"tree"`
	Message      string   `json:"message"`
	Parents      []shaURL `json:"parents"`
	Verification struct {
		Verified  bool    `json:"verified"`
		Reason    string  `json:"reason"`
		Signature *string `json:"signature"`
		Payload   *string `json:"payload"`
	} `json:"verification"`
}

func sigOf(s signature) sigJSON { return sigJSON{Name: s.Name, Email: s.Email, Date: ts(s.Date)} }

func (c *call) gitCommitJSON(sha string) gitCommitJSON {
	co := c.repo.Objects[sha].Commit
	api := c.repoURL(c.repo)
	web := c.s.st.WebURL + "/" + c.repo.fullName()
	j := gitCommitJSON{
		SHA: sha, NodeID: nodeID("Commit", int64(len(sha))), URL: api + "/git/commits/" + sha,
		HTMLURL: web + "/commit/" + sha, Author: sigOf(co.Author), Committer: sigOf(co.Committer),
		Tree: shaURL{SHA: co.Tree, URL: api + "/git/trees/" + co.Tree}, Message: co.Message, Parents: []shaURL{},
	}
	for _, p := range co.Parents {
		j.Parents = append(j.Parents, shaURL{SHA: p, URL: api + "/git/commits/" + p, HTMLURL: web + "/commit/" + p})
	}
	j.Verification.Reason = "unsigned"
	return j
}

func (c *call) getGitCommit() *reply {
	if c.repo.empty() {
		return c.emptyRepo()
	}
	sha := c.r.PathValue("sha")
	if c.repo.Objects.kind(sha) != "commit" {
		return c.notFound()
	}
	return okReply(c.gitCommitJSON(sha))
}

type sigBody struct {
	Name  string    `json:"name"`
	Email string    `json:"email"`
	Date  time.Time `json:"date"`
}

func (c *call) signature(b *sigBody, fallback signature) signature {
	if b == nil {
		return fallback
	}
	s := signature{Name: b.Name, Email: b.Email, Date: b.Date.UTC().Truncate(time.Second)}
	if s.Date.IsZero() {
		s.Date = c.now
	}
	return s
}

func (c *call) createGitCommit() *reply {
	if rep := c.gitWrite(); rep != nil {
		return rep
	}
	var b struct {
		Message   *string  `json:"message"`
		Tree      string   `json:"tree"`
		Parents   []string `json:"parents"`
		Author    *sigBody `json:"author"`
		Committer *sigBody `json:"committer"`
	}
	if rep := c.decode(&b); rep != nil {
		return rep
	}
	if b.Message == nil {
		return c.invalid("Invalid request.\n\n\"message\" wasn't supplied.")
	}
	if c.repo.Objects.kind(b.Tree) != "tree" {
		return c.invalid("Tree SHA does not exist")
	}
	for _, p := range b.Parents {
		if c.repo.Objects.kind(p) != "commit" {
			return c.invalid("Parent SHA does not exist or is not a commit object")
		}
	}
	author := c.signature(b.Author, authorSig(c.login(), c.now))
	committer := c.signature(b.Committer, author)
	sha := c.repo.Objects.put(&object{Type: "commit", Commit: &commitObj{
		Tree: b.Tree, Parents: b.Parents, Message: *b.Message, Author: author, Committer: committer,
	}})
	return createdReply(c.gitCommitJSON(sha))
}

type refJSON struct {
	Ref    string `json:"ref"`
	NodeID string `json:"node_id"`
	URL    string `json:"url"`
	Object struct {
		Type string `json:"type"`
		SHA  string `json:"sha"`
		URL  string `json:"url"`
	} `json:"object"`
}

func (c *call) refJSON(ref string) refJSON {
	sha := c.repo.Refs[ref]
	j := refJSON{Ref: ref, NodeID: nodeID("Ref", int64(len(ref))), URL: c.repoURL(c.repo) + "/git/" + ref}
	j.Object.Type = c.repo.Objects.kind(sha)
	j.Object.SHA = sha
	j.Object.URL = c.repoURL(c.repo) + "/git/" + j.Object.Type + "s/" + sha
	return j
}

// refsWithPrefix lists ref names starting with prefix, sorted.
func (r *repo) refsWithPrefix(prefix string) []string {
	var out []string
	for ref := range r.Refs {
		if strings.HasPrefix(ref, prefix) {
			out = append(out, ref)
		}
	}
	sort.Strings(out)
	return out
}

func (c *call) refList(names []string) *reply {
	rep := okReply(nil)
	start, end := c.page(rep, len(names))
	out := []refJSON{}
	for _, n := range names[start:end] {
		out = append(out, c.refJSON(n))
	}
	rep.body = out
	return rep
}

// getRef answers GET git/ref/{ref}: exactly one ref or 404.
func (c *call) getRef() *reply {
	if c.repo.empty() {
		return c.emptyRepo()
	}
	ref := "refs/" + c.r.PathValue("ref")
	if _, ok := c.repo.Refs[ref]; !ok {
		return c.notFound()
	}
	return okReply(c.refJSON(ref))
}

// listRefs answers GET git/refs[/{prefix}]: the legacy form returns the ref
// itself on an exact match and an array on a prefix match.
func (c *call) listRefs() *reply {
	if c.repo.empty() {
		return c.emptyRepo()
	}
	sub := strings.Trim(c.r.PathValue("ref"), "/")
	if sub == "" {
		return c.refList(c.repo.refsWithPrefix("refs/"))
	}
	if _, ok := c.repo.Refs["refs/"+sub]; ok {
		return okReply(c.refJSON("refs/" + sub))
	}
	names := c.repo.refsWithPrefix("refs/" + sub + "/")
	if len(names) == 0 {
		return c.notFound()
	}
	return c.refList(names)
}

func (c *call) matchingRefs() *reply {
	if c.repo.empty() {
		return okReply([]refJSON{})
	}
	return c.refList(c.repo.refsWithPrefix("refs/" + c.r.PathValue("ref")))
}

func validRefName(ref string) bool {
	return strings.HasPrefix(ref, "refs/") && strings.Count(ref, "/") >= 2 && !strings.Contains(ref, "..") &&
		!strings.HasSuffix(ref, "/") && !strings.ContainsAny(ref, " ~^:?*[\\")
}

func (c *call) createRef() *reply {
	if rep := c.gitWrite(); rep != nil {
		return rep
	}
	var b struct {
		Ref string `json:"ref"`
		SHA string `json:"sha"`
	}
	if rep := c.decode(&b); rep != nil {
		return rep
	}
	if !validRefName(b.Ref) {
		return c.invalid("Reference name must start with 'refs/' and have at least two slashes.")
	}
	if _, ok := c.repo.Refs[b.Ref]; ok {
		return c.invalid("Reference already exists")
	}
	if _, ok := c.repo.Objects[b.SHA]; !ok {
		return c.invalid("Object does not exist")
	}
	c.s.st.setRef(c.repo, b.Ref, b.SHA, c.now)
	rep := createdReply(c.refJSON(b.Ref))
	rep.header = http.Header{"Location": {c.repoURL(c.repo) + "/git/" + b.Ref}}
	return rep
}

// updateRef moves a ref, refusing non-fast-forward moves without force and
// moves that the branch's protection forbids.
func (c *call) updateRef() *reply {
	if c.repo.Archived {
		return c.archived()
	}
	var b struct {
		SHA   string `json:"sha"`
		Force bool   `json:"force"`
	}
	if rep := c.decode(&b); rep != nil {
		return rep
	}
	ref := "refs/" + strings.Trim(c.r.PathValue("ref"), "/")
	old, ok := c.repo.Refs[ref]
	if !ok {
		return c.invalid("Reference does not exist")
	}
	if _, ok := c.repo.Objects[b.SHA]; !ok {
		return c.invalid("Object does not exist")
	}
	ff := c.repo.Objects.isAncestor(old, b.SHA)
	if !ff && !b.Force {
		return c.invalid("Update is not a fast forward")
	}
	if branch, isBranch := strings.CutPrefix(ref, "refs/heads/"); isBranch {
		if msg := c.protectionBlocks(branch, !ff); msg != "" {
			return c.invalid(msg)
		}
	}
	c.s.st.setRef(c.repo, ref, b.SHA, c.now)
	return okReply(c.refJSON(ref))
}

func (c *call) deleteRef() *reply {
	if c.repo.Archived {
		return c.archived()
	}
	ref := "refs/" + strings.Trim(c.r.PathValue("ref"), "/")
	if _, ok := c.repo.Refs[ref]; !ok {
		return c.invalid("Reference does not exist")
	}
	if branch, ok := strings.CutPrefix(ref, "refs/heads/"); ok {
		if p := c.repo.Protections[branch]; p != nil && !p.AllowDeletions {
			return c.invalid("Cannot delete this protected branch")
		}
		delete(c.repo.Protections, branch)
	}
	delete(c.repo.Refs, ref)
	return noContent()
}

// protectionBlocks returns why a push to branch is refused, or "". Admins
// pass unless enforce_admins is set, as on GitHub.
func (c *call) protectionBlocks(branch string, force bool) string {
	p := c.repo.Protections[branch]
	if p == nil || (c.isAdmin() && !p.EnforceAdmins) {
		return ""
	}
	switch {
	case p.LockBranch:
		return "Cannot update this protected branch: the branch is locked."
	case force && !p.AllowForcePushes:
		return "Cannot force-push to this branch"
	case p.RequiredPullRequestReviews != nil:
		return "Changes must be made through a pull request."
	case p.RequiredStatusChecks != nil && len(p.RequiredStatusChecks.Contexts) > 0:
		return fmt.Sprintf("Required status check %q is expected.", p.RequiredStatusChecks.Contexts[0])
	}
	return ""
}

// setRef points a ref at sha; moving a branch is a push, so it updates
// pushed_at and the head of pull requests from that branch.
func (st *state) setRef(r *repo, ref, sha string, now time.Time) {
	r.Refs[ref] = sha
	branch, ok := strings.CutPrefix(ref, "refs/heads/")
	if !ok {
		return
	}
	r.PushedAt = now
	for _, p := range r.Pulls {
		if p.State == "open" && p.Head == branch {
			p.HeadSHA, p.UpdatedAt = sha, now
		}
	}
}
