package githubfake

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// The contents API: read a file or directory at a ref, create, update and
// delete a file with one commit each.

// maxInlineContent is the size above which GitHub stops inlining a file's
// content (encoding "none"), so that callers must fall back to blobs.
const maxInlineContent = 1 << 20

type linksJSON struct {
	Self string  `json:"self"`
	Git  *string `json:"git"`
	HTML *string `json:"html"`
}

type contentJSON struct {
	Type        string    `json:"type"`
	Encoding    string    `json:"encoding,omitempty"`
	Size        int       `json:"size"`
	Name        string    `json:"name"`
	Path        string    `json:"path"`
	Content     *string   `json:"content,omitempty"`
	Target      string    `json:"target,omitempty"`
	SHA         string    `json:"sha"`
	URL         string    `json:"url"`
	GitURL      *string   `json:"git_url"`
	HTMLURL     *string   `json:"html_url"`
	DownloadURL *string   `json:"download_url"`
	Links       linksJSON `json:"_links"`
}

func escapePath(p string) string { return (&url.URL{Path: p}).EscapedPath() }

// contentJSON renders one entry; withBody adds the base64 content.
func (c *call) contentJSON(ref, path string, e treeEntry, withBody bool) contentJSON {
	api := c.repoURL(c.repo)
	web := c.s.st.WebURL + "/" + c.repo.fullName()
	j := contentJSON{Name: lastSegment(path), Path: path, SHA: e.SHA,
		URL: api + "/contents/" + escapePath(path) + "?ref=" + url.QueryEscape(ref)}
	kind := "blob"
	switch {
	case e.Type == "tree":
		j.Type, kind = "dir", "tree"
	case e.Mode == modeModule:
		j.Type = "submodule"
	case e.Mode == modeLink:
		j.Type = "symlink"
	default:
		j.Type = "file"
	}
	git := api + "/git/" + kind + "s/" + e.SHA
	html := web + "/" + map[bool]string{true: "tree", false: "blob"}[kind == "tree"] + "/" + ref + "/" + escapePath(path)
	j.GitURL, j.HTMLURL = &git, &html
	j.Links = linksJSON{Self: j.URL, Git: &git, HTML: &html}
	if o := c.repo.Objects[e.SHA]; o != nil && o.Type == "blob" {
		j.Size = len(o.Data)
		dl := c.rawURL(ref, path)
		j.DownloadURL = &dl
		if j.Type == "symlink" {
			j.Target = string(o.Data)
		}
		if withBody && j.Type == "file" {
			body, enc := base64Lines(o.Data), "base64"
			if len(o.Data) > maxInlineContent {
				body, enc = "", "none"
			}
			j.Content, j.Encoding = &body, enc
		}
	}
	return j
}

func (c *call) rawURL(ref, path string) string {
	if c.s.st.WebURL == "https://github.com" {
		return "https://raw.githubusercontent.com/" + c.repo.fullName() + "/" + ref + "/" + escapePath(path)
	}
	return c.s.st.WebURL + "/" + c.repo.fullName() + "/raw/" + ref + "/" + escapePath(path)
}

func (c *call) getContents() *reply {
	r := c.repo
	if r.empty() {
		return c.fail(http.StatusNotFound, "This repository is empty.")
	}
	ref := c.query("ref")
	if ref == "" {
		ref = r.DefaultBranch
	}
	sha, ok := r.resolve(ref)
	if !ok {
		return c.fail(http.StatusNotFound, "No commit found for the ref "+ref)
	}
	path := strings.Trim(c.r.PathValue("path"), "/")
	e, ok := r.Objects.lookup(r.Objects.commitTree(sha), path)
	if !ok {
		return c.notFound()
	}
	if e.Type != "tree" {
		if o := r.Objects[e.SHA]; o != nil && strings.Contains(c.r.Header.Get("Accept"), "raw") {
			return &reply{status: http.StatusOK, raw: o.Data, header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}}}
		}
		return okReply(c.contentJSON(ref, path, e, true))
	}
	out := []contentJSON{}
	for _, sub := range r.Objects[e.SHA].Entries {
		p := sub.Name
		if path != "" {
			p = path + "/" + sub.Name
		}
		out = append(out, c.contentJSON(ref, p, sub, false))
	}
	return okReply(out)
}

