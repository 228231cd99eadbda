package bot

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/scorecard"
)

// Scorecard views: the weekly digest, its Details table, the cards of
// "/gantry scorecard", "/gantry status", and the report of digests that
// could not be posted. Pure functions of scorecard data.

const (
	actionScorecardDetails = "scorecard.details" // value: scDetailsState; ":prev"/":next" page
	actionScorecardFix     = "scorecard.fix:"    // + index; value: scFixState
	actionScorecardAdopt   = "scorecard.adopt:"  // + index; value: "org/repo"

	maxDigestServices  = 25 // listed in a digest; the rest are in Details
	detailsPageSize    = 8  // services per page of Details
	maxAdoptButtons    = 5
	maxCardScorecards  = 6 // scorecards shown on one card
	maxDigestsInAnswer = 3 // team cards in one answer
)

// scDetailsState is what a Details button carries.
type scDetailsState struct {
	S string `json:"s"` // scorecard
	T string `json:"t"` // team ref ("" for the unowned)
	O int    `json:"o"` // offset
}

// scFixState is what a Fix button carries.
type scFixState struct {
	S string `json:"s"` // scorecard
	R string `json:"r"` // rule
	E string `json:"e"` // entity ref
}

func scStateIcon(s scorecard.State) string {
	switch s {
	case scorecard.StatePass:
		return ":white_check_mark:"
	case scorecard.StateFail:
		return ":x:"
	case scorecard.StateError:
		return ":warning:"
	}
	return ":grey_question:"
}

func scLevelText(levels []scorecard.Level, i int) string {
	return scorecard.LevelEmoji(levels, i) + " " + esc(scorecard.LevelLabel(levels, i))
}

func scPct(f float64) string { return fmt.Sprintf("%.0f%%", math.Round(f)) }

func scPoints(f float64) string {
	switch {
	case f >= 0.5:
		return fmt.Sprintf("+%.0f", math.Round(f))
	case f <= -0.5:
		return fmt.Sprintf("%.0f", math.Round(f))
	}
	return "±0"
}

func scShortDate(t time.Time) string {
	return fmt.Sprintf("<!date^%d^{date_short}|%s>", t.Unix(), t.UTC().Format("2 Jan 2006"))
}

// DigestMessage renders a team's weekly digest: its services and levels,
// what changed since the previous period, the three most useful fixes, and
// the Details, Fix and Adopt buttons.
func DigestMessage(d *scorecard.Digest) Message {
	bs := scDigestBlocks(d, true)
	return Message{Text: scDigestText(d), Blocks: blocks(bs...)}
}

// scDigestText is the notification text of a digest.
func scDigestText(d *scorecard.Digest) string {
	return fmt.Sprintf("%s for %s: %s", d.ScorecardTitle, d.TeamTitle, d.SummaryLine())
}

// scDigestBlocks are the blocks of a digest or a team card; weekly adds the
// period and the buttons that act (Fix, Adopt).
func scDigestBlocks(d *scorecard.Digest, weekly bool) []slack.Block {
	bs := []slack.Block{header(d.ScorecardTitle + ": " + d.TeamTitle)}
	switch {
	case d.NoChannel && d.Team != "" && weekly:
		bs = append(bs, section(fmt.Sprintf(":warning: *%s has no Slack channel of its own*, so its digest comes here. Set %s on %s to have it posted in the team's channel.",
			nm(d.TeamTitle), code(catalog.AnnotationSlackChannel), code(d.Team))))
	case d.Team == "":
		bs = append(bs, section(":grey_question: *Nobody known owns these services.* Set `spec.owner` to a team in the catalog, and their card goes to that team's channel."))
	}
	bs = append(bs, section(scDigestSummary(d)))
	bs = append(bs, scServiceSections(d)...)
	if len(d.Fixes) > 0 {
		bs = append(bs, slack.NewDividerBlock(), section(scFixesText(d)))
	}
	bs = append(bs, scDigestButtons(d, weekly))
	bs = append(bs, note(scDigestContext(d, weekly)...))
	return bs
}

