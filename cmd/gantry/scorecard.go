package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/gantryhq/gantry/internal/app"
	"github.com/gantryhq/gantry/internal/config"
	"github.com/gantryhq/gantry/internal/errkind"
	"github.com/gantryhq/gantry/scorecard"
)

func newScorecardCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "scorecard",
		Short: "Validate scorecard definitions and evaluate them",
	}
	cmd.AddCommand(newScorecardValidateCommand(g), newScorecardEvalCommand(g))
	return cmd
}

func newScorecardValidateCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "validate [PATH...]",
		Short: "Check scorecard definitions; one line per problem, FILE:LINE: message",
		Long: `Check scorecard definitions (kind: Scorecard) without touching the database:
YAML shape, levels, rules, expressions (syntax, and cost on an empty entity),
fix hints (and, when actions.paths is set, that the actions they name are
defined) and digest schedules, and the scorecards.prometheus queries of the
config. Each PATH is a file or a folder; without one, the config's
scorecards.paths are read. Prints one line per problem and exits 1 when there
is any problem, 0 otherwise.`,
		RunE: func(cmd *cobra.Command, paths []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			a := appFor(cfg)
			if len(paths) == 0 && !a.ScorecardsConfigured() {
				return errkind.New(errkind.Invalid, "no scorecards to check: give paths, or set scorecards.paths in the config")
			}
			set, problems, err := a.LoadScorecards(paths...)
			if err != nil {
				return err
			}
			for _, p := range problems {
				fmt.Fprintln(g.stdout, p.String())
			}
			n := len(problems)
			if _, err := a.Prometheus(); err != nil {
				fmt.Fprintln(g.stdout, err.Error())
				n++
			}
			var names []string
			for _, sc := range set.All() {
				names = append(names, sc.Name)
			}
			fmt.Fprintf(g.stderr, "%d valid scorecard(s)%s, %d problem(s)\n", len(names), listSuffix(names), n)
			if n > 0 {
				return exitError{exitFailure}
			}
			return nil
		},
	}
}

// appFor is an App that reads only its configuration (no database).
func appFor(cfg config.Config) *app.App { return &app.App{Config: cfg} }

func listSuffix(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return " (" + strings.Join(names, ", ") + ")"
}

func newScorecardEvalCommand(g *globals) *cobra.Command {
	var asJSON bool
	var only, entity string
	cmd := &cobra.Command{
		Use:   "eval",
		Short: "Evaluate every scorecard over the catalog now, record the results and print them",
		Long: `Evaluate every scorecard (or --scorecard NAME) over the catalog in the database,
as after a sync: Prometheus facts that are due are read first, the results are
recorded in the history, and printed: one line per entity with its level,
score and the rules it fails or cannot tell (unknown: a fact is missing).
--json prints the evaluation (every rule of every entity) as JSON.
Run "gantry catalog sync" first on a fresh database.`,
		Args: cobra.NoArgs,
		RunE: g.withApp(func(ctx context.Context, a *app.App, _ []string) error {
			if !a.ScorecardsConfigured() {
				return errkind.New(errkind.Invalid, "no scorecards are configured (scorecards.paths in the config)")
			}
			svc, err := a.Scorecards()
			if err != nil {
				return err
			}
			if only != "" {
				if _, err := svc.Scorecards().Get(only); err != nil {
					return err
				}
			}
			ev, err := svc.Evaluate(ctx, "cli")
			if err != nil {
				return err
			}
			ev.Results = filterResults(ev.Results, only, entity)
			if asJSON {
				return printJSON(g.stdout, ev)
			}
			printEvaluation(g.stdout, svc.Scorecards(), ev)
			for _, p := range ev.Problems {
				fmt.Fprintln(g.stderr, "problem: "+p)
			}
			fmt.Fprintf(g.stderr, "%d entities scanned, %d result(s), %d changed since the last evaluation (evaluation %d)\n",
				ev.Entities, len(ev.Results), ev.Written, ev.ID)
			return nil
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the evaluation as JSON")
	cmd.Flags().StringVar(&only, "scorecard", "", "only this scorecard's results")
	cmd.Flags().StringVar(&entity, "entity", "", "only this entity's results (a ref or a name)")
	return cmd
}

func filterResults(rs []scorecard.EntityResult, only, entity string) []scorecard.EntityResult {
	if only == "" && entity == "" {
		return rs
	}
	entity = strings.ToLower(strings.TrimSpace(entity))
	out := []scorecard.EntityResult{}
	for _, r := range rs {
		if only != "" && r.Scorecard != only {
			continue
		}
		if entity != "" && r.Entity != entity && !strings.HasSuffix(r.Entity, "/"+entity) {
			continue
		}
		out = append(out, r)
	}
	return out
}

// printEvaluation writes each scorecard's results, one entity a line.
func printEvaluation(w io.Writer, set *scorecard.Set, ev *scorecard.Evaluation) {
	by := map[string][]scorecard.EntityResult{}
	for _, r := range ev.Results {
		by[r.Scorecard] = append(by[r.Scorecard], r)
	}
	for _, sc := range set.All() {
		rs := by[sc.Name]
		if len(rs) == 0 {
			continue
		}
		fmt.Fprintf(w, "%s (%s): %d entit%s\n", sc.DisplayTitle(), sc.Name, len(rs), map[bool]string{true: "y", false: "ies"}[len(rs) == 1])
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, r := range rs {
			var fail, unknown []string
			for _, rr := range r.Rules {
				switch rr.State {
				case scorecard.StateFail, scorecard.StateError:
					fail = append(fail, rr.Rule)
				case scorecard.StateUnknown:
					unknown = append(unknown, rr.Rule)
				}
			}
			notes := ""
			if len(fail) > 0 {
				notes += "fails: " + strings.Join(fail, ", ")
			}
			if len(unknown) > 0 {
				if notes != "" {
					notes += "; "
				}
				notes += "unknown: " + strings.Join(unknown, ", ")
			}
			fmt.Fprintf(tw, "  %s\t%.0f%%\t%s\t%s\n", scorecard.LevelLabel(sc.Levels, r.Level), r.Score, r.Entity, notes)
		}
		tw.Flush()
	}
}
