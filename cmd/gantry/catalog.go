package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gantryhq/gantry/catalog/ingest"
	"github.com/gantryhq/gantry/internal/app"
	"github.com/gantryhq/gantry/internal/errkind"
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
there is any problem, 0 otherwise (2 when no PATH is given).`,
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
summary line per source, then each of its problems as FILE:LINE: message (a
problem about a whole file is at line 1); notes (things not done that are not
errors) go to stderr as "note: FILE:LINE: message". Exits 0 even when some
files are invalid (their entities are kept as they were); 2 when --source
names no configured source; non-zero otherwise only when the database cannot
be written or a source cannot be read at all.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: g.withApp(func(ctx context.Context, a *app.App, _ []string) error {
			results, syncErr := a.Sync(ctx, source)
			if source != "" && errkind.Is(syncErr, errkind.NotFound) && len(results) == 0 {
				// A source name that is not configured is a usage error.
				return errkind.Wrap(errkind.Invalid, syncErr)
			}
			for _, r := range results {
				fmt.Fprintf(g.stdout, "%s: %d file(s) read in %s: %d added, %d updated, %d removed, %d unchanged, %d kept from the last good read, %d error(s)\n",
					r.Source, r.Files, r.Duration.Round(1e6), r.Added, r.Updated, r.Removed, r.Unchanged, r.Kept, len(r.Problems))
				for _, p := range r.Problems {
					fmt.Fprintln(g.stdout, p.String())
				}
				for _, n := range r.Notes {
					fmt.Fprintln(g.stderr, "note: "+n.String())
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
		Short: "Print one entity (kind:namespace/name, or an unambiguous name) as stored, with its relations and origin",
		Long: `Print one entity as stored, with its relations, and where it was read: the
source, file and line (as YAML comments above the entity, or an "origin" field
with --json), and why it is the last good version when its file now fails.
Exits 4 when no entity matches, 2 when a bare name matches several (the error
lists their refs).`,
		Args: cobra.ExactArgs(1),
		RunE: g.withApp(func(ctx context.Context, a *app.App, args []string) error {
			e, err := a.Catalog.Get(ctx, args[0])
			if errkind.Is(err, errkind.Conflict) {
				// A name that several entities share: say which one.
				return errkind.Wrap(errkind.Invalid, err)
			}
			if errkind.Is(err, errkind.NotFound) {
				if empty, eerr := a.Catalog.Empty(ctx); eerr == nil && empty {
					return errkind.New(errkind.NotFound, "no entity %q: %s", args[0], emptyCatalogMessage)
				}
			}
			if err != nil {
				return err
			}
			if asJSON {
				return printEntityJSON(g.stdout, e)
			}
			printOrigin(g.stdout, e.Origin)
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
		Long: `Entities matching a CEL expression over entity.kind, entity.metadata and
entity.spec, e.g. 'entity.kind == "Component" && !has(entity.spec.owner)'.
Exits 0 with or without matches (no match is an answer: "none"), 2 when the
expression is invalid (the error gives its position).`,
		Args: cobra.MinimumNArgs(1),
		RunE: g.withApp(func(ctx context.Context, a *app.App, args []string) error {
			res, err := a.Catalog.Query(ctx, strings.Join(args, " "), limit)
			if err != nil {
				return err
			}
			out := entityListJSON{Count: res.Count, Entities: []entitySummaryJSON{}}
			for i := range res.Entities {
				out.Entities = append(out.Entities, summarize(&res.Entities[i]))
			}
			if res.Count == 0 {
				emptyCatalogHint(ctx, g.stderr, a.Catalog)
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