// scDigestSummary counts the services by level, with the average and what moved.
func scDigestSummary(d *scorecard.Digest) string {
	var counts []string
	for i := len(d.Counts) - 1; i >= 0; i-- {
		c := d.Counts[i]
		if c.Now == 0 {
			continue
		}
		counts = append(counts, fmt.Sprintf("%s %d", scLevelText(d.Levels, c.Level), c.Now))
	}
	s := fmt.Sprintf("*%d service%s*", len(d.Services), scPlural(len(d.Services)))
	if len(counts) > 0 {
		s += ": " + strings.Join(counts, " · ")
	}
	s += "\nAverage score *" + scPct(d.Score) + "*"
	if d.PreviousScore != nil {
		s += fmt.Sprintf(" (%s since %s)", scPoints(d.Score-*d.PreviousScore), scShortDate(d.Previous))
		moves := []string{fmt.Sprintf(":arrow_up: %d up", d.Improved), fmt.Sprintf(":arrow_down: %d down", d.Regressed)}
		if d.New > 0 {
			moves = append(moves, fmt.Sprintf(":new: %d new", d.New))
		}
		s += " · " + strings.Join(moves, " · ")
	} else if !d.Previous.IsZero() {
		s += " · first report: nothing to compare with yet"
	}
	return s
}

// scServiceSections list the services, a line each, in sections kept
// inside Slack's 3,000 characters; beyond maxDigestServices, Details has
// the rest.
func scServiceSections(d *scorecard.Digest) []slack.Block {
	var lines []string
	for i, s := range d.Services {
		if i == maxDigestServices {
			lines = append(lines, fmt.Sprintf("_…and %d more: see Details._", len(d.Services)-i))
			break
		}
		lines = append(lines, scServiceLine(d, s))
	}
	return scChunkSections(lines)
}

func scServiceLine(d *scorecard.Digest, s scorecard.DigestService) string {
	line := fmt.Sprintf("%s *%s* %s · %s", scorecard.LevelEmoji(d.Levels, s.Level), nm(s.Title), esc(scorecard.LevelLabel(d.Levels, s.Level)), scPct(s.Score))
	switch {
	case s.Change() > 0:
		line += " :arrow_up: from " + esc(scorecard.LevelLabel(d.Levels, s.Before.Level))
	case s.Change() < 0:
		line += " :arrow_down: from " + esc(scorecard.LevelLabel(d.Levels, s.Before.Level))
	case s.Before == nil && d.PreviousScore != nil:
		line += " :new:"
	case s.Before != nil && math.Abs(s.Score-s.Before.Score) >= 0.5:
		line += " (" + scPoints(s.Score-s.Before.Score) + ")"
	}
	var fixed, broke []string
	for _, f := range s.Flipped {
		if f.Fixed() {
			fixed = append(fixed, esc(f.Title))
		} else if f.Broke() {
			broke = append(broke, esc(f.Title))
		}
	}
	if len(fixed) > 0 {
		line += "\n      fixed: " + clip(strings.Join(fixed, ", "), 300)
	}
	if len(broke) > 0 {
		line += "\n      broke: " + clip(strings.Join(broke, ", "), 300)
	}
	if s.Inferred {
		line += " · _inferred from its repository_"
	}
	return line
}

// scChunkSections packs lines into sections of at most maxSectionChars.
func scChunkSections(lines []string) []slack.Block {
	var out []slack.Block
	var cur strings.Builder
	for _, l := range lines {
		if cur.Len() > 0 && cur.Len()+1+len(l) > maxSectionChars {
			out = append(out, section(cur.String()))
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteString("\n")
		}
		cur.WriteString(l)
	}
	if cur.Len() > 0 {
		out = append(out, section(cur.String()))
	}
	return out
}

