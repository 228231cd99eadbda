package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/internal/errkind"
)

// DefaultBatchSize is how many upserts a sync writes per transaction: big
// enough to amortise commits (each one flushes SQLite's full-text index
// segments; 5,000 loads a large catalog a fifth faster than 1,000), small
// enough not to hold SQLite's write lock for long or buffer a whole large
// source in memory.
const DefaultBatchSize = 5000

// Result summarises one sync of one source.
type Result struct {
	Source string
	Files  int
	// Skipped counts files not parsed because their digest was unchanged.
	Skipped   int
	Added     int
	Updated   int
	Unchanged int
	Removed   int
	// Kept counts stored entities kept as they were (and flagged) because
	// their file failed.
	Kept     int
	Problems []catalog.Problem
	Notes    []Note
	Duration time.Duration
}

// Changed reports whether the sync wrote anything.
func (r Result) Changed() bool { return r.Added+r.Updated+r.Removed > 0 }

// Syncer diffs sources into a Store. It runs at most one sync per source
// at a time; a second request while one runs gets an errkind.Conflict.
type Syncer struct {
	store     Store
	log       *slog.Logger
	batchSize int
	now       func() time.Time

	mu      sync.Mutex
	running map[string]bool
}

// NewSyncer returns a Syncer writing to store.
func NewSyncer(store Store, log *slog.Logger) *Syncer {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Syncer{store: store, log: log, batchSize: DefaultBatchSize, now: time.Now, running: map[string]bool{}}
}

// SetBatchSize changes how many upserts go in one transaction.
func (s *Syncer) SetBatchSize(n int) {
	if n > 0 {
		s.batchSize = n
	}
}

// Sync reads a source and writes the difference with what is stored:
// entities added, updated and removed. It never removes an entity whose
// file failed, nor one whose file may still exist behind a failure (a
// Location file that led to it failed as a whole, or a folder above it
// could not be listed), nor anything at all when the source could not be
// read entirely (its Walk returned an error); such entities are kept and
// flagged. Every other entity that disappeared is removed: one broken file
// does not hold back the removals of the rest of the source. When nothing
// changed, nothing is written.
func (s *Syncer) Sync(ctx context.Context, src Source) (Result, error) {
	name := src.Name()
	s.mu.Lock()
	if s.running[name] {
		s.mu.Unlock()
		return Result{Source: name}, errkind.New(errkind.Conflict, "a sync of source %s is already running", name)
	}
	s.running[name] = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.running, name)
		s.mu.Unlock()
	}()

	start := s.now()
	run, err := s.newRun(ctx, name)
	if err != nil {
		return Result{Source: name}, err
	}
	walkErr := walkPipelined(ctx, src, run)
	if run.err != nil { // a write failed: that is the error to report
		return run.result(start, s.now()), run.err
	}
	if err := run.finish(ctx, walkErr == nil); err != nil {
		return run.result(start, s.now()), err
	}
	res := run.result(start, s.now())
	if walkErr != nil {
		return res, fmt.Errorf("source %s was read only in part, so nothing was removed: %w", name, walkErr)
	}
	s.log.Info("catalog sync", "source", name, "files", res.Files, "added", res.Added, "updated", res.Updated,
		"removed", res.Removed, "unchanged", res.Unchanged, "kept", res.Kept, "problems", len(res.Problems), "duration", res.Duration)
	return res, nil
}

// walkPipelined runs a source's Walk (reading and parsing files) in its own
// goroutine and hands each file to handle in order on the caller's, so
// parsing the next files overlaps with hashing and writing the last ones.
// A handle error stops the walk and is returned.
func walkPipelined(ctx context.Context, src Source, run *syncRun) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	files := make(chan FileResult, 8)
	walkErr := make(chan error, 1)
	go func() {
		defer close(files)
		walkErr <- src.Walk(ctx, chanSink{files: files, ctx: ctx, run: run})
	}()
	var handleErr error
	for f := range files {
		if handleErr != nil {
			continue // drain so the walker can finish
		}
		if handleErr = run.File(f); handleErr != nil {
			cancel()
		}
	}
	if err := <-walkErr; handleErr == nil {
		return err
	}
	return handleErr
}

// chanSink passes a walker's files to the syncing goroutine. The run's
// digests are read-only during the walk, so the walker may consult them.
type chanSink struct {
	files chan<- FileResult
	ctx   context.Context
	run   *syncRun
}

func (c chanSink) File(f FileResult) error {
	select {
	case c.files <- f:
		return nil
	case <-c.ctx.Done():
		return c.ctx.Err()
	}
}

