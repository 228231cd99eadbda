package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/mattn/go-sqlite3"

	"github.com/gantryhq/gantry/internal/errkind"
)

// dbError wraps a database error with what was being done, and gives it
// errkind.Unavailable when the database, rather than the request, failed:
// callers retry those, and the bot says "try again in a moment".
func dbError(err error, format string, args ...any) error {
	what := fmt.Sprintf(format, args...)
	if isUnavailable(err) {
		return errkind.New(errkind.Unavailable, "%s: the database does not answer: %w", what, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// isUnavailable reports whether err says the database is down, busy or
// unreachable.
func isUnavailable(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false // the caller gave up; nothing is wrong with the database
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) {
		return true
	}
	var sqliteErr sqlite3.Error
	if errors.As(err, &sqliteErr) {
		switch sqliteErr.Code {
		case sqlite3.ErrBusy, sqlite3.ErrLocked, sqlite3.ErrCantOpen, sqlite3.ErrIoErr, sqlite3.ErrFull, sqlite3.ErrNoLFS:
			return true
		}
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 08: connection exception; 53: insufficient resources;
		// 57P0x: the server is shutting down or restarting.
		return strings.HasPrefix(pgErr.Code, "08") || strings.HasPrefix(pgErr.Code, "53") || strings.HasPrefix(pgErr.Code, "57P")
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connectErr) || errors.As(err, &netErr)
}
