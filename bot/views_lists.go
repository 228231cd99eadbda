package bot

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/gantryhq/gantry/catalog"
)

// Long lists in an answer are never cut: a list of matches gets a pager,
// and a card whose "Owns", "Members" or "Teams" line ends with "and N
// more" gets a button that pages through the whole list.
const (
	// + ":next" / ":prev": pages of a list of matches to pick from.
	actionWhoOwnsMatches = "whoowns.matches"
	actionInfoMatches    = "info.matches"
	actionOncallMatches  = "oncall.matches"
	// + ":" + a list (listOwns, listMembers, listTeams, or listRelation
	// and a relation type) + ":all" / ":next" / ":prev": the whole of a
	// card's list, a page at a time, from a /whoowns or a /gantry info card.
	actionWhoOwnsList = "whoowns.list"
	actionInfoList    = "info.list"
)

// The lists of a card that can be paged through.
const (
	listOwns    = "owns"
	listMembers = "members"
	listTeams   = "teams"
	// listRelation + a relation type ("rel-dependsOn"): an info card's
	// relation line.
	listRelation = "rel-"
)

// Picking is where a list of matches starts, and what its pager re-asks.
type Picking struct {
	Query  string // the question, as plain text
	Offset int
}

// pickPage lists one page of matches with a button each, and a pager
// (pageAction) when they do not fit on one.
func pickPage(intro string, matches []catalog.OwnerMatch, actionPrefix, pageAction string, p Picking) Message {
	off := min(max(p.Offset, 0), max(len(matches)-1, 0))
	off -= off % pageSize
	page := matches[off:min(off+pageSize, len(matches))]
	bs := []slack.Block{section(intro)}
	for i, m := range page {
		line := fmt.Sprintf("*%s* · %s · %s", nm(m.Title), strings.ToLower(m.Kind), code(m.Ref))
		if m.Description != "" {
			line += "\n" + esc(clip(m.Description, 150))
		}
		bs = append(bs, sectionWith(line, button(fmt.Sprintf("%s%d", actionPrefix, off+i), m.Ref, "Show")))
	}
	bs = append(bs, pager(pageAction, p.Query, off, len(page), len(matches), false)...)
	return Message{Text: intro, Blocks: blocks(bs...)}
}

// seeAll is the button that opens a card's list in full, when the card
// had to say "and N more"; prefix is the card's (actionWhoOwnsList or
// actionInfoList).
func seeAll(prefix, list, ref, label string) *slack.ButtonBlockElement {
	v, _ := json.Marshal(pageState{Q: ref})
	return button(prefix+":"+list+":all", string(v), label)
}

// cardLists returns the "See all" buttons a card needs: one per list the
// card could not show whole.
func cardLists(prefix string, m catalog.OwnerMatch) []*slack.ButtonBlockElement {
	var out []*slack.ButtonBlockElement
	if (m.Kind == catalog.KindGroup || m.Kind == catalog.KindUser) && len(m.Owns) > 0 && !summaryFits(m.Owns, ownsBudget) {
		out = append(out, seeAll(prefix, listOwns, m.Ref, fmt.Sprintf("All %d it owns", len(m.Owns))))
	}
	if m.Owner != nil && (m.Kind != catalog.KindUser) && len(m.Owner.Members) > maxListedPeople {
		out = append(out, seeAll(prefix, listMembers, m.Ref, fmt.Sprintf("All %d members", len(m.Owner.Members))))
	}
	if m.Kind == catalog.KindUser && !summaryFits(m.MemberOf, teamsBudget) {
		out = append(out, seeAll(prefix, listTeams, m.Ref, fmt.Sprintf("All %d teams", len(m.MemberOf))))
	}
	return out
}

// relationLists returns an info card's buttons to the relation lines it
// could not show whole.
func relationLists(m catalog.OwnerMatch) []*slack.ButtonBlockElement {
	if m.Entity == nil {
		return nil
	}
	var out []*slack.ButtonBlockElement
	for _, rl := range relationLabels {
		if refs := m.Entity.RelationTargets(rl.typ); len(refs) > 0 && !summaryFits(refSummaries(refs), relationBudget) {
			out = append(out, seeAll(actionInfoList, listRelation+rl.typ, m.Ref, fmt.Sprintf("%s: all %d", rl.label, len(refs))))
		}
	}
	return out
}

