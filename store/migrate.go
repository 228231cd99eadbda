package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// migrations holds one directory per dialect, because full-text search
// differs; each change is one numbered file, applied in order by goose and
// recorded in goose_db_version. A new table family adds the next number to
// both directories (00002_action_runs.sql in sqlite/ and postgres/), with
// an Up and a Down section; a released file is never edited.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// migrate applies every pending migration. It is safe to run on every Open,
// and on PostgreSQL from several replicas at once: a session advisory lock
// makes them take turns.
func (db *DB) migrate(ctx context.Context) error {
	dir, dialect := "migrations/sqlite", goose.DialectSQLite3
	// Migrations are numbered by table family (00001-00009 the catalog,
	// 00010 GitHub, ...), so a family's new migration may sort before one a
	// database already has: apply it rather than refuse to start.
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true), goose.WithAllowOutofOrder(true)}
	if db.dialect == DialectPostgres {
		dir, dialect = "migrations/postgres", goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return fmt.Errorf("preparing the migration lock: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	fsys, err := fs.Sub(migrations, dir)
	if err != nil {
		return fmt.Errorf("reading embedded migrations: %w", err)
	}
	p, err := goose.NewProvider(dialect, db.write.DB, fsys, opts...)
	if err != nil {
		return fmt.Errorf("loading the %s migrations: %w", db.dialect, err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrating the %s database: %w", db.dialect, err)
	}
	for _, r := range results {
		db.log.Debug("store: migration applied", "dialect", db.dialect,
			"version", r.Source.Version, "file", r.Source.Path, "took", r.Duration)
	}
	if len(results) > 0 {
		// One line for the person watching start-up; the list is at debug.
		last := results[len(results)-1].Source
		db.log.Info("store: database migrated", "dialect", db.dialect, "applied", len(results), "version", last.Version)
	}
	return nil
}
