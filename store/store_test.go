package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/catalog/ingest"
	"github.com/gantryhq/gantry/internal/errkind"
)

// storeCase is one behaviour checked on every engine, each run on a fresh
// database at url, already opened as db.
type storeCase struct {
	name string
	run  func(t *testing.T, db *DB, url string)
}

// TestStore runs every case on SQLite, and on PostgreSQL when
// GANTRY_TEST_POSTGRES names a server.
func TestStore(t *testing.T) {
	for _, eng := range engines() {
		t.Run(eng.name, func(t *testing.T) {
			eng.ready(t)
			for _, c := range storeCases() {
				t.Run(c.name, func(t *testing.T) {
					url := eng.fresh(t)
					c.run(t, open(t, url), url)
				})
			}
		})
	}
}

func storeCases() []storeCase {
	return []storeCase{
		{"migrations apply twice", testMigrateTwice},
		{"round trip keeps the descriptor", testRoundTrip},
		{"odd text is kept, NUL as U+FFFD", testOddText},
		{"missing entity is NotFound", testNotFound},
		{"entities in the order asked", testEntitiesOrder},
		{"entities by name ignore case", testByName},
		{"relations both ways, replaced and deleted", testRelations},
		{"an entity with some of its relations", testEntityWithRelations},
		{"lookup keys", testKeys},
		{"conflicts across sources", testConflicts},
		{"declared entities take over inferred ones", testInferredTakeover},
		{"flags and source heads", testFlagsAndHeads},
		{"empty changes write nothing", testEmptyChanges},
		{"search ranks names above descriptions", testSearchRanking},
		{"search snippets", testSearchSnippets},
		{"search kinds, pages and fallback", testSearchFilters},
		{"search survives hostile text", testSearchHostile},
		{"search follows changes", testSearchFollowsChanges},
		{"scan order, kinds and batches", testScan},
		{"readers during writes", testConcurrent},
	}
}

