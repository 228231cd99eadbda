package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/internal/errkind"
)

// entityColumns is what loading an entity reads, from entities aliased e.
const entityColumns = "e.ref, e.source, e.file, e.line, e.location, e.origin_location, e.flag, e.body"

// inChunk bounds the refs in one IN (...) list, well under both engines'
// limits on bound parameters.
const inChunk = 500

// scanBatch is how many entities Scan holds in memory at once.
const scanBatch = 500

// entityRow is one row as entityColumns reads it.
type entityRow struct {
	Ref            string `db:"ref"`
	Source         string `db:"source"`
	File           string `db:"file"`
	Line           int    `db:"line"`
	Location       string `db:"location"`
	OriginLocation string `db:"origin_location"`
	Flag           string `db:"flag"`
	Body           []byte `db:"body"`
}

// relationRow is one stored edge.
type relationRow struct {
	Source string `db:"source_ref"`
	Type   string `db:"type"`
	Target string `db:"target_ref"`
}

// Entity returns one entity with its relations. Errors: errkind.NotFound.
func (db *DB) Entity(ctx context.Context, ref catalog.Ref) (*catalog.Entity, error) {
	row, err := db.entityRow(ctx, ref)
	if err != nil {
		return nil, err
	}
	ents, err := db.decode(ctx, []entityRow{row}, true)
	if err != nil {
		return nil, err
	}
	return &ents[0], nil
}

// EntityWithRelations returns one entity with only its relations of the
// given types: a system or a team of a large catalog has thousands of
// edges (hasPart, ownerOf) that a caller needing two kinds of them would
// otherwise read and sort. Errors: errkind.NotFound.
func (db *DB) EntityWithRelations(ctx context.Context, ref catalog.Ref, types ...string) (*catalog.Entity, error) {
	row, err := db.entityRow(ctx, ref)
	if err != nil {
		return nil, err
	}
	rows := []entityRow{row}
	ents, err := db.decode(ctx, rows, false)
	if err != nil {
		return nil, err
	}
	if len(types) > 0 {
		if err := db.attachRelationsOf(ctx, rows, ents, types); err != nil {
			return nil, err
		}
	}
	return &ents[0], nil
}

// entityRow reads one entity's row. Errors: errkind.NotFound.
func (db *DB) entityRow(ctx context.Context, ref catalog.Ref) (entityRow, error) {
	var row entityRow
	q := db.read.Rebind("SELECT " + entityColumns + " FROM entities e WHERE e.ref = ?")
	if err := db.read.GetContext(ctx, &row, q, noNUL(ref.String())); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return row, errkind.New(errkind.NotFound, "no entity %s in the catalog", ref)
		}
		return row, dbError(err, "reading entity %s", ref)
	}
	return row, nil
}

// Entities returns the entities of refs that exist, in the order given.
func (db *DB) Entities(ctx context.Context, refs []catalog.Ref) ([]catalog.Entity, error) {
	byRef := make(map[string]entityRow, len(refs))
	for chunk := range slices.Chunk(refs, inChunk) {
		keys := make([]string, len(chunk))
		for i, r := range chunk {
			keys[i] = noNUL(r.String())
		}
		var rows []entityRow
		if err := db.selectIn(ctx, &rows, "SELECT "+entityColumns+" FROM entities e WHERE e.ref IN (?)", keys); err != nil {
			return nil, dbError(err, "reading %d entities", len(refs))
		}
		for _, r := range rows {
			byRef[r.Ref] = r
		}
	}
	rows := make([]entityRow, 0, len(byRef))
	for _, r := range refs {
		if row, ok := byRef[noNUL(r.String())]; ok {
			rows = append(rows, row)
		}
	}
	return db.decode(ctx, rows, true)
}

// EntitiesByName returns every entity named name, case-insensitively, in
// ref order.
func (db *DB) EntitiesByName(ctx context.Context, name string) ([]catalog.Entity, error) {
	var rows []entityRow
	q := db.read.Rebind("SELECT " + entityColumns + " FROM entities e WHERE e.name_lower = ? ORDER BY e.ref")
	if err := db.read.SelectContext(ctx, &rows, q, noNUL(strings.ToLower(name))); err != nil {
		return nil, dbError(err, "looking up entities named %q", name)
	}
	return db.decode(ctx, rows, true)
}

// EntitiesByKey returns the entities indexed under a lookup key, in ref
// order.
func (db *DB) EntitiesByKey(ctx context.Context, key, value string) ([]catalog.Entity, error) {
	var rows []entityRow
	q := db.read.Rebind("SELECT " + entityColumns + ` FROM entity_keys k JOIN entities e ON e.ref = k.ref
		WHERE k.key = ? AND k.value = ? ORDER BY e.ref`)
	if err := db.read.SelectContext(ctx, &rows, q, noNUL(key), noNUL(value)); err != nil {
		return nil, dbError(err, "looking up entities by %s %q", key, value)
	}
	return db.decode(ctx, rows, true)
}

