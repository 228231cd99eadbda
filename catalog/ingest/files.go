package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gantryhq/gantry/catalog"
)

// FileSource reads one descriptor file and follows the targets of the
// Location entities in it, recursively, relative to the file that names
// them. Targets and $text/$json/$yaml substitutions must stay inside Root,
// so a descriptor cannot pull arbitrary files of the machine into the
// catalog.
type FileSource struct {
	name string
	path string
	Root string // default: the directory of path
	// Base is the folder files are named relative to (the config file's),
	// so that what is stored does not depend on the working directory of
	// the process; default the working directory.
	Base string
}

// NewFileSource returns a file source.
func NewFileSource(name, path string) *FileSource {
	return &FileSource{name: name, path: path}
}

// Name implements Source.
func (s *FileSource) Name() string { return s.name }

// Walk implements Source. A missing or unreadable file is a problem of
// the sync (its entities are kept), not an error of the walk.
func (s *FileSource) Walk(ctx context.Context, sink Sink) error {
	abs, err := filepath.Abs(s.path)
	if err != nil {
		return fmt.Errorf("source %s: %w", s.name, err)
	}
	root := s.Root
	if root == "" {
		root = filepath.Dir(abs)
	}
	w, err := newWalker(root, s.Base, sink)
	if err != nil {
		return fmt.Errorf("source %s: %w", s.name, err)
	}
	w.outsideHint = " (set root: in the source's configuration to read a wider folder)"
	return w.walkFile(ctx, abs, "file:"+abs, nil)
}

// DirSource reads every file under a folder whose path (relative to the
// folder, slash-separated) matches a glob, each as a location of its own.
// Hidden folders and node_modules are skipped.
type DirSource struct {
	name string
	dir  string
	glob string
	// Base is as FileSource.Base.
	Base string
	// fsys lists the folder; nil means the operating system's (tests give
	// one that fails).
	fsys fs.FS
}

// DefaultGlob is the pattern of a dir source that names none.
const DefaultGlob = "**/catalog-info.yaml"

// NewDirSource returns a dir source; an empty glob is DefaultGlob.
func NewDirSource(name, dir, glob string) *DirSource {
	if glob == "" {
		glob = DefaultGlob
	}
	return &DirSource{name: name, dir: dir, glob: glob}
}

// Name implements Source.
func (s *DirSource) Name() string { return s.name }

// Walk implements Source. Each matched file stands alone: one failing does
// not keep the entities of another. A folder that is missing or cannot be
// listed (the source's, or one below it) is a problem, and the entities of
// the files under it are kept, as a file source's missing file keeps its.
func (s *DirSource) Walk(ctx context.Context, sink Sink) error {
	root, err := filepath.Abs(s.dir)
	if err != nil {
		return fmt.Errorf("source %s: %w", s.name, err)
	}
	if !ValidGlob(s.glob) {
		return fmt.Errorf("source %s: glob %q is malformed", s.name, s.glob)
	}
	w, err := newWalker(root, s.Base, sink)
	if err != nil {
		return fmt.Errorf("source %s: %w", s.name, err)
	}
	fsys := s.fsys
	if fsys == nil {
		if info, err := os.Stat(root); err != nil || !info.IsDir() {
			msg := "no such folder"
			switch {
			case err == nil:
				msg = "is a file, not a folder (a dir source scans a folder; use type: file for one file)"
			case !errors.Is(err, fs.ErrNotExist):
				msg = fmt.Sprintf("cannot read the folder: %v", unwrapPathError(err))
			}
			return sink.File(folderResult(w.display(root), msg))
		}
		fsys = os.DirFS(root)
	}
	files, unreadable := globFiles(fsys, root, s.glob)
	for _, u := range unreadable {
		if err := sink.File(folderResult(w.display(u.path), fmt.Sprintf("cannot read the folder: %v", unwrapPathError(u.err)))); err != nil {
			return err
		}
	}
	for _, f := range files {
		if err := w.walkFile(ctx, f, "file:"+f, nil); err != nil {
			return err
		}
	}
	return nil
}

