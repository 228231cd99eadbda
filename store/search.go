package store

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/gantryhq/gantry/catalog"
)

const (
	defaultSearchLimit = 10
	maxSearchLimit     = 100
	// searchCountCap bounds the count behind SearchResult.Total, so that a
	// one-letter query over a large catalog stays cheap.
	searchCountCap = 1000
	// maxQueryWords and maxWordLen bound the work one query can ask for;
	// Slack lets a user paste thousands of characters.
	maxQueryWords = 16
	maxWordLen    = 64
	// exactNameBonus lifts an entity whose name is exactly the query text
	// above every partial match: "/gantry search checkout" shows checkout
	// before checkout-db.
	exactNameBonus = 1000
	// snippetWords is about how many words a snippet shows.
	snippetWords = 20
)

// searchPlan is a query tokenised and ready for either engine.
type searchPlan struct {
	words  []string // lowercased; the last one also matches as a prefix
	prefix bool     // whether the last word is matched as a prefix
	any    bool     // OR instead of AND
	exact  string   // the text as a whole name, for exactNameBonus
	kinds  []string
	limit  int
	offset int
}

// rankedRef is one hit as the engine ranks it, before the entity is read.
type rankedRef struct {
	Ref     string  `db:"ref"`
	Score   float64 `db:"score"`
	Snippet string  `db:"snippet"`
}

// Search runs a full-text search over names, titles, descriptions, tags,
// owner, system and link titles. Every word must match, in any of its
// forms ("payment" finds payments), the last one as a prefix of a word as
// written, not of its stem ("check" finds checkout, "pay" payments); when
// that finds nothing, any word may. The user's text never reaches the engine's query syntax: it is cut
// into words of letters and digits, and each is quoted.
func (db *DB) Search(ctx context.Context, q catalog.SearchQuery) (catalog.SearchResult, error) {
	p := newSearchPlan(q)
	if len(p.words) == 0 {
		return catalog.SearchResult{}, nil
	}
	res, err := db.searchPlan(ctx, p)
	if err == nil && res.Total == 0 && len(p.words) > 1 {
		p.any = true
		res, err = db.searchPlan(ctx, p)
	}
	return res, err
}

func newSearchPlan(q catalog.SearchQuery) searchPlan {
	p := searchPlan{
		exact:  exactName(q.Text),
		kinds:  lowerAll(q.Kinds),
		limit:  q.Limit,
		offset: max(0, q.Offset),
	}
	if p.limit <= 0 {
		p.limit = defaultSearchLimit
	}
	p.limit = min(p.limit, maxSearchLimit)
	seen := map[string]bool{}
	words := splitWords(q.Text)
	if content := dropStopWords(words); len(content) > 0 {
		words = content
	}
	for _, w := range words {
		if utf8.RuneCountInString(w) > maxWordLen || seen[w] {
			continue
		}
		seen[w] = true
		p.words = append(p.words, w)
		if len(p.words) == maxQueryWords {
			break
		}
	}
	// A one-letter prefix matches a large part of any vocabulary; a whole
	// one-letter word is what the user asked for anyway.
	p.prefix = len(p.words) > 0 && utf8.RuneCountInString(p.words[len(p.words)-1]) > 1
	return p
}

// stopWords are the words of a question that say nothing about what is
// sought: "which service sends email?" searches for service, sends and
// email. Both engines then stem what is left (English), so "sends" finds
// "send" and "refunds" finds "refund".
var stopWords = map[string]bool{
	"a": true, "about": true, "an": true, "and": true, "any": true, "are": true, "at": true, "be": true,
	"by": true, "can": true, "do": true, "does": true, "find": true, "for": true, "from": true, "has": true,
	"have": true, "how": true, "i": true, "in": true, "is": true, "it": true, "me": true, "my": true,
	"of": true, "on": true, "or": true, "our": true, "show": true, "that": true, "the": true, "there": true,
	"this": true, "to": true, "we": true, "what": true, "where": true, "which": true, "who": true,
	"whose": true, "why": true, "with": true, "you": true,
}

// dropStopWords returns words without stop words.
func dropStopWords(words []string) []string {
	out := words[:0:0]
	for _, w := range words {
		if !stopWords[w] {
			out = append(out, w)
		}
	}
	return out
}

// exactName is the text as a name could spell it, lowercased, or "" when
// no name could (names are short, printable and valid UTF-8; PostgreSQL
// refuses a NUL byte even as a value to compare).
func exactName(text string) string {
	s := strings.ToLower(strings.TrimSpace(text))
	if len(s) > 255 || !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		return ""
	}
	return s
}

// searchPlan runs one plan on the engine at hand and reads the entities
// of the page.
func (db *DB) searchPlan(ctx context.Context, p searchPlan) (catalog.SearchResult, error) {
	var (
		ranked []rankedRef
		total  int
		err    error
	)
	if db.dialect == DialectPostgres {
		ranked, total, err = db.searchPostgres(ctx, p)
	} else {
		ranked, total, err = db.searchSQLite(ctx, p)
	}
	if err != nil {
		return catalog.SearchResult{}, dbError(err, "searching the catalog for %q", strings.Join(p.words, " "))
	}
	res := catalog.SearchResult{Total: min(total, searchCountCap), Capped: total > searchCountCap}
	if len(ranked) == 0 {
		return res, nil
	}
	refs := make([]catalog.Ref, len(ranked))
	for i, r := range ranked {
		if refs[i], err = parseStoredRef(r.Ref); err != nil {
			return catalog.SearchResult{}, err
		}
	}
	ents, err := db.Entities(ctx, refs)
	if err != nil {
		return catalog.SearchResult{}, err
	}
	byRef := make(map[catalog.Ref]int, len(ents))
	for i := range ents {
		byRef[ents[i].Ref()] = i
	}
	for i, r := range ranked {
		j, ok := byRef[refs[i]]
		if !ok {
			continue // deleted between the two reads
		}
		res.Hits = append(res.Hits, catalog.SearchHit{Entity: ents[j], Snippet: tidySnippet(r.Snippet), Rank: r.Score})
	}
	return res, nil
}

// tidySnippet puts a snippet on one line: descriptions are often folded
// YAML with newlines.
func tidySnippet(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
