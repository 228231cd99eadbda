// Package app assembles Gantry from its configuration: the store, the
// catalog, its sources and syncer, and (in serve) the schedules and the
// operations server. Commands in cmd/gantry call it; it holds lifecycle,
// not business rules.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/catalog/ingest"
	"github.com/gantryhq/gantry/internal/config"
	"github.com/gantryhq/gantry/internal/errkind"
	"github.com/gantryhq/gantry/store"
)

// App is an opened Gantry: configuration, store and catalog.
type App struct {
	Config  config.Config
	Log     *slog.Logger
	DB      *store.DB
	Catalog *catalog.Catalog
	Syncer  *ingest.Syncer

	gh  githubDeps  // the shared GitHub client and sync bookkeeping (github.go)
	act actionsDeps // self-service actions and their engine (actions.go)

	sc scorecardDeps // scorecards, their evaluation and digests (scorecards.go)

	local *localMode // the local playground, in local mode (local.go)
}

// Open opens the store (applying migrations) and builds the catalog.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	db, err := store.Open(ctx, cfg.DatabaseURL(), log)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	cat, err := catalog.New(db)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &App{Config: cfg, Log: log, DB: db, Catalog: cat, Syncer: ingest.NewSyncer(db, log)}, nil
}

// Close releases the store.
func (a *App) Close() error { return a.DB.Close() }

// Sources builds the configured catalog sources.
func (a *App) Sources() []ingest.Source {
	var out []ingest.Source
	for _, s := range a.Config.Catalog.Sources {
		switch s.Type {
		case "file":
			fs := ingest.NewFileSource(s.Name, a.Config.Resolve(s.Path))
			fs.Root = a.Config.Resolve(s.Root)
			fs.Base = a.Config.Dir
			out = append(out, fs)
		case "dir":
			ds := ingest.NewDirSource(s.Name, a.Config.Resolve(s.Path), s.Glob)
			ds.Base = a.Config.Dir
			out = append(out, ds)
		case "github":
			out = append(out, a.githubSource(s))
		}
	}
	return append(out, a.registeredSources()...)
}

// syncOrder puts the github sources last, keeping the configured order
// otherwise: a github source gives a repository's facts to the entities
// whose github.com/project-slug names it, and reads those from the store,
// so the files that declare them are synced first (else an entity new in
// a file would get its facts one refresh later).
func syncOrder(sources []ingest.Source) []ingest.Source {
	out := make([]ingest.Source, 0, len(sources))
	var github []ingest.Source
	for _, src := range sources {
		if _, ok := src.(*ingest.GitHubSource); ok {
			github = append(github, src)
			continue
		}
		out = append(out, src)
	}
	return append(out, github...)
}

// Sync syncs every source, or only the one named. One source failing does
// not stop the others; the error joins every failure.
func (a *App) Sync(ctx context.Context, only string) ([]ingest.Result, error) {
	var results []ingest.Result
	var errs []error
	found := false
	for _, src := range syncOrder(a.Sources()) {
		if only != "" && src.Name() != only {
			continue
		}
		found = true
		res, err := a.syncSource(ctx, src)
		results = append(results, res)
		if err != nil {
			errs = append(errs, err)
		}
	}
	if only != "" && !found {
		names := make([]string, 0, len(a.Config.Catalog.Sources))
		for _, s := range a.Config.Catalog.Sources {
			names = append(names, s.Name)
		}
		return nil, errkind.New(errkind.NotFound, "no source named %q (configured: %s)", only, strings.Join(names, ", "))
	}
	a.afterSync(ctx)       // scorecards are evaluated after every sync
	a.local.afterSync(ctx) // local mode: the sandbox's people and channels follow the catalog
	return results, errors.Join(errs...)
}

// NewLogger builds the logger the config asks for, writing to stderr.
func NewLogger(cfg config.Log) *slog.Logger { return newLogger(cfg, os.Stderr) }

func newLogger(cfg config.Log, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Level))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