// folderResult is the result of a folder that could not be listed.
func folderResult(dir, msg string) FileResult {
	return FileResult{File: dir, Folder: true, Broken: true, Problems: []catalog.Problem{{File: dir, Line: 1,
		Message: msg + "; the entities of its files are kept as they were"}}}
}

// unreadableDir is a folder a listing could not read.
type unreadableDir struct {
	path string // absolute
	err  error
}

// globFiles lists the files under fsys (the folder root) whose slash path
// matches pattern, as absolute paths, sorted, and the folders it could not
// read. Hidden folders and node_modules are skipped.
func globFiles(fsys fs.FS, root, pattern string) ([]string, []unreadableDir) {
	var out []string
	var bad []unreadableDir
	abs := func(p string) string { return filepath.Join(root, filepath.FromSlash(p)) }
	_ = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if d == nil || d.IsDir() {
				bad = append(bad, unreadableDir{abs(p), err})
				return nil // its siblings are still read
			}
			// An entry that cannot be examined: a matching one is read, so
			// that the read reports why it fails.
		} else if d.IsDir() {
			if p != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules") {
				return fs.SkipDir
			}
			return nil
		}
		if MatchGlob(pattern, p) {
			out = append(out, abs(p))
		}
		return nil
	})
	sort.Strings(out)
	return out, bad
}

// walker reads files and follows Location targets depth-first, visiting
// each file once and reporting cycles.
type walker struct {
	root    string
	base    string
	sink    Sink
	visited map[string]bool
	stack   []string
	// outsideHint ends the problem of a target outside root, saying how
	// to allow it.
	outsideHint string
}

func newWalker(root, base string, sink Sink) (*walker, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	if real, err := filepath.EvalSymlinks(root); err == nil {
		root = real
	}
	if base == "" {
		base, _ = os.Getwd()
	} else if abs, err := filepath.Abs(base); err == nil {
		base = abs
	}
	return &walker{root: root, base: base, sink: sink, visited: map[string]bool{}}, nil
}

// display names a file for people: relative to the walker's base when that
// is shorter.
func (w *walker) display(abs string) string {
	if w.base != "" {
		if rel, err := filepath.Rel(w.base, abs); err == nil && len(rel) < len(abs) {
			return rel
		}
	}
	return abs
}