type fileBody struct {
	Message   *string  `json:"message"`
	Content   *string  `json:"content"`
	SHA       string   `json:"sha"`
	Branch    string   `json:"branch"`
	Author    *sigBody `json:"author"`
	Committer *sigBody `json:"committer"`
}

type fileCommitJSON struct {
	Content *contentJSON  `json:"content"`
	Commit  gitCommitJSON `json:"commit"`
}

// putContents creates or updates one file with one commit. Updating needs
// the current blob SHA, as on GitHub; it is how the API detects lost updates.
func (c *call) putContents() *reply {
	return c.changeFile(false)
}

func (c *call) deleteContents() *reply {
	return c.changeFile(true)
}

func (c *call) changeFile(del bool) *reply {
	r := c.repo
	if r.Archived {
		return c.archived()
	}
	var b fileBody
	if rep := c.decode(&b); rep != nil {
		return rep
	}
	if b.Message == nil {
		return c.invalid("Invalid request.\n\n\"message\" wasn't supplied.")
	}
	var data []byte
	if !del {
		if b.Content == nil {
			return c.invalid("Invalid request.\n\n\"content\" wasn't supplied.")
		}
		d, err := base64.StdEncoding.DecodeString(strings.Map(dropSpace, *b.Content))
		if err != nil {
			return c.invalid("content is not valid Base64")
		}
		data = d
	}
	path := strings.Trim(c.r.PathValue("path"), "/")
	if path == "" {
		return c.notFound()
	}
	branch := b.Branch
	if branch == "" {
		branch = r.DefaultBranch
	}
	head := r.head(branch)
	if head == "" && (!r.empty() || del) {
		return c.fail(http.StatusNotFound, fmt.Sprintf("Branch %s not found", branch))
	}
	baseTree := ""
	if head != "" {
		baseTree = r.Objects.commitTree(head)
	}
	existing, exists := treeEntry{}, false
	if baseTree != "" {
		existing, exists = r.Objects.lookup(baseTree, path)
	}
	verb := "create"
	switch {
	case exists && existing.Type == "tree":
		return c.invalid("Invalid request.\n\n" + path + " is a directory.")
	case del && !exists:
		return c.notFound()
	case exists && b.SHA == "":
		return c.invalid("Invalid request.\n\n\"sha\" wasn't supplied.")
	case exists && b.SHA != existing.SHA:
		return c.fail(http.StatusConflict, fmt.Sprintf("%s does not match %s", path, b.SHA))
	case exists:
		verb = "update"
	}
	if del {
		verb = "delete"
	}
	if msg := c.protectionBlocks(branch, false); msg != "" {
		return c.fail(http.StatusConflict, "Could not "+verb+" file: "+msg)
	}
	var tree string
	if del {
		tree = r.Objects.applyFiles(baseTree, nil, []string{path})
	} else {
		tree = r.Objects.applyFiles(baseTree, map[string]string{path: string(data)}, nil)
	}
	var parents []string
	if head != "" {
		parents = []string{head}
	}
	author := c.signature(b.Author, authorSig(c.login(), c.now))
	sha := r.Objects.put(&object{Type: "commit", Commit: &commitObj{
		Tree: tree, Parents: parents, Message: *b.Message, Author: author, Committer: c.signature(b.Committer, author),
	}})
	if r.empty() {
		r.DefaultBranch = branch // the first push names the default branch
	}
	c.s.st.setRef(r, "refs/heads/"+branch, sha, c.now)
	out := fileCommitJSON{Commit: c.gitCommitJSON(sha)}
	if !del {
		e, _ := r.Objects.lookup(tree, path)
		cj := c.contentJSON(branch, path, e, false)
		out.Content = &cj
	}
	if verb == "create" {
		return createdReply(out)
	}
	return okReply(out)
}
