// Package testdb gives tests a fresh, empty database on each engine Gantry
// runs on, as a URL that store.Open (or the app's config) accepts: a SQLite
// file in the test's temporary directory, and a PostgreSQL schema of the
// test's own on the server named by GANTRY_TEST_POSTGRES, dropped when the
// test ends. Tests that need PostgreSQL skip, saying how to run them, when
// the variable is not set; CI sets it.
//
//	for _, eng := range testdb.Engines() {
//		t.Run(eng.Name, func(t *testing.T) {
//			db, err := store.Open(ctx, eng.URL(t), nil)
//			...
//		})
//	}
//
// SQLite needs the build tag sqlite_fts5 (make sets it); without it,
// store.Open says so.
package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"
)

// PostgresEnv names the environment variable that holds the URL of the
// PostgreSQL server tests may use, e.g.
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable.
const PostgresEnv = "GANTRY_TEST_POSTGRES"

// Engine is one database engine tests run on.
type Engine struct {
	// Name is "sqlite" or "postgres", as store.DB.Dialect says it.
	Name  string
	need  func(t testing.TB)
	fresh func(t testing.TB) string
}

// Engines returns SQLite and PostgreSQL, in that order. Every engine is
// listed whether or not it is available here: Need and URL skip the test
// when it is not.
func Engines() []Engine {
	return []Engine{
		{Name: "sqlite", need: func(testing.TB) {}, fresh: SQLite},
		{Name: "postgres", need: NeedPostgres, fresh: Postgres},
	}
}

// Need skips t unless the engine is available, so that a suite can skip
// an engine's half once rather than in each of its tests.
func (e Engine) Need(t testing.TB) {
	t.Helper()
	e.need(t)
}

// URL returns the URL of a fresh, empty database on the engine, removed
// when t ends; it skips t when the engine is not available.
func (e Engine) URL(t testing.TB) string {
	t.Helper()
	return e.fresh(t)
}

// SQLite returns the URL of a new SQLite file in t's temporary directory.
func SQLite(t testing.TB) string {
	t.Helper()
	return "sqlite:" + filepath.Join(t.TempDir(), "gantry.db")
}

// NeedPostgres skips t unless GANTRY_TEST_POSTGRES names a server.
func NeedPostgres(t testing.TB) {
	t.Helper()
	if os.Getenv(PostgresEnv) == "" {
		t.Skipf("%s is not set, so this PostgreSQL test is skipped; set it to e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", PostgresEnv)
	}
}

// Postgres creates a schema of t's own on the server named by
// GANTRY_TEST_POSTGRES and returns the server's URL with search_path set
// to it; the schema and all in it are dropped when t ends. It skips t when
// the variable is not set, and fails it when the server does not answer.
func Postgres(t testing.TB) string {
	t.Helper()
	NeedPostgres(t)
	base := os.Getenv(PostgresEnv)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s is not a URL: %v", PostgresEnv, err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "gantry_test_" + hex.EncodeToString(b)
	if err := exec(base, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("%s: creating schema %s: %v", PostgresEnv, schema, err)
	}
	t.Cleanup(func() {
		if err := exec(base, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("%s: dropping schema %s: %v", PostgresEnv, schema, err)
		}
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// exec runs one statement on its own connection to the server at base.
func exec(base, sql string) error {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}
