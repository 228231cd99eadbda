package main

import (
	"context"
	"io"

	"github.com/spf13/cobra"

	"github.com/gantryhq/gantry/internal/app"
	"github.com/gantryhq/gantry/internal/config"
)

// globals are the flags every command shares.
type globals struct {
	configPath string
	db         string
	verbose    bool
	stdout     io.Writer
	stderr     io.Writer
	getenv     func(string) string
}

func newRootCommand(stdout, stderr io.Writer, getenv func(string) string) *cobra.Command {
	g := &globals{stdout: stdout, stderr: stderr, getenv: getenv}
	root := &cobra.Command{
		Use:   "gantry",
		Short: "Gantry: an internal developer platform that lives in Slack",
		Long: `Gantry answers "who owns this?", runs self-service actions with approvals,
and posts scorecards, from Slack. This command runs the server (gantry serve)
and offers the same catalog on the command line.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().StringVarP(&g.configPath, "config", "c", "", "config file (default ./gantry.yaml when it exists)")
	root.PersistentFlags().StringVar(&g.db, "db", "", "database URL, overriding the config and GANTRY_DATABASE_URL (sqlite:PATH or postgres://...)")
	root.PersistentFlags().BoolVarP(&g.verbose, "verbose", "v", false, "log what happens (commands other than serve log only warnings by default)")
	root.AddCommand(
		newServeCommand(g),
		newCatalogCommand(g),
		newWhoOwnsCommand(g),
		newSearchCommand(g),
	)
	root.AddCommand(newScorecardCommand(g))
	root.AddCommand(newDigestCommand(g))
	root.AddCommand(newActionsCommand(g))
	root.AddCommand(newRunsCommand(g))
	usageErrors(root)
	return root
}

// usageErrors makes every usage mistake, in every command, exit 2 with the
// command's usage line: a missing or extra argument, an unknown or
// malformed flag, and an unknown subcommand of a command group (which
// cobra would otherwise answer with the group's help and status 0). An
// unknown top-level command is mapped in exitCodeTo.
func usageErrors(cmd *cobra.Command) {
	if cmd.HasParent() && cmd.HasSubCommands() && !cmd.Runnable() {
		cmd.Args = cobra.NoArgs
		cmd.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
	}
	if cmd.Args != nil {
		cmd.Args = usageArgs(cmd.Args)
	}
	cmd.SetFlagErrorFunc(flagError)
	for _, sub := range cmd.Commands() {
		usageErrors(sub)
	}
}

// loadConfig reads the configuration with the flag overrides applied.
func (g *globals) loadConfig() (config.Config, error) {
	getenv := g.getenv
	if g.db != "" {
		// --db wins over GANTRY_DATABASE_URL, which wins over the file; it
		// goes through the same override so the URL is validated once.
		getenv = func(k string) string {
			if k == "GANTRY_DATABASE_URL" {
				return g.db
			}
			return g.getenv(k)
		}
	}
	return config.Load(g.configPath, getenv)
}

// open loads the configuration and opens the app for a one-shot command,
// which logs only warnings unless --verbose: its output is the answer.
func (g *globals) open(ctx context.Context) (*app.App, error) {
	cfg, err := g.loadConfig()
	if err != nil {
		return nil, err
	}
	if !g.verbose && cfg.Log.Level != "error" {
		cfg.Log.Level = "warn"
	}
	return app.Open(ctx, cfg, app.NewLogger(cfg.Log))
}

// withApp is the RunE of a one-shot command that needs the app: it opens
// it (see open), runs fn with it and the command's arguments, and closes
// it.
func (g *globals) withApp(fn func(ctx context.Context, a *app.App, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		a, err := g.open(cmd.Context())
		if err != nil {
			return err
		}
		defer a.Close()
		return fn(cmd.Context(), a, args)
	}
}