// inside resolves p (following symlinks) and reports whether it stays
// within the walker's root.
func (w *walker) inside(p string) bool {
	real := p
	if r, err := filepath.EvalSymlinks(p); err == nil {
		real = r
	}
	rel, err := filepath.Rel(w.root, real)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// readLimited reads a file that must be a regular file of at most
// catalog.MaxFileSize bytes, checking before it reads: a huge file costs a
// stat, not its size in memory, and a pipe is never opened.
func readLimited(abs string) ([]byte, error) {
	info, err := os.Stat(abs)
	switch {
	case err != nil:
		return nil, err
	case info.IsDir():
		return nil, errors.New("is a folder, not a descriptor file")
	case !info.Mode().IsRegular():
		return nil, errors.New("is not a regular file")
	case info.Size() > catalog.MaxFileSize:
		return nil, tooLargeError(info.Size())
	}
	f, err := os.Open(abs)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, catalog.MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > catalog.MaxFileSize { // it grew since the stat
		return nil, tooLargeError(len(data))
	}
	return data, nil
}

// tooLargeError is the size of a file over catalog.MaxFileSize.
type tooLargeError int64

func (e tooLargeError) Error() string {
	return fmt.Sprintf("file is over the %d MB limit", catalog.MaxFileSize>>20)
}

// walkFile reads one file, visits its result, then follows its targets.
// from is the target that led here (nil for a registered location).
func (w *walker) walkFile(ctx context.Context, abs, origin string, from *fromTarget) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if w.visited[abs] {
		return nil
	}
	w.visited[abs] = true
	w.stack = append(w.stack, abs)
	defer func() { w.stack = w.stack[:len(w.stack)-1] }()

	file := w.display(abs)
	parent := ""
	if from != nil {
		parent = from.file
	}
	data, err := readLimited(abs)
	if err != nil {
		res := FileResult{File: file, Parent: parent, Broken: true}
		var tooLarge tooLargeError
		switch {
		case from != nil && errors.Is(err, fs.ErrNotExist):
			if from.target.Optional {
				return nil
			}
			res.Problems = append(res.Problems, catalog.Problem{File: from.file, Line: from.target.Line, Message: fmt.Sprintf("target %s: no such file (%s)", from.target.Value, file)})
		case errors.Is(err, fs.ErrNotExist):
			res.Problems = append(res.Problems, catalog.Problem{File: file, Line: 1, Message: "no such file"})
		case errors.As(err, &tooLarge):
			res.Problems = append(res.Problems, catalog.FileTooLarge(file, int64(tooLarge)))
		default:
			// A problem about the whole file points at its first line.
			res.Problems = append(res.Problems, catalog.Problem{File: file, Line: 1, Message: fmt.Sprintf("cannot read: %v", unwrapPathError(err))})
		}
		return w.sink.File(res)
	}
	digest := fileDigest(data, origin)
	if digest != "" && w.sink.Digest(file) == digest {
		return w.sink.File(FileResult{File: file, Parent: parent, Digest: digest, Unchanged: true})
	}
	dir := filepath.Dir(abs)
	parsed := catalog.ParseFile(file, data, catalog.ParseOptions{Resolve: w.resolver(dir)})
	location := "file:" + abs
	for i := range parsed.Entities {
		e := &parsed.Entities[i]
		if e.Metadata.Annotations == nil {
			e.Metadata.Annotations = map[string]string{}
		}
		e.Metadata.Annotations[catalog.AnnotationManagedByLocation] = location
		e.Metadata.Annotations[catalog.AnnotationManagedByOriginLocation] = origin
		e.Origin.Location = location
		e.Origin.OriginLocation = origin
	}
	res := FileResult{File: file, Parent: parent, Digest: digest, Entities: parsed.Entities, Problems: parsed.Problems,
		Broken: parsed.Broken || parsed.LostTargets}
	for _, n := range parsed.Notes {
		res.Notes = append(res.Notes, Note{File: n.File, Line: n.Line, Message: n.Message})
	}
	type follow struct {
		abs    string
		target catalog.Target
	}
	var next []follow
	for _, t := range parsed.Targets {
		tr := w.targetPaths(dir, t)
		if tr.note != "" {
			res.Notes = append(res.Notes, Note{File: file, Line: t.Line, Message: tr.note})
		}
		if tr.problem != "" {
			res.Problems = append(res.Problems, catalog.Problem{File: file, Line: t.Line, Message: tr.problem})
		}
		if tr.lost {
			res.Broken = true
		}
		for _, p := range tr.paths {
			if i := indexOf(w.stack, p); i >= 0 {
				cycle := make([]string, 0, len(w.stack)-i+1)
				for _, s := range w.stack[i:] {
					cycle = append(cycle, w.display(s))
				}
				cycle = append(cycle, w.display(p))
				res.Problems = append(res.Problems, catalog.Problem{File: file, Line: t.Line, Message: "Location cycle: " + strings.Join(cycle, " → ")})
				continue
			}
			next = append(next, follow{p, t})
		}
	}
	if err := w.sink.File(res); err != nil {
		return err
	}
	for _, f := range next {
		if err := w.walkFile(ctx, f.abs, origin, &fromTarget{file: file, target: f.target}); err != nil {
			return err
		}
	}
	return nil
}

type fromTarget struct {
	file   string
	target catalog.Target
}

// mustReparse reports whether a file's meaning depends on more than its
// bytes, so that it is parsed at every sync: a Location (kind: Location,
// whose targets must be followed every time) or a $text, $json or $yaml
// substitution (whose file may change on its own). It is a byte scan,
// ASCII case-insensitive, equivalent to the regexp
// (?i)kind["']?\s*:\s*["']?location\b|\$(text|json|yaml)\b on ASCII text,
// which cost most of an unchanged re-sync's time at 100,000 entities.
func mustReparse(data []byte) bool {
	for i := 0; i < len(data); i++ {
		j := bytes.IndexAny(data[i:], "$kK")
		if j < 0 {
			return false
		}
		i += j
		if data[i] == '$' {
			if wordAt(data, i+1, "text") || wordAt(data, i+1, "json") || wordAt(data, i+1, "yaml") {
				return true
			}
		} else if locationKindAt(data, i) {
			return true
		}
	}
	return false
}

