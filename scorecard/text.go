package scorecard

import (
	"fmt"
	"math"
	"strings"
	"text/tabwriter"
	"time"
)

// Text renders the digest as plain text, for `gantry digest preview` and
// for anyone reading it outside Slack.
func (d *Digest) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", d.ScorecardTitle, d.TeamTitle)
	if d.Channel != "" {
		fmt.Fprintf(&b, "  → %s", d.Channel)
	}
	b.WriteString("\n")
	if d.NoChannel && d.Team != "" {
		fmt.Fprintf(&b, "(%s has no Slack channel: set gantry.dev/slack-channel on %s; posted to the fallback channel)\n", d.TeamTitle, d.Team)
	}
	if !d.Period.IsZero() {
		fmt.Fprintf(&b, "Period: %s", d.Period.Format("Mon 2 Jan 2006 15:04 MST"))
		if !d.Previous.IsZero() {
			fmt.Fprintf(&b, ", compared with %s", d.Previous.Format("Mon 2 Jan 2006 15:04 MST"))
		}
		b.WriteString("\n")
	}
	b.WriteString(d.SummaryLine() + "\n")
	if len(d.Services) > 0 {
		b.WriteString("\nServices\n")
		tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		for _, s := range d.Services {
			level := levelName(d.Levels, s.Level)
			fmt.Fprintf(tw, "  %s\t%3.0f%%\t%s\t%s\n", level, math.Round(s.Score), s.Title, d.ChangeText(s))
		}
		tw.Flush()
	}
	if len(d.Fixes) > 0 {
		b.WriteString("\nNext fixes\n")
		for i, f := range d.Fixes {
			fmt.Fprintf(&b, "  %d. %s (%s) on %s", i+1, f.Title, f.Level, serviceList(f.Services, 5))
			if f.Unlocks > 0 {
				fmt.Fprintf(&b, "; raises %d service(s) a level", f.Unlocks)
			}
			if f.Unknown {
				b.WriteString(" (unknown: its facts are missing)")
			}
			b.WriteString("\n")
			if f.Hint != "" {
				fmt.Fprintf(&b, "     %s\n", f.Hint)
			}
			if f.Action != "" {
				fmt.Fprintf(&b, "     Fix with the action %s (/gantry run %s)\n", f.Action, f.Action)
			}
		}
	}
	if d.UnknownResults > 0 {
		fmt.Fprintf(&b, "\n%d rule result(s) are unknown: facts are missing, not failed.\n", d.UnknownResults)
	}
	return b.String()
}

// SummaryLine counts the services by level, with the average score and
// how many moved.
func (d *Digest) SummaryLine() string {
	var parts []string
	for i := len(d.Counts) - 1; i >= 0; i-- {
		c := d.Counts[i]
		if c.Now == 0 && c.Level >= 0 {
			continue
		}
		if c.Level < 0 && c.Now == 0 {
			continue
		}
		parts = append(parts, fmt.Sprintf("%d %s", c.Now, levelName(d.Levels, c.Level)))
	}
	s := fmt.Sprintf("%d service%s", len(d.Services), plural(len(d.Services)))
	if len(parts) > 0 {
		s += ": " + strings.Join(parts, ", ")
	}
	s += fmt.Sprintf(" · average %.0f%%", math.Round(d.Score))
	if d.PreviousScore != nil {
		s += fmt.Sprintf(" (%s)", signed(d.Score-*d.PreviousScore))
	}
	if !d.Previous.IsZero() && d.PreviousScore != nil {
		s += fmt.Sprintf(" · %d up, %d down", d.Improved, d.Regressed)
		if d.New > 0 {
			s += fmt.Sprintf(", %d new", d.New)
		}
	}
	return s
}

// ChangeText says how a service moved since the previous period: up or
// down a level (and from which), and which rules flipped.
func (d *Digest) ChangeText(s DigestService) string {
	var parts []string
	switch {
	case s.Before == nil && !d.Previous.IsZero() && d.PreviousScore != nil:
		parts = append(parts, "new")
	case s.Change() > 0:
		parts = append(parts, "up from "+levelName(d.Levels, s.Before.Level))
	case s.Change() < 0:
		parts = append(parts, "down from "+levelName(d.Levels, s.Before.Level))
	}
	var fixed, broke []string
	for _, f := range s.Flipped {
		if f.Fixed() {
			fixed = append(fixed, f.Title)
		} else if f.Broke() {
			broke = append(broke, f.Title)
		}
	}
	if len(fixed) > 0 {
		parts = append(parts, "fixed: "+strings.Join(fixed, ", "))
	}
	if len(broke) > 0 {
		parts = append(parts, "broke: "+strings.Join(broke, ", "))
	}
	return strings.Join(parts, "; ")
}

// levelName names level i, "no level" below the first.
func levelName(levels []Level, i int) string {
	if i < 0 || i >= len(levels) {
		if len(levels) > 0 {
			return "below " + levels[0].Name
		}
		return "no level"
	}
	return levels[i].Name
}

// LevelLabel names level i of levels as people read it ("Gold", "below Bronze").
func LevelLabel(levels []Level, i int) string { return levelName(levels, i) }

// LevelEmoji returns level i's emoji: its own, else a medal for the top
// three, ":heavy_minus_sign:" below the first.
func LevelEmoji(levels []Level, i int) string {
	sc := Scorecard{Levels: levels}
	return sc.LevelEmoji(i)
}

func serviceList(s []ServiceRef, n int) string {
	var names []string
	for i, x := range s {
		if i == n {
			names = append(names, fmt.Sprintf("and %d more", len(s)-n))
			break
		}
		names = append(names, x.Title)
	}
	return strings.Join(names, ", ")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func signed(f float64) string {
	switch f = math.Round(f); {
	case f > 0:
		return fmt.Sprintf("+%.0f", f)
	case f < 0:
		return fmt.Sprintf("%.0f", f)
	}
	return "±0"
}

// Text renders the report of a digest run.
func (r *DigestReport) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s digest for %s: %d team(s), %d posted, %d already posted, %d failed, %d skipped, %d pending",
		r.ScorecardTitle, r.Period.Format(time.RFC3339), len(r.Outcomes), r.Count(OutcomePosted), r.Count(OutcomeAlready),
		r.Count(OutcomeFailed), r.Count(OutcomeSkipped), r.Count(OutcomePending))
	if n := r.Count(OutcomeUncertain); n > 0 {
		fmt.Fprintf(&b, ", %d uncertain", n)
	}
	b.WriteString("\n")
	for _, o := range r.Outcomes {
		line := fmt.Sprintf("  %-9s %-28s %s", o.Outcome, o.TeamTitle, o.Channel)
		if o.TS != "" {
			line += " (ts " + o.TS + ")"
		}
		if o.NoChannel && o.Team != "" {
			line += " [no channel of its own: fallback]"
		}
		if o.Retries > 0 {
			line += fmt.Sprintf(" after %d retr%s", o.Retries, map[bool]string{true: "y", false: "ies"}[o.Retries == 1])
		}
		if o.Error != "" && o.Outcome != OutcomePosted && o.Outcome != OutcomeAlready {
			line += ": " + o.Error
		}
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	return b.String()
}
