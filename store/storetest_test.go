package store

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/catalog/ingest"
	"github.com/gantryhq/gantry/internal/testdb"
)

// engine is a database engine of internal/testdb as the suites here spell
// it: ready skips the test when the engine is not there, and fresh gives
// each test case a fresh, empty database URL.
type engine struct {
	name  string
	ready func(t testing.TB)
	fresh func(t testing.TB) string
}

// engines returns SQLite, and PostgreSQL when GANTRY_TEST_POSTGRES names a
// server (see testdb).
func engines() []engine {
	var out []engine
	for _, e := range testdb.Engines() {
		out = append(out, engine{name: e.Name, ready: e.Need, fresh: e.URL})
	}
	return out
}

// open opens url and closes it when the test ends.
func open(t testing.TB, url string) *DB {
	t.Helper()
	db, err := Open(context.Background(), url, nil)
	if err != nil {
		t.Fatalf("Open(%s): %v", url, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// ent builds an entity of kind named name, read from catalog/<name>.yaml.
func ent(kind, name string, spec map[string]any) catalog.Entity {
	return catalog.Entity{
		APIVersion: "backstage.io/v1alpha1",
		Kind:       kind,
		Metadata:   catalog.Metadata{Name: name},
		Spec:       spec,
		Origin:     catalog.Origin{File: "catalog/" + name + ".yaml", Line: 1},
	}
}

// describe returns e with a title, description and tags.
func describe(e catalog.Entity, title, description string, tags ...string) catalog.Entity {
	e.Metadata.Title, e.Metadata.Description, e.Metadata.Tags = title, description, tags
	return e
}

// apply upserts ents for source, hashing each by its name, and fails the
// test on an error.
func apply(t testing.TB, db *DB, source string, ents ...catalog.Entity) []ingest.Conflict {
	t.Helper()
	ch := ingest.Changes{}
	for _, e := range ents {
		e.Origin.Source = source
		ch.Upserts = append(ch.Upserts, ingest.Upsert{Entity: e, Hash: "h-" + e.Metadata.Name})
	}
	conflicts, err := db.ApplyChanges(context.Background(), source, ch)
	if err != nil {
		t.Fatalf("ApplyChanges(%s): %v", source, err)
	}
	return conflicts
}

// mustChange applies ch and fails the test on an error.
func mustChange(t testing.TB, db *DB, source string, ch ingest.Changes) []ingest.Conflict {
	t.Helper()
	conflicts, err := db.ApplyChanges(context.Background(), source, ch)
	if err != nil {
		t.Fatalf("ApplyChanges(%s): %v", source, err)
	}
	return conflicts
}

// get reads one entity and fails the test if it is missing.
func get(t testing.TB, db *DB, ref string) *catalog.Entity {
	t.Helper()
	e, err := db.Entity(context.Background(), catalog.MustParseRef(ref))
	if err != nil {
		t.Fatalf("Entity(%s): %v", ref, err)
	}
	return e
}

// rels writes an entity's relations as "type target" lines, sorted as the
// store returns them.
func rels(e *catalog.Entity) string {
	var out []string
	for _, r := range e.Relations {
		out = append(out, r.Type+" "+r.Target.String())
	}
	return strings.Join(out, "\n")
}

// names returns the names of the entities of hits, in order.
func names(hits []catalog.SearchHit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.Entity.Metadata.Name
	}
	return out
}

// generated returns n varied entities: components spread over teams and
// systems, with descriptions drawn from a small vocabulary, as benchmarks
// and large tests need.
func generated(n int) []catalog.Entity {
	words := []string{"payments", "checkout", "inventory", "search", "billing", "shipping", "auth", "ledger", "catalog", "pricing"}
	out := make([]catalog.Entity, n)
	for i := range out {
		w := words[i%len(words)]
		e := ent("Component", fmt.Sprintf("%s-svc-%06d", w, i), map[string]any{
			"type":      "service",
			"lifecycle": "production",
			"owner":     fmt.Sprintf("team-%03d", i%500),
			"system":    fmt.Sprintf("system-%03d", i%200),
			"dependsOn": []any{fmt.Sprintf("component:%s-svc-%06d", words[(i+1)%len(words)], (i+1)%n)},
		})
		e.Metadata.Title = fmt.Sprintf("%s service %d", strings.ToUpper(w[:1])+w[1:], i)
		e.Metadata.Description = fmt.Sprintf("Handles %s for the %s flow, number %d, talking to %s.",
			w, words[(i+3)%len(words)], i, words[(i+7)%len(words)])
		e.Metadata.Tags = []string{w, "tier-" + fmt.Sprint(i%3)}
		e.Metadata.Annotations = map[string]string{
			catalog.AnnotationProjectSlug: fmt.Sprintf("acme/%s-%d", w, i),
		}
		e.Metadata.Links = []catalog.Link{{URL: "https://runbooks.example.com/" + e.Metadata.Name, Title: "Runbook"}}
		out[i] = e
	}
	return out
}
