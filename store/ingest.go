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
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/catalog/ingest"
)

// SourceHeads returns the ref, hash, file and flag of every entity source
// wrote, in ref order, without reading the entities' bodies.
func (db *DB) SourceHeads(ctx context.Context, source string) ([]ingest.Head, error) {
	var rows []struct {
		Ref  string `db:"ref"`
		Hash string `db:"hash"`
		File string `db:"file"`
		Line int    `db:"line"`
		Flag string `db:"flag"`
	}
	q := db.read.Rebind("SELECT ref, hash, file, line, flag FROM entities WHERE source = ? ORDER BY ref")
	if err := db.read.SelectContext(ctx, &rows, q, noNUL(source)); err != nil {
		return nil, dbError(err, "reading what source %q stored", source)
	}
	heads := make([]ingest.Head, len(rows))
	for i, r := range rows {
		ref, err := parseStoredRef(r.Ref)
		if err != nil {
			return nil, err
		}
		heads[i] = ingest.Head{Ref: ref, Hash: r.Hash, File: r.File, Line: r.Line, Flag: r.Flag}
	}
	return heads, nil
}

// ApplyChanges writes one batch of a source's changes in one transaction:
// deletes first, then upserts (each replacing the entity's row, relations,
// lookup keys and search text), then flags. Deletes and flags only touch
// rows the source holds. An upsert of a ref another source holds is left
// out and returned as a Conflict. An empty batch writes nothing.
func (db *DB) ApplyChanges(ctx context.Context, source string, ch ingest.Changes) ([]ingest.Conflict, error) {
	if ch.Empty() {
		return nil, nil
	}
	// Encode before taking the write lock: on SQLite every other writer
	// waits while the transaction is open.
	ups, err := prepareUpserts(ch.Upserts)
	if err != nil {
		return nil, err
	}
	tx, err := db.write.BeginTxx(ctx, nil)
	if err != nil {
		return nil, dbError(err, "starting to write source %q", source)
	}
	defer tx.Rollback()
	w, err := db.newWriter(ctx, tx)
	if err != nil {
		return nil, dbError(err, "preparing to write source %q", source)
	}
	defer w.close()
	conflicts, err := w.apply(ctx, noNUL(source), ch, ups)
	if err != nil {
		return nil, dbError(err, "writing source %q", source)
	}
	if err := tx.Commit(); err != nil {
		return nil, dbError(err, "committing source %q", source)
	}
	return conflicts, nil
}

// upsertRow is an upsert encoded for the database.
type upsertRow struct {
	ref    string
	e      *catalog.Entity
	hash   string
	flag   string
	body   string
	edges  []catalog.Edge
	keys   []catalog.Key
	search searchDoc
}

// prepareUpserts encodes upserts and sorts them by ref, the last of
// duplicates winning. The order also makes concurrent PostgreSQL writers
// lock rows in the same order, so they cannot deadlock on each other.
func prepareUpserts(ups []ingest.Upsert) ([]upsertRow, error) {
	out := make([]upsertRow, 0, len(ups))
	for i := range ups {
		e := &ups[i].Entity
		ref := noNUL(e.Ref().String())
		body := ups[i].Body
		if body == nil || len(e.Relations) > 0 {
			bare := *e
			bare.Relations = nil // derived: stored as rows, recomputed on read
			var err error
			if body, err = json.Marshal(bare); err != nil {
				return nil, fmt.Errorf("encoding entity %s: %w", ref, err)
			}
		}
		out = append(out, upsertRow{ref: ref, e: e, hash: ups[i].Hash, flag: ups[i].Flag, body: noNULJSON(string(body)),
			edges: catalog.Edges(e), keys: catalog.LookupKeys(e), search: newSearchDoc(e)})
	}
	slices.SortStableFunc(out, func(a, b upsertRow) int { return cmp.Compare(a.ref, b.ref) })
	deduped := out[:0]
	for i, u := range out {
		if i+1 < len(out) && out[i+1].ref == u.ref {
			continue
		}
		deduped = append(deduped, u)
	}
	return deduped, nil
}

// writer holds the statements of one ApplyChanges transaction, prepared
// once and run for every row.
type writer struct {
	db    *DB
	tx    *sqlx.Tx
	stmts []*sqlx.Stmt
	now   any

	upsert, delRelations, delKeys, delEntity, setFlag *sqlx.Stmt

	// Derived rows are queued and written many per statement, after their
	// entities' rows (which their foreign keys need).
	relations, keys *bulkInsert
}

