package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gantryhq/gantry/catalog/ingest"
	"github.com/gantryhq/gantry/internal/app"
)

func newCatalogCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "catalog",
		Short: "Validate, sync and query the catalog",
	}
	cmd.AddCommand(newValidateCommand(g), newSyncCommand(g), newGetCommand(g), newQueryCommand(g))
	cmd.AddCommand(newAdoptCommand(g))
	return cmd
}

func newValidateCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "validate PATH...",
		Short: "Check descriptor files (following Location targets); one line per problem, FILE:LINE: message",
		Long: `Check descriptor files without touching the database. Each PATH is a file,
whose Location targets are followed, or a folder, whose .yaml/.yml files are
all read. Prints one line per problem as FILE:LINE: message and exits 1 when
there is any problem, 0 otherwise.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := ingest.Validate(cmd.Context(), args)
			if err != nil {
				return err
			}
			for _, p := range v.Problems {
				fmt.Fprintln(g.stdout, p.String())
			}
			for _, n := range v.Notes {
				fmt.Fprintln(g.stderr, "note: "+n.String())
			}
			fmt.Fprintf(g.stderr, "%d file(s), %d valid entit%s, %d problem(s)\n", v.Files, v.Entities, plural(v.Entities, "y", "ies"), len(v.Problems))
			if len(v.Problems) > 0 {
				return exitError{exitFailure}
			}
			return nil
		},
	}
}

func newSyncCommand(g *globals) *cobra.Command {
	var source string
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Sync the configured sources into the database and print what changed",
		Long: `Sync every configured source (or --source NAME) into the database. Prints a
summary per source and each problem as FILE:LINE: message. Exits 0 even when
some files are invalid (their entities are kept as they were); non-zero only
when the database cannot be written or a source cannot be read at all.`,
		Args: cobra.NoArgs,
		RunE: g.withApp(func(ctx context.Context, a *app.App, _ []string) error {
			results, syncErr := a.Sync(ctx, source)
			for _, r := range results {
				fmt.Fprintf(g.stdout, "%s: %d file(s) read in %s: %d added, %d updated, %d removed, %d unchanged, %d kept from the last good read, %d error(s)\n",
					r.Source, r.Files, r.Duration.Round(1e6), r.Added, r.Updated, r.Removed, r.Unchanged, r.Kept, len(r.Problems))
				for _, p := range r.Problems {
					fmt.Fprintln(g.stdout, "  "+p.String())
				}
				for _, n := range r.Notes {
					fmt.Fprintln(g.stdout, "  note: "+n.String())
				}
			}
			if len(results) == 0 && syncErr == nil {
				fmt.Fprintln(g.stdout, "No catalog source is configured (catalog.sources in the config).")
			}
			return syncErr
		}),
	}
	cmd.Flags().StringVar(&source, "source", "", "sync only this source")
	return cmd
}

func newGetCommand(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "get REF",
		Short: "Print one entity (kind:namespace/name, or an unambiguous name) as stored, with its relations",
		Args:  cobra.ExactArgs(1),
		RunE: g.withApp(func(ctx context.Context, a *app.App, args []string) error {
			e, err := a.Catalog.Get(ctx, args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(g.stdout, e)
			}
			return printYAML(g.stdout, e)
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of YAML")
	return cmd
}

func newQueryCommand(g *globals) *cobra.Command {
	var asJSON bool
	var limit int
	cmd := &cobra.Command{
		Use:   "query EXPR",
		Short: `Entities matching a CEL expression, e.g. 'entity.kind == "Component" && !has(entity.spec.owner)'`,
		Args:  cobra.MinimumNArgs(1),
		RunE: g.withApp(func(ctx context.Context, a *app.App, args []string) error {
			res, err := a.Catalog.Query(ctx, strings.Join(args, " "), limit)
			if err != nil {
				return err
			}
			out := entityListJSON{Count: res.Count, Entities: []entitySummaryJSON{}}
			for i := range res.Entities {
				out.Entities = append(out.Entities, summarize(&res.Entities[i]))
			}
			if asJSON {
				return printJSON(g.stdout, out)
			}
			more := fmt.Sprintf("%d entit%s", res.Count, plural(res.Count, "y", "ies"))
			if res.Count > len(res.Entities) {
				more += fmt.Sprintf(", first %d shown (--limit)", len(res.Entities))
			}
			printEntityList(g.stdout, out, more)
			return nil
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (the format is a stable contract)")
	cmd.Flags().IntVar(&limit, "limit", 1000, "entities to print at most")
	return cmd
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
