package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
)

// A SQLite search lists its hits in tiers: the entities named exactly as
// the query, then those whose names and titles hold every word (ranked by
// entities_names_fts, where a short name beats a long one), then the rest
// (ranked by entities_fts over every field). A hit's Rank is its tier
// times tierStep plus its BM25 score, so ranks compare across tiers.
const (
	tierExact = 2
	tierNames = 1
	tierRest  = 0
	tierStep  = 1e6
)

// ftsQuery is a plan written as FTS5 queries: each word in double quotes
// (words hold only letters and digits, so no quote or operator can occur),
// the last with a prefix star, joined by AND or OR.
type ftsQuery struct {
	// all matches the words in any column but kind, and the kinds, when
	// given, in kind. Both indexes read it alike.
	all string
	// rest is all less the entities whose names and titles hold the words.
	rest string
}

// newFTSQuery writes p for FTS5; ok is false when nothing can match (a
// kind filter with no word in it).
func newFTSQuery(p searchPlan) (q ftsQuery, ok bool) {
	terms := make([]string, len(p.words))
	for i, w := range p.words {
		terms[i] = `"` + w + `"`
		if p.prefix && i == len(p.words)-1 {
			terms[i] += "*"
		}
	}
	op := " AND "
	if p.any {
		op = " OR "
	}
	words := "(" + strings.Join(terms, op) + ")"
	q.all = "(- {kind} : " + words + ")"
	if len(p.kinds) > 0 {
		var kinds []string
		for _, k := range p.kinds {
			if kw := splitWords(k); len(kw) > 0 {
				kinds = append(kinds, `"`+strings.Join(kw, " ")+`"`)
			}
		}
		if len(kinds) == 0 {
			return ftsQuery{}, false
		}
		q.all += " AND (kind : (" + strings.Join(kinds, " OR ") + "))"
	}
	q.rest = "(" + q.all + ") NOT ({name title} : " + words + ")"
	return q, true
}

// ftsHit is one row of an FTS5 index with its BM25 rank (lower is better)
// and its tier.
type ftsHit struct {
	ID   int64   `db:"id"`
	Rank float64 `db:"rank"`
	tier int
}

// score is the hit's rank as SearchHit.Rank has it: higher is better.
func (h ftsHit) score() float64 { return float64(h.tier)*tierStep - h.Rank }

// searchSQLite counts up to just past the cap, ranks inside the indexes
// (FTS5's bm25() with ORDER BY ... LIMIT, so only the page's worth of hits
// leave SQLite), and reads refs and snippets for the page only. The rest
// tier is ranked only when the better ones do not fill the page: a common
// word found in many names never ranks the descriptions that hold it.
func (db *DB) searchSQLite(ctx context.Context, p searchPlan) ([]rankedRef, int, error) {
	q, ok := newFTSQuery(p)
	if !ok {
		return nil, 0, nil
	}
	var total int
	countQ := `SELECT count(*) FROM (SELECT 1 FROM entities_fts WHERE entities_fts MATCH ? LIMIT ?)`
	if err := db.read.GetContext(ctx, &total, countQ, q.all, searchCountCap+1); err != nil {
		return nil, 0, err
	}
	if total == 0 || p.offset >= total && total <= searchCountCap {
		return nil, total, nil
	}
	want := p.offset + p.limit
	hits, err := db.exactHits(ctx, p, q)
	if err != nil {
		return nil, 0, err
	}
	named, err := db.rankedHits(ctx, "entities_names_fts", q.all, want+len(hits), tierNames)
	if err != nil {
		return nil, 0, err
	}
	hits = appendNew(hits, named)
	if len(named) < want && len(hits) < want {
		rest, err := db.rankedHits(ctx, "entities_fts", q.rest, want-len(hits), tierRest)
		if err != nil {
			return nil, 0, err
		}
		hits = appendNew(hits, rest)
	}
	if p.offset >= len(hits) {
		return nil, total, nil
	}
	out, err := db.describeHits(ctx, q.all, hits[p.offset:min(len(hits), want)])
	return out, total, err
}