func (c chanSink) Digest(file string) string {
	if c.run.untrusted[file] {
		return ""
	}
	return c.run.files[file].Digest
}

// syncRun is the state of one sync.
type syncRun struct {
	s      *Syncer
	ctx    context.Context
	source string
	heads  map[catalog.Ref]Head
	// byFile lists the stored refs of each file; files what the last sync
	// recorded of each file (digest, parent), untrusted the files whose
	// digest must not spare a re-read (one of their entities is flagged),
	// and read what this sync read (or found unchanged) of each file.
	byFile    map[string][]catalog.Ref
	files     map[string]FileRecord
	untrusted map[string]bool
	read      map[string]FileRecord
	// seen maps each ref read so far to the file and line that defined it.
	seen map[catalog.Ref]catalog.Problem
	// failed holds files that had problems, with the first problem: their
	// stored entities are kept when not re-read.
	failed map[string]string
	// broken holds the files that failed as a whole (or lost Location
	// targets), and brokenDirs the folders that could not be listed, each
	// with the first problem: files they led to, or that are under them,
	// keep their entities when this sync did not read them.
	broken     map[string]string
	brokenDirs map[string]string
	// moved holds entities read from another file than the one that stored
	// them; they are written at the end unless their stored file still
	// defines them (then the first owner keeps the ref).
	moved []catalog.Entity
	batch Changes
	res   Result
	err   error
}

func (s *Syncer) newRun(ctx context.Context, source string) (*syncRun, error) {
	heads, err := s.store.SourceHeads(ctx, source)
	if err != nil {
		return nil, fmt.Errorf("read stored entities of source %s: %w", source, err)
	}
	files, err := s.store.SourceFiles(ctx, source)
	if err != nil {
		return nil, fmt.Errorf("read the files of source %s: %w", source, err)
	}
	run := &syncRun{s: s, ctx: ctx, source: source, heads: make(map[catalog.Ref]Head, len(heads)),
		byFile: map[string][]catalog.Ref{}, files: files, untrusted: map[string]bool{}, read: map[string]FileRecord{},
		seen: map[catalog.Ref]catalog.Problem{}, failed: map[string]string{},
		broken: map[string]string{}, brokenDirs: map[string]string{}}
	for _, h := range heads {
		run.heads[h.Ref] = h
		run.byFile[h.File] = append(run.byFile[h.File], h.Ref)
		if h.Flag != "" {
			run.untrusted[h.File] = true // re-read to clear or keep the flag
		}
	}
	run.res.Source = source
	return run, nil
}

// File handles one FileResult, in walk order.
func (r *syncRun) File(f FileResult) error {
	if r.err != nil {
		return r.err
	}
	r.res.Files++
	f.Problems = atLineOne(f.Problems)
	r.res.Problems = append(r.res.Problems, f.Problems...)
	r.res.Notes = append(r.res.Notes, f.Notes...)
	if f.Folder {
		r.brokenDirs[f.File] = firstProblem(f, "the folder could not be read")
		return nil
	}
	r.read[f.File] = FileRecord{Digest: f.Digest, Parent: f.Parent}
	if f.Unchanged {
		r.unchangedFile(f)
		return nil
	}
	if len(f.Problems) > 0 {
		r.failed[f.File] = f.Problems[0].String()
	}
	if f.Broken {
		r.broken[f.File] = firstProblem(f, "the file could not be read whole")
	}
	for i := range f.Entities {
		r.entity(f.Entities[i])
	}
	if len(r.batch.Upserts) >= r.s.batchSize {
		r.flush()
	}
	return r.err
}

// unchangedFile accepts the stored entities of a file the source did not
// re-read because its digest is the recorded one.
func (r *syncRun) unchangedFile(f FileResult) {
	r.res.Skipped++
	for _, ref := range r.byFile[f.File] {
		here := catalog.Problem{File: f.File, Line: r.heads[ref].Line}
		if r.heads[ref].Flag != "" { // cannot happen: flagged files are re-read
			continue
		}
		if first, dup := r.seen[ref]; dup {
			r.conflict(ref, here, place(first))
			continue
		}
		r.seen[ref] = here
		r.res.Unchanged++
	}
}

