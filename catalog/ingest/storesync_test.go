package ingest_test

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/catalog/ingest"
	"github.com/gantryhq/gantry/internal/testdb"
	"github.com/gantryhq/gantry/store"
)

// These tests sync into the real store, on SQLite and (when
// GANTRY_TEST_POSTGRES is set) PostgreSQL: what is kept, flagged and
// removed must survive the round trip through the database, including the
// lineage of files that the store records between syncs.

// onEngines runs f with a fresh database on each engine.
func onEngines(t *testing.T, f func(t *testing.T, db *store.DB)) {
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			db, err := store.Open(context.Background(), eng.URL(t), nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			f(t, db)
		})
	}
}

// write writes name → content under dir; a nil content removes the file.
func write(t *testing.T, dir string, files map[string]*string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if content == nil {
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(*content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func str(s string) *string { return &s }

func comp(name, owner string) string {
	return "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: " + name +
		"\nspec:\n  type: service\n  lifecycle: production\n  owner: " + owner + "\n"
}

func location(name string, targets ...string) string {
	return "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: " + name +
		"\nspec:\n  targets: [" + strings.Join(targets, ", ") + "]\n"
}

// entity returns a stored entity, or nil.
func entity(t *testing.T, db *store.DB, ref string) *catalog.Entity {
	t.Helper()
	e, err := db.Entity(context.Background(), catalog.MustParseRef(ref))
	if err != nil {
		return nil
	}
	return e
}

func syncOK(t *testing.T, s *ingest.Syncer, src ingest.Source) ingest.Result {
	t.Helper()
	res, err := s.Sync(context.Background(), src)
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	return res
}

func problemList(res ingest.Result) string {
	var out []string
	for _, p := range res.Problems {
		out = append(out, p.String())
	}
	return strings.Join(out, "\n")
}

// TestSyncDirSourceRemovesDespiteABrokenFile: in a dir source each file
// stands alone. With s3 broken and s2 deleted in the same sync, s2's
// entity is removed and only s3's is kept, flagged with s3's problem.
func TestSyncDirSourceRemovesDespiteABrokenFile(t *testing.T) {
	onEngines(t, func(t *testing.T, db *store.DB) {
		dir := t.TempDir()
		write(t, dir, map[string]*string{
			"s1/catalog-info.yaml": str(comp("s1", "team-a")),
			"s2/catalog-info.yaml": str(comp("s2", "team-a")),
			"s3/catalog-info.yaml": str(comp("s3", "team-a")),
		})
		s := ingest.NewSyncer(db, nil)
		src := ingest.NewDirSource("mono", dir, "")
		src.Base = dir
		if res := syncOK(t, s, src); res.Added != 3 {
			t.Fatalf("first sync: %+v", res)
		}
		write(t, dir, map[string]*string{
			"s2/catalog-info.yaml": nil,
			"s3/catalog-info.yaml": str("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: [s3\n"),
		})
		res := syncOK(t, s, src)
		if res.Removed != 1 || res.Kept != 1 || len(res.Problems) != 1 {
			t.Fatalf("broken s3, deleted s2: %+v\n%s", res, problemList(res))
		}
		if p := res.Problems[0]; p.File != filepath.Join("s3", "catalog-info.yaml") || p.Line != 4 || !strings.Contains(p.Message, "invalid YAML") {
			t.Errorf("problem %s", p)
		}
		if entity(t, db, "component:default/s2") != nil {
			t.Error("s2 kept although its file is gone")
		}
		s3 := entity(t, db, "component:default/s3")
		if s3 == nil || !strings.Contains(s3.Origin.Flag, "invalid YAML") {
			t.Fatalf("s3 not kept with its own problem: %+v", s3)
		}
		if entity(t, db, "component:default/s1") == nil || entity(t, db, "component:default/s1").Origin.Flag != "" {
			t.Error("s1 lost or flagged")
		}
		// Fixed: the flag clears, and a second sync writes nothing.
		write(t, dir, map[string]*string{"s3/catalog-info.yaml": str(comp("s3", "team-a"))})
		if res := syncOK(t, s, src); len(res.Problems) != 0 || res.Kept != 0 {
			t.Fatalf("after the fix: %+v", res)
		}
		if e := entity(t, db, "component:default/s3"); e == nil || e.Origin.Flag != "" {
			t.Errorf("s3 after the fix: %+v", e)
		}
		if res := syncOK(t, s, src); res.Changed() {
			t.Errorf("nothing changed but the sync wrote: %+v", res)
		}
	})
}

// TestSyncFileSourceRenameBesideAnEmptyFile: an empty file among a file
// source's targets keeps its own entities only; an entity renamed in
// another file is replaced, not kept beside its new name.
func TestSyncFileSourceRenameBesideAnEmptyFile(t *testing.T) {
	onEngines(t, func(t *testing.T, db *store.DB) {
		dir := t.TempDir()
		write(t, dir, map[string]*string{
			"all.yaml": str(location("all", "./a.yaml", "./b.yaml")),
			"a.yaml":   str(comp("alpha", "team-a")),
			"b.yaml":   str(comp("beta", "team-b")),
		})
		s := ingest.NewSyncer(db, nil)
		src := ingest.NewFileSource("files", filepath.Join(dir, "all.yaml"))
		src.Base = dir
		syncOK(t, s, src)
		write(t, dir, map[string]*string{"a.yaml": str(comp("alpha-two", "team-a")), "b.yaml": str("")})
		res := syncOK(t, s, src)
		if res.Added != 1 || res.Removed != 1 || res.Kept != 1 {
			t.Fatalf("rename beside an empty file: %+v\n%s", res, problemList(res))
		}
		if p := res.Problems[0]; p.String() != "b.yaml:1: file is empty: it holds no entity" {
			t.Errorf("problem %q", p)
		}
		if entity(t, db, "component:default/alpha") != nil || entity(t, db, "component:default/alpha-two") == nil {
			t.Error("the renamed entity was not replaced")
		}
		if b := entity(t, db, "component:default/beta"); b == nil || !strings.Contains(b.Origin.Flag, "file is empty") {
			t.Errorf("beta not kept with its file's problem: %+v", b)
		}
	})
}

// TestSyncKeepsWhatABrokenLocationLedTo: when a Location file fails as a
// whole, the files it led to at the last sync are not read, and their
// entities are kept, sync after sync, while other removals go through;
// once it is fixed, the files it no longer leads to are removed.
func TestSyncKeepsWhatABrokenLocationLedTo(t *testing.T) {
	onEngines(t, func(t *testing.T, db *store.DB) {
		dir := t.TempDir()
		write(t, dir, map[string]*string{
			"all.yaml":            str(location("all", "./teams/team.yaml", "./other.yaml", "./gone.yaml")),
			"teams/team.yaml":     str(location("team", "./svc.yaml", "./lib.yaml")),
			"teams/svc.yaml":      str(comp("svc", "team-a")),
			"teams/lib.yaml":      str(location("lib", "./deep/lib.yaml")),
			"teams/deep/lib.yaml": str(comp("lib", "team-a")),
			"other.yaml":          str(comp("other", "team-b")),
			"gone.yaml":           str(comp("gone", "team-b")),
		})
		s := ingest.NewSyncer(db, nil)
		src := ingest.NewFileSource("files", filepath.Join(dir, "all.yaml"))
		src.Base = dir
		if res := syncOK(t, s, src); res.Added != 7 {
			t.Fatalf("first sync: %+v\n%s", res, problemList(res))
		}
		// team.yaml breaks, and all.yaml stops naming gone.yaml.
		write(t, dir, map[string]*string{
			"teams/team.yaml": str("kind: Location\n  bad: [\n"),
			"all.yaml":        str(location("all", "./teams/team.yaml", "./other.yaml")),
		})
		for i := 0; i < 2; i++ { // the lineage survives a sync that did not read it
			res := syncOK(t, s, src)
			if res.Removed != 1-i || res.Kept != 4 { // team.yaml's Location, and what it led to
				t.Fatalf("sync %d with team.yaml broken: %+v\n%s", i, res, problemList(res))
			}
			if entity(t, db, "component:default/gone") != nil {
				t.Error("gone.yaml's entity kept, though nothing leads to it")
			}
			for _, ref := range []string{"component:default/svc", "component:default/lib", "location:default/lib", "location:default/team"} {
				e := entity(t, db, ref)
				if e == nil || !strings.Contains(e.Origin.Flag, filepath.Join("teams", "team.yaml")+":2: invalid YAML") {
					t.Errorf("%s not kept for the broken team.yaml: %+v", ref, e)
				}
			}
		}
		// Fixed, leading to svc.yaml only: lib's entities go.
		write(t, dir, map[string]*string{"teams/team.yaml": str(location("team", "./svc.yaml"))})
		res := syncOK(t, s, src)
		if res.Removed != 2 || res.Kept != 0 || len(res.Problems) != 0 {
			t.Fatalf("after the fix: %+v\n%s", res, problemList(res))
		}
		if e := entity(t, db, "component:default/svc"); e == nil || e.Origin.Flag != "" {
			t.Errorf("svc after the fix: %+v", e)
		}
	})
}

// TestSyncMissingFileAndFolderSourcesAlike: a file source whose file is
// gone and a dir source whose folder is gone both report a problem at
// line 1, keep every entity, and do not fail the sync.
func TestSyncMissingFileAndFolderSourcesAlike(t *testing.T) {
	onEngines(t, func(t *testing.T, db *store.DB) {
		dir := t.TempDir()
		write(t, dir, map[string]*string{
			"files/all.yaml":               str(location("all", "./a.yaml")),
			"files/a.yaml":                 str(comp("alpha", "team-a")),
			"folder/x/catalog-info.yaml":   str(comp("x", "team-a")),
			"folder/y/z/catalog-info.yaml": str(comp("z", "team-a")),
		})
		s := ingest.NewSyncer(db, nil)
		fsrc := ingest.NewFileSource("files", filepath.Join(dir, "files", "all.yaml"))
		dsrc := ingest.NewDirSource("folder", filepath.Join(dir, "folder"), "")
		fsrc.Base, dsrc.Base = dir, dir
		syncOK(t, s, fsrc)
		syncOK(t, s, dsrc)
		if err := os.RemoveAll(filepath.Join(dir, "files")); err != nil {
			t.Fatal(err)
		}
		if err := os.RemoveAll(filepath.Join(dir, "folder")); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			src     ingest.Source
			problem string
			kept    int
		}{
			{fsrc, filepath.Join("files", "all.yaml") + ":1: no such file", 2},
			{dsrc, "folder:1: no such folder", 2},
		} {
			res, err := s.Sync(context.Background(), c.src)
			if err != nil {
				t.Errorf("%s: sync failed: %v", c.src.Name(), err)
			}
			if res.Removed != 0 || res.Kept != c.kept || len(res.Problems) != 1 || !strings.HasPrefix(res.Problems[0].String(), c.problem) {
				t.Errorf("%s: %+v\n%s", c.src.Name(), res, problemList(res))
			}
		}
		for _, ref := range []string{"component:default/alpha", "location:default/all", "component:default/x", "component:default/z"} {
			if e := entity(t, db, ref); e == nil || e.Origin.Flag == "" {
				t.Errorf("%s not kept and flagged: %+v", ref, e)
			}
		}
	})
}

// failingFS lists a folder through os.DirFS but fails to read one of its
// subfolders, as a folder without read permission does.
type failingFS struct {
	fs.FS
	bad string
}

func (f failingFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if name == f.bad {
		return nil, &fs.PathError{Op: "readdirent", Path: name, Err: fs.ErrPermission}
	}
	return fs.ReadDir(f.FS, name)
}

// TestSyncUnreadableSubfolder: a folder of a dir source that cannot be
// listed is a problem at line 1, and the entities of its files are kept;
// the rest of the source syncs normally.
func TestSyncUnreadableSubfolder(t *testing.T) {
	onEngines(t, func(t *testing.T, db *store.DB) {
		dir := t.TempDir()
		write(t, dir, map[string]*string{
			"team-a/catalog-info.yaml":     str(comp("a", "team-a")),
			"team-b/catalog-info.yaml":     str(comp("b", "team-b")),
			"team-b/sub/catalog-info.yaml": str(comp("b-sub", "team-b")),
		})
		s := ingest.NewSyncer(db, nil)
		src := ingest.NewDirSource("mono", dir, "")
		src.Base = dir
		syncOK(t, s, src)
		ingest.SetDirFS(src, failingFS{FS: os.DirFS(dir), bad: "team-b"})
		write(t, dir, map[string]*string{"team-a/catalog-info.yaml": str(comp("a", "team-a") + "---\n" + comp("a2", "team-a"))})
		res := syncOK(t, s, src)
		if res.Added != 1 || res.Removed != 0 || res.Kept != 2 || len(res.Problems) != 1 {
			t.Fatalf("unreadable team-b: %+v\n%s", res, problemList(res))
		}
		if got := res.Problems[0].String(); !strings.HasPrefix(got, "team-b:1: cannot read the folder: permission denied") {
			t.Errorf("problem %q", got)
		}
		for _, ref := range []string{"component:default/b", "component:default/b-sub"} {
			if e := entity(t, db, ref); e == nil || !strings.Contains(e.Origin.Flag, "team-b could not be read") {
				t.Errorf("%s not kept for its unreadable folder: %+v", ref, e)
			}
		}
	})
}

// TestSyncHugeFileIsRefusedBeforeItIsRead: a file far over the limit is
// refused from its size alone (a sparse file of 1 GB: reading it whole
// would take a gigabyte of memory), and its entities are kept.
func TestSyncHugeFileIsRefusedBeforeItIsRead(t *testing.T) {
	onEngines(t, func(t *testing.T, db *store.DB) {
		dir := t.TempDir()
		write(t, dir, map[string]*string{"catalog-info.yaml": str(comp("huge", "team-a"))})
		s := ingest.NewSyncer(db, nil)
		src := ingest.NewDirSource("mono", dir, "")
		src.Base = dir
		syncOK(t, s, src)
		if err := os.Truncate(filepath.Join(dir, "catalog-info.yaml"), 1<<30); err != nil {
			t.Fatal(err)
		}
		res := syncOK(t, s, src)
		if len(res.Problems) != 1 || res.Problems[0].String() != "catalog-info.yaml:1: file is 1024.0 MB, over the 4.0 MB limit for a descriptor file" || res.Kept != 1 {
			t.Fatalf("huge file: %+v\n%s", res, problemList(res))
		}
	})
}

// TestSyncBadInputs syncs each kind of bad input the issue lists into the
// real store, one after the other on the same catalog: each is reported
// with its file, line and reason; every valid entity of the same sync
// (a new one in another file, and the valid ones of the same file) is
// stored; nothing stored before is lost; and once the input is good again,
// the sync is clean and nothing stays flagged.
func TestSyncBadInputs(t *testing.T) {
	huge := comp("bad-1", "team-a") + "  notes: |\n" + strings.Repeat("    "+strings.Repeat("x", 95)+"\n", 10<<20/100+1)
	good := map[string]*string{
		"all.yaml":  str(location("all", "./good.yaml", "./bad.yaml", "./loc.yaml")),
		"good.yaml": str(comp("good-1", "team-a")),
		"bad.yaml":  str(comp("bad-1", "team-a") + "---\n" + comp("bad-2", "team-a")),
		"loc.yaml":  str(location("loc", "./leaf.yaml")),
		"leaf.yaml": str(comp("leaf-1", "team-a")),
	}
	cases := []struct {
		name  string
		files map[string]*string
		// the problem: its file, line and a piece of its reason
		file, reason string
		line         int
		// valid entities of the same file, stored as read
		sameFile []string
	}{
		{name: "a 10 MB file", files: map[string]*string{"bad.yaml": str(huge)},
			file: "bad.yaml", line: 1, reason: "file is 10.0 MB, over the 4.0 MB limit"},
		{name: "an unknown apiVersion", files: map[string]*string{"bad.yaml": str(comp("bad-1", "team-a") + "---\n" + strings.Replace(comp("bad-2", "team-a"), "v1alpha1", "v9", 1))},
			file: "bad.yaml", line: 10, reason: `unknown apiVersion "backstage.io/v9"`, sameFile: []string{"component:default/bad-1"}},
		{name: "a missing required field", files: map[string]*string{"bad.yaml": str(comp("bad-1", "team-a") + "---\n" + strings.Replace(comp("bad-2", "team-a"), "  lifecycle: production\n", "", 1))},
			file: "bad.yaml", line: 14, reason: "spec.lifecycle is required", sameFile: []string{"component:default/bad-1"}},
		{name: "a name with a space", files: map[string]*string{"bad.yaml": str(comp("bad-1", "team-a") + "---\n" + comp("bad 2", "team-a"))},
			file: "bad.yaml", line: 13, reason: `metadata.name "bad 2" is not a valid name`, sameFile: []string{"component:default/bad-1"}},
		{name: "invalid YAML", files: map[string]*string{"bad.yaml": str(comp("bad-1", "team-a") + "---\nkind: [oops\n")},
			file: "bad.yaml", line: 10, reason: "invalid YAML", sameFile: []string{"component:default/bad-1"}},
		{name: "a 0-byte file", files: map[string]*string{"bad.yaml": str("")},
			file: "bad.yaml", line: 1, reason: "file is empty"},
		{name: "binary garbage", files: map[string]*string{"bad.yaml": str("\x00\x00\x00\x18ftypmp42\xff\xd8\x9c")},
			file: "bad.yaml", line: 1, reason: "file is not UTF-8 text (binary content)"},
		{name: "a Location cycle", files: map[string]*string{"loc.yaml": str(location("loc", "./leaf.yaml", "./all.yaml"))},
			file: "loc.yaml", line: 6, reason: "Location cycle: all.yaml → loc.yaml → all.yaml"},
		{name: "a missing target", files: map[string]*string{"leaf.yaml": nil},
			file: "loc.yaml", line: 6, reason: "target ./leaf.yaml: no such file"},
		{name: "the same entity in two files", files: map[string]*string{"good.yaml": str(comp("good-1", "team-a") + "---\n" + comp("bad-1", "team-x"))},
			file: "good.yaml", line: 10, reason: "component:default/bad-1 is already defined at bad.yaml:1; the first definition is kept"},
	}
	onEngines(t, func(t *testing.T, db *store.DB) {
		dir := t.TempDir()
		write(t, dir, good)
		s := ingest.NewSyncer(db, nil)
		src := ingest.NewFileSource("files", filepath.Join(dir, "all.yaml"))
		src.Base = dir
		if res := syncOK(t, s, src); res.Added != 6 || len(res.Problems) != 0 {
			t.Fatalf("first sync: %+v\n%s", res, problemList(res))
		}
		before := []string{"location:default/all", "location:default/loc", "component:default/good-1",
			"component:default/bad-1", "component:default/bad-2", "component:default/leaf-1"}
		for i, c := range cases {
			t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
				fresh := "fresh-" + string(rune('a'+i))
				files := map[string]*string{"new.yaml": str(comp(fresh, "team-a")),
					"all.yaml": str(location("all", "./good.yaml", "./bad.yaml", "./loc.yaml", "./new.yaml"))}
				for k, v := range c.files {
					files[k] = v
				}
				write(t, dir, files)
				res := syncOK(t, s, src)
				if len(res.Problems) != 1 {
					t.Fatalf("want one problem: %+v\n%s", res, problemList(res))
				}
				p := res.Problems[0]
				if p.File != c.file || p.Line != c.line || !strings.Contains(p.Message, c.reason) {
					t.Errorf("problem %q, want %s:%d: …%s…", p, c.file, c.line, c.reason)
				}
				if res.Removed != 0 {
					t.Errorf("removed %d entities", res.Removed)
				}
				if e := entity(t, db, "component:default/"+fresh); e == nil || e.Origin.Flag != "" {
					t.Errorf("the valid entity of another file is not stored: %+v", e)
				}
				for _, ref := range before {
					if entity(t, db, ref) == nil {
						t.Errorf("%s lost", ref)
					}
				}
				for _, ref := range c.sameFile {
					if e := entity(t, db, ref); e == nil || e.Origin.Flag != "" {
						t.Errorf("%s, valid in the same file, not stored as read: %+v", ref, e)
					}
				}
				if b := entity(t, db, "component:default/bad-1"); b == nil || b.SpecString("owner") != "team-a" {
					t.Errorf("bad-1 changed hands: %+v", b)
				}
				// Good again (without the new file): clean, nothing flagged.
				restore := map[string]*string{"new.yaml": nil}
				for k, v := range good {
					if _, err := os.Stat(filepath.Join(dir, k)); err == nil || v != nil {
						restore[k] = v
					}
				}
				write(t, dir, restore)
				res = syncOK(t, s, src)
				if len(res.Problems) != 0 || res.Kept != 0 || res.Removed != 1 {
					t.Fatalf("good again: %+v\n%s", res, problemList(res))
				}
				for _, ref := range before {
					if e := entity(t, db, ref); e == nil || e.Origin.Flag != "" {
						t.Errorf("good again: %s %+v", ref, e)
					}
				}
			})
		}
	})
}

