package main

import (
	"github.com/spf13/cobra"

	"github.com/gantryhq/gantry/internal/app"
)

func newServeCommand(g *globals) *cobra.Command {
	var local bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run Gantry: the Slack bot (or the local playground), catalog syncs, actions, digests, health and metrics",
		Long: `Run Gantry: sync the catalog on schedule, answer in Slack, run actions and
post digests, and serve health, readiness and metrics. The first line printed
is the URL to open.

Without Slack tokens (SLACK_APP_TOKEN and SLACK_BOT_TOKEN) and with
server.listen on a loopback address (127.0.0.1, localhost), or with --local,
Gantry runs in local mode: the bot connects to a Slack-compatible sandbox on
this machine, GitHub is simulated (a sandbox organisation the catalog reads
instead of the configured github sources), and the printed URL opens a web
client in which you act as any person in the catalog. The page has no login,
so it is not started on its own on a network address. PostgreSQL steps run
against GANTRY_LOCAL_POSTGRES when it is set, and are skipped otherwise.
--local=false never starts it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			if g.verbose {
				cfg.Log.Level = "debug"
			}
			mode := app.LocalAuto
			if cmd.Flags().Changed("local") {
				mode = app.LocalOff
				if local {
					mode = app.LocalOn
				}
			}
			return app.Run(cmd.Context(), cfg, app.ServeOptions{Out: g.stdout, Logs: g.stderr, FallbackPort: true, Local: mode})
		},
	}
	cmd.Flags().BoolVar(&local, "local", false, "run the local playground (a Slack sandbox in the browser) even with Slack tokens or on a network address; --local=false never runs it")
	return cmd
}