// relationLabel is the label of a relation type an info card shows.
func relationLabel(typ string) (string, bool) {
	for _, rl := range relationLabels {
		if rl.typ == typ {
			return rl.label, true
		}
	}
	return "", false
}

// ListView is one page of a card's list.
type ListView struct {
	Match catalog.OwnerMatch
	List  string // listOwns, listMembers or listTeams
	// IDs are the Slack ids of the people on the page, by catalog ref.
	IDs    map[string]string
	Offset int
	// Back adds a button back to the card (the list replaced it).
	Back bool
	// Prefix is the card's list action (default actionWhoOwnsList; an info
	// card's is actionInfoList): the pager's and Back's buttons go with it.
	Prefix string
}

// ListPage renders one page of what a team or a person owns, a team's
// members, or a person's teams, with a pager.
func ListPage(v ListView) Message {
	m := v.Match
	var (
		intro string
		lines []string
	)
	total := 0
	summaries := func(items []catalog.Summary, off int) {
		total = len(items)
		for _, s := range items[off:min(off+pageSize, len(items))] {
			lines = append(lines, fmt.Sprintf("• *%s* · %s · %s", nm(s.Title), strings.ToLower(s.Kind), code(s.Ref)))
		}
	}
	off := v.Offset
	switch {
	case strings.HasPrefix(v.List, listRelation):
		typ := strings.TrimPrefix(v.List, listRelation)
		label, _ := relationLabel(typ)
		var refs []catalog.Ref
		if m.Entity != nil {
			refs = m.Entity.RelationTargets(typ)
		}
		off = pageStart(off, len(refs))
		intro = fmt.Sprintf("*%s* · %s (%d):", nm(m.Title), label, len(refs))
		summaries(refSummaries(refs), off)
	case v.List == listMembers:
		var ps []catalog.Person
		if m.Owner != nil {
			ps = m.Owner.Members
		}
		off = pageStart(off, len(ps))
		total = len(ps)
		intro = fmt.Sprintf("*%s* has %d members:", nm(m.Title), total)
		for _, p := range ps[off:min(off+pageSize, len(ps))] {
			lines = append(lines, "• "+personText(p, v.IDs))
		}
	case v.List == listTeams:
		off = pageStart(off, len(m.MemberOf))
		intro = fmt.Sprintf("*%s* is in %d teams:", nm(m.Title), len(m.MemberOf))
		summaries(m.MemberOf, off)
	default:
		off = pageStart(off, len(m.Owns))
		intro = fmt.Sprintf("*%s* owns %d entities:", nm(m.Title), len(m.Owns))
		summaries(m.Owns, off)
	}
	bs := []slack.Block{section(intro)}
	if len(lines) > 0 {
		bs = append(bs, section(strings.Join(lines, "\n")))
	}
	prefix, back := actionWhoOwnsList, actionWhoOwnsPick+"back"
	if v.Prefix == actionInfoList {
		prefix, back = actionInfoList, actionInfoPick+"back"
	}
	bs = append(bs, pager(prefix+":"+v.List, m.Ref, off, len(lines), total, false)...)
	if v.Back {
		bs = append(bs, buttons(button(back, m.Ref, "‹ Back to the answer")))
	}
	return Message{Text: strings.ReplaceAll(intro, "*", ""), Blocks: blocks(bs...)}
}

// pageStart is the first item of the page that holds offset.
func pageStart(offset, total int) int {
	off := min(max(offset, 0), max(total-1, 0))
	return off - off%pageSize
}

// readListAction splits a list button's action id into the card's prefix,
// the list and what to do ("all", "next", "prev").
func readListAction(actionID string) (prefix, list, op string, ok bool) {
	prefix, rest, found := strings.Cut(actionID, ":")
	if !found || (prefix != actionWhoOwnsList && prefix != actionInfoList) {
		return "", "", "", false
	}
	list, op, _ = strings.Cut(rest, ":")
	switch list {
	case listOwns, listMembers, listTeams:
		return prefix, list, op, true
	}
	if _, known := relationLabel(strings.TrimPrefix(list, listRelation)); known && strings.HasPrefix(list, listRelation) {
		return prefix, list, op, true
	}
	return "", "", "", false
}
