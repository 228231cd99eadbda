package store

import (
	"context"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/catalog/ingest"
)

// benchEntities is the catalog size of the benchmarks: 100,000, or
// GANTRY_BENCH_ENTITIES.
func benchEntities(b *testing.B) int {
	if s := os.Getenv("GANTRY_BENCH_ENTITIES"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			b.Fatalf("GANTRY_BENCH_ENTITIES=%q is not a positive number", s)
		}
		return n
	}
	return 100_000
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
	ents := generated(benchEntities(b))
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
func loaded(b *testing.B, eng engine) (*DB, []catalog.Entity) {
	ents := generated(benchEntities(b))
	db := open(b, eng.fresh(b))
	load(b, db, ents)
	b.ResetTimer()
	return db, ents
}

func BenchmarkEntityByName(b *testing.B) {
	forEngines(b, benchEntityByName)
}

func benchEntityByName(b *testing.B, eng engine) {
	db, ents := loaded(b, eng)
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

func BenchmarkSearch(b *testing.B) {
	forEngines(b, benchSearch)
}

func benchSearch(b *testing.B, eng engine) {
	db, _ := loaded(b, eng)
	ctx := context.Background()
	for _, text := range []string{
		"payments-svc-000040", // one name, exactly
		"billing ledger",      // two words, both in a fifth of the catalog
		"check",               // a prefix matching a tenth of the catalog
		"runbook",             // every entity: the worst case
	} {
		b.Run(text, func(b *testing.B) {
			for b.Loop() {
				res, err := db.Search(ctx, catalog.SearchQuery{Text: text})
				if err != nil || len(res.Hits) == 0 {
					b.Fatalf("Search(%q): %d hits, %v", text, len(res.Hits), err)
				}
			}
		})
	}
}
