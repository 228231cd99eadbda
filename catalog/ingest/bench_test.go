package ingest_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/gantryhq/gantry/catalog/ingest"
	"github.com/gantryhq/gantry/internal/catalogtest"
	"github.com/gantryhq/gantry/store"
)

// benchEntities is the catalog size of the sync benchmarks: 100,000 unless
// GANTRY_BENCH_ENTITIES says otherwise.
func benchEntities() int {
	if n, err := strconv.Atoi(os.Getenv("GANTRY_BENCH_ENTITIES")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

// countingStore counts the batches that would write something.
type countingStore struct {
	*store.DB
	writes atomic.Int64
}

func (c *countingStore) ApplyChanges(ctx context.Context, source string, ch ingest.Changes) ([]ingest.Conflict, error) {
	if !ch.Empty() {
		c.writes.Add(1)
	}
	return c.DB.ApplyChanges(ctx, source, ch)
}

// BenchmarkSync measures a full sync of a generated catalog from files into
// an empty SQLite store, and a re-sync with nothing changed, which must
// write nothing (reported as writes/op).
//
//	go test -tags sqlite_fts5 -run XXX -bench Sync -benchtime 1x ./catalog/ingest/
func BenchmarkSync(b *testing.B) {
	n := benchEntities()
	dir := b.TempDir()
	stats, err := catalogtest.Generate(filepath.Join(dir, "catalog"), catalogtest.GenOptions{Entities: n, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	open := func(b *testing.B, name string) *countingStore {
		db, err := store.Open(ctx, "sqlite:"+filepath.Join(b.TempDir(), name), nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		return &countingStore{DB: db}
	}
	src := ingest.NewFileSource("bench", stats.Root)

	b.Run("full", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			st := open(b, "full-"+strconv.Itoa(i)+".db")
			b.StartTimer()
			res, err := ingest.NewSyncer(st, nil).Sync(ctx, src)
			if err != nil || res.Added != stats.Total || len(res.Problems) > 0 {
				b.Fatalf("sync: %v added %d of %d, problems %v", err, res.Added, stats.Total, res.Problems)
			}
		}
		b.ReportMetric(float64(stats.Total), "entities")
	})

	b.Run("unchanged", func(b *testing.B) {
		st := open(b, "resync.db")
		syncer := ingest.NewSyncer(st, nil)
		if _, err := syncer.Sync(ctx, src); err != nil {
			b.Fatal(err)
		}
		st.writes.Store(0)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			res, err := syncer.Sync(ctx, src)
			if err != nil || res.Unchanged != stats.Total || res.Changed() {
				b.Fatalf("re-sync: %v %+v", err, res)
			}
		}
		b.ReportMetric(float64(st.writes.Load())/float64(b.N), "writes/op")
		if st.writes.Load() != 0 {
			b.Fatalf("an unchanged re-sync wrote %d batches", st.writes.Load())
		}
	})
}