func scFixesText(d *scorecard.Digest) string {
	lines := []string{"*Next fixes*"}
	for i, f := range d.Fixes {
		l := fmt.Sprintf("*%d. %s* (%s) on %s", i+1, esc(f.Title), esc(f.Level), scServiceNames(f.Services, 4))
		if f.Unlocks > 0 {
			l += fmt.Sprintf(": raises %d service%s a level", f.Unlocks, scPlural(f.Unlocks))
		}
		if f.Unknown {
			l += " _(unknown: its facts are missing)_"
		}
		if f.Hint != "" {
			l += "\n      " + esc(clip(f.Hint, 300))
		}
		if f.URL != "" {
			l += fmt.Sprintf(" <%s|Guide>", f.URL)
		}
		lines = append(lines, l)
	}
	return strings.Join(lines, "\n")
}

func scServiceNames(s []scorecard.ServiceRef, n int) string {
	var names []string
	for i, x := range s {
		if i == n {
			names = append(names, fmt.Sprintf("%d more", len(s)-n))
			break
		}
		names = append(names, nm(x.Title))
	}
	return strings.Join(names, ", ")
}

// scDigestButtons: Details always; on the weekly digest, Fix for each fix
// that names an action (for its first service) and Adopt for inferred
// services.
func scDigestButtons(d *scorecard.Digest, weekly bool) *slack.ActionBlock {
	v, _ := json.Marshal(scDetailsState{S: d.Scorecard, T: d.Team})
	btns := []*slack.ButtonBlockElement{primary(button(actionScorecardDetails, string(v), "Details"))}
	if !weekly {
		return buttons(btns...)
	}
	for i, f := range d.Fixes {
		if f.Action == "" || len(f.Services) == 0 {
			continue
		}
		fv, _ := json.Marshal(scFixState{S: d.Scorecard, R: f.Rule, E: f.Services[0].Entity})
		if len(fv) > maxPagerValue {
			continue
		}
		btns = append(btns, button(fmt.Sprintf("%s%d", actionScorecardFix, i), string(fv), "Fix: "+clip(f.Title, 40)))
	}
	n := 0
	for _, s := range d.Services {
		if !s.Inferred || s.Repo == "" || n == maxAdoptButtons {
			continue
		}
		btns = append(btns, button(fmt.Sprintf("%s%d", actionScorecardAdopt, n), s.Repo, "Adopt "+clip(s.Title, 40)))
		n++
	}
	return buttons(btns...)
}

func scDigestContext(d *scorecard.Digest, weekly bool) []string {
	var parts []string
	if weekly && !d.Period.IsZero() {
		parts = append(parts, "Week of "+scShortDate(d.Period))
	} else if !d.Previous.IsZero() {
		parts = append(parts, "Compared with a week ago")
	}
	if !d.EvaluatedAt.IsZero() {
		parts = append(parts, "evaluated "+slackDate(d.EvaluatedAt))
	}
	if d.UnknownResults > 0 {
		parts = append(parts, fmt.Sprintf(":grey_question: %d result%s unknown (facts missing, not failed)", d.UnknownResults, scPlural(d.UnknownResults)))
	}
	parts = append(parts, "`/gantry scorecard <service>` for one service")
	return []string{strings.Join(parts, " · ")}
}

// DigestDetailsMessage is the Details table of a digest, one page of
// services: every rule's outcome on each, and how each rule fares across
// the team.
func DigestDetailsMessage(d *scorecard.Digest, sc *scorecard.Scorecard, offset int) Message {
	bs := []slack.Block{header(clip("Details: "+d.ScorecardTitle+": "+d.TeamTitle, 150))}
	if offset == 0 {
		bs = append(bs, scChunkSections(scRuleSummaryLines(d, sc))...)
		bs = append(bs, slack.NewDividerBlock())
	}
	end := min(offset+detailsPageSize, len(d.Services))
	for _, s := range d.Services[min(offset, len(d.Services)):end] {
		bs = append(bs, section(scServiceDetail(d, sc, s)))
	}
	if len(d.Services) == 0 {
		bs = append(bs, section("No service of this team is on the scorecard."))
	}
	value := func(o int) string {
		b, _ := json.Marshal(scDetailsState{S: d.Scorecard, T: d.Team, O: o})
		return string(b)
	}
	if len(d.Services) > detailsPageSize {
		var btns []*slack.ButtonBlockElement
		if offset > 0 {
			btns = append(btns, button(actionScorecardDetails+":prev", value(max(offset-detailsPageSize, 0)), "‹ Previous"))
		}
		if end < len(d.Services) {
			btns = append(btns, button(actionScorecardDetails+":next", value(end), "Next ›"))
		}
		bs = append(bs, note(fmt.Sprintf("Services %d–%d of %d.", offset+1, end, len(d.Services))), buttons(btns...))
	}
	bs = append(bs, note(":white_check_mark: passes · :x: fails · :grey_question: unknown (a fact is missing) · :warning: could not be evaluated"))
	return Message{Text: fmt.Sprintf("Details of %s for %s", d.ScorecardTitle, d.TeamTitle), Blocks: blocks(bs...)}
}