func (r *syncRun) entity(e catalog.Entity) {
	e.Origin.Source = r.source
	ref := e.Ref()
	here := catalog.Problem{File: e.Origin.File, Line: e.Origin.Line}
	if first, dup := r.seen[ref]; dup {
		r.conflict(ref, here, place(first))
		return
	}
	head, stored := r.heads[ref]
	if stored && head.File != e.Origin.File && len(r.moved) < r.s.batchSize {
		// The ref is stored from another file of this source, which the walk
		// may not have reached yet: at the end, that file still defining it
		// makes this a duplicate, otherwise the entity moved. Past a batch
		// of them (files renamed wholesale) they are taken as moves at once,
		// so memory stays bounded; a later duplicate is then the conflict.
		r.moved = append(r.moved, e)
		return
	}
	r.seen[ref] = here
	r.upsert(e, head, stored)
}

func (r *syncRun) upsert(e catalog.Entity, head Head, stored bool) {
	body, hash, err := encode(&e)
	if err != nil {
		r.res.Problems = append(r.res.Problems, catalog.Problem{File: e.Origin.File, Line: e.Origin.Line, Message: err.Error()})
		return
	}
	switch {
	case stored && head.Hash == hash && head.Flag == "":
		r.res.Unchanged++
	case stored && head.Hash == hash:
		if r.batch.Flags == nil {
			r.batch.Flags = map[catalog.Ref]string{}
		}
		r.batch.Flags[e.Ref()] = ""
		r.res.Unchanged++
	default:
		r.batch.Upserts = append(r.batch.Upserts, Upsert{Entity: e, Hash: hash, Body: body})
		if stored {
			r.res.Updated++
		} else {
			r.res.Added++
		}
	}
}

func (r *syncRun) conflict(ref catalog.Ref, here catalog.Problem, first string) {
	here.Message = fmt.Sprintf("%s is already defined at %s; the first definition is kept", ref, first)
	here.Ref = ref
	r.res.Problems = append(r.res.Problems, here)
	// The file must be read again next time (its digest is not recorded):
	// whether it then holds the ref depends on other files.
	if _, ok := r.failed[here.File]; !ok {
		r.failed[here.File] = here.String()
	}
}

// flush writes the pending batch.
func (r *syncRun) flush() {
	if r.err != nil || r.batch.Empty() {
		return
	}
	conflicts, err := r.s.store.ApplyChanges(r.ctx, r.source, r.batch)
	if err != nil {
		r.err = fmt.Errorf("write catalog changes of source %s: %w", r.source, err)
		return
	}
	for _, c := range conflicts {
		r.res.Added--
		where := catalog.Problem{}
		for _, u := range r.batch.Upserts {
			if u.Entity.Ref() == c.Ref {
				where = catalog.Problem{File: u.Entity.Origin.File, Line: u.Entity.Origin.Line}
			}
		}
		r.conflict(c.Ref, where, fmt.Sprintf("%s (source %s)", c.File, c.Source))
	}
	r.batch = Changes{}
}

// finish settles moved entities, removes what disappeared (when it is safe)
// and writes the last batch.
func (r *syncRun) finish(ctx context.Context, complete bool) error {
	for _, e := range r.moved {
		ref := e.Ref()
		here := catalog.Problem{File: e.Origin.File, Line: e.Origin.Line}
		if first, dup := r.seen[ref]; dup {
			r.conflict(ref, here, place(first))
			continue
		}
		_, failed := r.failed[r.heads[ref].File]
		if _, hidden := r.hidden(r.heads[ref].File); failed || (hidden && complete) {
			// Its stored file failed this time, or was not read because of
			// a failure: keep the first owner.
			r.conflict(ref, here, r.heads[ref].File+" (kept from the last good read)")
			continue
		}
		r.seen[ref] = here
		r.upsert(e, r.heads[ref], true)
	}
	for ref, head := range r.heads {
		if _, ok := r.seen[ref]; ok {
			continue
		}
		reason, fileFailed := r.failed[head.File]
		switch {
		case fileFailed:
		case !complete:
			reason = "not re-read: the source was read only in part, so its absence is not trusted"
		default:
			why, hidden := r.hidden(head.File)
			if !hidden {
				r.batch.Deletes = append(r.batch.Deletes, ref)
				r.res.Removed++
				continue
			}
			reason = why
		}
		r.res.Kept++
		if head.Flag != reason {
			if r.batch.Flags == nil {
				r.batch.Flags = map[catalog.Ref]string{}
			}
			r.batch.Flags[ref] = reason
		}
	}
	r.ctx = ctx
	r.flush()
	if r.err != nil {
		return r.err
	}
	return r.saveFiles(ctx, complete)
}

