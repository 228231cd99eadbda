package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gantryhq/gantry/bot"
	"github.com/gantryhq/gantry/internal/app"
	"github.com/gantryhq/gantry/scorecard"
)

func newDigestCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "digest",
		Short: "Preview or send a team's scorecard digest",
	}
	cmd.AddCommand(newDigestPreviewCommand(g), newDigestSendCommand(g))
	return cmd
}

func newDigestPreviewCommand(g *globals) *cobra.Command {
	var team, only, format string
	cmd := &cobra.Command{
		Use:   "preview --team TEAM",
		Short: "Print a team's digest as it would be posted now: the Block Kit JSON and a plain-text rendering",
		Long: `Compose a team's digest for the current period from the recorded results
(run "gantry scorecard eval" first for fresh ones) and print the
chat.postMessage payload (channel, text, blocks: paste the blocks into Slack's
Block Kit Builder) followed by a plain-text rendering. Nothing is posted.
TEAM is a group name or ref ("payments", "group:default/payments"), or
"unowned" for the services nobody known owns.`,
		Args: cobra.NoArgs,
		RunE: g.withApp(func(ctx context.Context, a *app.App, _ []string) error {
			ds, err := a.DigestPreview(ctx, team, only)
			if err != nil {
				return err
			}
			if len(ds) == 0 {
				fmt.Fprintf(g.stderr, "No scorecard applies to anything %s owns.\n", team)
				return exitError{exitNotFound}
			}
			for i, d := range ds {
				if i > 0 {
					fmt.Fprintln(g.stdout)
				}
				if err := printDigest(g, d, format); err != nil {
					return err
				}
			}
			return nil
		}),
	}
	cmd.Flags().StringVar(&team, "team", "", "the team (a group name or ref, or \"unowned\")")
	cmd.Flags().StringVar(&only, "scorecard", "", "only this scorecard's digest")
	cmd.Flags().StringVar(&format, "format", "both", "json (the Block Kit payload), text, or both")
	_ = cmd.MarkFlagRequired("team")
	return cmd
}

// printDigest writes a digest's payload and text rendering.
func printDigest(g *globals, d *scorecard.Digest, format string) error {
	m := bot.DigestMessage(d)
	payload := map[string]any{"channel": d.Channel, "text": m.Text, "blocks": m.Blocks}
	switch format {
	case "json":
		return printJSON(g.stdout, payload)
	case "text":
		fmt.Fprint(g.stdout, d.Text())
		return nil
	case "both", "":
		fmt.Fprintf(g.stdout, "# %s for %s: chat.postMessage payload\n", d.ScorecardTitle, d.TeamTitle)
		b, err := json.MarshalIndent(payload, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintln(g.stdout, string(b))
		fmt.Fprintf(g.stdout, "\n# As text\n%s", d.Text())
		return nil
	}
	return fmt.Errorf("--format %q: json, text or both", format)
}

func newDigestSendCommand(g *globals) *cobra.Command {
	var team, only string
	var retryFailed bool
	cmd := &cobra.Command{
		Use:   "send --team TEAM",
		Short: "Post a team's digest for the current period now, unless it was already posted",
		Long: `Post a team's digest of each scorecard (or --scorecard NAME) for the current
period to its channel (or the fallback channel), through the Slack Web API
with the bot token. Each digest is posted once per period, whoever posts it:
one already posted (by the schedule, another replica or an earlier send) is
reported with its channel and ts and not posted again. Slack's 429s and 5xx
are retried with a backoff, a bounded number of times.

A digest of the period that Slack refused or kept failing, that had nowhere
to go, or whose outcome is uncertain (Gantry stopped, or Slack did not
answer, while it was being posted: it may be in the channel) is not posted
again unless --retry-failed says so; look in the channel first for an
uncertain one. Exits 1 when a digest could not be posted.`,
		Args: cobra.NoArgs,
		RunE: g.withApp(func(ctx context.Context, a *app.App, _ []string) error {
			reports, err := a.SendDigest(ctx, team, only, retryFailed)
			failed, earlier := 0, 0
			for _, r := range reports {
				fmt.Fprint(g.stdout, r.Text())
				failed += r.Count(scorecard.OutcomeFailed) + r.Count(scorecard.OutcomeSkipped) + r.Count(scorecard.OutcomePending) + r.Count(scorecard.OutcomeUncertain)
				for _, o := range r.Outcomes {
					if o.Outcome == scorecard.OutcomeAlready && o.TS == "" {
						earlier++ // failed, skipped or uncertain before
					}
				}
			}
			if earlier > 0 {
				fmt.Fprintf(g.stderr, "%d digest(s) of this period failed or are uncertain from an earlier run; --retry-failed posts them again\n", earlier)
				failed += earlier
			}
			if err != nil {
				return err
			}
			if failed > 0 {
				fmt.Fprintln(g.stderr, strings.TrimSpace(fmt.Sprintf("%d digest(s) not posted", failed)))
				return exitError{exitFailure}
			}
			return nil
		}),
	}
	cmd.Flags().StringVar(&team, "team", "", "the team (a group name or ref, or \"unowned\")")
	cmd.Flags().StringVar(&only, "scorecard", "", "only this scorecard's digest")
	cmd.Flags().BoolVar(&retryFailed, "retry-failed", false, "post again a digest of this period that failed, was skipped or is uncertain (never one posted)")
	_ = cmd.MarkFlagRequired("team")
	return cmd
}