// scRuleSummaryLines: per rule, how many services pass, fail, are unknown.
func scRuleSummaryLines(d *scorecard.Digest, sc *scorecard.Scorecard) []string {
	lines := []string{"*By rule*"}
	for _, r := range sc.Rules {
		var pass, fail, unknown int
		for _, s := range d.Services {
			switch s.Result.Rule(r.ID).State {
			case scorecard.StatePass:
				pass++
			case scorecard.StateFail, scorecard.StateError:
				fail++
			default:
				unknown++
			}
		}
		l := fmt.Sprintf("%s %d/%d *%s* (%s)", scStateIcon(scSummaryState(pass, fail, unknown)), pass, len(d.Services), esc(r.DisplayTitle()), esc(r.Level))
		if fail > 0 {
			l += fmt.Sprintf(" · %d fail", fail)
		}
		if unknown > 0 {
			l += fmt.Sprintf(" · %d unknown", unknown)
		}
		lines = append(lines, l)
	}
	return lines
}

func scSummaryState(pass, fail, unknown int) scorecard.State {
	switch {
	case fail > 0:
		return scorecard.StateFail
	case unknown > 0:
		return scorecard.StateUnknown
	}
	return scorecard.StatePass
}

func scServiceDetail(d *scorecard.Digest, sc *scorecard.Scorecard, s scorecard.DigestService) string {
	head := fmt.Sprintf("*%s* %s · %s", nm(s.Title), scLevelText(d.Levels, s.Level), scPct(s.Score))
	var pass, fail, unknown []string
	var why []string               // the unknowns' reasons, in order
	byWhy := map[string][]string{} // reason → rules
	for _, rl := range sc.RuleLines(&s.Result) {
		t := esc(rl.Title)
		switch rl.State {
		case scorecard.StatePass:
			pass = append(pass, t)
		case scorecard.StateFail:
			fail = append(fail, t)
		case scorecard.StateError:
			fail = append(fail, t+" :warning: "+esc(clip(rl.Detail, 120)))
		default:
			if _, ok := byWhy[rl.Detail]; !ok {
				why = append(why, rl.Detail)
			}
			byWhy[rl.Detail] = append(byWhy[rl.Detail], t)
		}
	}
	for _, w := range why {
		u := strings.Join(byWhy[w], " · ")
		if w != "" {
			u += " _(" + esc(clip(w, 160)) + ")_"
		}
		unknown = append(unknown, u)
	}
	lines := []string{head}
	if len(pass) > 0 {
		lines = append(lines, ":white_check_mark: "+strings.Join(pass, " · "))
	}
	if len(fail) > 0 {
		lines = append(lines, ":x: "+strings.Join(fail, " · "))
	}
	for _, u := range unknown {
		lines = append(lines, ":grey_question: "+u)
	}
	return clip(strings.Join(lines, "\n"), maxSectionChars)
}