func testMigrateTwice(t *testing.T, db *DB, url string) {
	apply(t, db, "s", ent("Component", "kept", nil))
	db.Close()
	// Opening again finds every migration applied and keeps the data.
	again := open(t, url)
	if got := get(t, again, "component:kept"); got.Metadata.Name != "kept" {
		t.Fatalf("after reopening: %+v", got)
	}
	if err := again.migrate(context.Background()); err != nil {
		t.Fatalf("migrating a migrated database: %v", err)
	}
	if err := again.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

func testRoundTrip(t *testing.T, db *DB, _ string) {
	in := catalog.Entity{
		APIVersion: "backstage.io/v1alpha1",
		Kind:       "Component",
		Metadata: catalog.Metadata{
			Name:        "Checkout",
			Namespace:   "shop",
			Title:       "Checkout service",
			Description: "Takes the money.\nAnd gives a receipt.",
			Labels:      map[string]string{"tier": "1", "team": "payments"},
			Annotations: map[string]string{
				catalog.AnnotationProjectSlug: "Acme/Checkout",
				catalog.AnnotationOncall:      "pagerduty:PXYZ",
				"example.com/unknown":         "kept as is",
			},
			Tags:  []string{"java", "critical"},
			Links: []catalog.Link{{URL: "https://grafana.example.com/d/1", Title: "Dashboard", Icon: "dashboard", Type: "metrics"}},
			Extra: map[string]any{"uid": "1234-abcd", "etag": "e1", "custom": map[string]any{"a": []any{1.0, "two", true, nil}}},
		},
		Spec: map[string]any{
			"type": "service", "lifecycle": "production", "owner": "group:shop/payments",
			"system": "storefront", "dependsOn": []any{"resource:checkout-db"},
			"extra": map[string]any{"nested": map[string]any{"deep": 42.5}},
		},
		Extra: map[string]any{"status": map[string]any{"items": []any{"ok"}}},
		Origin: catalog.Origin{Source: "github", File: "acme/checkout:catalog-info.yaml", Line: 7,
			Location: "url:https://github.com/acme/checkout/blob/main/catalog-info.yaml", OriginLocation: "url:https://github.com/acme/root"},
	}
	apply(t, db, "github", in)
	got := get(t, db, "component:shop/checkout")
	if want := "dependsOn resource:shop/checkout-db\nownedBy group:shop/payments\npartOf system:shop/storefront"; rels(got) != want {
		t.Errorf("relations:\n%s\nwant:\n%s", rels(got), want)
	}
	got.Relations = nil
	if !reflect.DeepEqual(*got, in) {
		t.Errorf("round trip changed the entity:\n got %#v\nwant %#v", *got, in)
	}
}

func testOddText(t *testing.T, db *DB, _ string) {
	e := ent("Component", "odd", map[string]any{"note": "a\x00b", "path": `C:\u0000\dir`, "owner": "team\x00x"})
	e.Metadata.Title = "Café 🚀 «ünïcode»"
	e.Metadata.Description = "nul:\x00 end"
	e.Metadata.Annotations = map[string]string{"x\x00y": "v\x00"}
	apply(t, db, "s", e)
	got := get(t, db, "component:odd")
	if got.Metadata.Title != e.Metadata.Title || got.Metadata.Description != "nul:\uFFFD end" ||
		got.Spec["note"] != "a\uFFFDb" || got.Spec["path"] != `C:\u0000\dir` || got.Metadata.Annotations["x\uFFFDy"] != "v\uFFFD" {
		t.Errorf("stored as %#v", got.Metadata)
	}
	if got := names(search(t, db, catalog.SearchQuery{Text: "cafe"}).Hits); !slices.Equal(got, []string{"odd"}) && db.Dialect() == DialectSQLite {
		t.Errorf("diacritics: %v", got)
	}
	if got := names(search(t, db, catalog.SearchQuery{Text: "café"}).Hits); !slices.Equal(got, []string{"odd"}) {
		t.Errorf("café: %v", got)
	}
	if _, err := db.Entity(context.Background(), catalog.Ref{Kind: "component", Namespace: "default", Name: "a\x00"}); !errors.Is(err, errkind.NotFound) {
		t.Errorf("a NUL in a ref: %v", err)
	}
	if _, err := db.EntitiesByName(context.Background(), "x\x00"); err != nil {
		t.Errorf("a NUL in a name: %v", err)
	}
}

func testNotFound(t *testing.T, db *DB, _ string) {
	_, err := db.Entity(context.Background(), catalog.MustParseRef("component:nope"))
	if !errors.Is(err, errkind.NotFound) {
		t.Fatalf("Entity(missing) = %v, want errkind.NotFound", err)
	}
	if !strings.Contains(err.Error(), "component:default/nope") {
		t.Errorf("the error should name the ref: %v", err)
	}
}

func testEntitiesOrder(t *testing.T, db *DB, _ string) {
	apply(t, db, "s", ent("Component", "a", nil), ent("Component", "b", nil), ent("Group", "c", nil))
	refs := []catalog.Ref{
		catalog.MustParseRef("group:c"), catalog.MustParseRef("component:missing"),
		catalog.MustParseRef("component:a"), catalog.MustParseRef("component:b"),
	}
	got, err := db.Entities(context.Background(), refs)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, e := range got {
		order = append(order, e.Metadata.Name)
	}
	if want := []string{"c", "a", "b"}; !slices.Equal(order, want) {
		t.Errorf("Entities = %v, want %v", order, want)
	}
	all, err := db.Refs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(all) != "[component:default/a component:default/b group:default/c]" {
		t.Errorf("Refs = %v", all)
	}
}

func testByName(t *testing.T, db *DB, _ string) {
	api := ent("API", "Billing", nil)
	api.Metadata.Namespace = "finance"
	apply(t, db, "s", ent("Component", "billing", nil), api, ent("Component", "billing-db", nil))
	got, err := db.EntitiesByName(context.Background(), "BILLING")
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, e := range got {
		refs = append(refs, e.Ref().String())
	}
	if want := []string{"api:finance/billing", "component:default/billing"}; !slices.Equal(refs, want) {
		t.Errorf("EntitiesByName = %v, want %v", refs, want)
	}
}

func testEntityWithRelations(t *testing.T, db *DB, _ string) {
	team := ent("Group", "team-a", map[string]any{"type": "team", "children": []any{}})
	user := ent("User", "ann", map[string]any{"memberOf": []any{"team-a"}})
	svc := ent("Component", "svc", map[string]any{"owner": "team-a"})
	apply(t, db, "s", team, user, svc)
	ctx := context.Background()
	ref := catalog.MustParseRef("group:team-a")
	for _, c := range []struct {
		types []string
		want  string
	}{
		{[]string{catalog.RelHasMember}, "hasMember user:default/ann"},
		{[]string{catalog.RelHasMember, catalog.RelOwnerOf}, "hasMember user:default/ann\nownerOf component:default/svc"},
		{[]string{catalog.RelPartOf}, ""},
		{nil, ""}, // no types asked: no relations read
	} {
		e, err := db.EntityWithRelations(ctx, ref, c.types...)
		if err != nil {
			t.Fatal(err)
		}
		if got := rels(e); got != c.want || e.Metadata.Name != "team-a" {
			t.Errorf("%v: %s relations:\n%s\nwant:\n%s", c.types, e.Metadata.Name, got, c.want)
		}
	}
	if _, err := db.EntityWithRelations(ctx, catalog.MustParseRef("group:nobody"), catalog.RelHasMember); !errors.Is(err, errkind.NotFound) {
		t.Errorf("missing entity: %v", err)
	}
}

func testRelations(t *testing.T, db *DB, _ string) {
	team := ent("Group", "team-a", map[string]any{"type": "team", "children": []any{}})
	user := ent("User", "ann", map[string]any{"memberOf": []any{"team-a"}})
	svc := ent("Component", "svc", map[string]any{"owner": "team-a", "dependsOn": []any{"component:lib"}, "system": "shop"})
	lib := ent("Component", "lib", map[string]any{"owner": "team-a"})
	apply(t, db, "s", team, user, svc, lib)

	cases := []struct{ ref, want string }{
		{"group:team-a", "hasMember user:default/ann\nownerOf component:default/lib\nownerOf component:default/svc"},
		{"component:svc", "dependsOn component:default/lib\nownedBy group:default/team-a\npartOf system:default/shop"},
		{"component:lib", "dependencyOf component:default/svc\nownedBy group:default/team-a"},
		{"user:ann", "memberOf group:default/team-a"},
	}
	for _, c := range cases {
		if got := rels(get(t, db, c.ref)); got != c.want {
			t.Errorf("%s relations:\n%s\nwant:\n%s", c.ref, got, c.want)
		}
	}
	// Re-owning svc moves its edge on both ends.
	svc.Spec = map[string]any{"owner": "team-b"}
	apply(t, db, "s", svc, ent("Group", "team-b", nil))
	if got, want := rels(get(t, db, "group:team-a")), "hasMember user:default/ann\nownerOf component:default/lib"; got != want {
		t.Errorf("team-a after svc moved:\n%s\nwant:\n%s", got, want)
	}
	if got, want := rels(get(t, db, "group:team-b")), "ownerOf component:default/svc"; got != want {
		t.Errorf("team-b after svc moved:\n%s\nwant:\n%s", got, want)
	}
	if got := rels(get(t, db, "component:lib")); got != "ownedBy group:default/team-a" {
		t.Errorf("lib still depended on: %s", got)
	}
	// Deleting lib removes the edges it declared, wherever they start.
	mustChange(t, db, "s", ingest.Changes{Deletes: []catalog.Ref{catalog.MustParseRef("component:lib")}})
	if got, want := rels(get(t, db, "group:team-a")), "hasMember user:default/ann"; got != want {
		t.Errorf("team-a after lib deleted:\n%s\nwant:\n%s", got, want)
	}
	// ... and its search text.
	if res := search(t, db, catalog.SearchQuery{Text: "lib"}); len(res.Hits) != 0 {
		t.Errorf("a deleted entity is still found: %v", names(res.Hits))
	}
	if _, err := db.Entity(context.Background(), catalog.MustParseRef("component:lib")); !errors.Is(err, errkind.NotFound) {
		t.Errorf("Entity(deleted) = %v", err)
	}
}

func testKeys(t *testing.T, db *DB, _ string) {
	svc := ent("Component", "svc", nil)
	svc.Metadata.Annotations = map[string]string{catalog.AnnotationProjectSlug: "Acme/Svc"}
	user := ent("User", "ann", map[string]any{"profile": map[string]any{"email": "Ann@Example.com"}})
	user.Metadata.Annotations = map[string]string{catalog.AnnotationSlackUserID: "U123"}
	apply(t, db, "s", svc, user)
	ctx := context.Background()
	for _, c := range []struct{ key, value, want string }{
		{catalog.KeyRepo, "acme/svc", "svc"},
		{catalog.KeyEmail, "ann@example.com", "ann"},
		{catalog.KeySlackUser, "U123", "ann"},
		{catalog.KeySlackUser, "u123", ""},
		{catalog.KeyRepo, "acme/other", ""},
	} {
		got, err := db.EntitiesByKey(ctx, c.key, c.value)
		if err != nil {
			t.Fatal(err)
		}
		var n []string
		for _, e := range got {
			n = append(n, e.Metadata.Name)
		}
		if strings.Join(n, ",") != c.want {
			t.Errorf("EntitiesByKey(%s, %s) = %v, want %q", c.key, c.value, n, c.want)
		}
	}
	// A replaced entity loses its old keys.
	svc.Metadata.Annotations = map[string]string{catalog.AnnotationProjectSlug: "acme/svc2"}
	apply(t, db, "s", svc)
	if got, _ := db.EntitiesByKey(ctx, catalog.KeyRepo, "acme/svc"); len(got) != 0 {
		t.Errorf("old key still finds %d entities", len(got))
	}
	if got, _ := db.EntitiesByKey(ctx, catalog.KeyRepo, "acme/svc2"); len(got) != 1 {
		t.Errorf("new key finds %d entities", len(got))
	}
}

func testConflicts(t *testing.T, db *DB, _ string) {
	mine := ent("Component", "svc", map[string]any{"owner": "team-a"})
	mine.Metadata.Description = "the original"
	apply(t, db, "one", mine)

	theirs := ent("Component", "SVC", map[string]any{"owner": "team-b"})
	theirs.Metadata.Description = "an impostor"
	theirs.Origin.File = "elsewhere.yaml"
	conflicts := apply(t, db, "two", theirs, ent("Component", "other", nil))
	want := []ingest.Conflict{{Ref: catalog.MustParseRef("component:svc"), Source: "one", File: "catalog/svc.yaml"}}
	if !reflect.DeepEqual(conflicts, want) {
		t.Fatalf("conflicts = %+v, want %+v", conflicts, want)
	}
	got := get(t, db, "component:svc")
	if got.Metadata.Description != "the original" || got.Origin.Source != "one" || rels(got) != "ownedBy group:default/team-a" {
		t.Errorf("the holder's entity changed: %+v", got)
	}
	get(t, db, "component:other") // the rest of the batch was written
	// Another source can neither delete nor flag what it does not hold.
	svc := catalog.MustParseRef("component:svc")
	mustChange(t, db, "two", ingest.Changes{Deletes: []catalog.Ref{svc}, Flags: map[catalog.Ref]string{svc: "gone"}})
	if got := get(t, db, "component:svc"); got.Origin.Source != "one" {
		t.Errorf("source two deleted source one's entity")
	}
	heads, _ := db.SourceHeads(context.Background(), "one")
	if len(heads) != 1 || heads[0].Flag != "" {
		t.Errorf("source two flagged source one's entity: %+v", heads)
	}
}

func testInferredTakeover(t *testing.T, db *DB, _ string) {
	inferred := ent("Component", "billing", map[string]any{"owner": "team-guess"})
	inferred.Metadata.Annotations = map[string]string{catalog.AnnotationInferred: "true", catalog.AnnotationProjectSlug: "acme/billing"}
	apply(t, db, "github", inferred)

	declared := ent("Component", "billing", map[string]any{"owner": "team-real"})
	if conflicts := apply(t, db, "files", declared); len(conflicts) != 0 {
		t.Fatalf("a declared entity was refused by an inferred one: %+v", conflicts)
	}
	got := get(t, db, "component:billing")
	if got.Origin.Source != "files" || rels(got) != "ownedBy group:default/team-real" {
		t.Fatalf("declared entity did not take over: %+v %s", got.Origin, rels(got))
	}
	if es, _ := db.EntitiesByKey(context.Background(), catalog.KeyRepo, "acme/billing"); len(es) != 0 {
		t.Errorf("the inferred entity's lookup keys survived: %+v", es)
	}
	// The other way round, an inferred entity is refused like anything else.
	conflicts := apply(t, db, "github", inferred)
	if len(conflicts) != 1 || conflicts[0].Source != "files" {
		t.Errorf("inferred over declared: %+v", conflicts)
	}
}

func testFlagsAndHeads(t *testing.T, db *DB, _ string) {
	apply(t, db, "one", ent("Component", "b", nil), ent("Component", "a", nil))
	apply(t, db, "two", ent("Component", "c", nil))
	a := catalog.MustParseRef("component:a")
	mustChange(t, db, "one", ingest.Changes{Flags: map[catalog.Ref]string{a: "catalog/a.yaml: mapping values are not allowed here"}})
	heads, err := db.SourceHeads(context.Background(), "one")
	if err != nil {
		t.Fatal(err)
	}
	want := []ingest.Head{
		{Ref: a, Hash: "h-a", File: "catalog/a.yaml", Line: 1, Flag: "catalog/a.yaml: mapping values are not allowed here"},
		{Ref: catalog.MustParseRef("component:b"), Hash: "h-b", File: "catalog/b.yaml", Line: 1},
	}
	if !reflect.DeepEqual(heads, want) {
		t.Fatalf("SourceHeads = %+v\nwant %+v", heads, want)
	}
	if e := get(t, db, "component:a"); e.Metadata.Name != "a" {
		t.Errorf("a flag must leave the entity as it was: %+v", e)
	}
	mustChange(t, db, "one", ingest.Changes{Flags: map[catalog.Ref]string{a: ""}})
	heads, _ = db.SourceHeads(context.Background(), "one")
	if heads[0].Flag != "" {
		t.Errorf("flag not cleared: %+v", heads[0])
	}
	if heads, _ := db.SourceHeads(context.Background(), "nobody"); len(heads) != 0 {
		t.Errorf("unknown source has heads: %+v", heads)
	}
}

func testEmptyChanges(t *testing.T, db *DB, _ string) {
	db.Close()
	// A closed database fails any statement, so success shows nothing ran.
	if conflicts, err := db.ApplyChanges(context.Background(), "s", ingest.Changes{Flags: map[catalog.Ref]string{}}); err != nil || conflicts != nil {
		t.Fatalf("ApplyChanges(empty) = %v, %v; want nothing done", conflicts, err)
	}
}

// searchCatalog is a small catalog whose words overlap on purpose.
func searchCatalog(t *testing.T, db *DB) {
	checkout := describe(ent("Component", "checkout", map[string]any{"owner": "team-payments", "system": "storefront"}),
		"Checkout", "Takes the money at the till.", "shop")
	checkout.Metadata.Links = []catalog.Link{{URL: "https://runbooks.example.com/checkout", Title: "Incident runbook"}}
	apply(t, db, "s",
		checkout,
		describe(ent("Resource", "checkout-db", nil), "", "Database of the checkout service."),
		describe(ent("API", "checkout-api", nil), "Checkout API", "REST API to place orders."),
		describe(ent("Component", "payments", map[string]any{"owner": "team-payments"}), "",
			"Handles **card** payments and refunds for checkout, the ledger and the fraud checks."),
		describe(ent("Component", "inventory", nil), "", "Keeps stock counts."),
		describe(ent("Group", "team-payments", nil), "Payments team", ""),
	)
}

func search(t *testing.T, db *DB, q catalog.SearchQuery) catalog.SearchResult {
	t.Helper()
	res, err := db.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("Search(%+v): %v", q, err)
	}
	return res
}

