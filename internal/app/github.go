package app

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/gantryhq/gantry/catalog/ingest"
	"github.com/gantryhq/gantry/internal/config"
	"github.com/gantryhq/gantry/internal/errkind"
	"github.com/gantryhq/gantry/internal/ghclient"
)

// githubDeps is what the App keeps for GitHub: one client (its installation
// token and rate-limit state are shared by every github source, and later
// by actions and scorecards), and the syncs started on demand.
type githubDeps struct {
	once   sync.Once
	client *ghclient.Client
	err    error

	mu      sync.Mutex
	running map[string]bool // on-demand syncs by source ("" for all)
}

// GitHub returns the GitHub client the config describes (github section),
// built once.
func (a *App) GitHub() (*ghclient.Client, error) {
	a.gh.once.Do(func() {
		g := a.Config.GitHub
		cfg := ghclient.Config{BaseURL: g.BaseURL, Token: g.Token, Log: a.Log, PerMinute: a.local.gitHubPerMinute()}
		if g.App != nil {
			key, err := ghclient.ReadPrivateKey(a.Config.Resolve(g.App.PrivateKeyFile))
			if err != nil {
				a.gh.err = errkind.Wrap(errkind.Invalid, err)
				return
			}
			cfg.App = &ghclient.App{ID: g.App.ID, InstallationID: g.App.InstallationID, PrivateKey: key}
		} else if g.Token == "" {
			name := g.TokenEnv
			if name == "" {
				name = "GITHUB_TOKEN"
			}
			a.gh.err = errkind.New(errkind.Invalid, "no GitHub credentials: set $%s to a token, or configure github.app", name)
			return
		}
		a.gh.client, a.gh.err = ghclient.New(cfg)
		if a.gh.err != nil {
			a.gh.err = errkind.Wrap(errkind.Invalid, a.gh.err)
		}
	})
	return a.gh.client, a.gh.err
}

// githubSource builds a configured github source. When the client cannot
// be built, the source's sync fails with the reason (and removes nothing).
func (a *App) githubSource(s config.Source) ingest.Source {
	gh, err := a.GitHub()
	if err != nil {
		return brokenSource{name: s.Name, err: fmt.Errorf("source %s: %w", s.Name, err)}
	}
	opts := ingest.GitHubOptions{Org: s.Org, User: s.User, Paths: s.Paths, Infer: s.InferOrDefault(),
		IncludeArchived: s.IncludeArchived, FactsTTL: s.FactsTTLDuration(), FactsMaxCalls: s.FactsMaxCalls, Log: a.Log}
	return ingest.NewGitHubSource(s.Name, gh.Client, a.DB, a.DB, a.DB, opts)
}

// brokenSource is a source that could not be built; syncing it fails
// before anything is read.
type brokenSource struct {
	name string
	err  error
}

func (b brokenSource) Name() string                            { return b.name }
func (b brokenSource) Walk(context.Context, ingest.Sink) error { return b.err }

// syncSource syncs one source, unless another replica is syncing it: each
// sync holds a lock named after the source (store.TryLockSync: a session
// advisory lock on PostgreSQL, a renewed lease row on SQLite, whose file
// two serves may share), so a scheduled sync running on every replica, or
// /gantry sync on one while another syncs, runs once. Within one process
// the Syncer refuses a second sync of a source itself.
// Errors: errkind.Conflict when a sync of the source is already running.
func (a *App) syncSource(ctx context.Context, src ingest.Source) (ingest.Result, error) {
	if b, ok := src.(brokenSource); ok {
		return ingest.Result{Source: b.name}, b.err
	}
	release, ok, err := a.DB.TryLockSync(ctx, src.Name())
	if err != nil {
		return ingest.Result{Source: src.Name()}, err
	}
	if !ok {
		return ingest.Result{Source: src.Name()}, errkind.New(errkind.Conflict, "a sync of source %s is already running on another replica", src.Name())
	}
	defer release()
	return a.Syncer.Sync(ctx, src)
}

// StartSync starts a sync of every source (or of the one named) in the
// background, for `/gantry sync`, and returns at once; done (optional) is
// called with the results when it ends. The caller checks that the person
// may (members of slack.admin_group). Errors: errkind.NotFound for an
// unknown source, errkind.Conflict when the same sync is already running.
func (a *App) StartSync(ctx context.Context, only string, done func([]ingest.Result, error)) error {
	if only != "" {
		found := false
		for _, s := range a.Config.Catalog.Sources {
			found = found || s.Name == only
		}
		if !found {
			return errkind.New(errkind.NotFound, "no source named %q (configured: %s)", only, strings.Join(a.sourceNames(), ", "))
		}
	}
	a.gh.mu.Lock()
	if a.gh.running == nil {
		a.gh.running = map[string]bool{}
	}
	if a.gh.running[only] || a.gh.running[""] {
		a.gh.mu.Unlock()
		what := "of every source"
		if only != "" {
			what = "of " + only
		}
		return errkind.New(errkind.Conflict, "a sync %s is already running; it reports when it is done", what)
	}
	a.gh.running[only] = true
	a.gh.mu.Unlock()
	go func() {
		results, err := a.Sync(context.WithoutCancel(ctx), only)
		a.gh.mu.Lock()
		delete(a.gh.running, only) // before done: whoever done tells may start another
		a.gh.mu.Unlock()
		if err != nil {
			a.Log.Warn("on-demand catalog sync", "source", only, "err", err)
		}
		if done != nil {
			done(results, err)
		}
	}()
	return nil
}

// SyncSummary says in a sentence or two what a sync did, for Slack.
func SyncSummary(results []ingest.Result, err error) string {
	var b strings.Builder
	for _, r := range results {
		fmt.Fprintf(&b, "%s: %d added, %d updated, %d removed, %d unchanged", r.Source, r.Added, r.Updated, r.Removed, r.Unchanged)
		if n := len(r.Problems); n > 0 {
			fmt.Fprintf(&b, ", %d problem(s) (first: %s)", n, r.Problems[0])
		}
		fmt.Fprintf(&b, " in %s.\n", r.Duration.Round(1e6))
	}
	if err != nil {
		fmt.Fprintf(&b, "The sync failed: %v", err)
	}
	if b.Len() == 0 {
		return "No catalog source is configured."
	}
	return strings.TrimSpace(b.String())
}

// Adopt opens a pull request adding a descriptor to repo ("org/repo") with
// what Gantry inferred, through the github source configured for its
// organization (or user), at a path that source reads (its paths, globs
// made concrete). Errors: see ingest.GitHubSource.Adopt;
// errkind.NotFound when no github source reads that account.
func (a *App) Adopt(ctx context.Context, repo string) (ingest.Adoption, error) {
	account, _, _ := strings.Cut(strings.Trim(repo, "/ "), "/")
	for _, s := range a.Config.Catalog.Sources {
		if s.Type != "github" || (!strings.EqualFold(s.Org, account) && !strings.EqualFold(s.User, account)) {
			continue
		}
		src := a.githubSource(s)
		if b, ok := src.(brokenSource); ok {
			return ingest.Adoption{}, b.err
		}
		return src.(*ingest.GitHubSource).Adopt(ctx, repo)
	}
	return ingest.Adoption{}, errkind.New(errkind.NotFound, "no github source reads %s (catalog.sources with type: github and org: %s, or user: %s)", account, account, account)
}

func (a *App) sourceNames() []string {
	names := make([]string, 0, len(a.Config.Catalog.Sources))
	for _, s := range a.Config.Catalog.Sources {
		names = append(names, s.Name)
	}
	return names
}
