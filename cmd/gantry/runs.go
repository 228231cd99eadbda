package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gantryhq/gantry/actions"
	"github.com/gantryhq/gantry/internal/app"
)

func newRunsCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "runs",
		Short: "Action runs: list them, or show one with its full audit trail",
	}
	cmd.AddCommand(newRunsListCommand(g), newRunsShowCommand(g))
	return cmd
}

// runSummaryJSON is one run in `runs list --json`.
type runSummaryJSON struct {
	ID         string    `json:"id"`
	Action     string    `json:"action"`
	State      string    `json:"state"`
	Requester  string    `json:"requester"`
	CreatedAt  time.Time `json:"createdAt"`
	FinishedAt time.Time `json:"finishedAt,omitzero"`
	Error      string    `json:"error,omitempty"`
	FailedStep string    `json:"failedStep,omitempty"`
	StepsDone  int       `json:"stepsDone"`
	Steps      int       `json:"steps"`
}

func summarizeRun(r *actions.Run) runSummaryJSON {
	done := 0
	for _, s := range r.Steps {
		if s.Status == actions.StepDone || s.Status == actions.StepSkipped {
			done++
		}
	}
	return runSummaryJSON{ID: r.ID, Action: r.Action, State: string(r.State), Requester: r.Requester.String(), CreatedAt: r.CreatedAt,
		FinishedAt: r.FinishedAt, Error: r.Error, FailedStep: r.FailedStep, StepsDone: done, Steps: len(r.Steps)}
}

