package githubfake

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Git object modes as they appear in the API (trees show "040000"; the raw
// tree encoding writes "40000", see rawMode).
const (
	modeFile   = "100644"
	modeExec   = "100755"
	modeLink   = "120000"
	modeTree   = "040000"
	modeModule = "160000"
)

// object is one git object. SHAs are computed exactly as git computes them
// (sha1 of "<type> <len>\0<raw>"), so a test can compare them with what
// `git hash-object` or `git write-tree` prints.
type object struct {
	Type    string      `json:"type"` // blob, tree or commit
	Data    []byte      `json:"data,omitempty"`
	Entries []treeEntry `json:"entries,omitempty"`
	Commit  *commitObj  `json:"commit,omitempty"`
}

type treeEntry struct {
	Name string `json:"name"`
	Mode string `json:"mode"`
	Type string `json:"type"`
	SHA  string `json:"sha"`
}

type commitObj struct {
	Tree      string    `json:"tree"`
	Parents   []string  `json:"parents,omitempty"`
	Message   string    `json:"message"`
	Author    signature `json:"author"`
	Committer signature `json:"committer"`
}

type signature struct {
	Name  string    `json:"name"`
	Email string    `json:"email"`
	Date  time.Time `json:"date"`
}

// objectStore holds one repository's objects, keyed by SHA.
type objectStore map[string]*object

// emptyTreeSHA is git's well-known SHA of the empty tree.
const emptyTreeSHA = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"

func hashObject(typ string, raw []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "%s %d\x00", typ, len(raw))
	h.Write(raw)
	return hex.EncodeToString(h.Sum(nil))
}

// BlobSHA returns the git blob SHA of content: sha1("blob <len>\0"+content).
func BlobSHA(content string) string { return hashObject("blob", []byte(content)) }

func rawMode(mode string) string { return strings.TrimLeft(mode, "0") }

func (o *object) raw() []byte {
	switch o.Type {
	case "blob":
		return o.Data
	case "tree":
		var b bytes.Buffer
		for _, e := range o.Entries {
			b.WriteString(rawMode(e.Mode))
			b.WriteByte(' ')
			b.WriteString(e.Name)
			b.WriteByte(0)
			sum, _ := hex.DecodeString(e.SHA)
			b.Write(sum)
		}
		return b.Bytes()
	default:
		c := o.Commit
		var b strings.Builder
		fmt.Fprintf(&b, "tree %s\n", c.Tree)
		for _, p := range c.Parents {
			fmt.Fprintf(&b, "parent %s\n", p)
		}
		fmt.Fprintf(&b, "author %s\n", c.Author.raw())
		fmt.Fprintf(&b, "committer %s\n\n", c.Committer.raw())
		b.WriteString(c.Message)
		return []byte(b.String())
	}
}

func (s signature) raw() string {
	return fmt.Sprintf("%s <%s> %d +0000", s.Name, s.Email, s.Date.Unix())
}

func (o *object) sha() string { return hashObject(o.Type, o.raw()) }

func (st objectStore) put(o *object) string {
	sha := o.sha()
	if _, ok := st[sha]; !ok {
		st[sha] = o
	}
	return sha
}

func (st objectStore) putBlob(content []byte) string {
	return st.put(&object{Type: "blob", Data: content})
}

func (st objectStore) kind(sha string) string {
	if o, ok := st[sha]; ok {
		return o.Type
	}
	return ""
}

// commitTree returns the tree of a commit, or "" when sha is not a commit.
func (st objectStore) commitTree(sha string) string {
	if o, ok := st[sha]; ok && o.Type == "commit" {
		return o.Commit.Tree
	}
	return ""
}

// leaf is a non-tree entry of a flattened tree.
type leaf struct {
	Mode string
	SHA  string
}

// flatten lists every non-tree entry below treeSHA by full path.
func (st objectStore) flatten(treeSHA string) map[string]leaf {
	out := map[string]leaf{}
	st.walk(treeSHA, "", func(path string, e treeEntry) bool {
		if e.Type != "tree" {
			out[path] = leaf{Mode: e.Mode, SHA: e.SHA}
		}
		return true
	})
	return out
}

// walk visits entries depth-first in git order, subtrees right after their
// own entry, which is the order GitHub lists a recursive tree in. It stops
// when visit returns false.
func (st objectStore) walk(treeSHA, prefix string, visit func(path string, e treeEntry) bool) bool {
	o, ok := st[treeSHA]
	if !ok || o.Type != "tree" {
		return true
	}
	for _, e := range o.Entries {
		p := prefix + e.Name
		if !visit(p, e) {
			return false
		}
		if e.Type == "tree" && !st.walk(e.SHA, p+"/", visit) {
			return false
		}
	}
	return true
}