// Column lists of the entity upsert. SQLite adds the searched text that
// entities_fts indexes (its triggers keep the index in step), PostgreSQL
// the search vector.
const (
	upsertColumns = "ref, kind, namespace, name, name_lower, title, description, source, file, line, location, origin_location, hash, flag, body, updated_at"
	upsertSet     = `source = excluded.source, kind = excluded.kind, namespace = excluded.namespace, name = excluded.name,
		name_lower = excluded.name_lower, title = excluded.title, description = excluded.description,
		file = excluded.file, line = excluded.line, location = excluded.location,
		origin_location = excluded.origin_location, hash = excluded.hash, flag = excluded.flag,
		body = excluded.body, updated_at = excluded.updated_at`
	sqliteSearchColumns = "tags, owner, system, link_titles"
	sqliteSearchSet     = `tags = excluded.tags, owner = excluded.owner, system = excluded.system,
		link_titles = excluded.link_titles`
)

// An entity Gantry inferred (gantry.dev/inferred: "true", say from a
// repository without a descriptor) never blocks a declared one: a declared
// upsert from another source takes its ref over, while an inferred upsert
// of a ref held by a declared entity is a conflict like any other.
func sqliteInferred(table string) string {
	return "coalesce(json_extract(" + table + `.body, '$.metadata.annotations."gantry.dev/inferred"'), '') = 'true'`
}

func postgresInferred(table string) string {
	return "coalesce(" + table + ".body->'metadata'->'annotations'->>'gantry.dev/inferred', '') = 'true'"
}

