// Package store persists everything Gantry keeps: the catalog today, action
// runs, approvals, audit and scorecard history as they arrive. It runs on
// SQLite (the default: one file beside the binary) or on PostgreSQL, with
// the same schema shape on both and embedded migrations applied at Open.
//
// One *DB implements the small interfaces the domain packages declare where
// they use them (catalog.Store, ingest.Store, ...). All SQL lives here.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/gantryhq/gantry/internal/errkind"
)

// Dialects, as Dialect reports them.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// DB is Gantry's database. It is safe for concurrent use.
//
// On SQLite, writes go through a pool of exactly one connection whose
// transactions begin IMMEDIATE, so writers queue in Go instead of failing
// with SQLITE_BUSY, while reads use a separate pool of read-only
// connections that WAL lets run beside the writer. On PostgreSQL both are
// the same pool.
type DB struct {
	dialect string
	write   *sqlx.DB
	read    *sqlx.DB
	log     *slog.Logger
}

// acceptedURLs is said in every error about a malformed URL.
const acceptedURLs = "use sqlite:PATH (also sqlite:///abs/path, file:PATH, or sqlite::memory: for a throwaway database) or postgres://user@host:5432/dbname"

// Open connects to the database named by rawURL, applies any pending
// migrations and returns it ready to use. Errors: errkind.Invalid for a URL
// it does not understand, errkind.Unavailable when the database cannot be
// opened or does not answer.
func Open(ctx context.Context, rawURL string, logger *slog.Logger) (*DB, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	t, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	switch t.dialect {
	case DialectPostgres:
		return openPostgres(ctx, t.dsn, logger)
	default:
		return openSQLite(ctx, t, logger)
	}
}

// Close closes every connection. The DB must not be used afterwards.
func (db *DB) Close() error {
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Dialect returns DialectSQLite or DialectPostgres.
func (db *DB) Dialect() string { return db.dialect }

// Ping checks that the database answers, for readiness probes. Errors:
// errkind.Unavailable.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.write.PingContext(ctx); err != nil {
		return unavailable(err)
	}
	if db.read != db.write {
		if err := db.read.PingContext(ctx); err != nil {
			return unavailable(err)
		}
	}
	return nil
}

// target is a parsed database URL.
type target struct {
	dialect string
	path    string // SQLite file; "" with memory
	memory  bool   // SQLite in memory, gone at Close
	dsn     string // PostgreSQL connection string, as given
}

// parseURL accepts the URL forms listed in acceptedURLs.
func parseURL(raw string) (target, error) {
	s := strings.TrimSpace(raw)
	lower := strings.ToLower(s)
	switch {
	case s == "":
		return target{}, errkind.New(errkind.Invalid, "no database URL given: %s", acceptedURLs)
	case strings.HasPrefix(lower, "postgres://"), strings.HasPrefix(lower, "postgresql://"):
		return target{dialect: DialectPostgres, dsn: s}, nil
	case strings.HasPrefix(lower, "sqlite:"), strings.HasPrefix(lower, "file:"):
		rest := s[strings.IndexByte(s, ':')+1:]
		if rest == ":memory:" || rest == "//:memory:" {
			return target{dialect: DialectSQLite, memory: true}, nil
		}
		// "sqlite:///abs/path" and "file:///abs/path" name /abs/path;
		// "sqlite://rel/path" is read as rel/path rather than as a host.
		rest = strings.TrimPrefix(rest, "//")
		if rest == "" {
			return target{}, errkind.New(errkind.Invalid, "database URL %q names no file: %s", s, acceptedURLs)
		}
		if strings.ContainsAny(rest, "?#") {
			return target{}, errkind.New(errkind.Invalid, "database URL %q has query parameters, which Gantry sets itself: %s", s, acceptedURLs)
		}
		return target{dialect: DialectSQLite, path: filepath.Clean(rest)}, nil
	}
	// Say only the scheme back: the rest may hold a password.
	scheme := "it"
	if u, err := url.Parse(s); err == nil && u.Scheme != "" {
		scheme = fmt.Sprintf("scheme %q", u.Scheme)
	}
	return target{}, errkind.New(errkind.Invalid, "database URL not understood (%s is not supported): %s", scheme, acceptedURLs)
}

// unavailable marks err as a database that does not answer.
func unavailable(err error) error {
	return errkind.New(errkind.Unavailable, "the database does not answer: %w", err)
}
