package main

import (
	"github.com/spf13/cobra"

	"github.com/gantryhq/gantry/internal/app"
)

func newServeCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Run Gantry: sync the catalog on schedule and serve health, readiness and metrics",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := g.openServer(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			return a.Serve(cmd.Context(), app.ServeOptions{Out: g.stdout, FallbackPort: true})
		},
	}
}