// exactHits returns the entities named exactly as the query, when they
// match it, best first.
func (db *DB) exactHits(ctx context.Context, p searchPlan, q ftsQuery) ([]ftsHit, error) {
	if p.exact == "" {
		return nil, nil
	}
	var ids []int64
	if err := db.read.SelectContext(ctx, &ids, "SELECT id FROM entities WHERE name_lower = ?", p.exact); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var hits []ftsHit
	sq := `SELECT rowid AS id, rank FROM entities_names_fts WHERE entities_names_fts MATCH ? AND rowid IN (?)`
	if err := db.selectIn(ctx, &hits, sq, q.all, ids); err != nil {
		return nil, err
	}
	for i := range hits {
		hits[i].tier = tierExact
	}
	slices.SortFunc(hits, func(a, b ftsHit) int { return cmp.Or(cmp.Compare(a.Rank, b.Rank), cmp.Compare(a.ID, b.ID)) })
	return hits, nil
}

// rankedHits returns the best n hits of match in table, of tier; equal
// ranks go by id, so that pages neither repeat nor skip a hit.
func (db *DB) rankedHits(ctx context.Context, table, match string, n, tier int) ([]ftsHit, error) {
	var hits []ftsHit
	q := fmt.Sprintf(`SELECT rowid AS id, rank FROM %[1]s WHERE %[1]s MATCH ? ORDER BY rank, rowid LIMIT ?`, table)
	if err := db.read.SelectContext(ctx, &hits, q, match, n); err != nil {
		return nil, err
	}
	for i := range hits {
		hits[i].tier = tier
	}
	return hits, nil
}

// appendNew appends to hits those of more it does not hold yet.
func appendNew(hits, more []ftsHit) []ftsHit {
	for _, h := range more {
		if !slices.ContainsFunc(hits, func(x ftsHit) bool { return x.ID == h.ID }) {
			hits = append(hits, h)
		}
	}
	return hits
}

// hitText is what the page shows of a hit besides the entity.
type hitText struct {
	ID      int64  `db:"id"`
	Ref     string `db:"ref"`
	Snippet string `db:"snippet"`
}

// describeHits reads the ref and snippet of each hit of the page, in the
// page's order. Column 2 is the description: with no match there,
// snippet() gives its first words, which is what a hit found by name
// should show.
//
// The index is searched once, over the range of the page's ids, and the
// ids are picked from that range (the + keeps SQLite from handing the IN
// list to FTS5): FTS5 would otherwise run the query again for each id,
// and a prefix query reads all its words' entries each time.
func (db *DB) describeHits(ctx context.Context, match string, page []ftsHit) ([]rankedRef, error) {
	ids := make([]int64, len(page))
	for i, h := range page {
		ids[i] = h.ID
	}
	var rows []hitText
	q := fmt.Sprintf(`SELECT f.rowid AS id, e.ref AS ref, snippet(entities_fts, 2, '*', '*', '…', %d) AS snippet
		FROM entities_fts f JOIN entities e ON e.id = f.rowid
		WHERE entities_fts MATCH ? AND f.rowid BETWEEN ? AND ? AND +f.rowid IN (?)`, snippetWords)
	if err := db.selectIn(ctx, &rows, q, match, slices.Min(ids), slices.Max(ids), ids); err != nil {
		return nil, err
	}
	out := make([]rankedRef, 0, len(page))
	for _, h := range page {
		i := slices.IndexFunc(rows, func(r hitText) bool { return r.ID == h.ID })
		if i < 0 {
			continue // deleted between the reads
		}
		out = append(out, rankedRef{Ref: rows[i].Ref, Score: h.score(), Snippet: rows[i].Snippet})
	}
	return out, nil
}
