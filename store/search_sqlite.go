package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
)

// ftsMatch writes a plan as an FTS4 MATCH expression: each word in double
// quotes (words hold only letters and digits, so no quote can occur), the
// last with a prefix star, joined by spaces (AND) or OR. Lowercased words
// cannot be FTS operators, which are uppercase.
func ftsMatch(p searchPlan) string {
	terms := make([]string, len(p.words))
	for i, w := range p.words {
		if p.prefix && i == len(p.words)-1 {
			terms[i] = `"` + w + `*"`
		} else {
			terms[i] = `"` + w + `"`
		}
	}
	if p.any {
		return strings.Join(terms, " OR ")
	}
	return strings.Join(terms, " ")
}

// searchSQLite ranks with BM25 over matchinfo (see rankMatchinfo), counts
// up to just past the cap, and builds snippets for the page only, since
// snippet() is costly and SQLite would otherwise compute it for every
// match before sorting.
func (db *DB) searchSQLite(ctx context.Context, p searchPlan) ([]rankedRef, int, error) {
	match := ftsMatch(p)
	kindFilter, args := "", []any{match}
	if len(p.kinds) > 0 {
		kindFilter, args = " AND e.kind IN (?)", append(args, p.kinds)
	}
	var total int
	countQ := `SELECT count(*) FROM (SELECT 1 FROM entities_fts JOIN entities e ON e.id = entities_fts.docid
		WHERE entities_fts MATCH ?` + kindFilter + ` LIMIT ?)`
	if err := db.getIn(ctx, &total, countQ, append(args, searchCountCap+1)...); err != nil {
		return nil, 0, err
	}
	if total == 0 || p.offset >= total && total <= searchCountCap {
		return nil, total, nil
	}
	var page []struct {
		rankedRef
		DocID int64 `db:"docid"`
	}
	pageQ := `SELECT e.ref AS ref, entities_fts.docid AS docid,
			gantry_rank(matchinfo(entities_fts, 'pcnalx')) + CASE WHEN e.name_lower = ? THEN ? ELSE 0 END AS score
		FROM entities_fts JOIN entities e ON e.id = entities_fts.docid
		WHERE entities_fts MATCH ?` + kindFilter + `
		ORDER BY score DESC, length(e.name), e.ref LIMIT ? OFFSET ?`
	pageArgs := append([]any{p.exact, exactNameBonus}, args...)
	if err := db.selectIn(ctx, &page, pageQ, append(pageArgs, p.limit, p.offset)...); err != nil {
		return nil, 0, err
	}
	if len(page) == 0 {
		return nil, total, nil
	}
	ids := make([]int64, len(page))
	for i, h := range page {
		ids[i] = h.DocID
	}
	var snippets []struct {
		DocID   int64  `db:"docid"`
		Snippet string `db:"snippet"`
	}
	// Column 2 is the description: with no match there, snippet() gives its
	// first words, which is what a hit found by name should show.
	snipQ := fmt.Sprintf(`SELECT docid, snippet(entities_fts, '*', '*', '…', 2, %d) AS snippet
		FROM entities_fts WHERE entities_fts MATCH ? AND docid IN (?)`, snippetWords)
	if err := db.selectIn(ctx, &snippets, snipQ, match, ids); err != nil {
		return nil, 0, err
	}
	byID := make(map[int64]string, len(snippets))
	for _, s := range snippets {
		byID[s.DocID] = s.Snippet
	}
	out := make([]rankedRef, len(page))
	for i, h := range page {
		out[i] = h.rankedRef
		out[i].Snippet = byID[h.DocID]
	}
	return out, total, nil
}

// getIn is selectIn for a single value.
func (db *DB) getIn(ctx context.Context, dest any, q string, args ...any) error {
	q, args, err := sqlx.In(q, args...)
	if err != nil {
		return err
	}
	return db.read.GetContext(ctx, dest, db.read.Rebind(q), args...)
}
