package store

import (
	"cmp"
	"context"
	"slices"

	"github.com/gantryhq/gantry/catalog"
)

// RelationsFrom returns the relations that start at ref, sorted by type
// then target, whether or not ref is in the catalog: every edge is stored
// in both directions, so an owner that entities name but the catalog does
// not hold still has its ownerOf edges.
func (db *DB) RelationsFrom(ctx context.Context, ref catalog.Ref) ([]catalog.Relation, error) {
	var rows []relationRow
	q := db.read.Rebind("SELECT DISTINCT source_ref, type, target_ref FROM relations WHERE source_ref = ?")
	if err := db.read.SelectContext(ctx, &rows, q, noNUL(ref.String())); err != nil {
		return nil, dbError(err, "reading the relations of %s", ref)
	}
	out := make([]catalog.Relation, 0, len(rows))
	for _, r := range rows {
		target, err := parseStoredRef(r.Target)
		if err != nil {
			return nil, err
		}
		out = append(out, catalog.Relation{Type: r.Type, Target: target})
	}
	slices.SortFunc(out, func(a, b catalog.Relation) int {
		return cmp.Or(cmp.Compare(a.Type, b.Type), cmp.Compare(a.Target.String(), b.Target.String()))
	})
	return out, nil
}