// locationKindAt reports whether data[i:] reads kind: Location, the key
// and the value possibly quoted.
func locationKindAt(data []byte, i int) bool {
	if i+4 > len(data) || !bytes.EqualFold(data[i:i+4], []byte("kind")) {
		return false
	}
	j := i + 4
	quote := func() {
		if j < len(data) && (data[j] == '"' || data[j] == '\'') {
			j++
		}
	}
	spaces := func() {
		for j < len(data) && (data[j] == ' ' || data[j] == '\t' || data[j] == '\n' || data[j] == '\r' || data[j] == '\f') {
			j++
		}
	}
	quote()
	spaces()
	if j >= len(data) || data[j] != ':' {
		return false
	}
	j++
	spaces()
	quote()
	return wordAt(data, j, "location")
}

// wordAt reports whether data[i:] starts with word (lowercase ASCII) in
// any case, followed by a word boundary.
func wordAt(data []byte, i int, word string) bool {
	end := i + len(word)
	if end > len(data) || !bytes.EqualFold(data[i:end], []byte(word)) {
		return false
	}
	if end == len(data) {
		return true
	}
	c := data[end] | 0x20
	return !(data[end] == '_' || '0' <= data[end] && data[end] <= '9' || 'a' <= c && c <= 'z')
}

// fileDigest identifies a descriptor file's content as read from origin,
// or returns "" for a file that must be parsed at every sync.
func fileDigest(data []byte, origin string) string {
	if mustReparse(data) {
		return ""
	}
	h := sha256.New()
	h.Write(data)
	h.Write([]byte{0})
	h.Write([]byte(origin))
	return "sha256:" + hex.EncodeToString(h.Sum(nil)[:16])
}

// targetResult is what a Location target resolves to: local files, a
// note for a target a file source does not follow (or follows in a local
// copy), a problem for a bad one, and lost when some of the files it names
// could not be listed.
type targetResult struct {
	paths         []string
	note, problem string
	lost          bool
}

// targetPaths resolves a Location target to local files.
func (w *walker) targetPaths(dir string, t catalog.Target) targetResult {
	switch t.Type {
	case "", "file", "url", "github":
	default:
		return targetResult{note: fmt.Sprintf("Location type %q is not read by a file source (target %s)", t.Type, t.Value)}
	}
	if u, err := url.Parse(t.Value); err == nil && u.Scheme != "" && len(u.Scheme) > 1 {
		if local := w.localCopy(dir, u); local != "" {
			return targetResult{paths: []string{local}, note: fmt.Sprintf("remote target %s is not fetched: it is read from its local copy %s (this Location file is in a copy of the same repository)", t.Value, w.display(local))}
		}
		return targetResult{note: fmt.Sprintf("remote target %s is not fetched by a file source; add it as a source of its own", t.Value)}
	}
	if t.Type == "github" {
		return targetResult{note: fmt.Sprintf("Location type %q is not read by a file source (target %s)", t.Type, t.Value)}
	}
	p := t.Value
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, filepath.FromSlash(p))
	}
	p = filepath.Clean(p)
	if !hasMeta(t.Value) {
		if !w.inside(p) {
			return targetResult{problem: fmt.Sprintf("target %s is outside the source's folder %s%s", t.Value, w.display(w.root), w.outsideHint)}
		}
		return targetResult{paths: []string{p}}
	}
	// A glob: list from its last folder without metacharacters.
	base, pattern := globBase(p)
	if !w.inside(base) {
		return targetResult{problem: fmt.Sprintf("target %s is outside the source's folder %s%s", t.Value, w.display(w.root), w.outsideHint)}
	}
	if info, err := os.Stat(base); err != nil || !info.IsDir() {
		return targetResult{note: fmt.Sprintf("target %s matches no file", t.Value)}
	}
	matches, unreadable := globFiles(os.DirFS(base), base, pattern)
	var res targetResult
	for _, m := range matches {
		if w.inside(m) {
			res.paths = append(res.paths, m)
		}
	}
	if len(unreadable) > 0 {
		u := unreadable[0]
		res.lost = true
		res.problem = fmt.Sprintf("target %s: cannot read the folder %s: %v; the entities of the files it held are kept", t.Value, w.display(u.path), unwrapPathError(u.err))
	} else if len(res.paths) == 0 {
		res.note = fmt.Sprintf("target %s matches no file", t.Value)
	}
	return res
}

