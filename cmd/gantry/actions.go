package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gantryhq/gantry/actions"
)

func newActionsCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "actions",
		Short: "Check and list self-service actions",
	}
	cmd.AddCommand(newActionsValidateCommand(g), newActionsListCommand(g))
	return cmd
}

// loadActions reads the definitions in paths, or in actions.paths of the
// config when none are given, without opening the database.
func (g *globals) loadActions(paths []string) (*actions.Set, []string, error) {
	cfg, err := g.loadConfig()
	if err != nil {
		return nil, nil, err
	}
	if len(paths) == 0 {
		for _, p := range cfg.Actions.Paths {
			paths = append(paths, cfg.Resolve(p))
		}
	}
	if len(paths) == 0 {
		return actions.NewSet(nil), nil, nil
	}
	set, problems, err := actions.Load(paths, actions.LoadOptions{Secrets: cfg.Actions.Secrets})
	if err != nil {
		return nil, nil, err
	}
	lines := make([]string, len(problems))
	for i, p := range problems {
		lines[i] = p.String()
	}
	return set, lines, nil
}

func newActionsValidateCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "validate [PATH...]",
		Short: "Check action definitions; one line per problem, FILE:LINE: message",
		Long: `Check action definitions (files, or folders of .yaml files) without touching the
database: their shape, inputs, approval policy, steps and the fields each step
takes, and every template and condition (CEL), including what they read
(inputs, earlier steps' outputs, secrets listed in actions.secrets). Without
PATH, the config's actions.paths are checked. Prints one line per problem as
FILE:LINE: message and exits 1 when there is any, 0 otherwise.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			set, problems, err := g.loadActions(args)
			if err != nil {
				return err
			}
			for _, p := range problems {
				fmt.Fprintln(g.stdout, p)
			}
			n := len(set.All())
			fmt.Fprintf(g.stderr, "%d valid action%s, %d problem(s)\n", n, plural(n, "", "s"), len(problems))
			if len(problems) > 0 {
				return exitError{exitFailure}
			}
			return nil
		},
	}
}

// actionJSON is the contract of `actions list --json`.
type actionJSON struct {
	Name      string   `json:"name"`
	Title     string   `json:"title"`
	Command   string   `json:"command,omitempty"`
	File      string   `json:"file"`
	Inputs    []string `json:"inputs"`
	Steps     []string `json:"steps"`
	Approvers string   `json:"approvers,omitempty"`
}

func newActionsListCommand(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the configured actions: name, slash command, approvers, steps",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			set, problems, err := g.loadActions(nil)
			if err != nil {
				return err
			}
			for _, p := range problems {
				fmt.Fprintln(g.stderr, "problem: "+p)
			}
			out := []actionJSON{}
			for _, a := range set.All() {
				j := actionJSON{Name: a.Metadata.Name, Title: a.Title(), Command: a.Spec.Command, File: a.File, Inputs: []string{}, Steps: []string{}}
				for _, in := range a.Spec.Inputs {
					j.Inputs = append(j.Inputs, in.Name)
				}
				for _, s := range a.Spec.Steps {
					j.Steps = append(j.Steps, s.ID+" ("+s.Uses+")")
				}
				if ap := a.Spec.Approval; ap.Needed() {
					j.Approvers = strings.Join(append(append([]string{}, ap.Groups...), ap.Users...), ", ")
				}
				out = append(out, j)
			}
			if asJSON {
				return printJSON(g.stdout, out)
			}
			if len(out) == 0 {
				fmt.Fprintln(g.stdout, "No action is configured (actions.paths in the config).")
			}
			for _, j := range out {
				line := fmt.Sprintf("%-24s %s", j.Name, j.Title)
				if j.Command != "" {
					line += "  " + j.Command
				}
				fmt.Fprintln(g.stdout, line)
				if j.Approvers != "" {
					fmt.Fprintln(g.stdout, "    approved by "+j.Approvers)
				}
				fmt.Fprintln(g.stdout, "    steps: "+strings.Join(j.Steps, ", "))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