// ScorecardEntityMessage is "/gantry scorecard <service>": the entity on
// every scorecard that applies, with its trend and what to fix next.
func ScorecardEntityMessage(c *scorecard.EntityCard) Message {
	bs := []slack.Block{header(c.Title + ": scorecards")}
	if len(c.Scores) == 0 {
		text := fmt.Sprintf("No scorecard applies to %s %s.", strings.ToLower(c.Kind), code(c.Entity))
		return Message{Text: text, Blocks: blocks(bs[0], section(text))}
	}
	var summary []string
	for i, s := range c.Scores {
		if i == maxCardScorecards {
			bs = append(bs, note(fmt.Sprintf("…and %d more scorecards.", len(c.Scores)-i)))
			break
		}
		bs = append(bs, section(scScoreHeadline(&s)))
		bs = append(bs, section(scRulesByLevel(&s)))
		if next := scToNextLevel(&s); next != "" {
			bs = append(bs, section(next))
		}
		summary = append(summary, fmt.Sprintf("%s %s (%s)", s.ScorecardTitle, scorecard.LevelLabel(s.Levels, s.Result.Level), scPct(s.Result.Score)))
	}
	bs = append(bs, note("Evaluated "+slackDate(c.EvaluatedAt)+" · trends compare with a week before"))
	return Message{Text: c.Title + ": " + strings.Join(summary, ", "), Blocks: blocks(bs...)}
}

func scScoreHeadline(s *scorecard.EntityScore) string {
	line := fmt.Sprintf("*%s*: %s · *%s*", esc(s.ScorecardTitle), scLevelText(s.Levels, s.Result.Level), scPct(s.Result.Score))
	if b := s.Trend.Before; b != nil {
		arrow := ""
		switch {
		case s.Trend.LevelChange > 0:
			arrow = ":arrow_up: "
		case s.Trend.LevelChange < 0:
			arrow = ":arrow_down: "
		}
		line += fmt.Sprintf("\n%sA week ago: %s · %s (%s)", arrow, esc(scorecard.LevelLabel(s.Levels, b.Level)), scPct(b.Score), scPoints(s.Trend.ScoreChange))
		var flips []string
		for _, f := range s.Trend.Flipped {
			if f.Fixed() {
				flips = append(flips, "fixed "+esc(f.Title))
			} else if f.Broke() {
				flips = append(flips, "broke "+esc(f.Title))
			}
		}
		if len(flips) > 0 {
			line += "; " + clip(strings.Join(flips, ", "), 400)
		}
	} else {
		line += "\n_No result a week ago to compare with._"
	}
	return line
}

func scRulesByLevel(s *scorecard.EntityScore) string {
	var lines []string
	for li, lv := range s.Levels {
		var parts []string
		for _, r := range s.Rules {
			if r.LevelIndex == li {
				parts = append(parts, scStateIcon(r.State)+" "+esc(r.Title))
			}
		}
		if len(parts) > 0 {
			lines = append(lines, fmt.Sprintf("*%s* %s", esc(lv.Name), strings.Join(parts, " · ")))
		}
	}
	return clip(strings.Join(lines, "\n"), maxSectionChars)
}

// scToNextLevel lists what stands between the entity and its next level, and
// the rules whose facts are missing.
func scToNextLevel(s *scorecard.EntityScore) string {
	var lines []string
	if next := s.Next(); next != "" {
		lines = append(lines, fmt.Sprintf("*To reach %s*", esc(next)))
		for _, r := range s.Rules {
			if r.LevelIndex > s.Result.Level+1 || r.State == scorecard.StatePass {
				continue
			}
			l := fmt.Sprintf("%s *%s*", scStateIcon(r.State), esc(r.Title))
			switch {
			case r.State == scorecard.StateUnknown || r.State == scorecard.StateError:
				l += ": " + esc(clip(r.Detail, 200))
			case r.Fix.Hint != "":
				l += ": " + esc(clip(r.Fix.Hint, 300))
			}
			if r.Fix.Action != "" {
				l += fmt.Sprintf(" (action: `/gantry run %s`)", esc(r.Fix.Action))
			}
			lines = append(lines, l)
		}
	} else {
		lines = append(lines, ":trophy: Top level: everything passes.")
	}
	return clip(strings.Join(lines, "\n"), maxSectionChars)
}