func testSearchRanking(t *testing.T, db *DB, _ string) {
	searchCatalog(t, db)
	cases := []struct {
		text string
		want []string // the hits, in order; "..." ends a prefix
	}{
		// The exact name first, then names and titles, then descriptions.
		{"checkout", []string{"checkout", "checkout-api", "checkout-db", "payments"}},
		{"Checkout", []string{"checkout", "checkout-api", "checkout-db", "payments"}},
		// The last word matches as a prefix.
		{"check", []string{"checkout", "checkout-api", "checkout-db", "payments"}},
		{"checkout db", []string{"checkout-db"}},
		{"checkout-db", []string{"checkout-db"}},
		{"inventory", []string{"inventory"}},
		{"stock", []string{"inventory"}},
		// Tags, owner, system and link titles are searched too.
		{"shop", []string{"checkout"}},
		{"storefront", []string{"checkout"}},
		{"runbook", []string{"checkout"}},
		// The group by name, then what it owns; payments also has the word
		// in its name.
		{"team-payments", []string{"team-payments", "payments", "checkout"}},
		{"ledger", []string{"payments"}},
		{"nothing-like-this", nil},
	}
	for _, c := range cases {
		got := names(search(t, db, catalog.SearchQuery{Text: c.text}).Hits)
		if !slices.Equal(got, c.want) {
			t.Errorf("Search(%q) = %v, want %v", c.text, got, c.want)
		}
	}
	res := search(t, db, catalog.SearchQuery{Text: "checkout"})
	for i := 1; i < len(res.Hits); i++ {
		if res.Hits[i].Rank > res.Hits[i-1].Rank {
			t.Errorf("hits out of rank order: %v", res.Hits)
		}
	}
	// The exact name comes first even when many shorter-titled names
	// outrank it on their words alone.
	many := []catalog.Entity{describe(ent("Component", "gizmo", nil), "The one gizmo with a rather long title indeed", "")}
	for i := range 15 {
		many = append(many, ent("Component", fmt.Sprintf("gizmo-%02d", i), nil))
	}
	apply(t, db, "s", many...)
	for _, q := range []catalog.SearchQuery{{Text: "gizmo"}, {Text: "Gizmo", Kinds: []string{"component"}}} {
		res := search(t, db, q)
		if got := names(res.Hits); len(got) != 10 || got[0] != "gizmo" || res.Total != 16 {
			t.Errorf("Search(%+v) = %v (total %d), want gizmo first of 16", q, got, res.Total)
		}
	}
	if got := names(search(t, db, catalog.SearchQuery{Text: "gizmo", Kinds: []string{"api"}}).Hits); len(got) != 0 {
		t.Errorf("an exact name of another kind was found: %v", got)
	}
}

