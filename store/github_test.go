package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gantryhq/gantry/catalog/ingest"
)

// ghCase is one behaviour checked on every engine, on a fresh database.
type ghCase struct {
	name string
	run  func(t *testing.T, db *DB, url string)
}

// ghEngines are SQLite, and PostgreSQL when GANTRY_TEST_POSTGRES names a
// server (a schema of the test's own, dropped at the end).
func ghEngines() []struct {
	name  string
	fresh func(t *testing.T) string
} {
	return []struct {
		name  string
		fresh func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "gantry.db") }},
		{"postgres", ghFreshPostgres},
	}
}

func ghFreshPostgres(t *testing.T) string {
	base := os.Getenv("GANTRY_TEST_POSTGRES")
	if base == "" {
		t.Skip("GANTRY_TEST_POSTGRES is not set, so the PostgreSQL half is skipped; set it to e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("GANTRY_TEST_POSTGRES=%s: %v", base, err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	schema := "gantry_gh_test_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		_, _ = conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func ghOpen(t *testing.T, url string) *DB {
	t.Helper()
	db, err := Open(context.Background(), url, nil)
	if err != nil {
		t.Fatalf("Open(%s): %v", url, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestGitHubState runs the GitHub state, facts and sync lock cases on
// SQLite, and on PostgreSQL when GANTRY_TEST_POSTGRES names a server.
func TestGitHubState(t *testing.T) {
	cases := []ghCase{
		{"pages replace", testGitHubPages},
		{"repos round trip with files", testGitHubRepos},
		{"blobs stored once and pruned", testGitHubBlobs},
		{"facts put, read, bulk and delete", testFacts},
		{"sync lock", testSyncLock},
	}
	for _, eng := range ghEngines() {
		t.Run(eng.name, func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					url := eng.fresh(t)
					c.run(t, ghOpen(t, url), url)
				})
			}
		})
	}
}

func testGitHubPages(t *testing.T, db *DB, _ string) {
	ctx := context.Background()
	if err := db.SetGitHubPages(ctx, "gh", map[int]string{1: `W/"a"`, 2: `W/"b"`, 3: `W/"c"`}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetGitHubPages(ctx, "other", map[int]string{1: `W/"x"`}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetGitHubPages(ctx, "gh", map[int]string{1: `W/"a2"`, 2: `W/"b"`}); err != nil {
		t.Fatal(err)
	}
	got, err := db.GitHubPages(ctx, "gh")
	if err != nil || !reflect.DeepEqual(got, map[int]string{1: `W/"a2"`, 2: `W/"b"`}) {
		t.Errorf("pages = %v, %v", got, err)
	}
	if other, _ := db.GitHubPages(ctx, "other"); len(other) != 1 {
		t.Errorf("another source's pages changed: %v", other)
	}
}

func testGitHubRepos(t *testing.T, db *DB, _ string) {
	ctx := context.Background()
	pushed := time.Date(2025, 2, 3, 4, 5, 6, 0, time.UTC)
	read := time.Date(2025, 2, 4, 0, 0, 0, 0, time.UTC)
	repo := ingest.GitHubRepo{ID: 101, FullName: "acme/checkout", DefaultBranch: "main", HeadSHA: "h1", TreeSHA: "t1",
		TreeETag: `W/"tree"`, PushedAt: pushed, ListPage: 2,
		Files: []ingest.GitHubFile{
			{Path: "catalog-info.yaml", SHA: "s1", Size: 120, Role: ingest.RoleDescriptor,
				Deps: map[string]string{"README.md": "s2", "gone.md": ""}, Targets: []string{"apis/api.yaml"},
				Refs: []string{"component:default/checkout"}},
			{Path: "apis/api.yaml", SHA: "s3", Role: ingest.RoleTarget, Refs: []string{"api:default/checkout-api"}},
		},
		Extra: ingest.GitHubRepoExtra{Meta: ingest.RepoMeta{Name: "checkout", Topics: []string{"go"}, HTMLURL: "https://github.com/acme/checkout"},
			Owner:       &ingest.InferredOwner{Ref: "group:default/payments", From: "CODEOWNERS"},
			Facts:       map[string]any{"has_readme": true, "open_pull_requests": float64(2), "nul": "a\x00b"},
			FactsReadAt: read, ETags: map[string]string{"pulls": `W/"p"`}},
	}
	if err := db.PutGitHubRepo(ctx, "gh", repo); err != nil {
		t.Fatal(err)
	}
	other := ingest.GitHubRepo{ID: 7, FullName: "acme/billing", Files: []ingest.GitHubFile{{Path: "CODEOWNERS", SHA: "c", Role: ingest.RoleCodeowners}}}
	if err := db.PutGitHubRepo(ctx, "gh", other); err != nil {
		t.Fatal(err)
	}
	got, err := db.GitHubRepos(ctx, "gh")
	if err != nil || len(got) != 2 {
		t.Fatalf("repos = %d, %v", len(got), err)
	}
	if got[0].FullName != "acme/billing" {
		t.Errorf("not by full name: %s first", got[0].FullName)
	}
	back := got[1]
	repo.Files[0], repo.Files[1] = repo.Files[1], repo.Files[0] // by path
	repo.Extra.Facts["nul"] = "a\uFFFDb"
	if !reflect.DeepEqual(back, repo) {
		t.Errorf("round trip:\n got %+v\nwant %+v", back, repo)
	}
	// A second put replaces the files; a rename is the same id.
	repo.FullName, repo.Files = "acme/checkout-svc", repo.Files[:1]
	if err := db.PutGitHubRepo(ctx, "gh", repo); err != nil {
		t.Fatal(err)
	}
	got, _ = db.GitHubRepos(ctx, "gh")
	if len(got) != 2 || got[1].FullName != "acme/checkout-svc" || len(got[1].Files) != 1 {
		t.Errorf("after rename: %+v", got)
	}
	if err := db.DeleteGitHubRepos(ctx, "gh", []int64{101}); err != nil {
		t.Fatal(err)
	}
	got, _ = db.GitHubRepos(ctx, "gh")
	if len(got) != 1 || got[0].ID != 7 {
		t.Errorf("after delete: %+v", got)
	}
	if n, _ := db.GitHubRepos(ctx, "elsewhere"); len(n) != 0 {
		t.Errorf("another source sees %d repos", len(n))
	}
}

func testGitHubBlobs(t *testing.T, db *DB, _ string) {
	ctx := context.Background()
	for i := range 2 {
		if err := db.PutGitHubBlob(ctx, "aaa", []byte("kind: Component\n")); err != nil {
			t.Fatalf("put %d: %v", i, err)
		}
	}
	if err := db.PutGitHubBlob(ctx, "bbb", nil); err != nil {
		t.Fatal(err)
	}
	got, err := db.GitHubBlobs(ctx, []string{"aaa", "bbb", "ccc"})
	if err != nil || string(got["aaa"]) != "kind: Component\n" || got["bbb"] == nil || len(got) != 2 {
		t.Errorf("blobs = %q, %v", got, err)
	}
	if err := db.PutGitHubRepo(ctx, "gh", ingest.GitHubRepo{ID: 1, FullName: "a/b",
		Files: []ingest.GitHubFile{{Path: "catalog-info.yaml", SHA: "aaa", Role: ingest.RoleDescriptor}}}); err != nil {
		t.Fatal(err)
	}
	n, err := db.PruneGitHubBlobs(ctx)
	if err != nil || n != 1 {
		t.Errorf("pruned %d, %v; want 1", n, err)
	}
	if got, _ := db.GitHubBlobs(ctx, []string{"aaa", "bbb"}); len(got) != 1 {
		t.Errorf("after prune: %v", got)
	}
	many := make([]string, 1200)
	for i := range many {
		many[i] = "x" + time.Duration(i).String()
	}
	if got, err := db.GitHubBlobs(ctx, append(many, "aaa")); err != nil || len(got) != 1 {
		t.Errorf("1,201 shas: %d, %v", len(got), err)
	}
}

func testFacts(t *testing.T, db *DB, _ string) {
	ctx := context.Background()
	at := time.Date(2025, 1, 2, 3, 4, 5, 6e6, time.UTC)
	if err := db.PutFacts(ctx, "Component:default/Checkout", "github", map[string]any{"has_readme": true, "open_pull_requests": 3}, at); err != nil {
		t.Fatal(err)
	}
	if err := db.PutFacts(ctx, "component:default/checkout", "pagerduty", map[string]any{"services": []string{"a"}}, at); err != nil {
		t.Fatal(err)
	}
	if err := db.PutFacts(ctx, "component:default/billing", "github", nil, at); err != nil {
		t.Fatal(err)
	}
	later := at.Add(time.Hour)
	if err := db.PutFacts(ctx, "component:default/checkout", "github", map[string]any{"has_readme": false}, later); err != nil {
		t.Fatal(err)
	}
	got, err := db.Facts(ctx, "component:default/checkout")
	if err != nil || len(got) != 2 {
		t.Fatalf("facts = %v, %v", got, err)
	}
	gh := got["github"]
	if gh.Facts["has_readme"] != false || len(gh.Facts) != 1 || !gh.ReadAt.Equal(later.Truncate(time.Millisecond)) {
		t.Errorf("github facts = %+v", gh)
	}
	if none, err := db.Facts(ctx, "component:default/nothing"); err != nil || none == nil || len(none) != 0 {
		t.Errorf("unknown entity: %v, %v", none, err)
	}
	all, err := db.AllFacts(ctx, "")
	if err != nil || len(all) != 2 || len(all["component:default/checkout"]) != 2 || all["component:default/billing"]["github"].Facts == nil {
		t.Errorf("all = %v, %v", all, err)
	}
	onlyGH, _ := db.AllFacts(ctx, "github")
	if len(onlyGH["component:default/checkout"]) != 1 {
		t.Errorf("github only = %v", onlyGH)
	}
	if err := db.DeleteFacts(ctx, "component:default/checkout", "github"); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Facts(ctx, "component:default/checkout"); len(got) != 1 {
		t.Errorf("after delete: %v", got)
	}
	if err := db.DeleteFacts(ctx, "component:default/checkout", ""); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Facts(ctx, "component:default/checkout"); len(got) != 0 {
		t.Errorf("after delete all: %v", got)
	}
}

func testSyncLock(t *testing.T, db *DB, url string) {
	ctx := context.Background()
	release, ok, err := db.TryLockSync(ctx, "acme-github")
	if err != nil || !ok {
		t.Fatalf("first lock: %v %v", ok, err)
	}
	// Another replica: on SQLite, another process opening the same file.
	other := ghOpen(t, url)
	if _, ok, err := other.TryLockSync(ctx, "acme-github"); err != nil || ok {
		t.Errorf("second replica got the lock: %v %v", ok, err)
	}
	if rel, ok, err := other.TryLockSync(ctx, "another-source"); err != nil || !ok {
		t.Errorf("another source's lock: %v %v", ok, err)
	} else {
		rel()
	}
	release()
	release() // twice is harmless
	rel, ok, err := other.TryLockSync(ctx, "acme-github")
	if err != nil || !ok {
		t.Fatalf("after release: %v %v", ok, err)
	}
	rel()
	if db.Dialect() == DialectPostgres {
		return
	}
	// A lease left by a process that died runs out; one renewed does not.
	defer func(d time.Duration) { syncLease = d }(syncLease)
	syncLease = 300 * time.Millisecond
	if _, err := db.write.ExecContext(ctx, "INSERT INTO sync_leases (name, holder, lease_until) VALUES ('crashed', 'gone', ?)",
		time.Now().Add(-time.Second).UnixMilli()); err != nil {
		t.Fatal(err)
	}
	held, ok, err := other.TryLockSync(ctx, "crashed")
	if err != nil || !ok {
		t.Fatalf("a lease run out was not taken over: %v %v", ok, err)
	}
	time.Sleep(2 * syncLease) // renewed meanwhile, every third of it
	if _, ok, err := db.TryLockSync(ctx, "crashed"); err != nil || ok {
		t.Errorf("a renewed lease was taken: %v %v", ok, err)
	}
	held()
}
