package store

import (
	"context"
	"fmt"
	"strings"
)

// tsQuery writes a plan as to_tsquery input: each word in single quotes
// (words hold only letters and digits, so no quote or operator can occur),
// the last one with the :* prefix marker, joined by & or |.
func tsQuery(p searchPlan) string {
	terms := make([]string, len(p.words))
	for i, w := range p.words {
		terms[i] = "'" + w + "'"
		if p.prefix && i == len(p.words)-1 {
			terms[i] += ":*"
		}
	}
	if p.any {
		return strings.Join(terms, " | ")
	}
	return strings.Join(terms, " & ")
}

// headlineOptions make ts_headline mark words as snippet() does on SQLite,
// in a passage of about the same length. ShortWord=0 keeps short words
// such as "db" from being dropped at the passage's edges.
const headlineOptions = "StartSel=*, StopSel=*, MinWords=15, MaxWords=25, ShortWord=0"

// searchPostgres ranks with ts_rank over the weighted vector (weights
// D..A = 0.1, 0.2, 0.4, 1.0), and builds headlines for the page only.
// There is no length normalisation: the vector mixes all fields, so it
// would punish a well-documented entity for its description; among equal
// ranks the shorter name comes first instead, as on SQLite.
func (db *DB) searchPostgres(ctx context.Context, p searchPlan) ([]rankedRef, int, error) {
	tsq := tsQuery(p)
	kindFilter, args := "", []any{tsq}
	if len(p.kinds) > 0 {
		kindFilter, args = " AND e.kind IN (?)", append(args, p.kinds)
	}
	var total int
	countQ := `SELECT count(*) FROM (SELECT 1 FROM entities e
		WHERE e.search @@ to_tsquery('english', ?)` + kindFilter + ` LIMIT ?) hits`
	if err := db.getIn(ctx, &total, countQ, append(args, searchCountCap+1)...); err != nil {
		return nil, 0, err
	}
	if total == 0 || p.offset >= total && total <= searchCountCap {
		return nil, total, nil
	}
	var page []struct {
		rankedRef
		Description string `db:"description"`
	}
	pageQ := fmt.Sprintf(`WITH page AS (
			SELECT e.ref, e.description, length(e.name) AS name_length,
				ts_rank('{0.1, 0.2, 0.4, 1.0}', e.search, query, 0) + CASE WHEN e.name_lower = ? THEN ? ELSE 0 END AS score
			FROM entities e, to_tsquery('english', ?) query
			WHERE e.search @@ query`+kindFilter+`
			ORDER BY score DESC, length(e.name), e.ref LIMIT ? OFFSET ?)
		SELECT ref, score, translate(description, '*', ' ') AS description, ts_headline('english', translate(description, '*', ' '), to_tsquery('english', ?), '%s') AS snippet
		FROM page ORDER BY score DESC, name_length, ref`, headlineOptions)
	pageArgs := append([]any{p.exact, exactNameBonus}, args...)
	pageArgs = append(pageArgs, p.limit, p.offset, tsq)
	if err := db.selectIn(ctx, &page, pageQ, pageArgs...); err != nil {
		return nil, 0, err
	}
	out := make([]rankedRef, len(page))
	for i, h := range page {
		out[i] = h.rankedRef
		out[i].Snippet = elide(h.Snippet, h.Description)
	}
	return out, total, nil
}

// elide marks with an ellipsis where a headline cuts its description, as
// SQLite's snippet() does.
func elide(headline, description string) string {
	headline, description = tidySnippet(headline), tidySnippet(description)
	plain := strings.ReplaceAll(headline, "*", "")
	if plain == "" || plain == description {
		return headline
	}
	if !strings.HasPrefix(description, plain) {
		headline = "…" + headline
	}
	if !strings.HasSuffix(description, plain) {
		headline += "…"
	}
	return headline
}
