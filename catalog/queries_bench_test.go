package catalog_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/catalog/ingest"
	"github.com/gantryhq/gantry/internal/catalogtest"
	"github.com/gantryhq/gantry/store"
)

// benchFixture is a generated catalog synced into SQLite once per process.
type benchFixture struct {
	cat    *catalog.Catalog
	sample catalogtest.Sample
}

var (
	benchOnce sync.Once
	bench     benchFixture
	benchErr  error
)

func loadBench(b *testing.B) benchFixture {
	benchOnce.Do(func() {
		n := 100_000
		if v, err := strconv.Atoi(os.Getenv("GANTRY_BENCH_ENTITIES")); err == nil && v > 0 {
			n = v
		}
		dir, err := os.MkdirTemp("", "gantry-bench-")
		if err != nil {
			benchErr = err
			return
		}
		stats, err := catalogtest.Generate(filepath.Join(dir, "catalog"), catalogtest.GenOptions{Entities: n, Seed: 1})
		if err != nil {
			benchErr = err
			return
		}
		ctx := context.Background()
		db, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, "gantry.db"), nil)
		if err != nil {
			benchErr = err
			return
		}
		if _, err := ingest.NewSyncer(db, nil).Sync(ctx, ingest.NewFileSource("bench", stats.Root)); err != nil {
			benchErr = err
			return
		}
		cat, err := catalog.New(db)
		bench, benchErr = benchFixture{cat: cat, sample: stats.Query}, err
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return bench
}

// reportMedian adds the median latency of the timed calls as "median-µs".
func reportMedian(b *testing.B, d []time.Duration) {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	if len(d) > 0 {
		b.ReportMetric(float64(d[len(d)/2].Microseconds()), "median-µs")
	}
}

// BenchmarkWhoOwns answers "who owns X" by exact name at 100,000 entities:
// the entity, its owner with members and e-mails, on-call, system and domain.
//
//	go test -tags sqlite_fts5 -run XXX -bench WhoOwns -benchmem ./catalog/
func BenchmarkWhoOwns(b *testing.B) {
	f := loadBench(b)
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		ans, err := f.cat.WhoOwns(ctx, f.sample.Component)
		lat = append(lat, time.Since(start))
		if err != nil || len(ans.Matches) != 1 || ans.Matches[0].Owner == nil || len(ans.Matches[0].Owner.Members) == 0 {
			b.Fatalf("WhoOwns(%s): %v %+v", f.sample.Component, err, ans)
		}
	}
	b.StopTimer()
	reportMedian(b, lat)
}

// BenchmarkSearch runs full-text searches, top 10, at 100,000 entities over
// a mix of queries: a service name, a description word, two words, a prefix
// and a miss.
//
//	go test -tags sqlite_fts5 -run XXX -bench Search -benchmem ./catalog/
func BenchmarkSearch(b *testing.B) {
	f := loadBench(b)
	ctx := context.Background()
	queries := []string{f.sample.Component, f.sample.Word, f.sample.Word + " " + f.sample.System, f.sample.Component[:4], "zzzqqq"}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q := queries[i%len(queries)]
		start := time.Now()
		_, err := f.cat.Search(ctx, catalog.SearchQuery{Text: q, Limit: 10})
		lat = append(lat, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportMedian(b, lat)
}