func newRunsListCommand(g *globals) *cobra.Command {
	var asJSON bool
	var user, action string
	var states []string
	var limit int
	cmd := &cobra.Command{
		Use:   "list",
		Short: "Recent runs, newest first",
		Args:  cobra.NoArgs,
		RunE: g.withApp(func(ctx context.Context, a *app.App, _ []string) error {
			f := actions.RunFilter{Requester: user, Action: action, Limit: limit}
			for _, s := range states {
				f.States = append(f.States, actions.State(s))
			}
			runs, err := a.Runs().ListRuns(ctx, f)
			if err != nil {
				return err
			}
			out := []runSummaryJSON{}
			for i := range runs {
				out = append(out, summarizeRun(&runs[i]))
			}
			if asJSON {
				return printJSON(g.stdout, out)
			}
			if len(out) == 0 {
				fmt.Fprintln(g.stdout, "No run matches.")
			}
			for _, r := range out {
				fmt.Fprintf(g.stdout, "%-14s %-18s %-20s %s  %d/%d steps  %s\n", r.ID, r.State, r.Action,
					r.CreatedAt.UTC().Format("2006-01-02 15:04"), r.StepsDone, r.Steps, r.Requester)
				if r.Error != "" {
					fmt.Fprintln(g.stdout, "    "+r.Error)
				}
			}
			return nil
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&user, "user", "", "only runs requested by this Slack user id (U…)")
	cmd.Flags().StringVar(&action, "action", "", "only runs of this action")
	cmd.Flags().StringSliceVar(&states, "state", nil, "only runs in these states (awaiting_approval, queued, running, succeeded, failed, rejected, expired, cancelled)")
	cmd.Flags().IntVar(&limit, "limit", 20, "runs to print at most")
	return cmd
}

// runJSON is the contract of `runs show --json`.
type runJSON struct {
	runSummaryJSON
	Title           string         `json:"title"`
	Inputs          map[string]any `json:"inputs"`
	ApprovalExpires time.Time      `json:"approvalExpires,omitzero"`
	Decisions       []decisionJSON `json:"decisions"`
	Steps           []stepJSON     `json:"steps"`
	Output          actions.Output `json:"output"`
	Audit           []auditJSON    `json:"audit"`
}

type decisionJSON struct {
	By      string    `json:"by"`
	Approve bool      `json:"approve"`
	Reason  string    `json:"reason,omitempty"`
	At      time.Time `json:"at"`
}

type stepJSON struct {
	ID       string         `json:"id"`
	Uses     string         `json:"uses"`
	Title    string         `json:"title"`
	Status   string         `json:"status"`
	Attempts int            `json:"attempts"`
	Outputs  map[string]any `json:"outputs,omitempty"`
	Error    string         `json:"error,omitempty"`
	// Skipped says why a skipped step was, as Slack says it: "skipped: <reason>".
	Skipped string `json:"skipped,omitempty"`
}

type auditJSON struct {
	At     time.Time      `json:"at"`
	Actor  string         `json:"actor"`
	Event  string         `json:"event"`
	Step   string         `json:"step,omitempty"`
	Detail map[string]any `json:"detail,omitempty"`
}

func newRunsShowCommand(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "One run: inputs, decisions, each step and its outputs, and the full audit trail",
		Long: `Show one run: what was asked, who decided, how each step went and the full
audit trail (every decision, every step's start, end and result, with secrets
redacted). Exits 4 when there is no such run.`,
		Args: cobra.ExactArgs(1),
		RunE: g.withApp(func(ctx context.Context, a *app.App, args []string) error {
			run, err := a.Runs().GetRun(ctx, strings.TrimSpace(args[0]))
			if err != nil {
				return err
			}
			trail, err := a.Runs().Audit(ctx, run.ID)
			if err != nil {
				return err
			}
			j := runView(run, trail)
			if asJSON {
				return printJSON(g.stdout, j)
			}
			printRun(g.stdout, j)
			return nil
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// runView is a run as `runs show` prints it.
func runView(run *actions.Run, trail []actions.AuditEvent) runJSON {
	j := runJSON{runSummaryJSON: summarizeRun(run), Title: run.ActionTitle, Inputs: run.Inputs, ApprovalExpires: run.ApprovalExpires,
		Decisions: []decisionJSON{}, Steps: []stepJSON{}, Output: run.Result, Audit: []auditJSON{}}
	for _, d := range run.Decisions {
		j.Decisions = append(j.Decisions, decisionJSON{By: d.Actor.String(), Approve: d.Approve, Reason: d.Reason, At: d.At})
	}
	for _, s := range run.Steps {
		st := stepJSON{ID: s.ID, Uses: s.Uses, Title: s.Title, Status: string(s.Status), Attempts: s.Attempts, Outputs: s.Outputs, Error: s.Error}
		if s.Status == actions.StepSkipped {
			st.Skipped = actions.SkippedText(s.SkipReason())
		}
		j.Steps = append(j.Steps, st)
	}
	for _, e := range trail {
		j.Audit = append(j.Audit, auditJSON{At: e.At, Actor: e.Actor, Event: e.Event, Step: e.Step, Detail: e.Detail})
	}
	return j
}

func printRun(w io.Writer, r runJSON) {
	fmt.Fprintf(w, "Run %s: %s (%s)\n", r.ID, r.Title, r.Action)
	fmt.Fprintf(w, "State:     %s\n", r.State)
	fmt.Fprintf(w, "Requested: by %s on %s\n", r.Requester, stamp(r.CreatedAt))
	if !r.FinishedAt.IsZero() {
		fmt.Fprintf(w, "Finished:  %s\n", stamp(r.FinishedAt))
	}
	if r.Error != "" {
		fmt.Fprintf(w, "Error:     %s\n", r.Error)
	}
	fmt.Fprintln(w, "\nInputs:")
	keys := make([]string, 0, len(r.Inputs))
	for k := range r.Inputs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  %s: %v\n", k, r.Inputs[k])
	}
	if len(r.Decisions) > 0 {
		fmt.Fprintln(w, "\nDecisions:")
		for _, d := range r.Decisions {
			verb := "approved"
			if !d.Approve {
				verb = "rejected (" + d.Reason + ")"
			}
			fmt.Fprintf(w, "  %s by %s on %s\n", verb, d.By, stamp(d.At))
		}
	}
	fmt.Fprintln(w, "\nSteps:")
	for i, s := range r.Steps {
		fmt.Fprintf(w, "  %d. %-10s %-24s %-8s %d attempt(s)\n", i+1, s.ID, s.Uses, s.Status, s.Attempts)
		if s.Error != "" {
			fmt.Fprintf(w, "     error: %s\n", s.Error)
		}
		if s.Skipped != "" {
			fmt.Fprintf(w, "     %s\n", s.Skipped)
		}
		if len(s.Outputs) > 0 {
			fmt.Fprintf(w, "     outputs: %s\n", compactJSON(s.Outputs))
		}
	}
	if r.Output.Text != "" || len(r.Output.Links) > 0 {
		fmt.Fprintln(w, "\nOutput:")
		if r.Output.Text != "" {
			fmt.Fprintln(w, "  "+r.Output.Text)
		}
		for _, l := range r.Output.Links {
			fmt.Fprintf(w, "  %s: %s\n", l.Title, l.URL)
		}
	}
	fmt.Fprintln(w, "\nAudit trail:")
	for _, e := range r.Audit {
		step := ""
		if e.Step != "" {
			step = " [" + e.Step + "]"
		}
		line := fmt.Sprintf("  %s  %-20s%s  by %s", e.At.UTC().Format("2006-01-02 15:04:05.000"), e.Event, step, e.Actor)
		if len(e.Detail) > 0 {
			line += "  " + compactJSON(e.Detail)
		}
		fmt.Fprintln(w, line)
	}
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

func compactJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
