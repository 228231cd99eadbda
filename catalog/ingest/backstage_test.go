package ingest_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/catalog/ingest"
	"github.com/gantryhq/gantry/store"
)

// backstageExamples finds a copy of the Backstage project's example
// catalog (backstage/backstage packages/catalog-model/examples): the
// folder GANTRY_BACKSTAGE_EXAMPLES names, else the folder holding
// acme-corp.yaml and all.yaml under the shared corpus of real-world
// catalogs (../shared/corpus/catalogs beside the repository), else
// ../backstage-examples beside the repository. It returns "" when there is
// none: the files are not part of the project.
func backstageExamples() string {
	if dir := os.Getenv("GANTRY_BACKSTAGE_EXAMPLES"); dir != "" {
		return dir
	}
	found := ""
	corpus := filepath.Join("..", "..", "..", "shared", "corpus", "catalogs")
	_ = filepath.WalkDir(corpus, func(p string, d fs.DirEntry, err error) error {
		if err != nil || found != "" {
			return fs.SkipDir
		}
		if !d.IsDir() && d.Name() == "acme-corp.yaml" {
			if _, err := os.Stat(filepath.Join(filepath.Dir(p), "all.yaml")); err == nil {
				found = filepath.Dir(p)
				return fs.SkipAll
			}
		}
		return nil
	})
	if found != "" {
		return found
	}
	if dir := filepath.Join("..", "..", "..", "backstage-examples"); exists(dir) {
		return dir
	}
	return ""
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// TestSyncBackstageExamples ingests the Backstage project's own example
// catalog through its all.yaml and acme-corp.yaml Locations into the real
// store: only genuinely broken parts may be reported. acme-corp.yaml names
// its org as a github.com blob URL into the same repository, which a file
// source reads from the local copy beside it (saying so in a note), so the
// acme groups and users are in the catalog and own the example
// components. Its files live outside the project (see backstageExamples);
// the test is skipped without them, and TestSyncAcmeCorpLayout holds the
// same behaviour on a copy of the layout.
func TestSyncBackstageExamples(t *testing.T) {
	dir := backstageExamples()
	if dir == "" {
		t.Skip("no copy of Backstage's packages/catalog-model/examples (acme-corp.yaml) under ../shared/corpus/catalogs; set GANTRY_BACKSTAGE_EXAMPLES to run this test")
	}
	onEngines(t, func(t *testing.T, db *store.DB) {
		s := ingest.NewSyncer(db, nil)
		ctx := context.Background()
		total := 0
		for _, root := range []string{"all.yaml", "acme-corp.yaml"} {
			src := ingest.NewFileSource(strings.TrimSuffix(root, ".yaml"), filepath.Join(dir, root))
			src.Base = dir
			res := syncOK(t, s, src)
			for _, p := range res.Problems {
				t.Errorf("%s: unexpected problem %s", root, p)
			}
			for _, n := range res.Notes {
				t.Logf("%s: note %s", root, n)
			}
			if root == "acme-corp.yaml" {
				found := false
				for _, n := range res.Notes {
					found = found || (n.File == "acme-corp.yaml" && n.Line == 9 && strings.Contains(n.Message, "is read from its local copy "+filepath.Join("acme", "org.yaml")))
				}
				if !found {
					t.Errorf("acme-corp.yaml: no note that its target is read from the local acme/org.yaml: %v", res.Notes)
				}
			}
			total += res.Added
		}
		if total < 60 {
			t.Errorf("only %d entities from the Backstage examples", total)
		}
		for _, want := range []string{"component:default/artist-lookup", "api:default/petstore", "system:default/podcast", "domain:default/artists",
			"group:default/acme-corp", "group:default/infrastructure", "group:default/backstage", "group:default/boxoffice",
			"group:default/team-a", "group:default/team-b", "group:default/team-c", "group:default/team-d", "user:default/breanna.davison"} {
			if entity(t, db, want) == nil {
				t.Errorf("%s not ingested", want)
			}
		}
		cat, err := catalog.New(db)
		if err != nil {
			t.Fatal(err)
		}
		ans, err := cat.WhoOwns(ctx, "artist-lookup")
		if err != nil || len(ans.Matches) != 1 {
			t.Fatalf("whoowns artist-lookup: %v %+v", err, ans)
		}
		o := ans.Matches[0].Owner
		if o == nil || o.Ref != "group:default/team-a" || !o.Known || len(o.Members) == 0 {
			t.Errorf("artist-lookup's owner is not the known team-a with its members: %+v", o)
		}
		// The folder also holds a deliberately invalid component, outside the
		// Locations: validate reports it, with its line.
		v, err := ingest.Validate(ctx, []string{filepath.Join(dir, "components", "invalid-component.yaml")})
		if err != nil || len(v.Problems) == 0 || v.Problems[0].Line != 4 || !strings.Contains(v.Problems[0].Message, "not a valid name") {
			t.Errorf("invalid-component.yaml: %v %v", v.Problems, err)
		}
	})
}

// TestSyncAcmeCorpLayout: the layout of Backstage's acme-corp.yaml, whose
// Location target is a github.com URL of a file that is also beside it in
// the copy (no git work tree around it). The local copy is read and a note
// says so; without the local copy, the target is a note, not a problem,
// and nothing is removed for it.
func TestSyncAcmeCorpLayout(t *testing.T) {
	const url = "https://github.com/backstage/backstage/blob/master/packages/catalog-model/examples/acme/org.yaml"
	group := "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: acme-corp\nspec:\n  type: organization\n  children: []\n"
	onEngines(t, func(t *testing.T, db *store.DB) {
		dir := t.TempDir()
		write(t, dir, map[string]*string{
			"examples/acme-corp.yaml": str(location("acme-corp", url)),
			"examples/acme/org.yaml":  str(group),
		})
		s := ingest.NewSyncer(db, nil)
		src := ingest.NewFileSource("acme", filepath.Join(dir, "examples", "acme-corp.yaml"))
		src.Base = filepath.Join(dir, "examples")
		res := syncOK(t, s, src)
		if len(res.Problems) != 0 || res.Added != 2 || len(res.Notes) != 1 {
			t.Fatalf("acme-corp with its local copy: %+v\n%s", res, problemList(res))
		}
		if n := res.Notes[0]; n.String() != "acme-corp.yaml:6: remote target "+url+" is not fetched: it is read from its local copy "+filepath.Join("acme", "org.yaml")+" (this Location file is in a copy of the same repository)" {
			t.Errorf("note %q", n)
		}
		if e := entity(t, db, "group:default/acme-corp"); e == nil || e.Origin.File != filepath.Join("acme", "org.yaml") {
			t.Errorf("the group is not read from the local copy: %+v", e)
		}
		// The local copy gone: a note, no problem; the group goes with it
		// (its file was read fine before, and nothing leads to it now).
		write(t, dir, map[string]*string{"examples/acme/org.yaml": nil})
		res = syncOK(t, s, src)
		if len(res.Problems) != 0 || len(res.Notes) != 1 || !strings.Contains(res.Notes[0].Message, "is not fetched by a file source; add it as a source of its own") {
			t.Fatalf("acme-corp without its local copy: %+v\n%s", res, problemList(res))
		}
		if res.Removed != 1 || entity(t, db, "group:default/acme-corp") != nil {
			t.Errorf("the group of a target no longer read is not removed: %+v", res)
		}
	})
}
