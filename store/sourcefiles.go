package store

import (
	"context"
	"database/sql"
	"sort"

	"github.com/gantryhq/gantry/catalog/ingest"
)

// SourceFiles returns what the last sync of a source recorded of each of
// its files: a digest of its content, and the file that led to it. A row
// written before parents were recorded (parent NULL) has NoLineage set.
func (db *DB) SourceFiles(ctx context.Context, source string) (map[string]ingest.FileRecord, error) {
	var rows []struct {
		File   string         `db:"file"`
		Digest string         `db:"digest"`
		Parent sql.NullString `db:"parent"`
	}
	q := db.read.Rebind("SELECT file, digest, parent FROM source_files WHERE source = ?")
	if err := db.read.SelectContext(ctx, &rows, q, noNUL(source)); err != nil {
		return nil, dbError(err, "reading the files of source %q", source)
	}
	out := make(map[string]ingest.FileRecord, len(rows))
	for _, r := range rows {
		out[r.File] = ingest.FileRecord{Digest: r.Digest, Parent: r.Parent.String, NoLineage: !r.Parent.Valid}
	}
	return out, nil
}

// SetSourceFiles records files of a source in one transaction; a nil
// record forgets the file. An empty map writes nothing.
func (db *DB) SetSourceFiles(ctx context.Context, source string, records map[string]*ingest.FileRecord) error {
	if len(records) == 0 {
		return nil
	}
	files := make([]string, 0, len(records))
	for f := range records {
		files = append(files, f)
	}
	sort.Strings(files) // a stable order, so concurrent writers lock alike
	tx, err := db.write.BeginTxx(ctx, nil)
	if err != nil {
		return dbError(err, "recording the files of source %q", source)
	}
	defer tx.Rollback()
	del := tx.Rebind("DELETE FROM source_files WHERE source = ? AND file = ?")
	ins := tx.Rebind(`INSERT INTO source_files (source, file, digest, parent) VALUES (?, ?, ?, ?)
		ON CONFLICT (source, file) DO UPDATE SET digest = excluded.digest, parent = excluded.parent`)
	for _, f := range files {
		var err error
		if r := records[f]; r == nil {
			_, err = tx.ExecContext(ctx, del, noNUL(source), noNUL(f))
		} else {
			_, err = tx.ExecContext(ctx, ins, noNUL(source), noNUL(f), noNUL(r.Digest), noNUL(r.Parent))
		}
		if err != nil {
			return dbError(err, "recording file %s", f)
		}
	}
	if err := tx.Commit(); err != nil {
		return dbError(err, "recording the files of source %q", source)
	}
	return nil
}
