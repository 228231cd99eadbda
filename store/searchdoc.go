package store

import (
	"strings"
	"unicode"

	"github.com/gantryhq/gantry/catalog"
)

// searchDoc is what the full-text index holds of one entity: the fields
// people search by, as text.
type searchDoc struct {
	Name, Title, Description, Tags, Owner, System, Links string
}

// newSearchDoc extracts the searchable text of an entity. Owner and system
// are indexed by their short form ("team-a", or "ops/team-a" outside the
// default namespace) so that "group" and "default" do not match everything.
func newSearchDoc(e *catalog.Entity) searchDoc {
	ns := e.Ref().Namespace
	var links []string
	for _, l := range e.Metadata.Links {
		if l.Title != "" {
			links = append(links, l.Title)
		}
	}
	return searchDoc{
		Name:        e.Metadata.Name,
		Title:       e.Metadata.Title,
		Description: e.Metadata.Description,
		Tags:        strings.Join(e.Metadata.Tags, " "),
		Owner:       refText(e.SpecString("owner"), catalog.KindGroup, ns),
		System:      refText(e.SpecString("system"), catalog.KindSystem, ns),
		Links:       strings.Join(links, " "),
	}
}

// weighted returns the text of PostgreSQL's A, B and C weights, already
// split into words the way queryWords splits a query, so that what is
// indexed and what is asked are cut alike.
func (d searchDoc) weighted() (a, b, c string) {
	return wordText(d.Name, d.Title), wordText(d.Tags, d.Owner, d.System), wordText(d.Description, d.Links)
}

// refText shortens an entity reference for the index; text that is not a
// reference is indexed as it is.
func refText(s, kind, ns string) string {
	if s == "" {
		return ""
	}
	r, err := catalog.ParseRef(s, kind, ns)
	if err != nil {
		return s
	}
	return r.Short()
}

// isWordRune says which characters make up words: letters, digits and
// combining marks. Everything else separates words, as in SQLite's
// unicode61 tokeniser, and nothing else can reach an engine's query syntax.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Mn, r)
}

// splitWords returns the lowercased words of s.
func splitWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !isWordRune(r) })
}

// wordText joins the words of every part with single spaces.
func wordText(parts ...string) string {
	var words []string
	for _, p := range parts {
		words = append(words, splitWords(p)...)
	}
	return strings.Join(words, " ")
}