// lookup finds the entry at path below treeSHA ("" is the tree itself).
func (st objectStore) lookup(treeSHA, path string) (treeEntry, bool) {
	path = strings.Trim(path, "/")
	cur := treeEntry{Mode: modeTree, Type: "tree", SHA: treeSHA}
	if path == "" {
		return cur, st.kind(treeSHA) == "tree"
	}
	for _, part := range strings.Split(path, "/") {
		o, ok := st[cur.SHA]
		if !ok || o.Type != "tree" {
			return treeEntry{}, false
		}
		found := false
		for _, e := range o.Entries {
			if e.Name == part {
				cur, found = e, true
				break
			}
		}
		if !found {
			return treeEntry{}, false
		}
	}
	return cur, true
}

// writeTree stores the nested trees for a flat path → leaf map and returns
// the root tree SHA.
func (st objectStore) writeTree(files map[string]leaf) string {
	type dir struct {
		leaves map[string]leaf
		subs   map[string]*dir
	}
	root := &dir{leaves: map[string]leaf{}, subs: map[string]*dir{}}
	for path, l := range files {
		parts := strings.Split(strings.Trim(path, "/"), "/")
		d := root
		for _, p := range parts[:len(parts)-1] {
			sub, ok := d.subs[p]
			if !ok {
				sub = &dir{leaves: map[string]leaf{}, subs: map[string]*dir{}}
				d.subs[p] = sub
			}
			d = sub
		}
		d.leaves[parts[len(parts)-1]] = l
	}
	var write func(d *dir) string
	write = func(d *dir) string {
		var entries []treeEntry
		for name, l := range d.leaves {
			typ := "blob"
			if l.Mode == modeModule {
				typ = "commit"
			}
			entries = append(entries, treeEntry{Name: name, Mode: l.Mode, Type: typ, SHA: l.SHA})
		}
		for name, sub := range d.subs {
			entries = append(entries, treeEntry{Name: name, Mode: modeTree, Type: "tree", SHA: write(sub)})
		}
		sortEntries(entries)
		return st.put(&object{Type: "tree", Entries: entries})
	}
	return write(root)
}

// sortEntries orders entries the way git does: by name, with a tree's name
// compared as if it ended in "/".
func sortEntries(entries []treeEntry) {
	key := func(e treeEntry) string {
		if e.Type == "tree" {
			return e.Name + "/"
		}
		return e.Name
	}
	sort.Slice(entries, func(i, j int) bool { return key(entries[i]) < key(entries[j]) })
}

// applyFiles returns the tree that results from writing files (as regular
// files) and removing deleted paths on top of baseTree ("" for none).
func (st objectStore) applyFiles(baseTree string, files map[string]string, deleted []string) string {
	flat := map[string]leaf{}
	if baseTree != "" {
		flat = st.flatten(baseTree)
	}
	for _, p := range deleted {
		p = strings.Trim(p, "/")
		delete(flat, p)
		for k := range flat { // deleting a directory removes what is under it
			if strings.HasPrefix(k, p+"/") {
				delete(flat, k)
			}
		}
	}
	for p, content := range files {
		flat[strings.Trim(p, "/")] = leaf{Mode: modeFile, SHA: st.putBlob([]byte(content))}
	}
	return st.writeTree(flat)
}

// isAncestor reports whether anc is reachable from sha through parents.
func (st objectStore) isAncestor(anc, sha string) bool {
	seen := map[string]bool{}
	stack := []string{sha}
	for len(stack) > 0 {
		cur := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if cur == anc {
			return true
		}
		if seen[cur] {
			continue
		}
		seen[cur] = true
		if o, ok := st[cur]; ok && o.Type == "commit" {
			stack = append(stack, o.Commit.Parents...)
		}
	}
	return false
}

// firstParents lists sha and its first-parent ancestors, newest first.
func (st objectStore) firstParents(sha string) []string {
	var out []string
	for sha != "" {
		o, ok := st[sha]
		if !ok || o.Type != "commit" {
			break
		}
		out = append(out, sha)
		sha = ""
		if len(o.Commit.Parents) > 0 {
			sha = o.Commit.Parents[0]
		}
	}
	return out
}

func isHexSHA(s string) bool {
	if len(s) != 40 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}
