package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"log/slog"
	"net/url"
	"runtime"

	"github.com/jmoiron/sqlx"
	"github.com/mattn/go-sqlite3"

	"github.com/gantryhq/gantry/internal/errkind"
)

// sqliteConnector opens SQLite connections with our own driver value,
// rather than through sql.Register, a process-wide registry that panics on
// a second registration.
type sqliteConnector struct {
	drv *sqlite3.SQLiteDriver
	dsn string
}

func (c sqliteConnector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c sqliteConnector) Driver() driver.Driver                        { return c.drv }

// noFTS5 says what to do about a binary whose SQLite lacks FTS5, which
// mattn/go-sqlite3 compiles in only under the build tag sqlite_fts5.
const noFTS5 = "this binary was built without SQLite FTS5: build with `make build` or `go build -tags sqlite_fts5 ./cmd/gantry` (and test with `make test` or `go test -tags sqlite_fts5 ./...`)"

// checkFTS5 fails with errkind.Unavailable when the SQLite library cannot
// hold the search index.
func checkFTS5(ctx context.Context, db *sqlx.DB) error {
	var ok bool
	if err := db.GetContext(ctx, &ok, "SELECT sqlite_compileoption_used('ENABLE_FTS5')"); err != nil {
		return unavailable(err)
	}
	if !ok {
		return errkind.New(errkind.Unavailable, "%s", noFTS5)
	}
	return nil
}

// sqliteDSN builds the URI that mattn/go-sqlite3 and SQLite both read:
// SQLite's own parameters (mode) and the driver's (_name) side by side.
func sqliteDSN(path string, params url.Values) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + params.Encode()
}

// openSQLite opens the writer, migrates, then opens the readers: read-only
// connections need the file (and its WAL) to exist before they open.
func openSQLite(ctx context.Context, t target, logger *slog.Logger) (*DB, error) {
	drv := &sqlite3.SQLiteDriver{}
	common := url.Values{
		"_busy_timeout":    {"5000"},
		"_foreign_keys":    {"1"},
		"_synchronous":     {"NORMAL"},
		"_stmt_cache_size": {"32"},
	}
	wparams := clone(common)
	wparams.Set("_txlock", "immediate")
	// 64 MiB of page cache (the default is 2 MiB): a 100,000-entity catalog's
	// indexes then stay in memory while a sync rewrites them.
	wparams.Set("_cache_size", "-65536")
	path := t.path
	if t.memory {
		path = ":memory:"
	} else {
		wparams.Set("_journal_mode", "WAL")
	}
	write := sqlx.NewDb(sql.OpenDB(sqliteConnector{drv, sqliteDSN(path, wparams)}), "sqlite3")
	// One connection: a memory database lives and dies with it, and a file
	// has one writer at a time anyway.
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, unavailableSQLite(t, err)
	}
	if err := checkFTS5(ctx, write); err != nil {
		write.Close()
		return nil, err
	}
	db := &DB{dialect: DialectSQLite, write: write, read: write, log: logger}
	if err := db.migrate(ctx); err != nil {
		write.Close()
		return nil, err
	}
	if t.memory {
		return db, nil
	}
	rparams := clone(common)
	rparams.Set("mode", "ro")
	read := sqlx.NewDb(sql.OpenDB(sqliteConnector{drv, sqliteDSN(path, rparams)}), "sqlite3")
	n := max(4, runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	if err := read.PingContext(ctx); err != nil {
		write.Close()
		read.Close()
		return nil, unavailableSQLite(t, err)
	}
	db.read = read
	return db, nil
}

func unavailableSQLite(t target, err error) error {
	return unavailable(fmt.Errorf("cannot open SQLite database %s: %w", t.path, err))
}

func clone(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
