package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
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

// maxPrefixWords bounds how many whole words a prefix stands for in the
// query. Past it (a short prefix of a large vocabulary) the first ones in
// order are taken, and the stemmed prefix still finds most of the rest.
const maxPrefixWords = 64

// ftsQuery is a plan written as an FTS5 query: each word in double quotes
// (words hold only letters and digits, so no quote or operator can occur),
// the last with a prefix star, joined by AND or OR. all matches the words
// in any column but kind, and the kinds, when given, in kind; both indexes
// read it alike.
//
// The indexes stem the prefix as they stem a word ("pay"* is asked as
// "pai"*, which misses "payment"), so the prefix also stands for the words
// of names, titles and tags that start with it as typed, listed from the
// unstemmed entities_prefix_fts: ("pay"* OR "payments" OR "payroll"). The
// indexes stem those as they stemmed what they hold, so they find the
// words in every column, descriptions included.
type ftsQuery struct {
	all string
}

// newFTSQuery writes p for FTS5, with expand the words the prefix stands
// for; ok is false when nothing can match (a kind filter with no word in
// it).
func newFTSQuery(p searchPlan, expand []string) (q ftsQuery, ok bool) {
	terms := make([]string, len(p.words))
	for i, w := range p.words {
		terms[i] = ftsString(w)
		if p.prefix && i == len(p.words)-1 {
			alts := []string{terms[i] + "*"}
			for _, x := range expand {
				alts = append(alts, ftsString(x))
			}
			terms[i] = strings.Join(alts, " OR ")
			if len(alts) > 1 {
				terms[i] = "(" + terms[i] + ")"
			}
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
	return q, true
}

// ftsString quotes a word for FTS5. Words hold only letters, digits and
// marks; a double quote is doubled all the same.
func ftsString(w string) string {
	return `"` + strings.ReplaceAll(w, `"`, `""`) + `"`
}

// prefixWords returns the words of names, titles and tags that start with
// the plan's prefix as typed, up to maxPrefixWords, from the vocabulary of
// the unstemmed index.
func (db *DB) prefixWords(ctx context.Context, p searchPlan) ([]string, error) {
	// FTS5's porter leaves words of one or two letters as they are, and a
	// stem keeps a word's first two letters: "pa"* finds payments as it is.
	if !p.prefix || utf8.RuneCountInString(p.words[len(p.words)-1]) < 3 {
		return nil, nil
	}
	// The index folds diacritics and the query does not: "cafe" is listed
	// for "caf" but not for "café", which the stemmed prefix still finds.
	prefix := p.words[len(p.words)-1]
	var terms []string
	// U+10FFFF sorts after every character a word can start with.
	err := db.read.SelectContext(ctx, &terms,
		`SELECT term FROM entities_prefix_vocab WHERE term >= ? AND term < ? LIMIT ?`,
		prefix, prefix+"\U0010FFFF", maxPrefixWords)
	if err != nil {
		return nil, err
	}
	out := terms[:0]
	for _, t := range terms {
		// The prefix as a whole word is stemmed as the prefix is: asking
		// for it again would only read the same entries twice.
		if strings.HasPrefix(t, prefix) && t != prefix {
			out = append(out, t)
		}
	}
	return out, nil
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

// searchSQLite ranks inside the indexes (FTS5's bm25() with ORDER BY ...
// LIMIT, so only a page's worth of hits leaves SQLite), reads refs and
// snippets for the page only, and counts up to just past the cap unless
// the tiers it read were whole. The rest tier is ranked only when the
// better ones do not fill the page: a common word found in many names never
// ranks the descriptions that hold it.
func (db *DB) searchSQLite(ctx context.Context, p searchPlan) ([]rankedRef, int, error) {
	expand, err := db.prefixWords(ctx, p)
	if err != nil {
		return nil, 0, err
	}
	q, ok := newFTSQuery(p, expand)
	if !ok {
		return nil, 0, nil
	}
	want := p.offset + p.limit
	exact, err := db.exactIDs(ctx, p)
	if err != nil {
		return nil, 0, err
	}
	n := want + len(exact)
	named, err := db.rankedHits(ctx, "entities_names_fts", q.all, n, tierNames)
	if err != nil {
		return nil, 0, err
	}
	whole := len(named) < n // every hit of the names tier is in named
	hits, err := db.promoteExact(ctx, q, exact, named, whole)
	if err != nil {
		return nil, 0, err
	}
	if whole && len(hits) < want {
		// The rest tier is every hit less the names tier, which is whole
		// and smaller than a page: ask for that many more and skip them.
		n = want + len(hits)
		rest, err := db.rankedHits(ctx, "entities_fts", q.all, n, tierRest)
		if err != nil {
			return nil, 0, err
		}
		hits = appendNew(hits, rest)
		if len(rest) < n {
			// Every hit was read.
			return db.page(ctx, p, q, hits, len(hits))
		}
	}
	// Names are the smaller index: when they alone pass the cap, so does
	// the whole.
	table := "entities_fts"
	if !whole {
		table = "entities_names_fts"
	}
	total, err := db.countHits(ctx, table, q.all)
	if err == nil && table != "entities_fts" && total <= searchCountCap {
		total, err = db.countHits(ctx, "entities_fts", q.all)
	}
	if err != nil {
		return nil, 0, err
	}
	return db.page(ctx, p, q, hits, total)
}

// countHits counts the hits of match in table up to just past the cap.
func (db *DB) countHits(ctx context.Context, table, match string) (int, error) {
	var n int
	q := fmt.Sprintf(`SELECT count(*) FROM (SELECT 1 FROM %[1]s WHERE %[1]s MATCH ? LIMIT ?)`, table)
	err := db.read.GetContext(ctx, &n, q, match, searchCountCap+1)
	return n, err
}

// page describes the hits of the page at p.offset.
func (db *DB) page(ctx context.Context, p searchPlan, q ftsQuery, hits []ftsHit, total int) ([]rankedRef, int, error) {
	if p.offset >= len(hits) {
		return nil, total, nil
	}
	out, err := db.describeHits(ctx, q.all, hits[p.offset:min(len(hits), p.offset+p.limit)])
	return out, total, err
}

// exactIDs returns the ids of the entities named exactly as the query.
func (db *DB) exactIDs(ctx context.Context, p searchPlan) ([]int64, error) {
	if p.exact == "" {
		return nil, nil
	}
	var ids []int64
	err := db.read.SelectContext(ctx, &ids, "SELECT id FROM entities WHERE name_lower = ? ORDER BY id", p.exact)
	return ids, err
}

// promoteExact returns the names tier with the entities named exactly as
// the query moved to the front, best first, when they match it (kinds
// included). An exact name holds every word, so its entity is in the
// names tier; only when that tier was cut short before reaching it is it
// looked up on its own.
func (db *DB) promoteExact(ctx context.Context, q ftsQuery, exact []int64, named []ftsHit, whole bool) ([]ftsHit, error) {
	if len(exact) == 0 {
		return named, nil
	}
	var front, missing []int64
	for _, id := range exact {
		if slices.ContainsFunc(named, func(h ftsHit) bool { return h.ID == id }) {
			front = append(front, id)
		} else if !whole {
			missing = append(missing, id)
		}
	}
	var top []ftsHit
	for _, h := range named {
		if slices.Contains(front, h.ID) {
			top = append(top, h)
		}
	}
	if len(missing) > 0 {
		var more []ftsHit
		sq := `SELECT rowid AS id, rank FROM entities_names_fts WHERE entities_names_fts MATCH ? AND rowid IN (?)`
		if err := db.selectIn(ctx, &more, sq, q.all, missing); err != nil {
			return nil, err
		}
		top = append(top, more...)
		slices.SortFunc(top, func(a, b ftsHit) int { return cmp.Or(cmp.Compare(a.Rank, b.Rank), cmp.Compare(a.ID, b.ID)) })
	}
	for i := range top {
		top[i].tier = tierExact
	}
	return appendNew(top, named), nil
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
