package app

import (
	"context"
	"os"
	"sync"

	"github.com/gantryhq/gantry/actions"
	"github.com/gantryhq/gantry/bot"
	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/catalog/ingest"
)

// actionsDeps is what the App keeps for self-service actions: the
// definitions and the engine, built once.
type actionsDeps struct {
	once   sync.Once
	set    *actions.Set
	engine *actions.Engine
	err    error
}

// LoadActions reads and validates the action definitions of
// actions.paths. It returns the valid actions and the problems of the
// others ("FILE:LINE: message"); the error is for paths that cannot be read.
func (a *App) LoadActions() (*actions.Set, []catalog.Problem, error) {
	paths := make([]string, len(a.Config.Actions.Paths))
	for i, p := range a.Config.Actions.Paths {
		paths[i] = a.Config.Resolve(p)
	}
	return actions.Load(paths, actions.LoadOptions{Secrets: a.Config.Actions.Secrets})
}

// Actions returns the loaded actions and the engine that runs them, built
// once; a definition with problems is left out and each problem logged.
// With no actions.paths the set is empty.
func (a *App) Actions() (*actions.Set, *actions.Engine, error) {
	a.act.once.Do(func() {
		set, problems, err := a.LoadActions()
		if err != nil {
			a.act.err = err
			return
		}
		for _, p := range problems {
			a.Log.Warn("an action definition has a problem; it is left out until fixed", "problem", p.String())
		}
		a.localActions(set) // local mode: what the sandbox cannot run is skipped, saying why (local.go)
		eng, err := actions.NewEngine(actions.Options{Store: a.DB, Catalog: a.Catalog, Steps: a.actionSteps(),
			Secrets: a.actionSecrets(), MaxConcurrent: a.Config.Actions.Concurrency(), Log: a.Log})
		if err != nil {
			a.act.err = err
			return
		}
		a.act.set, a.act.engine = set, eng
	})
	return a.act.set, a.act.engine, a.act.err
}

// actionSecrets reads the environment variables listed in actions.secrets.
func (a *App) actionSecrets() map[string]string {
	out := map[string]string{}
	for _, name := range a.Config.Actions.Secrets {
		v := os.Getenv(name)
		if v == "" && a.local == nil { // the sandbox runs without the example's secrets, by design
			a.Log.Warn("an action secret is not set in the environment; templates read it as empty", "variable", name)
		}
		out[name] = v
	}
	return out
}

// actionSteps builds the step runners this configuration can offer:
// GitHub steps and catalog.register when GitHub is configured, the
// PostgreSQL step (its server's URL read from the environment at each
// run), webhooks always.
func (a *App) actionSteps() map[string]actions.StepRunner {
	steps := map[string]actions.StepRunner{}
	add := func(m map[string]actions.StepRunner) {
		for k, v := range m {
			steps[k] = v
		}
	}
	add(actions.HTTPSteps(nil))
	env := a.Config.Actions.PostgresURLEnv()
	add(actions.PostgresSteps(func() string { return os.Getenv(env) }))
	gh, err := a.GitHub()
	if err != nil {
		if len(a.Config.Actions.Paths) > 0 {
			a.Log.Info("GitHub is not configured, so github.* and catalog.register steps will fail until it is", "why", err)
		}
		return steps
	}
	add(actions.GitHubSteps(gh.Client))
	src := ingest.NewRegisteredSource(a.DB, gh.Client)
	add(actions.CatalogSteps(registrar{ingest.NewRegistrar(a.DB, src, a.syncSource)}))
	return steps
}

// registrar adapts the catalog's Registrar to the step's interface.
type registrar struct{ r *ingest.Registrar }

func (g registrar) Register(ctx context.Context, l actions.Location) ([]string, string, error) {
	loc := ingest.RegisteredLocation{Repo: l.Repo, Path: l.Path, Ref: l.Ref, RunID: l.RunID, AddedBy: l.By}
	refs, err := g.r.Register(ctx, loc)
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.String()
	}
	return out, loc.Target(), err
}

// registeredSources is the "registered" source (descriptors added by
// actions' catalog.register steps) when actions are configured and GitHub,
// which it reads through, is too.
func (a *App) registeredSources() []ingest.Source {
	if len(a.Config.Actions.Paths) == 0 {
		return nil
	}
	gh, err := a.GitHub()
	if err != nil {
		return nil
	}
	return []ingest.Source{ingest.NewRegisteredSource(a.DB, gh.Client)}
}

// registerActions adds the actions' commands, buttons and forms to the bot.
func (a *App) registerActions(b *bot.Bot) {
	if len(a.Config.Actions.Paths) == 0 {
		return
	}
	set, eng, err := a.Actions()
	if err != nil {
		a.Log.Error("self-service actions are off: their definitions cannot be read", "err", err)
		return
	}
	b.EnableActions(eng, set)
}

// serveActions runs the engine until ctx ends (resuming the runs a
// previous process left) and returns a function that waits for it to stop.
func (a *App) serveActions(ctx context.Context) (wait func()) {
	if len(a.Config.Actions.Paths) == 0 {
		return func() {}
	}
	_, eng, err := a.Actions()
	if err != nil {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := eng.Serve(ctx); err != nil {
			a.Log.Error("the actions engine stopped", "err", err)
		}
	}()
	return func() { <-done }
}

// Runs is where runs and their audit trail are read, for the CLI.
func (a *App) Runs() actions.RunStore { return a.DB }