// TestSyncFollowsLocalCopiesOfRepositoryURLs: a Location target that is a
// URL into the repository the Location file is in is read from the local
// file, found from the top of the git work tree or from the Location's
// folder, only inside the source's root; any other URL is a note.
func TestSyncFollowsLocalCopiesOfRepositoryURLs(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	repo := t.TempDir()
	if out, err := exec.Command("git", "init", "-q", repo).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v %s", err, out)
	}
	write(t, repo, map[string]*string{
		"catalog/all.yaml": str(location("all",
			"https://github.com/acme/repo/blob/main/services/checkout/catalog-info.yaml",
			"https://raw.githubusercontent.com/acme/repo/main/catalog/teams/payments.yaml",
			"https://github.com/acme/repo/blob/main/services/nowhere.yaml",
			"https://example.com/acme/catalog.yaml")),
		"services/checkout/catalog-info.yaml": str(comp("checkout", "payments")),
		"catalog/teams/payments.yaml":         str(comp("payments-api", "payments")),
	})
	onEngines(t, func(t *testing.T, db *store.DB) {
		s := ingest.NewSyncer(db, nil)
		for _, c := range []struct {
			name, root string
			want       []string
			notFetched int
		}{
			{"narrow", "", []string{"component:default/payments-api"}, 3},
			{"whole", repo, []string{"component:default/payments-api", "component:default/checkout"}, 2},
		} {
			src := ingest.NewFileSource(c.name, filepath.Join(repo, "catalog", "all.yaml"))
			src.Root, src.Base = c.root, repo
			res := syncOK(t, s, src)
			if len(res.Problems) != 0 || res.Added != len(c.want)+1 {
				t.Errorf("%s: %+v\n%s", c.name, res, problemList(res))
			}
			for _, ref := range c.want {
				if e := entity(t, db, ref); e == nil || e.Origin.Source != c.name {
					t.Errorf("%s: %s not read from its local copy: %+v", c.name, ref, e)
				}
			}
			local, remote := 0, 0
			for _, n := range res.Notes {
				switch {
				case strings.Contains(n.Message, "is read from its local copy"):
					local++
				case strings.Contains(n.Message, "is not fetched by a file source"):
					remote++
				}
			}
			if local != len(c.want) || remote != c.notFetched {
				t.Errorf("%s: %d local and %d remote notes: %v", c.name, local, remote, res.Notes)
			}
			// Let the other run add the same refs.
			if _, err := s.Sync(context.Background(), emptySource(c.name)); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// emptySource is a source that holds nothing: syncing it removes what its
// name held.
type emptySource string

func (e emptySource) Name() string                            { return string(e) }
func (e emptySource) Walk(context.Context, ingest.Sink) error { return nil }
