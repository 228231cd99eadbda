package app

import (
	"fmt"
	"sort"
	"strings"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/internal/fuzzy"
	"github.com/gantryhq/gantry/scorecard"
)

// fixActionProblems checks the actions that scorecard fixes name against
// the self-service actions of the config, when there are any: one
// problem per fix naming an action that is not defined ("FILE:LINE: fix
// action "x" is not defined; did you mean "y"?"), and one per prefilled
// input (fix.with) the action does not have. The scorecard still
// works; only that Fix button could not open a form. Action definitions
// that cannot be read are left to the actions' own checks.
func (a *App) fixActionProblems(set *scorecard.Set) []catalog.Problem {
	if len(a.Config.Actions.Paths) == 0 {
		return nil
	}
	defined, _, err := a.LoadActions()
	if err != nil {
		return nil
	}
	var names []string
	for _, act := range defined.All() {
		names = append(names, act.Metadata.Name)
	}
	var problems []catalog.Problem
	for _, sc := range set.All() {
		for _, r := range sc.Rules {
			if r.Fix.Action == "" {
				continue
			}
			if act, err := defined.Get(r.Fix.Action); err == nil {
				// Each prefilled input must be one the action has.
				var inputs []string
				for _, in := range act.Spec.Inputs {
					inputs = append(inputs, in.Name)
				}
				keys := make([]string, 0, len(r.Fix.With))
				for k := range r.Fix.With {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				for _, k := range keys {
					if _, ok := act.Input(k); ok {
						continue
					}
					msg := fmt.Sprintf("fix action %q has no input %q", r.Fix.Action, k)
					if near := fuzzy.Nearest(k, inputs); near != "" {
						msg += fmt.Sprintf("; did you mean %q?", near)
					} else if len(inputs) > 0 {
						msg += fmt.Sprintf(" (its inputs: %s)", strings.Join(inputs, ", "))
					}
					line := r.Fix.WithLines[k]
					if line == 0 {
						line = r.Line
					}
					problems = append(problems, catalog.Problem{File: sc.File, Line: line, Message: msg})
				}
				continue
			}
			msg := fmt.Sprintf("fix action %q is not defined", r.Fix.Action)
			if near := fuzzy.Nearest(r.Fix.Action, names); near != "" {
				msg += fmt.Sprintf("; did you mean %q?", near)
			}
			line := r.Fix.ActionLine
			if line == 0 {
				line = r.Line
			}
			problems = append(problems, catalog.Problem{File: sc.File, Line: line, Message: msg})
		}
	}
	return problems
}