func testSearchSnippets(t *testing.T, db *DB, _ string) {
	searchCatalog(t, db)
	apply(t, db, "s", describe(ent("Component", "lorem", nil), "", "Lorem ipsum dolor sit amet, consectetur "+
		"adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim "+
		"veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute "+
		"irure dolor in reprehenderit."))
	cases := []struct{ text, want string }{
		// A long description is cut around the match, and says so.
		{"reprehenderit", "Duis aute irure dolor in *reprehenderit*."},
		{"lorem", "*Lorem* ipsum dolor sit amet"},
		// Matched words between asterisks; the description's own asterisks
		// are not mistaken for highlighting.
		{"refunds", "Handles card payments and *refunds* for checkout"},
		{"refund", "*refunds*"},
		{"fraud", "*fraud*"},
		// Found by name: the start of the description, nothing marked.
		{"inventory", "Keeps stock counts."},
	}
	for _, c := range cases {
		res := search(t, db, catalog.SearchQuery{Text: c.text})
		if len(res.Hits) == 0 {
			t.Errorf("Search(%q) found nothing", c.text)
			continue
		}
		s := res.Hits[0].Snippet
		if !strings.Contains(s, c.want) || strings.Contains(s, "**") || strings.Contains(s, "\n") {
			t.Errorf("Search(%q) snippet = %q, want it to contain %q", c.text, s, c.want)
		}
	}
	if s := search(t, db, catalog.SearchQuery{Text: "reprehenderit"}).Hits[0].Snippet; !strings.HasPrefix(s, "…") {
		t.Errorf("a snippet that starts mid-description should say so: %q", s)
	}
	if s := search(t, db, catalog.SearchQuery{Text: "lorem"}).Hits[0].Snippet; !strings.HasSuffix(s, "…") {
		t.Errorf("a snippet that ends mid-description should say so: %q", s)
	}
	if s := search(t, db, catalog.SearchQuery{Text: "inventory"}).Hits[0].Snippet; strings.Contains(s, "*") {
		t.Errorf("a name match marked the description: %q", s)
	}
}

