package store

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/catalog/ingest"
	"github.com/gantryhq/gantry/internal/catalogtest"
)

// benchEntities is the catalog size of the benchmarks: 100,000, or
// GANTRY_BENCH_ENTITIES.
func benchEntities(b *testing.B) int {
	if s := os.Getenv("GANTRY_BENCH_ENTITIES"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < catalogtest.MinEntities {
			b.Fatalf("GANTRY_BENCH_ENTITIES=%q is not a number of at least %d", s, catalogtest.MinEntities)
		}
		return n
	}
	return 100_000
}

// benchCatalog is the catalog every benchmark loads: catalogtest's, of
// benchEntities entities with seed 1, written to files and parsed back as a
// sync reads them, so that names, words and their frequencies are those of
// a real-looking catalog and anyone can reproduce a figure.
func benchCatalog(b *testing.B) ([]catalog.Entity, catalogtest.GenStats) {
	b.Helper()
	dir := b.TempDir()
	st, err := catalogtest.Generate(dir, catalogtest.GenOptions{Entities: benchEntities(b), Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	parts, err := filepath.Glob(filepath.Join(dir, "part-*.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	var ents []catalog.Entity
	for _, f := range parts {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		p := catalog.ParseFile(filepath.Base(f), data, catalog.ParseOptions{})
		if len(p.Problems) > 0 {
			b.Fatalf("%s: %v", f, p.Problems[0])
		}
		ents = append(ents, p.Entities...)
	}
	return ents, st
}

// load writes ents to db in batches of 1,000, as a sync does.
func load(b *testing.B, db *DB, ents []catalog.Entity) {
	ctx := context.Background()
	for chunk := range slices.Chunk(ents, 1000) {
		ch := ingest.Changes{Upserts: make([]ingest.Upsert, len(chunk))}
		for i, e := range chunk {
			ch.Upserts[i] = ingest.Upsert{Entity: e, Hash: e.Metadata.Name}
		}
		if _, err := db.ApplyChanges(ctx, "bench", ch); err != nil {
			b.Fatal(err)
		}
	}
}

// forEngines runs a benchmark on SQLite, and on PostgreSQL when
// GANTRY_TEST_POSTGRES names a server.
func forEngines(b *testing.B, fn func(b *testing.B, eng engine)) {
	for _, eng := range engines() {
		b.Run(eng.name, func(b *testing.B) {
			eng.ready(b)
			fn(b, eng)
		})
	}
}

// BenchmarkApplyChanges loads the whole catalog into an empty database;
// one op is the whole load.
func BenchmarkApplyChanges(b *testing.B) {
	ents, _ := benchCatalog(b)
	forEngines(b, func(b *testing.B, eng engine) {
		for range b.N {
			b.StopTimer()
			db := open(b, eng.fresh(b))
			b.StartTimer()
			load(b, db, ents)
			b.StopTimer()
			db.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ents)), "ns/entity")
	})
}

// loaded returns a database holding the benchmark catalog.
func loaded(b *testing.B, eng engine) (*DB, []catalog.Entity, catalogtest.GenStats) {
	ents, st := benchCatalog(b)
	db := open(b, eng.fresh(b))
	load(b, db, ents)
	b.ResetTimer()
	return db, ents, st
}

func BenchmarkEntityByName(b *testing.B) {
	forEngines(b, benchEntityByName)
}

func benchEntityByName(b *testing.B, eng engine) {
	db, ents, _ := loaded(b, eng)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		got, err := db.EntitiesByName(ctx, ents[i*7919%len(ents)].Metadata.Name)
		if err != nil || len(got) != 1 {
			b.Fatalf("EntitiesByName: %d, %v", len(got), err)
		}
		i++
	}
}

// BenchmarkSearch times a first page of ten hits for each kind of query a
// person types, and reports the median as well as the mean: a few slow
// outliers (a checkpoint, a GC) should not hide the typical answer.
func BenchmarkSearch(b *testing.B) {
	forEngines(b, benchSearch)
}

func benchSearch(b *testing.B, eng engine) {
	db, _, st := loaded(b, eng)
	ctx := context.Background()
	for _, q := range []struct{ kind, text string }{
		{"name", st.Query.Component},    // one service, by its exact name
		{"phrase", "nightly batch"},     // two words of many descriptions
		{"common", "service"},           // a word in most of the catalog
		{"prefix", "recon"},             // the start of a word ("reconciles")
		{"name-prefix", "pay"},          // the start of names' words (payments, payouts), as typed
		{"word", st.Query.Word},         // a word of a few thousand descriptions
		{"nothing", "zyzzyva"},          // a word that matches nothing
		{"nothing-two", "zyzzyva quux"}, // two such words: the OR fallback runs too
	} {
		b.Run(q.kind, func(b *testing.B) {
			var took []time.Duration
			for b.Loop() {
				start := time.Now()
				res, err := db.Search(ctx, catalog.SearchQuery{Text: q.text})
				took = append(took, time.Since(start))
				if err != nil || len(res.Hits) == 0 != (q.kind == "nothing" || q.kind == "nothing-two") {
					b.Fatalf("Search(%q): %d hits, %v", q.text, len(res.Hits), err)
				}
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "ms-median")
		})
	}
}