// ScorecardTeamMessage is "/gantry scorecard <team>": the team's card on
// each scorecard, compared with a week ago, with a Details button.
func ScorecardTeamMessage(teamTitle string, ds []*scorecard.Digest) Message {
	if len(ds) == 0 {
		text := fmt.Sprintf("No scorecard applies to anything %s owns.", nm(teamTitle))
		return Message{Text: text, Blocks: blocks(section(text))}
	}
	var bs []slack.Block
	var texts []string
	for i, d := range ds {
		if i == maxDigestsInAnswer {
			bs = append(bs, note(fmt.Sprintf("…and %d more scorecards: `/gantry scorecard %s <scorecard>`.", len(ds)-i, esc(teamTitle))))
			break
		}
		if i > 0 {
			bs = append(bs, slack.NewDividerBlock())
		}
		bs = append(bs, scDigestBlocks(d, false)...)
		texts = append(texts, scDigestText(d))
	}
	return Message{Text: strings.Join(texts, "\n"), Blocks: blocks(bs...)}
}

// StatusView is the data of "/gantry status".
type StatusView struct {
	Status *scorecard.Status
	IDs    map[string]string // Slack ids of the people named
}

// StatusMessage answers "is it OK right now?": live signals, the latest CI
// run on the default branch, levels, and who is on call.
func StatusMessage(v StatusView) Message {
	st := v.Status
	bs := []slack.Block{header(st.Title + ": status")}
	warn := st.Warnings()
	verdict := ":white_check_mark: *Looks OK right now.*"
	if warn > 0 {
		verdict = fmt.Sprintf(":warning: *%d thing%s need%s a look.*", warn, scPlural(warn), map[bool]string{true: "s", false: ""}[warn == 1])
	}
	bs = append(bs, section(verdict+" "+strings.ToLower(st.Kind)+" "+code(st.Entity)))
	var fs []string
	for _, s := range st.Signals {
		icon, val := ":white_check_mark:", scFormatValue(s.Value)+scUnitText(s.Unit)
		switch {
		case !s.Known:
			icon, val = ":grey_question:", esc(clip(s.Detail, 150))
		case s.Warn:
			icon = ":warning:"
		}
		fs = append(fs, fmt.Sprintf("*%s*\n%s %s", esc(s.Name), icon, val))
	}
	if len(fs) > 0 {
		for i := 0; i < len(fs); i += 10 {
			bs = append(bs, fields(fs[i:min(i+10, len(fs))]...))
		}
	} else if !st.Prometheus {
		bs = append(bs, note("No live signals: add queries under `scorecards.prometheus.status` in gantry.yaml."))
	}
	bs = append(bs, section(scCiLine(st.CI)))
	if len(st.Scores) > 0 {
		var ls []string
		for _, s := range st.Scores {
			ls = append(ls, fmt.Sprintf("%s in %s (%s)", scLevelText(s.Levels, s.Result.Level), esc(s.ScorecardTitle), scPct(s.Result.Score)))
		}
		bs = append(bs, section("*Level:* "+strings.Join(ls, " · ")))
	}
	bs = append(bs, section(scOncallLine(st, v.IDs)))
	bs = append(bs, note("Checked "+slackDate(st.CheckedAt)+" · `/gantry scorecard "+esc(refShort(st.Entity))+"` for the full card"))
	text := fmt.Sprintf("%s: looks OK", st.Title)
	if warn > 0 {
		text = fmt.Sprintf("%s: %d thing(s) need a look", st.Title, warn)
	}
	return Message{Text: text, Blocks: blocks(bs...)}
}

