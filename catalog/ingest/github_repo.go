package ingest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/google/go-github/v60/github"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/internal/ghclient"
)

// repoResult is what reading one repository produced.
type repoResult struct {
	repo  GitHubRepo // the state to record
	dirty bool       // repo differs from what was recorded
	files []FileResult
	// declared are the refs of the repository's descriptors (read now, or
	// unchanged since the last read); factRefs those that facts attach to.
	declared []catalog.Ref
	factRefs []string
	// inferred is the inferred entity's file, offered after every declared
	// one; nil when the repository declares something (or inference is off).
	inferred        *FileResult
	inferredRef     catalog.Ref
	inferredEmitted bool
	factsRead       bool
	fatal           error
}

// repoWork reads one repository.
type repoWork struct {
	w    *ghWalk
	cur  listedRepo
	prev *GitHubRepo
	next GitHubRepo
	res  *repoResult

	tree        *repoTree
	treeChanged bool // the tree was read and differs (or the paths did)
	prevFiles   map[string]GitHubFile
	files       map[string]GitHubFile
	visited     map[string]bool
	stack       []string
	fatal       error // a resolver's error that must stop the sync
}

// pathsKey identifies the configuration that decides which files are read.
func (s *GitHubSource) pathsKey() string {
	return shortHash(append([]string{fmt.Sprint(s.opts.Infer)}, s.opts.Paths...)...)
}

func (w *ghWalk) readRepo(ctx context.Context, cur listedRepo, prev *GitHubRepo) *repoResult {
	rw := &repoWork{w: w, cur: cur, prev: prev, res: &repoResult{}, prevFiles: map[string]GitHubFile{},
		files: map[string]GitHubFile{}, visited: map[string]bool{}}
	next := cur.GitHubRepo
	if prev != nil {
		next.HeadSHA, next.TreeSHA, next.TreeETag = prev.HeadSHA, prev.TreeSHA, prev.TreeETag
		meta := next.Extra.Meta
		next.Extra = cloneExtra(prev.Extra)
		next.Extra.Meta = meta
		for _, f := range prev.Files {
			rw.prevFiles[f.Path] = f
		}
	}
	rw.next = next
	if err := rw.read(ctx); err != nil {
		if !repoLevel(err) {
			rw.res.fatal = fmt.Errorf("source %s: %w", w.src.name, ghclient.Explain("reading "+cur.FullName, err))
			return rw.res
		}
		rw.failed(ghclient.Explain("cannot read the repository", err))
	}
	rw.res.repo = rw.next
	rw.res.dirty = prev == nil || !reflect.DeepEqual(*prev, rw.next)

	return rw.res
}

// read does the work of readRepo; a returned error is a failed call.
func (rw *repoWork) read(ctx context.Context) error {
	prev, cur := rw.prev, rw.cur
	key := rw.w.src.pathsKey()
	moved := prev == nil || !prev.PushedAt.Equal(cur.PushedAt) || prev.DefaultBranch != cur.DefaultBranch ||
		prev.FullName != cur.FullName || (prev.TreeSHA == "" && !prev.Extra.Meta.Empty) || prev.Extra.PathsKey != key
	if moved {
		conditional := prev != nil && prev.FullName == cur.FullName && prev.DefaultBranch == cur.DefaultBranch && prev.Extra.PathsKey == key
		if err := rw.readTree(ctx, conditional); err != nil {
			return err
		}
		rw.next.Extra.PathsKey = key
	}
	if rw.tree == nil {
		rw.tree = storedTree(valuesOf(rw.prevFiles), func(ctx context.Context) (*repoTree, error) {
			t, _, _, err := rw.fetchTree(ctx, "")
			return t, err
		})
	}
	descriptors, err := rw.descriptorPaths(ctx)
	if err != nil {
		return err
	}
	for _, p := range descriptors {
		if err := rw.walkFile(ctx, p, "", nil); err != nil {
			return err
		}
		if rw.fatal != nil {
			return rw.fatal
		}
	}
	rw.carryCodeowners()
	rw.next.Files = sortedFiles(rw.files)
	if rw.w.src.opts.Infer && len(descriptors) == 0 {
		if err := rw.infer(ctx); err != nil {
			return err
		}
	}
	return rw.readFacts(ctx, moved)
}