func testSearchFilters(t *testing.T, db *DB, _ string) {
	searchCatalog(t, db)
	for _, c := range []struct {
		kinds []string
		want  []string
	}{
		{[]string{"RESOURCE"}, []string{"checkout-db"}},
		{[]string{"api", "Component"}, []string{"checkout", "checkout-api", "payments"}},
		{[]string{"user"}, nil},
	} {
		if got := names(search(t, db, catalog.SearchQuery{Text: "checkout", Kinds: c.kinds}).Hits); !slices.Equal(got, c.want) {
			t.Errorf("kinds %v: %v, want %v", c.kinds, got, c.want)
		}
	}
	// Every word must match; when none does, any word may.
	if got := names(search(t, db, catalog.SearchQuery{Text: "payments refunds"}).Hits); !slices.Equal(got, []string{"payments"}) {
		t.Errorf("AND: %v", got)
	}
	if got := names(search(t, db, catalog.SearchQuery{Text: "stock zebra"}).Hits); !slices.Equal(got, []string{"inventory"}) {
		t.Errorf("OR fallback: %v", got)
	}

	var many []catalog.Entity
	for i := range 25 {
		many = append(many, describe(ent("Component", fmt.Sprintf("gadget-%02d", i), nil), "", "A widget maker."))
	}
	apply(t, db, "s", many...)
	seen := map[string]bool{}
	for page := range 3 {
		res := search(t, db, catalog.SearchQuery{Text: "widget", Limit: 10, Offset: page * 10})
		if res.Total != 25 || res.Capped {
			t.Errorf("page %d: Total = %d (capped %v), want 25", page, res.Total, res.Capped)
		}
		if want := []int{10, 10, 5}[page]; len(res.Hits) != want {
			t.Errorf("page %d: %d hits, want %d", page, len(res.Hits), want)
		}
		for _, h := range res.Hits {
			if seen[h.Entity.Metadata.Name] {
				t.Errorf("page %d repeats %s", page, h.Entity.Metadata.Name)
			}
			seen[h.Entity.Metadata.Name] = true
		}
	}
	if res := search(t, db, catalog.SearchQuery{Text: "widget", Offset: 100}); len(res.Hits) != 0 || res.Total != 25 {
		t.Errorf("past the end: %d hits, total %d", len(res.Hits), res.Total)
	}
	if res := search(t, db, catalog.SearchQuery{Text: "widget"}); len(res.Hits) != defaultSearchLimit {
		t.Errorf("default limit: %d hits", len(res.Hits))
	}
}

