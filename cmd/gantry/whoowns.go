package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/internal/app"
)

func newWhoOwnsCommand(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "whoowns QUERY",
		Short: "Who owns a service, repository, team or person: owner, members, on-call, links",
		Long: `Who owns QUERY: an entity name or ref (checkout, component:default/checkout),
a repository (org/repo or its URL), a team, a person or an e-mail address.
Exits 4 when nothing matches, after printing suggestions (with --json too).`,
		Args: cobra.MinimumNArgs(1),
		RunE: g.withApp(func(ctx context.Context, a *app.App, args []string) error {
			ans, err := a.Catalog.WhoOwns(ctx, strings.Join(args, " "))
			if err != nil {
				return err
			}
			if asJSON {
				err = printJSON(g.stdout, ans)
			} else {
				printOwnership(g.stdout, ans, time.Now())
			}
			if err == nil && len(ans.Matches) == 0 {
				emptyCatalogHint(ctx, g.stderr, a.Catalog)
				return exitError{exitNotFound}
			}
			return err
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (the format is a stable contract)")
	return cmd
}

func printOwnership(w io.Writer, ans *catalog.Ownership, now time.Time) {
	if len(ans.Matches) == 0 {
		fmt.Fprintf(w, "Nothing in the catalog matches %q.\n", ans.Query)
		if len(ans.Suggestions) > 0 {
			fmt.Fprintf(w, "Did you mean: %s?\n", strings.Join(ans.Suggestions, ", "))
		}
		return
	}
	for i, m := range ans.Matches {
		if i > 0 {
			fmt.Fprintln(w)
		}
		printMatch(w, &m, now)
	}
}

func printMatch(w io.Writer, m *catalog.OwnerMatch, now time.Time) {
	field := func(label, value string) {
		if value != "" {
			fmt.Fprintf(w, "  %-9s %s\n", label+":", value)
		}
	}
	fmt.Fprintf(w, "%s (%s)\n", m.Title, m.Ref)
	if m.Description != "" {
		fmt.Fprintf(w, "  %s\n", firstLine(m.Description))
	}
	if m.Stale != "" {
		field("Warning", "last good version; its descriptor now fails: "+m.Stale)
	}
	if o := m.Owner; o != nil {
		owner := o.DisplayName + " (" + o.Ref + ")"
		if !o.Known {
			owner += ", not in the catalog"
		}
		if m.OwnedVia != nil {
			owner += ", owned via " + *m.OwnedVia
		}
		label := "Owner"
		if strings.EqualFold(m.Kind, catalog.KindUser) {
			label = "Team"
		}
		field(label, strings.Join(nonEmpty(owner, o.SlackChannel, o.Email), "  "))
		if len(o.Members) > 0 && !strings.EqualFold(o.Kind, catalog.KindUser) {
			people := make([]string, len(o.Members))
			for i, p := range o.Members {
				people[i] = personString(p)
			}
			field("Members", strings.Join(people, ", "))
		}
	} else if !strings.EqualFold(m.Kind, catalog.KindUser) {
		field("Owner", "nobody: no owner, system or domain owner is set")
	}
	if oc := m.Oncall; oc != nil {
		s := personString(oc.Person)
		if oc.Starts != nil {
			s = "nobody yet: the rotation starts " + oc.Starts.UTC().Format("Mon 2 Jan 2006")
		}
		if oc.Until != nil {
			s += fmt.Sprintf(" until %s (in %s)", oc.Until.UTC().Format("Mon 2 Jan 15:04 MST"), roundDuration(oc.Until.Sub(now)))
		}
		field("On call", s)
	}
	field("System", m.System)
	field("Domain", m.Domain)
	field("Code", m.SourceURL)
	field("Docs", m.Docs)
	for _, l := range m.Links {
		title := l.Title
		if title == "" {
			title = "Link"
		}
		field(title, l.URL)
	}
	if len(m.MemberOf) > 0 {
		field("Groups", summaries(m.MemberOf))
	}
	if len(m.Owns) > 0 {
		field("Owns", summaries(m.Owns))
	}
	if len(m.Holds) > 0 {
		parts := make([]string, len(m.Holds))
		for i, h := range m.Holds {
			parts[i] = h.Ref
			if h.Via != "" {
				parts[i] += " (no owner of its own: owned through this " + strings.ToLower(m.Kind) + ")"
			}
		}
		field("Holds", strings.Join(parts, ", "))
	}
	field("Source", m.Provenance)
}

func personString(p catalog.Person) string {
	s := p.DisplayName
	if s == "" {
		s = p.Ref
	}
	if p.Email != "" {
		s += " <" + p.Email + ">"
	}
	return s
}

func summaries(list []catalog.Summary) string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = s.Ref
		if s.Via != "" {
			out[i] += " (via " + s.Via + ")"
		}
	}
	return strings.Join(out, ", ")
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " ..."
	}
	return s
}

func roundDuration(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", int(d.Hours()/24))
	case d >= time.Hour:
		return fmt.Sprintf("%d hours", int(d.Hours()))
	}
	return d.Round(time.Minute).String()
}