// readTree reads the default branch's tree (recursive); conditional with
// the last answer's ETag when the repository kept its name and branch.
func (rw *repoWork) readTree(ctx context.Context, conditional bool) error {
	etag := ""
	if conditional {
		etag = rw.prev.TreeETag
	}
	t, newTag, notMod, err := rw.fetchTree(ctx, etag)
	switch {
	case ghclient.StatusOf(err) == http.StatusConflict: // "Git Repository is empty."
		rw.next.Extra.Meta.Empty = true
		rw.next.TreeSHA, rw.next.TreeETag = "", ""
		rw.tree, rw.treeChanged = newTree(), true
		rw.tree.complete = true
		rw.prevFiles = map[string]GitHubFile{}
		rw.next.Extra.FactFiles, rw.next.Extra.HasWorkflows, rw.next.Extra.Codeowners = nil, false, nil
		return nil
	case err != nil:
		return err
	case notMod:
		return nil
	}
	rw.next.Extra.Meta.Empty = false
	rw.tree = t
	rw.treeChanged = rw.prev == nil || rw.prev.TreeSHA != t.dirSHA["."] || rw.prev.Extra.PathsKey != rw.w.src.pathsKey()
	rw.next.TreeSHA, rw.next.TreeETag = t.dirSHA["."], newTag
	return rw.scanWellKnown(ctx)
}

// fetchTree asks for the recursive tree of the default branch.
func (rw *repoWork) fetchTree(ctx context.Context, etag string) (*repoTree, string, bool, error) {
	full := rw.cur.FullName
	u := "repos/" + full + "/git/trees/" + url.PathEscape(rw.cur.DefaultBranch) + "?recursive=1"
	var tr github.Tree
	resp, notMod, err := rw.w.get(ctx, u, etag, &tr)
	rw.w.count(func(st *GitHubStats) {
		st.TreeCalls++
		if notMod {
			st.TreeNotMod++
		}
	})
	if err != nil || notMod {
		return nil, "", notMod, err
	}
	t := treeFromListing(&tr)
	t.dirSHA["."] = tr.GetSHA()
	owner, repo, _ := strings.Cut(full, "/")
	t.loadDir = func(ctx context.Context, sha string) (*github.Tree, error) {
		sub, _, err := rw.w.src.gh.Git.GetTree(ctx, owner, repo, sha, false)
		rw.w.count(func(st *GitHubStats) { st.TreeCalls++ })
		return sub, err
	}
	return t, resp.Header.Get("ETag"), false, nil
}

// descriptorPaths lists the files matching the configured paths: from the
// tree when it was read, else the descriptors the last sync found.
func (rw *repoWork) descriptorPaths(ctx context.Context) ([]string, error) {
	if rw.next.Extra.Meta.Empty {
		return nil, nil
	}
	var out []string
	if rw.treeChanged {
		for _, pattern := range rw.w.src.opts.Paths {
			m, err := rw.tree.glob(ctx, strings.TrimPrefix(pattern, "/"))
			if err != nil {
				return nil, err
			}
			out = append(out, m...)
		}
	} else {
		for p, f := range rw.prevFiles {
			if f.Role == RoleDescriptor {
				out = append(out, p)
			}
		}
	}
	sort.Strings(out)
	return compactStrings(out), nil
}

// location is the web URL of a file on the default branch, as a
// managed-by-location value.
func (rw *repoWork) location(p string) string {
	return "url:" + strings.TrimSuffix(rw.cur.Extra.Meta.HTMLURL, "/") + "/blob/" + rw.cur.DefaultBranch + "/" + p
}

func (rw *repoWork) fileName(p string) string { return rw.cur.FullName + ":" + p }

// walkFile reads one descriptor (or Location target), unless its digest is
// the recorded one, then follows its targets inside the repository.
func (rw *repoWork) walkFile(ctx context.Context, p, origin string, from *fromTarget) error {
	if rw.visited[p] {
		return nil
	}
	rw.visited[p] = true
	rw.stack = append(rw.stack, p)
	defer func() { rw.stack = rw.stack[:len(rw.stack)-1] }()
	file, loc := rw.fileName(p), rw.location(p)
	if origin == "" {
		origin = loc
	}
	role := RoleDescriptor
	if from != nil {
		role = RoleTarget
	}
	ent, ok, err := rw.tree.lookup(ctx, p)
	if err != nil {
		return err
	}
	if !ok { // a target that is gone while its descriptor is unchanged
		msg := "no such file in " + rw.cur.FullName
		if from != nil {
			msg = fmt.Sprintf("target of %s: no such file", from.file)
		}
		rw.res.files = append(rw.res.files, FileResult{File: file, Problems: []catalog.Problem{{File: file, Message: msg}}})
		return nil
	}
	prev, had := rw.prevFiles[p]
	if had && prev.SHA == ent.sha {
		deps, err := rw.currentDeps(ctx, prev.Deps)
		if err != nil {
			return err
		}
		digest := fileDigestGH(ent.sha, origin, loc, deps)
		if d := rw.w.sink.Digest(file); d != "" && d == digest {
			kept := prev
			kept.Role, kept.Deps = role, deps
			rw.keep(kept)
			rw.res.files = append(rw.res.files, FileResult{File: file, Digest: digest, Unchanged: true})
			rw.declare(prev.Refs)
			for _, t := range prev.Targets {
				if err := rw.walkFile(ctx, t, origin, &fromTarget{file: file}); err != nil {
					return err
				}
			}
			return nil
		}
	}
	return rw.parseFile(ctx, p, file, loc, origin, role, ent, prev)
}

