package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
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

// Walk implements Source.
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

// Walk implements Source.
func (s *DirSource) Walk(ctx context.Context, sink Sink) error {
	root, err := filepath.Abs(s.dir)
	if err != nil {
		return fmt.Errorf("source %s: %w", s.name, err)
	}
	if !ValidGlob(s.glob) {
		return fmt.Errorf("source %s: glob %q is malformed", s.name, s.glob)
	}
	files, err := globFiles(root, s.glob)
	if err != nil {
		return fmt.Errorf("source %s: %w", s.name, err)
	}
	w, err := newWalker(root, s.Base, sink)
	if err != nil {
		return fmt.Errorf("source %s: %w", s.name, err)
	}
	for _, f := range files {
		if err := w.walkFile(ctx, f, "file:"+f, nil); err != nil {
			return err
		}
	}
	return nil
}

// globFiles lists the regular files under root matching pattern, sorted.
func globFiles(root, pattern string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root {
				return err
			}
			return nil // an unreadable subfolder is skipped, not fatal
		}
		if d.IsDir() {
			if p != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		if MatchGlob(pattern, filepath.ToSlash(rel)) {
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

// walker reads files and follows Location targets depth-first, visiting
// each file once and reporting cycles.
type walker struct {
	root    string
	base    string
	sink    Sink
	visited map[string]bool
	stack   []string
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
	data, err := os.ReadFile(abs)
	if err != nil {
		res := FileResult{File: file, Broken: true}
		switch {
		case from != nil && errors.Is(err, fs.ErrNotExist):
			if from.target.Optional {
				return nil
			}
			res.Problems = append(res.Problems, catalog.Problem{File: from.file, Line: from.target.Line, Message: fmt.Sprintf("target %s: no such file (%s)", from.target.Value, file)})
		case errors.Is(err, fs.ErrNotExist):
			res.Problems = append(res.Problems, catalog.Problem{File: file, Message: "no such file"})
		default:
			res.Problems = append(res.Problems, catalog.Problem{File: file, Message: fmt.Sprintf("cannot read: %v", unwrapPathError(err))})
		}
		return w.sink.File(res)
	}
	digest := fileDigest(data, origin)
	if digest != "" && w.sink.Digest(file) == digest {
		return w.sink.File(FileResult{File: file, Digest: digest, Unchanged: true})
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
	res := FileResult{File: file, Digest: digest, Entities: parsed.Entities, Problems: parsed.Problems, Broken: parsed.Broken}
	for _, n := range parsed.Notes {
		res.Notes = append(res.Notes, Note{File: n.File, Line: n.Line, Message: n.Message})
	}
	type follow struct {
		abs    string
		target catalog.Target
	}
	var next []follow
	for _, t := range parsed.Targets {
		paths, note, problem := w.targetPaths(dir, file, t)
		if note != "" {
			res.Notes = append(res.Notes, Note{File: file, Line: t.Line, Message: note})
		}
		if problem != "" {
			res.Problems = append(res.Problems, catalog.Problem{File: file, Line: t.Line, Message: problem})
		}
		for _, p := range paths {
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

// skippable matches what makes a file's meaning depend on more than its
// bytes: a Location (whose targets must be followed every time) or a
// $text/$json/$yaml substitution (whose file may change on its own).
var notSkippable = regexp.MustCompile(`(?i)kind["']?\s*:\s*["']?location\b|\$(text|json|yaml)\b`)

// fileDigest identifies a descriptor file's content as read from origin,
// or returns "" for a file that must be parsed at every sync.
func fileDigest(data []byte, origin string) string {
	if notSkippable.Match(data) {
		return ""
	}
	h := sha256.New()
	h.Write(data)
	h.Write([]byte{0})
	h.Write([]byte(origin))
	return "sha256:" + hex.EncodeToString(h.Sum(nil)[:16])
}

// targetPaths resolves a Location target to local files. It returns a note
// for targets a file source does not follow, and a problem for bad ones.
func (w *walker) targetPaths(dir, file string, t catalog.Target) (paths []string, note, problem string) {
	switch t.Type {
	case "", "file", "url":
	default:
		return nil, fmt.Sprintf("Location type %q is not read by a file source (target %s)", t.Type, t.Value), ""
	}
	if u, err := url.Parse(t.Value); err == nil && u.Scheme != "" && len(u.Scheme) > 1 {
		return nil, fmt.Sprintf("remote target %s is not fetched by a file source; add it as a source of its own", t.Value), ""
	}
	p := t.Value
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, filepath.FromSlash(p))
	}
	p = filepath.Clean(p)
	if !w.inside(p) {
		return nil, "", fmt.Sprintf("target %s is outside the source's folder %s", t.Value, w.display(w.root))
	}
	if !hasMeta(t.Value) {
		return []string{p}, "", ""
	}
	rel, _ := filepath.Rel(dir, p)
	matches, err := globFiles(dir, filepath.ToSlash(rel))
	if err != nil || len(matches) == 0 {
		return nil, fmt.Sprintf("target %s matches no file", t.Value), ""
	}
	return matches, "", ""
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
			return nil, fmt.Errorf("%s is outside the source's folder", target)
		}
		info, err := os.Stat(p)
		if err != nil {
			return nil, unwrapPathError(err)
		}
		if info.Size() > catalog.MaxFileSize {
			return nil, fmt.Errorf("file is over the %d MB limit", catalog.MaxFileSize>>20)
		}
		data, err := os.ReadFile(p)
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
