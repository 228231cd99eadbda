package ingest

import (
	"context"

	"github.com/gantryhq/gantry/catalog"
)

// Store is what a sync needs from persistence. The store package implements
// it. Every method is safe to call concurrently for different sources.
type Store interface {
	// SourceHeads returns what is stored of every entity a source produced,
	// without reading the entities themselves.
	SourceHeads(ctx context.Context, source string) ([]Head, error)
	// ApplyChanges writes one batch of a source's changes atomically:
	// upserts (recomputing relations, lookup keys and the search index of
	// each), deletes, and flags. An upsert of a ref that another source holds
	// is not written; it is returned as a Conflict naming the holder.
	ApplyChanges(ctx context.Context, source string, ch Changes) ([]Conflict, error)
	// SourceFiles returns what the last sync of a source recorded of each
	// file it read.
	SourceFiles(ctx context.Context, source string) (map[string]FileRecord, error)
	// SetSourceFiles records files of a source in one transaction; a nil
	// record forgets the file.
	SetSourceFiles(ctx context.Context, source string, files map[string]*FileRecord) error
}

// FileRecord is what a sync records of one file of a source.
type FileRecord struct {
	// Digest identifies the content read, when the file was read cleanly
	// and may be skipped while it stays the same; "" otherwise.
	Digest string
	// Parent is the file whose Location target led to this one ("" for a
	// file the source reads of its own accord): see FileResult.Parent.
	Parent string
	// NoLineage is true for a record written before parents were recorded:
	// what led to the file is unknown, so any file of the source that fails
	// as a whole may have.
	NoLineage bool
}

// Head is what the store holds of one entity of a source: enough to tell
// whether it changed without reading it.
type Head struct {
	Ref  catalog.Ref
	Hash string // Hash of the entity as last written
	File string // Origin.File
	Line int    // Origin.Line
	// Flag is non-empty when the entity was kept as it was because its file
	// failed to read or parse: the reason, for people to see.
	Flag string
}

// Changes is one batch of writes for a source.
type Changes struct {
	Upserts []Upsert
	Deletes []catalog.Ref
	// Flags sets ("reason") or clears ("") the flag of entities that are
	// otherwise unchanged.
	Flags map[catalog.Ref]string
}

// Empty reports whether the batch writes nothing.
func (c Changes) Empty() bool {
	return len(c.Upserts) == 0 && len(c.Deletes) == 0 && len(c.Flags) == 0
}

// Upsert is an entity to insert or replace, with its content hash.
type Upsert struct {
	Entity catalog.Entity
	Hash   string
	// Body is json.Marshal(Entity) when the caller already has it (the
	// sync computes it for the hash), so the store need not encode the
	// entity again; nil otherwise. Entity.Relations must be empty then.
	Body []byte
	Flag string // usually "": a re-read entity is no longer stale
}

// Conflict is an upsert refused because another source holds the ref.
type Conflict struct {
	Ref    catalog.Ref
	Source string // the holder's source
	File   string // the holder's file
}
