package bot

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/gantryhq/gantry/catalog"
)

const actionOncallPick = "oncall.pick:" // + index

// OncallView is the data of "/gantry oncall".
type OncallView struct {
	Answer *catalog.Ownership
	IDs    map[string]string
	// Profile is set when the one match is a person: on-call of their teams.
	Profile *catalog.Profile
	// Offset is where the page of a list of matches starts.
	Offset int
}

// OncallMessage says who is on call for a service, a team or a person's
// teams.
func OncallMessage(v OncallView) Message {
	a := v.Answer
	switch len(a.Matches) {
	case 0:
		return noMatchMessage(a.Query, a.Suggestions, actionOncallPick, "Ask about a service or a team, e.g. `/gantry oncall checkout`.")
	case 1:
	default:
		return pickPage(fmt.Sprintf("%s matches %d entries. Whose on-call?", quote(a.Query), len(a.Matches)), a.Matches, actionOncallPick,
			actionOncallMatches, Picking{Query: a.Query, Offset: v.Offset})
	}
	m := a.Matches[0]
	if v.Profile != nil {
		return personOncall(m, v.Profile, v.IDs)
	}
	if m.Oncall == nil {
		where := "to it"
		if m.Owner != nil && m.Owner.Known && m.Kind != catalog.KindGroup {
			where = "to it or to its owner, " + nm(m.Owner.DisplayName)
		}
		text := fmt.Sprintf("*%s* has no on-call rotation. Add `gantry.dev/oncall` %s, e.g. `weekly from 2025-01-06: alice, bob`.", nm(m.Title), where)
		return Message{Text: fmt.Sprintf("%s has no on-call rotation", m.Title), Blocks: blocks(section(text))}
	}
	lines := []string{fmt.Sprintf("*On call for %s* (%s): %s", nm(m.Title), strings.ToLower(m.Kind), oncallText(m.Oncall, v.IDs))}
	lines = append(lines, "*Rotation:* "+code(m.Oncall.Rotation))
	if m.Owner != nil && m.Owner.SlackChannel != "" {
		lines = append(lines, "*Team channel:* "+nm(m.Owner.SlackChannel))
	}
	if m.Oncall.Ref == "" {
		return Message{Text: fmt.Sprintf("Nobody is on call for %s yet", m.Title), Blocks: blocks(section(strings.Join(lines, "\n")))}
	}
	name := m.Oncall.DisplayName
	if name == "" {
		name = refShort(m.Oncall.Ref)
	}
	return Message{Text: fmt.Sprintf("%s is on call for %s", name, m.Title), Blocks: blocks(section(strings.Join(lines, "\n")))}
}

// personOncall lists who is on call for each of a person's teams, and what
// they hold themselves.
func personOncall(m catalog.OwnerMatch, p *catalog.Profile, ids map[string]string) Message {
	bs := []slack.Block{section(fmt.Sprintf("*On call for %s's teams*", nm(m.Title)))}
	if len(p.Teams) == 0 {
		bs = append(bs, section(nm(m.Title)+" is in no team in the catalog."))
	}
	for _, t := range p.Teams {
		line := "*" + nm(t.Title) + "*: "
		if t.Oncall == nil {
			line += "no rotation"
		} else {
			line += oncallText(t.Oncall, ids)
		}
		bs = append(bs, section(line))
	}
	if len(p.OnCall) > 0 {
		var duties []string
		for _, d := range p.OnCall {
			s := nm(d.Title)
			if d.Until != nil {
				s += " until " + slackDate(*d.Until)
			}
			duties = append(duties, s)
		}
		bs = append(bs, note(fmt.Sprintf("%s is on call now for %s.", nm(m.Title), strings.Join(duties, "; "))))
	}
	return Message{Text: fmt.Sprintf("On call for %s's teams", m.Title), Blocks: blocks(bs...)}
}

// OncallUsage is "/gantry oncall" without arguments.
func OncallUsage() Message {
	text := "Say for what, e.g. `/gantry oncall checkout`, `/gantry oncall payments` or `/gantry oncall @priya`."
	return Message{Text: text, Blocks: blocks(section(text))}
}