// parseFile reads, parses and hands on one file, then walks its targets.
func (rw *repoWork) parseFile(ctx context.Context, p, file, loc, origin, role string, ent treeEntry, prev GitHubFile) error {
	res := FileResult{File: file}
	rec := GitHubFile{Path: p, SHA: ent.sha, Size: ent.size, Role: role, Deps: map[string]string{}}
	if ent.size > catalog.MaxFileSize {
		res.Broken = true
		res.Problems = append(res.Problems, catalog.Problem{File: file, Message: fmt.Sprintf("file is %d bytes, over the %d MB limit for a descriptor file", ent.size, catalog.MaxFileSize>>20)})
		rw.keep(rec)
		return rw.finishFile(ctx, res, rec, prev, nil, origin)
	}
	data, err := rw.blob(ctx, ent.sha)
	if err != nil {
		return err
	}
	parsed := catalog.ParseFile(file, data, catalog.ParseOptions{Resolve: rw.resolver(ctx, path.Dir(p), rec.Deps)})
	if rw.fatal != nil {
		return rw.fatal
	}
	for i := range parsed.Entities {
		e := &parsed.Entities[i]
		if e.Metadata.Annotations == nil {
			e.Metadata.Annotations = map[string]string{}
		}
		e.Metadata.Annotations[catalog.AnnotationManagedByLocation] = loc
		e.Metadata.Annotations[catalog.AnnotationManagedByOriginLocation] = origin
		e.Origin.Location, e.Origin.OriginLocation = loc, origin
		rec.Refs = append(rec.Refs, e.Ref().String())
	}
	res.Entities, res.Problems, res.Broken = parsed.Entities, parsed.Problems, parsed.Broken
	res.Digest = fileDigestGH(ent.sha, origin, loc, rec.Deps)
	var targets []string
	for _, t := range parsed.Targets {
		paths, note, problem, err := rw.targetPaths(ctx, path.Dir(p), t)
		if err != nil {
			return err
		}
		if note != "" {
			res.Notes = append(res.Notes, Note{File: file, Line: t.Line, Message: note})
		}
		if problem != "" {
			res.Problems = append(res.Problems, catalog.Problem{File: file, Line: t.Line, Message: problem})
		}
		for _, tp := range paths {
			if i := slices.Index(rw.stack, tp); i >= 0 {
				cycle := append(slices.Clone(rw.stack[i:]), tp)
				res.Problems = append(res.Problems, catalog.Problem{File: file, Line: t.Line, Message: "Location cycle: " + strings.Join(cycle, " → ")})
				continue
			}
			targets = append(targets, tp)
		}
	}
	return rw.finishFile(ctx, res, rec, prev, targets, origin)
}

func (rw *repoWork) finishFile(ctx context.Context, res FileResult, rec GitHubFile, prev GitHubFile, targets []string, origin string) error {
	if res.Broken {
		// The file could not be read whole: the files its last good read
		// led to are walked still, so their entities are kept, and the
		// sync need not distrust the rest of the organization.
		targets = append(targets, prev.Targets...)
		rec.Refs = prev.Refs
		res.Broken = false
	}
	if len(res.Problems) > 0 {
		rec.Refs = append(rec.Refs, prev.Refs...) // kept by the sync
		slices.Sort(rec.Refs)
		rec.Refs = slices.Compact(rec.Refs)
	}
	rec.Targets = compactStrings(sortedCopy(targets))
	rw.keep(rec)
	rw.res.files = append(rw.res.files, res)
	rw.declare(rec.Refs)
	for _, t := range targets {
		if err := rw.walkFile(ctx, t, origin, &fromTarget{file: res.File}); err != nil {
			return err
		}
	}
	return nil
}

