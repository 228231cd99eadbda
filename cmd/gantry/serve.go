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
post digests, and serve health, readiness and metrics.

Without Slack tokens (SLACK_APP_TOKEN and SLACK_BOT_TOKEN), or with --local,
Gantry runs in local mode: the bot connects to a Slack-compatible sandbox on
this machine, GitHub is simulated, and the printed URL opens a web client in
which you act as any person in the catalog. PostgreSQL steps run against
GANTRY_LOCAL_POSTGRES when it is set, and are skipped otherwise.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := g.openServer(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			mode := app.LocalAuto
			if local {
				mode = app.LocalOn
			}
			return a.Serve(cmd.Context(), app.ServeOptions{Out: g.stdout, FallbackPort: true, Local: mode})
		},
	}
	cmd.Flags().BoolVar(&local, "local", false, "run the local playground (a Slack sandbox in the browser) even when Slack tokens are set")
	return cmd
}