// globBase splits a cleaned absolute glob into its longest leading folder
// without metacharacters and the slash pattern of the rest.
func globBase(p string) (string, string) {
	parts := strings.Split(filepath.ToSlash(p), "/")
	i := 0
	for i < len(parts)-1 && !hasMeta(parts[i]) {
		i++
	}
	base := strings.Join(parts[:i], "/")
	if base == "" {
		base = "/"
	}
	return filepath.FromSlash(base), strings.Join(parts[i:], "/")
}

// localCopy finds the local file that a Location target's repository URL
// names (https://github.com/org/repo/blob/main/path/x.yaml, its raw or
// GitLab forms), when the Location file is in a checkout of that
// repository: the file's path is looked up from the top of the git work
// tree that holds dir, then, longest first, each ending of it (of at least
// a folder and the file) from dir itself, which also finds it in a copy of
// part of the repository. It returns "" when no such file is inside the
// root.
func (w *walker) localCopy(dir string, u *url.URL) string {
	segs := repoFilePath(u)
	if len(segs) == 0 {
		return ""
	}
	try := func(base string, from, min int) string {
		for i := from; len(segs)-i >= min; i++ {
			p := filepath.Join(append([]string{base}, segs[i:]...)...)
			if info, err := os.Stat(p); err == nil && info.Mode().IsRegular() && w.inside(p) {
				return p
			}
		}
		return ""
	}
	if top := gitTop(dir); top != "" {
		if p := try(top, 0, 1); p != "" {
			return p
		}
	}
	if p := try(dir, 0, len(segs)); p != "" { // the whole path, from here
		return p
	}
	return try(dir, 1, 2)
}

// repoFilePath returns the path segments of the file a repository URL
// names, after its ref (the ref may hold slashes, so the first segments
// may still belong to it), or nil when the URL does not name a file in a
// repository.
func repoFilePath(u *url.URL) []string {
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	for _, s := range segs {
		if s == "" || s == "." || s == ".." {
			return nil
		}
	}
	if strings.EqualFold(u.Hostname(), "raw.githubusercontent.com") {
		if len(segs) >= 4 { // org/repo/ref/path...
			return segs[3:]
		}
		return nil
	}
	for i := 2; i+2 < len(segs); i++ { // org/repo[/-]/blob/ref/path...
		if segs[i] == "blob" || segs[i] == "raw" {
			return segs[i+2:]
		}
	}
	return nil
}

// gitTop returns the top of the git work tree that holds dir, or "".
func gitTop(dir string) string {
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		up := filepath.Dir(d)
		if up == d {
			return ""
		}
		d = up
	}
}

// resolver reads $text/$json/$yaml targets relative to dir, inside the root.
func (w *walker) resolver(dir string) func(string) ([]byte, error) {
	return func(target string) ([]byte, error) {
		if u, err := url.Parse(target); err == nil && u.Scheme != "" && len(u.Scheme) > 1 {
			return nil, fmt.Errorf("remote files are %w by a file source", catalog.ErrNotFetched)
		}
		p := target
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, filepath.FromSlash(p))
		}
		if !w.inside(filepath.Clean(p)) {
			return nil, fmt.Errorf("%s is outside the source's folder %s%s", target, w.display(w.root), w.outsideHint)
		}
		data, err := readLimited(p)
		return data, unwrapPathError(err)
	}
}

// unwrapPathError drops the path from an *fs.PathError: the message that
// carries it already names the file.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, fs.ErrNotExist) {
			return errors.New("no such file")
		}
		return pe.Err
	}
	return err
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}
