package store

import (
	"context"
	"time"

	"github.com/gantryhq/gantry/catalog/ingest"
)

// Registered catalog locations (ingest.RegisteredStore): descriptors added
// by actions, read by the "registered" source.

// RegisteredLocations returns every registered location, oldest first.
func (db *DB) RegisteredLocations(ctx context.Context) ([]ingest.RegisteredLocation, error) {
	var rows []struct {
		Repo    string `db:"repo"`
		Path    string `db:"path"`
		Ref     string `db:"ref"`
		RunID   string `db:"run_id"`
		AddedBy string `db:"added_by"`
		AddedAt int64  `db:"added_at"`
	}
	if err := db.read.SelectContext(ctx, &rows, "SELECT repo, path, ref, run_id, added_by, added_at FROM registered_locations ORDER BY added_at, target"); err != nil {
		return nil, dbError(err, "reading the registered catalog locations")
	}
	out := make([]ingest.RegisteredLocation, len(rows))
	for i, r := range rows {
		out[i] = ingest.RegisteredLocation{Repo: r.Repo, Path: r.Path, Ref: r.Ref, RunID: r.RunID, AddedBy: r.AddedBy, AddedAt: fromMillis(r.AddedAt)}
	}
	return out, nil
}

// AddRegisteredLocation records a location; added is false when it was
// already registered (the first registration is kept).
func (db *DB) AddRegisteredLocation(ctx context.Context, l ingest.RegisteredLocation) (bool, error) {
	at := l.AddedAt
	if at.IsZero() {
		at = time.Now()
	}
	res, err := db.write.ExecContext(ctx, db.write.Rebind(`INSERT INTO registered_locations (target, repo, path, ref, run_id, added_by, added_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (target) DO NOTHING`),
		noNUL(l.Target()), noNUL(l.Repo), noNUL(l.Path), noNUL(l.Ref), noNUL(l.RunID), noNUL(l.AddedBy), millis(at))
	if err != nil {
		return false, dbError(err, "registering catalog location %s", l.Target())
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}