// declare records refs (as strings) held by the repository's descriptors.
func (rw *repoWork) declare(refs []string) {
	for _, s := range refs {
		r, err := catalog.ParseRef(s, "", catalog.DefaultNamespace)
		if err != nil {
			continue
		}
		rw.res.declared = append(rw.res.declared, r)
		switch r.Kind {
		case "component", "api", "resource":
			rw.res.factRefs = append(rw.res.factRefs, r.String())
		}
	}
}

// keep records a file read (or kept) this sync.
func (rw *repoWork) keep(f GitHubFile) {
	if old, ok := rw.files[f.Path]; ok && old.Role != RoleDependency {
		return
	}
	rw.files[f.Path] = f
}

// currentDeps returns deps with each path's SHA in the current tree.
func (rw *repoWork) currentDeps(ctx context.Context, deps map[string]string) (map[string]string, error) {
	out := make(map[string]string, len(deps))
	for p := range deps {
		e, ok, err := rw.tree.lookup(ctx, p)
		if err != nil {
			return nil, err
		}
		if ok {
			out[p] = e.sha
			rw.keep(GitHubFile{Path: p, SHA: e.sha, Size: e.size, Role: RoleDependency})
		} else {
			out[p] = ""
		}
	}
	return out, nil
}

// fileDigestGH identifies a descriptor by its blob, where it was read from,
// and the blobs of what it substitutes.
func fileDigestGH(sha, origin, loc string, deps map[string]string) string {
	parts := []string{sha, origin, loc}
	for _, p := range sortedKeysOf(deps) {
		parts = append(parts, p+"="+deps[p])
	}
	return "gh:" + shortHash(parts...)
}

// blob reads a file by its blob SHA (store first, then GitHub).
func (rw *repoWork) blob(ctx context.Context, sha string) ([]byte, error) {
	data, downloaded, err := rw.w.blobs.read(ctx, sha, func(ctx context.Context) ([]byte, error) {
		return fetchBlob(ctx, rw.w.src.gh, rw.cur.FullName, sha)
	})
	rw.w.count(func(st *GitHubStats) {
		if downloaded {
			st.BlobCalls++
		} else if err == nil {
			st.BlobsStored++
		}
	})
	return data, err
}

// resolver reads $text/$json/$yaml targets relative to dir, inside the
// repository, recording each as a dependency of the descriptor.
func (rw *repoWork) resolver(ctx context.Context, dir string, deps map[string]string) func(string) ([]byte, error) {
	return func(target string) ([]byte, error) {
		if u, err := url.Parse(target); err == nil && u.Scheme != "" && len(u.Scheme) > 1 {
			return nil, errors.New("remote files are not fetched; use a path relative to the descriptor")
		}
		p, ok := inRepo(dir, target)
		if !ok {
			return nil, fmt.Errorf("%s is outside the repository", target)
		}
		e, found, err := rw.tree.lookup(ctx, p)
		if err != nil {
			rw.fatal = err
			return nil, err
		}
		if !found {
			deps[p] = ""
			return nil, errors.New("no such file")
		}
		deps[p] = e.sha
		rw.keep(GitHubFile{Path: p, SHA: e.sha, Size: e.size, Role: RoleDependency})
		if e.size > catalog.MaxFileSize {
			return nil, fmt.Errorf("file is over the %d MB limit", catalog.MaxFileSize>>20)
		}
		data, err := rw.blob(ctx, e.sha)
		if err != nil && !repoLevel(err) {
			rw.fatal = err
		}
		return data, err
	}
}

// inRepo resolves a path written in a file of dir; ok is false when it
// leaves the repository.
func inRepo(dir, target string) (string, bool) {
	var p string
	if strings.HasPrefix(target, "/") {
		p = path.Clean(strings.TrimLeft(target, "/"))
	} else {
		p = path.Clean(path.Join(dir, target))
	}
	if p == ".." || strings.HasPrefix(p, "../") || p == "." || p == "" {
		return "", false
	}
	return p, true
}

