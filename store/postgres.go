package store

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/jmoiron/sqlx"

	"github.com/gantryhq/gantry/internal/errkind"
)

// openPostgres connects through pgx's database/sql adapter and migrates.
// PostgreSQL handles concurrent writers itself, so one pool serves both.
func openPostgres(ctx context.Context, dsn string, logger *slog.Logger) (*DB, error) {
	// Parse first: pgx would otherwise only find a malformed URL at the
	// first connection, and report it as if the server were down. pgx
	// masks the password in this error.
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, errkind.New(errkind.Invalid, "PostgreSQL URL not understood (%v): %s", err, acceptedURLs)
	}
	sqldb := sqlx.NewDb(stdlib.OpenDB(*cfg), "pgx")
	sqldb.SetMaxOpenConns(16)
	sqldb.SetMaxIdleConns(8)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	if err := sqldb.PingContext(ctx); err != nil {
		sqldb.Close()
		return nil, unavailable(err)
	}
	db := &DB{dialect: DialectPostgres, write: sqldb, read: sqldb, log: logger}
	if err := db.migrate(ctx); err != nil {
		sqldb.Close()
		return nil, err
	}
	return db, nil
}
