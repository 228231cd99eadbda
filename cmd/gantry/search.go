package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/internal/app"
)

func newSearchCommand(g *globals) *cobra.Command {
	var asJSON bool
	var limit, offset int
	var kinds []string
	cmd := &cobra.Command{
		Use:   "search TEXT",
		Short: "Full-text search of the catalog: which service does X?",
		Long: `Full-text search of names, titles, descriptions, tags, owners, systems and
link titles: which service does X? Exits 4 when nothing matches (with --json
too, after printing {"count": 0, "entities": []}).`,
		Args: cobra.MinimumNArgs(1),
		RunE: g.withApp(func(ctx context.Context, a *app.App, args []string) error {
			res, err := a.Catalog.Search(ctx, catalog.SearchQuery{Text: strings.Join(args, " "), Kinds: kinds, Limit: limit, Offset: offset})
			if err != nil {
				return err
			}
			out := entityListJSON{Count: res.Total, Entities: []entitySummaryJSON{}}
			for _, h := range res.Hits {
				s := summarize(&h.Entity)
				s.Snippet = h.Snippet
				out.Entities = append(out.Entities, s)
			}
			if res.Total == 0 {
				if asJSON {
					if err := printJSON(g.stdout, out); err != nil {
						return err
					}
				} else {
					fmt.Fprintf(g.stdout, "Nothing in the catalog matches %q.\n", strings.Join(args, " "))
				}
				emptyCatalogHint(ctx, g.stderr, a.Catalog)
				return exitError{exitNotFound}
			}
			if asJSON {
				return printJSON(g.stdout, out)
			}
			more := ""
			if shown := offset + len(res.Hits); shown < res.Total {
				more = fmt.Sprintf("... %d more; use --offset %d", res.Total-shown, shown)
			}
			printEntityList(g.stdout, out, more)
			return nil
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (the format is a stable contract)")
	cmd.Flags().IntVar(&limit, "limit", 10, "hits per page")
	cmd.Flags().IntVar(&offset, "offset", 0, "hits to skip")
	cmd.Flags().StringSliceVar(&kinds, "kind", nil, "only these kinds (Component, API, Group, ...)")
	return cmd
}
