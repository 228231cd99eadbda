package ingest

import (
	"context"
	"os"
	"testing"
)

// realWorld returns a folder of descriptors written by other projects, from
// the environment variable env or else the default path beside the
// repository, skipping the test when it is absent: it is reference data
// that is never copied into the project.
func realWorld(t *testing.T, env, def string) string {
	t.Helper()
	dir := os.Getenv(env)
	if dir == "" {
		dir = def
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("%s not found (set %s to run this test): %v", dir, env, err)
	}
	return dir
}

// TestSyncCorpus syncs every descriptor of the shared corpus of real-world
// catalogs (Location trees, templates, broken files) as one dir source:
// nothing may crash, every problem must be located, valid entities must be
// stored, and a second sync must write nothing.
func TestSyncCorpus(t *testing.T) {
	dir := realWorld(t, "GANTRY_CORPUS", "../../../shared/corpus/catalogs")
	st := newMemStore()
	s := NewSyncer(st, nil)
	src := NewDirSource("corpus", dir, "**/*.y*ml")
	ctx := context.Background()
	res, err := s.Sync(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if res.Added < 50 {
		t.Errorf("only %d entities from the corpus", res.Added)
	}
	for _, p := range res.Problems {
		if p.File == "" || p.Message == "" {
			t.Errorf("unlocated problem: %+v", p)
		}
	}
	t.Logf("corpus: %d files, %d entities, %d problems, %d notes", res.Files, res.Added, len(res.Problems), len(res.Notes))
	for _, p := range res.Problems {
		t.Log("  " + p.String())
	}
	for _, want := range []string{"component:default/sample-service", "api:default/sample-service", "component:default/sentry-js"} {
		if _, ok := st.get(want); !ok {
			t.Errorf("%s not ingested", want)
		}
	}
	again, err := s.Sync(ctx, src)
	if err != nil || again.Changed() || again.Removed != 0 {
		t.Errorf("second sync changed things: %+v %v", again, err)
	}
}
