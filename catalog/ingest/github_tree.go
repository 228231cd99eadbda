package ingest

import (
	"context"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/google/go-github/v60/github"
)

// repoTree is what a sync knows of a repository's default-branch tree: the
// whole recursive listing (one call), or, when GitHub truncated it (over
// 100,000 entries or 7 MB), the directories loaded one call each as paths
// and globs need them. A tree known only from the last sync's files
// (stored) loads the real one at the first path it does not know.
type repoTree struct {
	mu       sync.Mutex
	entries  map[string]treeEntry   // blobs by path
	children map[string][]treeChild // by directory ("" is the root)
	dirSHA   map[string]string      // directory → tree SHA, to load it
	loaded   map[string]bool        // directories whose children are known
	complete bool                   // every directory is loaded
	// loadDir reads one directory (non-recursively) by its tree SHA;
	// loadAll replaces a stored view by the real tree.
	loadDir func(ctx context.Context, sha string) (*github.Tree, error)
	loadAll func(ctx context.Context) (*repoTree, error)
}

type treeEntry struct {
	sha  string
	size int64
}

type treeChild struct {
	name string
	dir  bool
}

func newTree() *repoTree {
	return &repoTree{entries: map[string]treeEntry{}, children: map[string][]treeChild{}, dirSHA: map[string]string{}, loaded: map[string]bool{}}
}

// treeFromListing builds a tree from a recursive listing. A truncated one
// is dropped (it may end anywhere) for directories loaded on demand from
// the root.
func treeFromListing(t *github.Tree) *repoTree {
	rt := newTree()
	if t.GetTruncated() {
		rt.dirSHA[""] = t.GetSHA()
		return rt
	}
	rt.add("", t.Entries)
	rt.complete = true
	return rt
}

// add records entries listed under dir (paths relative to dir).
func (t *repoTree) add(dir string, entries []*github.TreeEntry) {
	seen := map[string]bool{}
	for _, e := range entries {
		p := joinPath(dir, e.GetPath())
		parent, name := path.Split(p)
		parent = strings.TrimSuffix(parent, "/")
		switch e.GetType() {
		case "blob":
			t.entries[p] = treeEntry{sha: e.GetSHA(), size: int64(e.GetSize())}
			t.addChild(parent, name, false, seen)
		case "tree":
			t.dirSHA[p] = e.GetSHA()
			t.addChild(parent, name, true, seen)
			if _, ok := t.children[p]; !ok {
				t.children[p] = nil
			}
		}
	}
	t.loaded[dir] = true
}

func (t *repoTree) addChild(parent, name string, dir bool, seen map[string]bool) {
	k := parent + "\x00" + name
	if seen[k] {
		return
	}
	seen[k] = true
	t.children[parent] = append(t.children[parent], treeChild{name: name, dir: dir})
}

// storedTree is a view built from the files recorded by the last sync: it
// answers for those paths and loads the real tree for any other.
func storedTree(files []GitHubFile, loadAll func(context.Context) (*repoTree, error)) *repoTree {
	t := newTree()
	for _, f := range files {
		t.entries[f.Path] = treeEntry{sha: f.SHA, size: f.Size}
		for p, sha := range f.Deps {
			if _, ok := t.entries[p]; !ok && sha != "" {
				t.entries[p] = treeEntry{sha: sha}
			}
		}
	}
	t.loadAll = loadAll
	return t
}

// real replaces a stored view by the repository's real tree.
func (t *repoTree) real(ctx context.Context) error {
	if t.loadAll == nil {
		return nil
	}
	full, err := t.loadAll(ctx)
	if err != nil {
		return err
	}
	t.entries, t.children, t.dirSHA, t.loaded, t.complete = full.entries, full.children, full.dirSHA, full.loaded, full.complete
	t.loadDir, t.loadAll = full.loadDir, nil
	return nil
}

// ensureDir loads a directory's children (and its ancestors').
func (t *repoTree) ensureDir(ctx context.Context, dir string) (bool, error) {
	if t.complete || t.loaded[dir] {
		_, ok := t.children[dir]
		return ok || dir == "", nil
	}
	if t.loadAll != nil {
		if err := t.real(ctx); err != nil {
			return false, err
		}
		return t.ensureDir(ctx, dir)
	}
	if dir != "" {
		parent := path.Dir(dir)
		if parent == "." {
			parent = ""
		}
		if ok, err := t.ensureDir(ctx, parent); err != nil || !ok {
			return false, err
		}
	}
	sha, ok := t.dirSHA[dir]
	if !ok || t.loadDir == nil {
		return false, nil
	}
	sub, err := t.loadDir(ctx, sha)
	if err != nil {
		return false, err
	}
	t.add(dir, sub.Entries)
	return true, nil
}

// lookup finds a blob by path.
func (t *repoTree) lookup(ctx context.Context, p string) (treeEntry, bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e, ok := t.entries[p]; ok {
		return e, true, nil
	}
	if t.complete {
		return treeEntry{}, false, nil
	}
	dir := path.Dir(p)
	if dir == "." {
		dir = ""
	}
	if _, err := t.ensureDir(ctx, dir); err != nil {
		return treeEntry{}, false, err
	}
	e, ok := t.entries[p]
	return e, ok, nil
}

// list returns the children of a directory (nil when it does not exist).
func (t *repoTree) list(ctx context.Context, dir string) ([]treeChild, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, err := t.ensureDir(ctx, dir); err != nil {
		return nil, err
	}
	return t.children[dir], nil
}

// glob returns the blob paths matching pattern (MatchGlob's syntax),
// sorted, loading only the directories the pattern can reach.
func (t *repoTree) glob(ctx context.Context, pattern string) ([]string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	if t.complete {
		for p := range t.entries {
			if MatchGlob(pattern, p) {
				out = append(out, p)
			}
		}
	} else if err := t.globWalk(ctx, "", strings.Split(pattern, "/"), &out); err != nil {
		return nil, err
	}
	sort.Strings(out)
	return compactStrings(out), nil
}

func (t *repoTree) globWalk(ctx context.Context, dir string, segs []string, out *[]string) error {
	if len(segs) == 0 {
		return nil
	}
	if ok, err := t.ensureDir(ctx, dir); err != nil || !ok {
		return err
	}
	seg := segs[0]
	if seg == "**" {
		if err := t.globWalk(ctx, dir, segs[1:], out); err != nil {
			return err
		}
		for _, c := range t.children[dir] {
			p := joinPath(dir, c.name)
			if c.dir {
				if err := t.globWalk(ctx, p, segs, out); err != nil {
					return err
				}
			} else if len(segs) == 1 {
				*out = append(*out, p)
			}
		}
		return nil
	}
	for _, c := range t.children[dir] {
		if ok, _ := path.Match(seg, c.name); !ok {
			continue
		}
		p := joinPath(dir, c.name)
		switch {
		case len(segs) == 1 && !c.dir:
			*out = append(*out, p)
		case len(segs) > 1 && c.dir:
			if err := t.globWalk(ctx, p, segs[1:], out); err != nil {
				return err
			}
		}
	}
	return nil
}

func joinPath(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

func compactStrings(s []string) []string {
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}
