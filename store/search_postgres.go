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
	return tsTerms(p.words, p.prefix, p.any)
}

func tsTerms(words []string, prefix, any bool) string {
	terms := make([]string, len(words))
	for i, w := range words {
		terms[i] = "'" + strings.ReplaceAll(w, "'", "''") + "'"
		if prefix && i == len(words)-1 {
			terms[i] += ":*"
		}
	}
	if any {
		return strings.Join(terms, " | ")
	}
	return strings.Join(terms, " & ")
}

// tsMatch is the WHERE condition of a plan, with its arguments, and the
// score of a hit over the vectors. The 'english' configuration stems the
// prefix too, and a stemmed prefix can miss a word it starts ("runn" is
// not a prefix of 'run'), so the prefix also matches, unstemmed ('simple'),
// the words of names, titles and tags as written (search_prefix): with
// every other word, or alone when any word will do. SQLite does the same
// with entities_prefix_fts.
func tsMatch(p searchPlan) (cond string, args []any, score string, scoreArgs []any) {
	full := tsQuery(p)
	cond, args = "e.search @@ to_tsquery('english', ?)", []any{full}
	score, scoreArgs = "ts_rank('{0.1, 0.2, 0.4, 1.0}', e.search, to_tsquery('english', ?), 0)", []any{full}
	if !p.prefix {
		return cond, args, score, scoreArgs
	}
	last := p.words[len(p.words)-1:]
	pre := tsTerms(last, true, false)
	prefixCond := "e.search_prefix @@ to_tsquery('simple', ?)"
	if whole := p.words[:len(p.words)-1]; len(whole) > 0 && !p.any {
		cond += " OR (e.search @@ to_tsquery('english', ?) AND " + prefixCond + ")"
		args = append(args, tsTerms(whole, false, false), pre)
	} else {
		cond += " OR " + prefixCond
		args = append(args, pre)
	}
	score += " + ts_rank('{0.1, 0.2, 0.4, 1.0}', e.search_prefix, to_tsquery('simple', ?), 0)"
	scoreArgs = append(scoreArgs, pre)
	return "(" + cond + ")", args, score, scoreArgs
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
	cond, args, score, scoreArgs := tsMatch(p)
	kindFilter := ""
	if len(p.kinds) > 0 {
		kindFilter, args = " AND e.kind IN (?)", append(args, p.kinds)
	}
	var total int
	countQ := `SELECT count(*) FROM (SELECT 1 FROM entities e
		WHERE ` + cond + kindFilter + ` LIMIT ?) hits`
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
				%s + CASE WHEN e.name_lower = ? THEN ? ELSE 0 END AS score
			FROM entities e
			WHERE `+cond+kindFilter+`
			ORDER BY score DESC, length(e.name), e.ref LIMIT ? OFFSET ?)
		SELECT ref, score, translate(description, '*', ' ') AS description, ts_headline('english', translate(description, '*', ' '), to_tsquery('english', ?), '%s') AS snippet
		FROM page ORDER BY score DESC, name_length, ref`, score, headlineOptions)
	pageArgs := append(scoreArgs, p.exact, exactNameBonus)
	pageArgs = append(pageArgs, args...)
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