// hidden reports whether a file this sync did not read may still exist
// behind a failure, and why: a folder above it could not be listed, or a
// file that led to it at the last sync (its parent, or the parent's
// parent...) failed as a whole. A file whose parent was read cleanly and
// no longer leads to it is not hidden: it is gone.
func (r *syncRun) hidden(file string) (string, bool) {
	if _, ok := r.read[file]; ok {
		return "", false
	}
	for _, dir := range sortedKeys(r.brokenDirs) {
		if dir == "." || strings.HasPrefix(file, dir+string(filepath.Separator)) || strings.HasPrefix(file, dir+"/") {
			return fmt.Sprintf("not re-read: its folder %s could not be read (%s)", dir, r.brokenDirs[dir]), true
		}
	}
	visited := map[string]bool{file: true}
	for f := file; ; {
		rec, known := r.files[f]
		if !known || rec.NoLineage {
			// Recorded before lineage was (or not at all): any file that
			// failed as a whole may have led to it.
			if broken := sortedKeys(r.broken); len(broken) > 0 {
				p := broken[0]
				return fmt.Sprintf("not re-read: %s failed (%s), and what led to this file is not recorded", p, r.broken[p]), true
			}
			return "", false
		}
		p := rec.Parent
		if p == "" || visited[p] {
			return "", false
		}
		visited[p] = true
		if why, ok := r.broken[p]; ok {
			return fmt.Sprintf("not re-read: %s, which leads to it, failed (%s)", p, why), true
		}
		if _, ok := r.read[p]; ok {
			return "", false // read, and no longer leads here
		}
		f = p
	}
}

// saveFiles records what this sync read of each file (a digest for those
// read cleanly, and the file that led to it), and forgets the files that
// are gone, writing nothing when nothing changed. A file whose entities
// were kept (a conflict, a failure) gets no digest, so it is read again
// next time; a file kept because of another's failure keeps its record.
func (r *syncRun) saveFiles(ctx context.Context, complete bool) error {
	changes := map[string]*FileRecord{}
	for file, rec := range r.read {
		if _, failed := r.failed[file]; failed {
			rec.Digest = ""
		}
		if prev, ok := r.files[file]; !ok || prev != rec {
			changes[file] = &rec
		}
	}
	if complete {
		for file := range r.files {
			if _, ok := r.read[file]; ok {
				continue
			}
			if _, hidden := r.hidden(file); !hidden {
				changes[file] = nil
			}
		}
	}
	if len(changes) == 0 {
		return nil
	}
	if err := r.s.store.SetSourceFiles(ctx, r.source, changes); err != nil {
		return fmt.Errorf("record the files of source %s: %w", r.source, err)
	}
	return nil
}

// atLineOne returns problems with those about a whole file (no line)
// pointing at its first line, so every problem prints as FILE:LINE:
// whatever source reported it.
func atLineOne(problems []catalog.Problem) []catalog.Problem {
	for i, p := range problems {
		if p.Line == 0 && p.File != "" {
			out := slices.Clone(problems)
			for j := i; j < len(out); j++ {
				if out[j].Line == 0 && out[j].File != "" {
					out[j].Line = 1
				}
			}
			return out
		}
	}
	return problems
}

// sortedKeys returns the keys of m in order.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// firstProblem is the first problem of a file result, or def.
func firstProblem(f FileResult, def string) string {
	if len(f.Problems) > 0 {
		return f.Problems[0].String()
	}
	return def
}

func (r *syncRun) result(start, end time.Time) Result {
	res := r.res
	res.Duration = end.Sub(start)
	return res
}

// place writes where a problem is, "FILE:LINE", without its message.
func place(p catalog.Problem) string {
	if p.Line > 0 {
		return p.File + ":" + strconv.Itoa(p.Line)
	}
	return p.File
}

// Hash returns the content hash of an entity as a sync writes it: its
// descriptor and where it was read, so a moved line counts as a change.
func Hash(e *catalog.Entity) (string, error) {
	_, hash, err := encode(e)
	return hash, err
}

// encode returns an entity's JSON (without relations, which are derived)
// and its Hash.
func encode(e *catalog.Entity) ([]byte, string, error) {
	bare := *e
	bare.Relations = nil
	body, err := json.Marshal(bare)
	if err != nil {
		return nil, "", fmt.Errorf("%s: cannot encode entity: %w", e.Ref(), err)
	}
	h := sha256.New()
	h.Write(body)
	for _, s := range []string{e.Origin.File, strconv.Itoa(e.Origin.Line), e.Origin.Location, e.Origin.OriginLocation} {
		h.Write([]byte{0})
		h.Write([]byte(s))
	}
	return body, hex.EncodeToString(h.Sum(nil)[:16]), nil
}
