// Package ingest reads catalog sources (files, folders, GitHub
// organisations) and syncs what they hold into the store as a diff.
package ingest

import (
	"context"

	"github.com/gantryhq/gantry/catalog"
)

// Source is a configured place that descriptors come from.
type Source interface {
	// Name is the source's configured name; the store keys entities by it.
	Name() string
	// Walk reads the source and hands each file to sink.File, in a stable
	// order (the first definition of an entity wins). A Walk that returns an
	// error did not see the whole source: the sync then removes nothing.
	Walk(ctx context.Context, sink Sink) error
}

// Sink receives what a source reads, and tells it what the last sync saw
// so that unchanged files need not be read or parsed again.
type Sink interface {
	// File takes one file's result.
	File(FileResult) error
	// Digest returns the digest the last sync recorded for a file, or ""
	// when there is none (or the file's entities must be re-read). A source
	// that computes the same digest may send FileResult{File, Digest,
	// Unchanged: true} instead of parsing the file.
	Digest(file string) string
}

// SinkFunc adapts a function to a Sink that knows no digests.
type SinkFunc func(FileResult) error

func (f SinkFunc) File(r FileResult) error { return f(r) }
func (f SinkFunc) Digest(string) string    { return "" }

// FileResult is what a source read from one file.
type FileResult struct {
	// File names the file for people: a path, or "org/repo:path".
	File string
	// Digest identifies the file's content (and whatever it substituted or
	// inherited), so the next sync can skip it when it is the same; "" for
	// a file that must always be read.
	Digest string
	// Unchanged says the file's digest is the one recorded: its stored
	// entities stand as they are, and Entities is empty.
	Unchanged bool
	// Entities are the file's valid entities, with Origin (but Source) and
	// the managed-by annotations set.
	Entities []catalog.Entity
	// Problems are the file's problems; a file with any problem keeps its
	// stored entities rather than losing them.
	Problems []catalog.Problem
	// Parent is the file whose Location target led to this one; "" for a
	// file the source reads of its own accord (a file source's path, each
	// file a dir source's glob matches, a repository's descriptor). The
	// sync records it, so that when a file fails it knows which files the
	// failed one used to lead to.
	Parent string
	// Broken is true when the file could not be read or parsed as a whole,
	// or a Location in it is invalid, so the targets it would have followed
	// are unknown: besides its own entities, those of the files it led to
	// at the last sync, and that this sync did not read, are kept.
	Broken bool
	// Folder is true when File names a folder that could not be listed:
	// the entities of every file under it that this sync did not read are
	// kept. Such a result has Problems and no entities.
	Folder bool
	// Notes are things not done that are not errors.
	Notes []Note
}

// Note is something a sync did not do that is not an error: a remote
// Location target a file source does not fetch, say.
type Note struct {
	File    string
	Line    int
	Message string
}

func (n Note) String() string {
	return catalog.Problem{File: n.File, Line: n.Line, Message: n.Message}.String()
}