func testSearchHostile(t *testing.T, db *DB, _ string) {
	searchCatalog(t, db)
	long := strings.Repeat("checkout ", 600)[:5000]
	finds := []string{
		`"checkout"`, `checkout*`, `"checkout`, `checkout"`, `NEAR(checkout`, `checkout NEAR/2 till`,
		`OR checkout`, `NOT checkout`, `checkout -till`, `(checkout`, `{checkout}`,
		`name:checkout`, `^checkout`, `checkout:*`, `checkout & | !`, `'checkout'`, `checkout\`,
		"🚀 checkout 🚀", "checkout\x00", "\tcheckout\n", `checkout'; drop table entities; --`,
		long,
	}
	for _, text := range finds {
		res, err := db.Search(context.Background(), catalog.SearchQuery{Text: text})
		if err != nil {
			t.Errorf("Search(%.40q): %v", text, err)
			continue
		}
		if !slices.Contains(names(res.Hits), "checkout") {
			t.Errorf("Search(%.40q) did not find checkout: %v", text, names(res.Hits))
		}
	}
	nothing := []string{"", "   ", "checkout AND", "a OR b", "***", `"`, `''`, "🚀", `'; drop table entities; --x`, "NEAR(", strings.Repeat("a", 5000),
		strings.Repeat("\"*(", 1700)}
	for _, text := range nothing {
		if _, err := db.Search(context.Background(), catalog.SearchQuery{Text: text}); err != nil {
			t.Errorf("Search(%.40q): %v", text, err)
		}
	}
	if refs, err := db.Refs(context.Background()); err != nil || len(refs) != 6 {
		t.Errorf("the catalog changed: %d refs, %v", len(refs), err)
	}
}

