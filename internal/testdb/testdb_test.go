package testdb

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestEngines(t *testing.T) {
	var names []string
	for _, e := range Engines() {
		names = append(names, e.Name)
	}
	if strings.Join(names, ",") != "sqlite,postgres" {
		t.Errorf("Engines() = %v", names)
	}
}

func TestSQLite(t *testing.T) {
	a, b := SQLite(t), SQLite(t)
	if a == b || !strings.HasPrefix(a, "sqlite:") {
		t.Fatalf("SQLite gave %q and %q, want two distinct sqlite: URLs", a, b)
	}
	dir := filepath.Dir(strings.TrimPrefix(a, "sqlite:"))
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		t.Errorf("the directory of %s should exist: %v", a, err)
	}
	Engines()[0].Need(t) // never skips
}

func TestPostgres(t *testing.T) {
	var schema string
	t.Run("fresh", func(t *testing.T) {
		u := Engines()[1].URL(t)
		parsed, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		schema = parsed.Query().Get("search_path")
		if !strings.HasPrefix(schema, "gantry_test_") {
			t.Fatalf("URL %s has search_path %q", u, schema)
		}
		// The URL reaches the new schema: a table made there is found there.
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "CREATE TABLE probe (x int)"); err != nil {
			t.Fatal(err)
		}
		var where string
		if err := conn.QueryRow(ctx, "SELECT table_schema FROM information_schema.tables WHERE table_name = 'probe'").Scan(&where); err != nil || where != schema {
			t.Fatalf("probe table in %q (%v), want %q", where, err, schema)
		}
	})
	if schema == "" {
		t.Skip("PostgreSQL is not available")
	}
	// Cleanup dropped the schema when the subtest ended.
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, os.Getenv(PostgresEnv))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM information_schema.schemata WHERE schema_name = $1", schema).Scan(&n); err != nil || n != 0 {
		t.Errorf("schema %s still there after the test (%d, %v)", schema, n, err)
	}
}
