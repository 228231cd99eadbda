package store

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/catalog/ingest"
	"github.com/gantryhq/gantry/internal/errkind"
)

// The store is what the domain packages ask for.
var (
	_ catalog.Store = (*DB)(nil)
	_ ingest.Store  = (*DB)(nil)
)

func TestParseURL(t *testing.T) {
	cases := []struct {
		in   string
		want target
	}{
		{"sqlite:gantry.db", target{dialect: DialectSQLite, path: "gantry.db"}},
		{"sqlite:data/gantry.db", target{dialect: DialectSQLite, path: "data/gantry.db"}},
		{"sqlite:./data//gantry.db", target{dialect: DialectSQLite, path: "data/gantry.db"}},
		{"sqlite:/var/lib/gantry.db", target{dialect: DialectSQLite, path: "/var/lib/gantry.db"}},
		{"sqlite:///var/lib/gantry.db", target{dialect: DialectSQLite, path: "/var/lib/gantry.db"}},
		{"SQLite:///var/lib/My Gantry.db", target{dialect: DialectSQLite, path: "/var/lib/My Gantry.db"}},
		{"file:gantry.db", target{dialect: DialectSQLite, path: "gantry.db"}},
		{"file:///tmp/g.db", target{dialect: DialectSQLite, path: "/tmp/g.db"}},
		{"sqlite::memory:", target{dialect: DialectSQLite, memory: true}},
		{"file::memory:", target{dialect: DialectSQLite, memory: true}},
		{" postgres://u@h/db ", target{dialect: DialectPostgres, dsn: "postgres://u@h/db"}},
		{"postgresql://u@h:5433/db?sslmode=disable", target{dialect: DialectPostgres, dsn: "postgresql://u@h:5433/db?sslmode=disable"}},
	}
	for _, c := range cases {
		got, err := parseURL(c.in)
		if err != nil || got != c.want {
			t.Errorf("parseURL(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{"", "  ", "gantry.db", "sqlite:", "sqlite://", "sqlite:g.db?mode=ro", "mysql://root:hunter2@db/gantry", "pg://x"} {
		_, err := parseURL(in)
		if !errors.Is(err, errkind.Invalid) {
			t.Errorf("parseURL(%q) = %v, want errkind.Invalid", in, err)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "sqlite:PATH") || !strings.Contains(msg, "postgres://") || strings.Contains(msg, "hunter2") {
			t.Errorf("parseURL(%q): %q should list the accepted forms and hide passwords", in, msg)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		url  string
		kind errkind.Kind
	}{
		{"mysql://root:hunter2@db/gantry", errkind.Invalid},
		{"postgres://u:hunter2@h:notaport/db", errkind.Invalid},
		{"sqlite:" + filepath.Join(t.TempDir(), "no", "such", "dir", "g.db"), errkind.Unavailable},
		// Port 1 on loopback: nothing listens, so the refusal is immediate.
		{"postgres://postgres:hunter2@127.0.0.1:1/postgres?connect_timeout=2", errkind.Unavailable},
	}
	for _, c := range cases {
		db, err := Open(ctx, c.url, nil)
		if err == nil {
			db.Close()
			t.Errorf("Open(%s) succeeded", c.url)
			continue
		}
		if !errors.Is(err, c.kind) {
			t.Errorf("Open(%s) = %v, want %s", c.url, err, c.kind)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Open(%s) error shows the password: %v", c.url, err)
		}
	}
}

func TestOpenMemoryAndRelative(t *testing.T) {
	ctx := context.Background()
	mem := open(t, "sqlite::memory:")
	apply(t, mem, "s", ent("Component", "x", nil))
	if res := search(t, mem, catalog.SearchQuery{Text: "x"}); len(res.Hits) != 1 {
		t.Errorf("memory database: %d hits", len(res.Hits))
	}
	if mem.Dialect() != DialectSQLite || mem.Ping(ctx) != nil {
		t.Errorf("memory database: dialect %s, ping %v", mem.Dialect(), mem.Ping(ctx))
	}

	dir := t.TempDir()
	t.Chdir(dir)
	rel := open(t, "sqlite:rel.db")
	apply(t, rel, "s", ent("Component", "y", nil))
	rel.Close()
	again := open(t, "sqlite://"+filepath.Join(dir, "rel.db"))
	get(t, again, "component:y")
	slashes := open(t, "sqlite:////"+filepath.Join(dir, "rel.db"))
	get(t, slashes, "component:y")
}