func testSearchFollowsChanges(t *testing.T, db *DB, _ string) {
	found := func(text string) []string {
		t.Helper()
		return names(search(t, db, catalog.SearchQuery{Text: text}).Hits)
	}
	svc := describe(ent("Component", "svc", map[string]any{"owner": "team-a"}), "Alpha service", "Handles alpha traffic.", "red")
	other := describe(ent("Component", "other", nil), "", "Handles alpha too.")
	apply(t, db, "s", svc, other)
	if got := found("alpha"); !slices.Equal(got, []string{"svc", "other"}) {
		t.Fatalf("alpha: %v", got)
	}
	// A replaced entity is found by its new text only.
	svc = describe(ent("Component", "svc", map[string]any{"owner": "team-b"}), "Beta service", "Handles beta traffic.", "blue")
	apply(t, db, "s", svc)
	for text, want := range map[string][]string{"alpha": {"other"}, "beta": {"svc"}, "red": nil, "blue": {"svc"}} {
		if got := found(text); !slices.Equal(got, want) {
			t.Errorf("after the change, %q finds %v, want %v", text, got, want)
		}
	}
	// Written again unchanged, and flagged: still found, once.
	apply(t, db, "s", svc)
	mustChange(t, db, "s", ingest.Changes{Flags: map[catalog.Ref]string{svc.Ref(): "stale"}})
	if got := found("beta"); !slices.Equal(got, []string{"svc"}) {
		t.Errorf("after rewriting: %v", got)
	}
	// Another source's upsert of the same ref changes nothing.
	impostor := describe(ent("Component", "svc", nil), "", "Handles gamma.")
	apply(t, db, "t", impostor)
	if got := found("gamma"); len(got) != 0 {
		t.Errorf("a conflicting upsert reached the index: %v", got)
	}
	mustChange(t, db, "s", ingest.Changes{Deletes: []catalog.Ref{other.Ref()}})
	if got := found("alpha"); len(got) != 0 {
		t.Errorf("after the delete: %v", got)
	}
	if db.Dialect() == DialectSQLite {
		// FTS5 compares each index with the entities it was built from.
		for _, table := range []string{"entities_fts", "entities_names_fts"} {
			if _, err := db.write.Exec("INSERT INTO " + table + " (" + table + ", rank) VALUES ('integrity-check', 1)"); err != nil {
				t.Errorf("%s is out of step with entities: %v", table, err)
			}
		}
	}
}