func scFormatValue(v float64) string {
	switch {
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 100:
		return fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 1:
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.3g", v)
}

func scUnitText(u string) string {
	switch {
	case u == "":
		return ""
	case u == "%":
		return "%"
	}
	return " " + esc(u)
}

func scCiLine(ci *scorecard.CIStatus) string {
	if ci == nil {
		return ":grey_question: *CI:* unknown (no GitHub facts for it: is its repository read by a github source?)"
	}
	branch := ci.Branch
	if branch == "" {
		branch = "the default branch"
	}
	icon := ":grey_question:"
	switch ci.Conclusion {
	case "success":
		icon = ":white_check_mark:"
	case "failure", "timed_out", "startup_failure", "cancelled", "action_required":
		icon = ":x:"
	case "in_progress", "queued":
		icon = ":hourglass_flowing_sand:"
	}
	what := esc(ci.Conclusion)
	if ci.Conclusion == "none" || ci.Conclusion == "" {
		what = "no workflow runs"
	}
	line := fmt.Sprintf("%s *CI on %s*", icon, esc(branch))
	if ci.Repo != "" {
		line += fmt.Sprintf(" (<https://github.com/%s/actions|%s>)", ci.Repo, esc(ci.Repo))
	}
	line += ": " + what
	if !ci.At.IsZero() {
		line += ", " + slackDate(ci.At)
	}
	if !ci.ReadAt.IsZero() {
		line += " · _as of " + slackDate(ci.ReadAt) + "_"
	}
	return line
}

func scOncallLine(st *scorecard.Status, ids map[string]string) string {
	var parts []string
	if st.Oncall != nil {
		parts = append(parts, "*On call:* "+oncallText(st.Oncall, ids))
	} else {
		parts = append(parts, "*On call:* nobody: add `gantry.dev/oncall` to it or its team")
	}
	if o := st.Owner; o != nil {
		owner := "*Owner:* " + nm(o.DisplayName)
		if o.SlackChannel != "" {
			owner += " · " + nm(o.SlackChannel)
		}
		parts = append(parts, owner)
	}
	return strings.Join(parts, "\n")
}

// DigestReportMessage tells the fallback channel which digests of a run
// could not be posted.
func DigestReportMessage(r *scorecard.DigestReport) Message {
	var lines []string
	for _, o := range r.Outcomes {
		switch {
		case o.Outcome == scorecard.OutcomeFailed:
			lines = append(lines, fmt.Sprintf(":x: *%s* in %s: %s", nm(o.TeamTitle), nm(o.Channel), esc(clip(o.Error, 300))))
		case o.Outcome == scorecard.OutcomeUncertain:
			lines = append(lines, fmt.Sprintf(":grey_question: *%s* in %s: %s", nm(o.TeamTitle), nm(o.Channel), esc(clip(o.Error, 400))))
		case o.Outcome == scorecard.OutcomeSkipped:
			lines = append(lines, fmt.Sprintf(":grey_question: *%s*: %s", nm(o.TeamTitle), esc(clip(o.Error, 300))))
		case o.Retries > 0 && o.Outcome == scorecard.OutcomePosted:
			lines = append(lines, fmt.Sprintf(":repeat: *%s* in %s: posted after %d retr%s", nm(o.TeamTitle), nm(o.Channel), o.Retries, map[bool]string{true: "y", false: "ies"}[o.Retries == 1]))
		}
	}
	failed := r.Count(scorecard.OutcomeFailed)
	text := fmt.Sprintf("%d %s digest%s could not be posted", failed, r.ScorecardTitle, scPlural(failed))
	if unsure := r.Count(scorecard.OutcomeUncertain); unsure > 0 {
		if failed == 0 {
			text = fmt.Sprintf("%d %s digest%s may not have been posted", unsure, r.ScorecardTitle, scPlural(unsure))
		} else {
			text += fmt.Sprintf(", %d may not have been", unsure)
		}
	}
	bs := []slack.Block{section(fmt.Sprintf(":warning: *%s* (the week of %s).", esc(text), scShortDate(r.Period)))}
	bs = append(bs, scChunkSections(lines)...)
	bs = append(bs, note("Slack refused these (a channel that is gone, the bot not invited, or Slack failing every attempt), or their outcome is unknown: fix it or look in the channel, then `gantry digest send --team <team> --retry-failed`."))
	return Message{Text: text, Blocks: blocks(bs...)}
}

// ScorecardUsage is "/gantry scorecard" when it cannot guess the team.
func ScorecardUsage() Message {
	text := "Say which service or team, e.g. `/gantry scorecard checkout` or `/gantry scorecard payments`."
	return Message{Text: text, Blocks: blocks(section(text))}
}

// StatusUsage is "/gantry status" without a service.
func StatusUsage() Message {
	text := "Say which service, e.g. `/gantry status checkout`."
	return Message{Text: text, Blocks: blocks(section(text))}
}

func scPlural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
