package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/gantryhq/gantry/internal/app"
)

func newAdoptCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "adopt ORG/REPO",
		Short: "Open a pull request adding catalog-info.yaml to a repository, with what Gantry inferred for it",
		Long: `Open a pull request in ORG/REPO that adds catalog-info.yaml holding what Gantry
inferred for the repository (owner from CODEOWNERS, a team-* topic or the admin
team; description, topics as tags, language, links), so that its team owns the
description from then on. The repository's organization (or user) must be read
by a github source, and the file goes where that source reads descriptors: its
first path without wildcards, else its first glob with the entity's name for
"*" (paths: ["services/*/catalog-info.yaml"] gives
services/REPO/catalog-info.yaml). Running it again returns the open pull
request. The GitHub credentials need contents and pull_requests write on the
repository.`,
		Args: cobra.ExactArgs(1),
		RunE: g.withApp(func(ctx context.Context, a *app.App, args []string) error {
			ad, err := a.Adopt(ctx, args[0])
			if err != nil {
				return err
			}
			if ad.Created {
				fmt.Fprintf(g.stdout, "Opened %s (adds %s)\n", ad.PullRequest, ad.Path)
			} else {
				fmt.Fprintf(g.stdout, "An adoption pull request is already open: %s\n", ad.PullRequest)
			}
			return nil
		}),
	}
}
