package store

import (
	"context"
	"fmt"
	"testing"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/catalog/ingest"
)

// TestRefsBySlug: the entities whose github.com/project-slug names a
// repository, whatever the case and the source, and only those (a source
// location on the same repository is not a slug).
func TestEntitiesBySlug(t *testing.T) {
	for _, eng := range engines() {
		t.Run(eng.name, func(t *testing.T) {
			eng.ready(t)
			db := open(t, eng.fresh(t))
			ctx := context.Background()
			slugged := func(kind, name, slug string) catalog.Entity {
				e := ent(kind, name, nil)
				e.Metadata.Annotations = map[string]string{catalog.AnnotationProjectSlug: slug}
				return e
			}
			located := ent("Component", "located", nil)
			located.Metadata.Annotations = map[string]string{catalog.AnnotationSourceLocation: "url:https://github.com/acme/checkout/tree/main/"}
			apply(t, db, "files", slugged("Component", "checkout", "Acme/Checkout"), slugged("API", "checkout-api", " acme/checkout/ "),
				slugged("Component", "billing", "acme/billing"), located, ent("Component", "plain", nil))
			apply(t, db, "other", slugged("Resource", "checkout-db", "ACME/CHECKOUT"))
			got, err := db.EntitiesBySlug(ctx, []string{"acme/Checkout", "acme/checkout", "acme/ledger", "acme/billing", ""})
			if err != nil {
				t.Fatal(err)
			}
			want := map[string][]ingest.SlugMatch{
				"acme/checkout": {{Ref: "api:default/checkout-api", Source: "files"}, {Ref: "component:default/checkout", Source: "files"}, {Ref: "resource:default/checkout-db", Source: "other"}},
				"acme/billing":  {{Ref: "component:default/billing", Source: "files"}},
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("EntitiesBySlug = %v, want %v", got, want)
			}
			// A slug that moves away is no longer found under the old repository.
			apply(t, db, "files", slugged("Component", "checkout", "acme/checkout-v2"), slugged("API", "checkout-api", "acme/checkout"),
				slugged("Component", "billing", "acme/billing"), located, ent("Component", "plain", nil))
			got, err = db.EntitiesBySlug(ctx, []string{"acme/checkout", "acme/checkout-v2"})
			if err != nil {
				t.Fatal(err)
			}
			want = map[string][]ingest.SlugMatch{
				"acme/checkout":    {{Ref: "api:default/checkout-api", Source: "files"}, {Ref: "resource:default/checkout-db", Source: "other"}},
				"acme/checkout-v2": {{Ref: "component:default/checkout", Source: "files"}},
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("after the move, EntitiesBySlug = %v, want %v", got, want)
			}
			if got, err := db.EntitiesBySlug(ctx, nil); err != nil || len(got) != 0 {
				t.Errorf("no repositories: %v, %v", got, err)
			}
		})
	}
}
