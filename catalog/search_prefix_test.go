package catalog_test

import (
	"context"
	"testing"

	"github.com/gantryhq/gantry/catalog"
)

// TestSearchPrefixExamples searches the example catalog as a person types:
// every start of "payments" finds the group payments, as /gantry search
// and the actions form's entity picker (a search of one kind) ask it.
func TestSearchPrefixExamples(t *testing.T) {
	onEachEngine(t, func(t *testing.T, cat *catalog.Catalog) {
		for _, text := range []string{"pay", "paym", "payment", "payments", "Payments"} {
			res, err := cat.Search(context.Background(), catalog.SearchQuery{Text: text, Kinds: []string{"group"}})
			if err != nil {
				t.Fatalf("Search(%q): %v", text, err)
			}
			if len(res.Hits) == 0 || res.Hits[0].Entity.Ref().String() != "group:default/payments" {
				var got []string
				for _, h := range res.Hits {
					got = append(got, h.Entity.Ref().String())
				}
				t.Errorf("Search(%q, groups) = %v, want group:default/payments first", text, got)
			}
		}
	})
}