// Scan calls fn with every entity of kinds (all when empty), in ref order.
// It reads scanBatch entities at a time by keyset, so memory stays flat
// whatever the catalog's size and no connection is held while fn runs;
// the flip side is that writes between batches may be seen.
func (db *DB) Scan(ctx context.Context, kinds []string, withRelations bool, fn func(e *catalog.Entity) error) error {
	kinds = lowerAll(kinds)
	after := ""
	for {
		q, args := "SELECT "+entityColumns+" FROM entities e WHERE e.ref > ?", []any{after}
		if len(kinds) > 0 {
			q += " AND e.kind IN (?)"
			args = append(args, kinds)
		}
		q += " ORDER BY e.ref LIMIT ?"
		args = append(args, scanBatch)
		var rows []entityRow
		if err := db.selectIn(ctx, &rows, q, args...); err != nil {
			return dbError(err, "scanning the catalog")
		}
		ents, err := db.decode(ctx, rows, withRelations)
		if err != nil {
			return err
		}
		for i := range ents {
			if err := fn(&ents[i]); err != nil {
				return err
			}
		}
		if len(rows) < scanBatch {
			return nil
		}
		after = rows[len(rows)-1].Ref
	}
}

// Refs returns every entity's ref, in ref order.
func (db *DB) Refs(ctx context.Context) ([]catalog.Ref, error) {
	var keys []string
	if err := db.read.SelectContext(ctx, &keys, "SELECT ref FROM entities ORDER BY ref"); err != nil {
		return nil, dbError(err, "listing the catalog's refs")
	}
	refs := make([]catalog.Ref, 0, len(keys))
	for _, k := range keys {
		r, err := parseStoredRef(k)
		if err != nil {
			return nil, err
		}
		refs = append(refs, r)
	}
	return refs, nil
}

// selectIn runs a query whose slice arguments expand into IN lists, on the
// read pool.
func (db *DB) selectIn(ctx context.Context, dest any, q string, args ...any) error {
	q, args, err := sqlx.In(q, args...)
	if err != nil {
		return err
	}
	return db.read.SelectContext(ctx, dest, db.read.Rebind(q), args...)
}

// getIn is selectIn for a single value.
func (db *DB) getIn(ctx context.Context, dest any, q string, args ...any) error {
	q, args, err := sqlx.In(q, args...)
	if err != nil {
		return err
	}
	return db.read.GetContext(ctx, dest, db.read.Rebind(q), args...)
}

// decode turns rows into entities with their origin and, when asked, their
// relations.
func (db *DB) decode(ctx context.Context, rows []entityRow, withRelations bool) ([]catalog.Entity, error) {
	ents := make([]catalog.Entity, len(rows))
	for i, r := range rows {
		if err := json.Unmarshal(r.Body, &ents[i]); err != nil {
			return nil, fmt.Errorf("entity %s is stored damaged: %w", r.Ref, err)
		}
		ents[i].Relations = nil
		ents[i].Origin = catalog.Origin{Source: r.Source, File: r.File, Line: r.Line,
			Location: r.Location, OriginLocation: r.OriginLocation, Flag: r.Flag}
	}
	if !withRelations || len(rows) == 0 {
		return ents, nil
	}
	return ents, db.attachRelations(ctx, rows, ents)
}

// attachRelations fills the Relations of ents (rows[i] is ents[i]) with the
// edges that start at each, sorted by type then target. An edge declared by
// both of its ends is stored twice and returned once.
func (db *DB) attachRelations(ctx context.Context, rows []entityRow, ents []catalog.Entity) error {
	return db.attachRelationsOf(ctx, rows, ents, nil)
}

// attachRelationsOf is attachRelations restricted to the relation types
// given (all of them when types is empty).
func (db *DB) attachRelationsOf(ctx context.Context, rows []entityRow, ents []catalog.Entity, types []string) error {
	at := make(map[string][]int, len(rows))
	var refs []string
	for i, r := range rows {
		if _, ok := at[r.Ref]; !ok {
			refs = append(refs, r.Ref)
		}
		at[r.Ref] = append(at[r.Ref], i)
	}
	for chunk := range slices.Chunk(refs, inChunk) {
		var rels []relationRow
		q := "SELECT DISTINCT source_ref, type, target_ref FROM relations WHERE source_ref IN (?)"
		args := []any{chunk}
		if len(types) > 0 {
			q += " AND type IN (?)"
			args = append(args, types)
		}
		if err := db.selectIn(ctx, &rels, q, args...); err != nil {
			return dbError(err, "reading relations")
		}
		for _, rel := range rels {
			target, err := parseStoredRef(rel.Target)
			if err != nil {
				return err
			}
			for _, i := range at[rel.Source] {
				ents[i].Relations = append(ents[i].Relations, catalog.Relation{Type: rel.Type, Target: target})
			}
		}
	}
	for i := range ents {
		slices.SortFunc(ents[i].Relations, func(a, b catalog.Relation) int {
			return cmp.Or(cmp.Compare(a.Type, b.Type), cmp.Compare(a.Target.String(), b.Target.String()))
		})
	}
	return nil
}

// parseStoredRef reads a ref the store wrote.
func parseStoredRef(s string) (catalog.Ref, error) {
	r, err := catalog.ParseRef(s, "", catalog.DefaultNamespace)
	if err != nil {
		return catalog.Ref{}, fmt.Errorf("the database holds a malformed ref %q: %w", s, err)
	}
	return r, nil
}

func lowerAll(ss []string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if s = noNUL(strings.ToLower(strings.TrimSpace(s))); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// CountEntities returns how many entities the catalog holds, for metrics.
func (db *DB) CountEntities(ctx context.Context) (int, error) {
	var n int
	if err := db.read.GetContext(ctx, &n, `SELECT COUNT(*) FROM entities`); err != nil {
		return 0, dbError(err, "count entities")
	}
	return n, nil
}
