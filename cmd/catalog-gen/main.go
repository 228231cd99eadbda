// Command catalog-gen writes a large, deterministic Backstage catalog for
// benchmarks:
//
//	go run ./cmd/catalog-gen -n 100000 -out /tmp/catalog-100k [-seed 1] [-per-file 500]
//
// The same flags always give the same files, so a benchmark figure can be
// reproduced anywhere. Load the result from <out>/all.yaml.
package main

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/gantryhq/gantry/internal/catalogtest"
)

func main() {
	n := flag.Int("n", 100000, "number of entities to generate (the root Location comes on top)")
	out := flag.String("out", "", "directory to write into (created if needed)")
	seed := flag.Int64("seed", 1, "random seed; the same seed gives the same catalog")
	perFile := flag.Int("per-file", 500, "entities per part file")
	flag.Parse()
	if *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: catalog-gen -n 100000 -out DIR [-seed 1] [-per-file 500]")
		os.Exit(2)
	}
	start := time.Now()
	st, err := catalogtest.Generate(*out, catalogtest.GenOptions{Entities: *n, Seed: *seed, EntitiesPerFile: *perFile})
	if err != nil {
		fmt.Fprintln(os.Stderr, "catalog-gen:", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %d entities in %d files to %s in %s\n", st.Total, st.Files, st.Root, time.Since(start).Round(time.Millisecond))
	kinds := make([]string, 0, len(st.Kinds))
	for k := range st.Kinds {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		fmt.Printf("  %-10s %7d\n", k, st.Kinds[k])
	}
	q := st.Query
	fmt.Printf("sample: component %s, owner %s (member %s), system %s, domain %s, depends on %s, api %s, word %q\n",
		q.Component, q.Owner, q.Member, q.System, q.Domain, q.Dependency, q.API, q.Word)
}