func (db *DB) newWriter(ctx context.Context, tx *sqlx.Tx) (*writer, error) {
	w := &writer{db: db, tx: tx, now: time.Now().UTC().Format(time.RFC3339Nano)}
	// The upsert's WHERE leaves a row another source holds untouched, and
	// then RETURNING yields no row: that is how a conflict shows even when
	// another writer inserted the ref after we looked.
	upsert := `INSERT INTO entities (` + upsertColumns + `, ` + sqliteSearchColumns + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (ref) DO UPDATE SET ` + upsertSet + `, ` + sqliteSearchSet + `
		WHERE entities.source = excluded.source OR (` + sqliteInferred("entities") + ` AND NOT ` + sqliteInferred("excluded") + `)
		RETURNING 1`
	if db.dialect == DialectPostgres {
		w.now = time.Now().UTC()
		upsert = `INSERT INTO entities (` + upsertColumns + `, search) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
			setweight(to_tsvector('english', ?), 'A') || setweight(to_tsvector('english', ?), 'B') || setweight(to_tsvector('english', ?), 'C'))
			ON CONFLICT (ref) DO UPDATE SET ` + upsertSet + `, search = excluded.search
			WHERE entities.source = excluded.source OR (` + postgresInferred("entities") + ` AND NOT ` + postgresInferred("excluded") + `)
			RETURNING 1`
	}
	type statement struct {
		dst **sqlx.Stmt
		q   string
	}
	prep := []statement{
		{&w.upsert, upsert},
		{&w.delRelations, "DELETE FROM relations WHERE origin_ref = ?"},
		{&w.delKeys, "DELETE FROM entity_keys WHERE ref = ?"},
		{&w.delEntity, "DELETE FROM entities WHERE ref = ? AND source = ?"},
		{&w.setFlag, "UPDATE entities SET flag = ? WHERE ref = ? AND source = ?"},
	}
	w.relations = newBulkInsert(tx, "relations", "origin_ref", "source_ref", "type", "target_ref")
	w.keys = newBulkInsert(tx, "entity_keys", "ref", "key", "value")
	for _, p := range prep {
		st, err := tx.PreparexContext(ctx, tx.Rebind(p.q))
		if err != nil {
			w.close()
			return nil, err
		}
		*p.dst = st
		w.stmts = append(w.stmts, st)
	}
	return w, nil
}

func (w *writer) close() {
	for _, st := range w.stmts {
		st.Close()
	}
	w.relations.close()
	w.keys.close()
}

// holder is who holds a ref.
type holder struct {
	Ref      string `db:"ref"`
	Source   string `db:"source"`
	File     string `db:"file"`
	Inferred bool   `db:"inferred"`
}

// apply runs the batch inside the writer's transaction.
func (w *writer) apply(ctx context.Context, source string, ch ingest.Changes, ups []upsertRow) ([]ingest.Conflict, error) {
	for _, ref := range ch.Deletes {
		if _, err := w.delEntity.ExecContext(ctx, noNUL(ref.String()), noNUL(source)); err != nil {
			return nil, fmt.Errorf("deleting %s: %w", ref, err)
		}
	}
	holders, err := w.holders(ctx, ups)
	if err != nil {
		return nil, err
	}
	var conflicts []ingest.Conflict
	for i := range ups {
		u := &ups[i]
		h, held := holders[u.ref]
		takesOver := h.Inferred && u.e.Annotation(catalog.AnnotationInferred) != "true"
		if held && h.Source != source && !takesOver {
			conflicts = append(conflicts, conflict(u, h))
			continue
		}
		ok, err := w.upsertEntity(ctx, source, u)
		if err != nil {
			return nil, err
		}
		if !ok {
			// Another source inserted the ref after holders was read.
			var h holder
			q := w.tx.Rebind("SELECT ref, source, file, false AS inferred FROM entities WHERE ref = ?")
			if err := w.tx.GetContext(ctx, &h, q, u.ref); err != nil {
				return nil, fmt.Errorf("reading who holds %s: %w", u.ref, err)
			}
			conflicts = append(conflicts, conflict(u, h))
			continue
		}
		if err := w.replaceDerived(ctx, held, u); err != nil {
			return nil, err
		}
	}
	for _, b := range []*bulkInsert{w.relations, w.keys} {
		if err := b.flush(ctx); err != nil {
			return nil, fmt.Errorf("writing %s: %w", b.table, err)
		}
	}
	for ref, flag := range ch.Flags {
		if _, err := w.setFlag.ExecContext(ctx, noNUL(flag), noNUL(ref.String()), noNUL(source)); err != nil {
			return nil, fmt.Errorf("flagging %s: %w", ref, err)
		}
	}
	return conflicts, nil
}

func conflict(u *upsertRow, h holder) ingest.Conflict {
	return ingest.Conflict{Ref: u.e.Ref(), Source: h.Source, File: h.File}
}

// holders reads who holds each ref of ups, in one query per chunk.
func (w *writer) holders(ctx context.Context, ups []upsertRow) (map[string]holder, error) {
	out := make(map[string]holder, len(ups))
	for chunk := range slices.Chunk(ups, inChunk) {
		refs := make([]string, len(chunk))
		for i := range chunk {
			refs[i] = chunk[i].ref
		}
		inferred := sqliteInferred("entities")
		if w.db.dialect == DialectPostgres {
			inferred = postgresInferred("entities")
		}
		q, args, err := sqlx.In("SELECT ref, source, file, "+inferred+" AS inferred FROM entities WHERE ref IN (?)", refs)
		if err != nil {
			return nil, err
		}
		var hs []holder
		if err := w.tx.SelectContext(ctx, &hs, w.tx.Rebind(q), args...); err != nil {
			return nil, fmt.Errorf("reading who holds %d refs: %w", len(refs), err)
		}
		for _, h := range hs {
			out[h.Ref] = h
		}
	}
	return out, nil
}

// upsertEntity writes the entity row; ok is false when another source
// holds the ref.
func (w *writer) upsertEntity(ctx context.Context, source string, u *upsertRow) (ok bool, err error) {
	e := u.e
	r := e.Ref()
	args := []any{u.ref, r.Kind, r.Namespace, e.Metadata.Name, strings.ToLower(e.Metadata.Name),
		e.Metadata.Title, e.Metadata.Description, source, e.Origin.File, e.Origin.Line,
		e.Origin.Location, e.Origin.OriginLocation, u.hash, u.flag, u.body, w.now}
	if w.db.dialect == DialectPostgres {
		a, b, c := u.search.weighted()
		args = append(args, a, b, c)
	} else {
		d := u.search
		args = append(args, d.Tags, d.Owner, d.System, d.Links)
	}
	var one int
	err = w.upsert.QueryRowxContext(ctx, noNULArgs(args)...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("writing entity %s: %w", u.ref, err)
	}
	return true, nil
}

// replaceDerived replaces what the store derives from an entity: the
// relations its spec declares and its lookup keys. existed says whether
// there were old ones to remove.
func (w *writer) replaceDerived(ctx context.Context, existed bool, u *upsertRow) error {
	if existed {
		if _, err := w.delRelations.ExecContext(ctx, u.ref); err != nil {
			return fmt.Errorf("replacing the relations of %s: %w", u.ref, err)
		}
		if _, err := w.delKeys.ExecContext(ctx, u.ref); err != nil {
			return fmt.Errorf("replacing the lookup keys of %s: %w", u.ref, err)
		}
	}
	for _, ed := range u.edges {
		if err := w.relations.add(ctx, u.ref, ed.Source.String(), ed.Type, ed.Target.String()); err != nil {
			return fmt.Errorf("writing relations: %w", err)
		}
	}
	for _, k := range u.keys {
		if err := w.keys.add(ctx, u.ref, k.Name, k.Value); err != nil {
			return fmt.Errorf("writing lookup keys: %w", err)
		}
	}
	return nil
}
