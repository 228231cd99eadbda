package store

import (
	"context"
	"strings"

	"github.com/gantryhq/gantry/catalog"
)

// FirstOfKind returns at most limit entities of kind, in ref order,
// without relations, in one bounded query: an action's form learns
// whether a kind fits a static list (100 options) by reading 101 of
// its entities, never the whole kind (Scan reads scanBatch at a time).
func (db *DB) FirstOfKind(ctx context.Context, kind string, limit int) ([]catalog.Entity, error) {
	if limit <= 0 {
		return nil, nil
	}
	var rows []entityRow
	q := "SELECT " + entityColumns + " FROM entities e WHERE e.kind = ? ORDER BY e.ref LIMIT ?"
	if err := db.selectIn(ctx, &rows, q, strings.ToLower(kind), limit); err != nil {
		return nil, dbError(err, "reading the first entities of a kind")
	}
	return db.decode(ctx, rows, false)
}
