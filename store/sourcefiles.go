package store

import (
	"context"
	"sort"
)

// FileDigests returns the digest the last sync of a source recorded for
// each of its files.
func (db *DB) FileDigests(ctx context.Context, source string) (map[string]string, error) {
	var rows []struct {
		File   string `db:"file"`
		Digest string `db:"digest"`
	}
	q := db.read.Rebind("SELECT file, digest FROM source_files WHERE source = ?")
	if err := db.read.SelectContext(ctx, &rows, q, noNUL(source)); err != nil {
		return nil, dbError(err, "reading the file digests of source %q", source)
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.File] = r.Digest
	}
	return out, nil
}

// SetFileDigests records file digests of a source in one transaction; an
// empty digest forgets the file. An empty map writes nothing.
func (db *DB) SetFileDigests(ctx context.Context, source string, digests map[string]string) error {
	if len(digests) == 0 {
		return nil
	}
	files := make([]string, 0, len(digests))
	for f := range digests {
		files = append(files, f)
	}
	sort.Strings(files) // a stable order, so concurrent writers lock alike
	tx, err := db.write.BeginTxx(ctx, nil)
	if err != nil {
		return dbError(err, "recording file digests of source %q", source)
	}
	defer tx.Rollback()
	del := tx.Rebind("DELETE FROM source_files WHERE source = ? AND file = ?")
	ins := tx.Rebind(`INSERT INTO source_files (source, file, digest) VALUES (?, ?, ?)
		ON CONFLICT (source, file) DO UPDATE SET digest = excluded.digest`)
	for _, f := range files {
		var err error
		if d := digests[f]; d == "" {
			_, err = tx.ExecContext(ctx, del, noNUL(source), noNUL(f))
		} else {
			_, err = tx.ExecContext(ctx, ins, noNUL(source), noNUL(f), noNUL(d))
		}
		if err != nil {
			return dbError(err, "recording the digest of %s", f)
		}
	}
	if err := tx.Commit(); err != nil {
		return dbError(err, "recording file digests of source %q", source)
	}
	return nil
}