func testScan(t *testing.T, db *DB, _ string) {
	ents := generated(1200) // more than two scan batches
	ents = append(ents, ent("Group", "team-000", nil), ent("System", "system-000", nil))
	for chunk := range slices.Chunk(ents, 400) {
		apply(t, db, "s", chunk...)
	}
	ctx := context.Background()
	collect := func(kinds []string, withRelations bool) (refs []string, withRels int) {
		err := db.Scan(ctx, kinds, withRelations, func(e *catalog.Entity) error {
			refs = append(refs, e.Ref().String())
			if len(e.Relations) > 0 {
				withRels++
			}
			return nil
		})
		if err != nil {
			t.Fatalf("Scan(%v): %v", kinds, err)
		}
		return refs, withRels
	}
	all, relCount := collect(nil, false)
	if len(all) != len(ents) || !slices.IsSorted(all) || relCount != 0 {
		t.Errorf("Scan(all): %d entities (sorted %v, %d with relations), want %d sorted without relations",
			len(all), slices.IsSorted(all), relCount, len(ents))
	}
	groups, relCount := collect([]string{"GROUP", "system"}, true)
	if !slices.Equal(groups, []string{"group:default/team-000", "system:default/system-000"}) || relCount != 2 {
		t.Errorf("Scan(group, system) = %v with %d having relations", groups, relCount)
	}
	stop := errors.New("stop")
	n := 0
	err := db.Scan(ctx, nil, false, func(*catalog.Entity) error {
		if n++; n == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 3 {
		t.Errorf("Scan stopped with %v after %d calls", err, n)
	}
	// A count past the cap says so, whether the words are in link titles
	// or in names.
	for _, text := range []string{"runbook", "svc"} {
		res := search(t, db, catalog.SearchQuery{Text: text})
		if res.Total != searchCountCap || !res.Capped || len(res.Hits) != defaultSearchLimit {
			t.Errorf("Search(%q): Total = %d, Capped = %v, %d hits; want the cap", text, res.Total, res.Capped, len(res.Hits))
		}
	}
}

func testConcurrent(t *testing.T, db *DB, _ string) {
	ents := generated(300)
	apply(t, db, "s", ents...)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	// Two sources write at once: on SQLite they queue for the one writer.
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := range 5 {
				var batch []ingest.Upsert
				for i := range 100 {
					e := ents[w*100+i]
					if w == 1 {
						e.Metadata.Name = fmt.Sprintf("other-%03d", i)
					}
					e.Metadata.Description = fmt.Sprintf("round %d", round)
					batch = append(batch, ingest.Upsert{Entity: e, Hash: fmt.Sprint(round)})
				}
				if _, err := db.ApplyChanges(ctx, fmt.Sprint("s", w), ingest.Changes{Upserts: batch}); err != nil {
					errs <- fmt.Errorf("writer %d: %w", w, err)
					return
				}
			}
		}()
	}
	readers := func(r int) {
		defer wg.Done()
		for i := range 20 {
			if _, err := db.Entity(ctx, ents[(r*7+i)%len(ents)].Ref()); err != nil {
				errs <- fmt.Errorf("reader %d: %w", r, err)
				return
			}
			if _, err := db.Search(ctx, catalog.SearchQuery{Text: "payments"}); err != nil {
				errs <- fmt.Errorf("reader %d: %w", r, err)
				return
			}
			if _, err := db.EntitiesByName(ctx, ents[i].Metadata.Name); err != nil {
				errs <- fmt.Errorf("reader %d: %w", r, err)
				return
			}
		}
		if err := db.Scan(ctx, []string{"component"}, true, func(*catalog.Entity) error { return nil }); err != nil {
			errs <- fmt.Errorf("reader %d: %w", r, err)
		}
	}
	for r := range 4 {
		wg.Add(1)
		go readers(r)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
