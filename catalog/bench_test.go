package catalog

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gantryhq/gantry/internal/catalogtest"
)

// BenchmarkParseFile parses one generated file of 500 entities of every
// kind, as a sync reads a large catalog file.
func BenchmarkParseFile(b *testing.B) {
	dir := b.TempDir()
	if _, err := catalogtest.Generate(dir, catalogtest.GenOptions{Entities: 1000, Seed: 1, EntitiesPerFile: 500}); err != nil {
		b.Fatal(err)
	}
	parts, err := filepath.Glob(filepath.Join(dir, "part-*.yaml"))
	if err != nil || len(parts) == 0 {
		b.Fatalf("generated parts: %v %v", parts, err)
	}
	data, err := os.ReadFile(parts[0])
	if err != nil {
		b.Fatal(err)
	}
	p := ParseFile(parts[0], data, ParseOptions{})
	if len(p.Problems) != 0 || len(p.Entities) != 500 {
		b.Fatalf("generated file: %d entities, problems %q", len(p.Entities), problemStrings(p.Problems))
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		ParseFile(parts[0], data, ParseOptions{})
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/500, "µs/entity")
}