// targetPaths resolves a Location target to files of the repository: a
// relative path (or glob), or a URL of this repository's default branch.
func (rw *repoWork) targetPaths(ctx context.Context, dir string, t catalog.Target) (paths []string, note, problem string, err error) {
	switch t.Type {
	case "", "file", "url":
	default:
		return nil, fmt.Sprintf("Location type %q is not read by a github source (target %s)", t.Type, t.Value), "", nil
	}
	value := t.Value
	if u, perr := url.Parse(value); perr == nil && u.Scheme != "" && len(u.Scheme) > 1 {
		local, ok := rw.repoURLPath(value)
		if !ok {
			return nil, fmt.Sprintf("target %s is outside %s and is not followed; a github source reads each repository of %s itself", value, rw.cur.FullName, rw.w.src.Account()), "", nil
		}
		value = "/" + local
	}
	p, ok := inRepo(dir, value)
	if !ok {
		return nil, "", fmt.Sprintf("target %s is outside the repository", t.Value), nil
	}
	if hasMeta(p) {
		m, err := rw.tree.glob(ctx, p)
		if err != nil {
			return nil, "", "", err
		}
		if len(m) == 0 && !t.Optional {
			return nil, fmt.Sprintf("target %s matches no file", t.Value), "", nil
		}
		return m, "", "", nil
	}
	_, found, err := rw.tree.lookup(ctx, p)
	switch {
	case err != nil:
		return nil, "", "", err
	case !found && t.Optional:
		return nil, "", "", nil
	case !found:
		return nil, "", fmt.Sprintf("target %s: no such file in %s", t.Value, rw.cur.FullName), nil
	}
	return []string{p}, "", "", nil
}

// repoURLPath returns the path of a URL naming a file of this repository
// on its default branch (".../org/repo/blob/main/x.yaml").
func (rw *repoWork) repoURLPath(raw string) (string, bool) {
	base := strings.TrimSuffix(rw.cur.Extra.Meta.HTMLURL, "/")
	for _, kind := range []string{"/blob/", "/tree/"} {
		prefix := base + kind + rw.cur.DefaultBranch + "/"
		if len(raw) > len(prefix) && strings.EqualFold(raw[:len(prefix)], prefix) {
			return raw[len(prefix):], true
		}
	}
	return "", false
}

// failed keeps what the last sync read of a repository that cannot be read
// now: each of its files is handed on with the problem, so its entities
// are kept (and flagged) while the rest of the organization syncs.
func (rw *repoWork) failed(err error) {
	rw.res.files, rw.res.declared, rw.res.factRefs = nil, nil, nil
	msg := err.Error()
	var paths []string
	for p, f := range rw.prevFiles {
		if f.Role == RoleDescriptor || f.Role == RoleTarget {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	for _, p := range paths {
		file := rw.fileName(p)
		rw.res.files = append(rw.res.files, FileResult{File: file, Problems: []catalog.Problem{{File: file, Message: msg}}})
		rw.declare(rw.prevFiles[p].Refs)
	}
	if len(paths) == 0 && rw.w.src.opts.Infer {
		if name := inferredName(rw.cur.Extra.Meta.Name); name != "" {
			rw.res.inferredRef = catalog.NewRef(catalog.KindComponent, catalog.DefaultNamespace, name)
			rw.res.inferred = &FileResult{File: rw.cur.FullName, Problems: []catalog.Problem{{File: rw.cur.FullName, Message: msg}}}
		}
	}
	// Record what the list said, and that the tree must be read again.
	rw.next.Files = rw.prevOrNil()
	rw.next.TreeSHA, rw.next.TreeETag = "", ""
	rw.next.Extra.Meta.Empty = false
}

func (rw *repoWork) prevOrNil() []GitHubFile {
	if rw.prev == nil {
		return nil
	}
	return rw.prev.Files
}

func cloneExtra(x GitHubRepoExtra) GitHubRepoExtra {
	y := x
	if x.Owner != nil {
		o := *x.Owner
		y.Owner = &o
	}
	if x.Codeowners != nil {
		c := *x.Codeowners
		y.Codeowners = &c
	}
	y.FactFiles = cloneMap(x.FactFiles)
	y.ETags = cloneMap(x.ETags)
	y.Answers = make(map[string]any, len(x.Answers))
	for k, v := range x.Answers {
		y.Answers[k] = v
	}
	if x.Answers == nil {
		y.Answers = nil
	}
	y.FactRefs = slices.Clone(x.FactRefs)
	return y
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func valuesOf(m map[string]GitHubFile) []GitHubFile {
	out := make([]GitHubFile, 0, len(m))
	for _, f := range m {
		out = append(out, f)
	}
	return out
}

func sortedFiles(m map[string]GitHubFile) []GitHubFile {
	if len(m) == 0 {
		return nil
	}
	out := valuesOf(m)
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	for i := range out {
		if len(out[i].Deps) == 0 {
			out[i].Deps = nil
		}
		if len(out[i].Refs) == 0 {
			out[i].Refs = nil
		}
		if len(out[i].Targets) == 0 {
			out[i].Targets = nil
		}
	}
	return out
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	return out
}

func sortedKeysOf(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
