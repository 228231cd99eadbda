package bot

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/gantryhq/gantry/catalog"
)

const (
	actionInfoPick  = "info.pick:" // + index
	actionInfoShare = "info.share"
)

// relationLabels are the relations an entity card shows, in order.
var relationLabels = []struct{ typ, label string }{
	{catalog.RelPartOf, "Part of"},
	{catalog.RelHasPart, "Has parts"},
	{catalog.RelDependsOn, "Depends on"},
	{catalog.RelDependencyOf, "Dependents"},
	{catalog.RelProvidesAPI, "Provides APIs"},
	{catalog.RelConsumesAPI, "Consumes APIs"},
	{catalog.RelAPIProvidedBy, "Provided by"},
	{catalog.RelAPIConsumedBy, "Consumed by"},
	{catalog.RelChildOf, "Parent team"},
	{catalog.RelParentOf, "Sub-teams"},
}

// InfoView is the data of "/gantry info": WhoOwns's answer for a ref.
type InfoView struct {
	Answer   *catalog.Ownership
	IDs      map[string]string
	Style    AnswerStyle
	SharedBy string
	// Offset is where the page of a list of matches starts.
	Offset int
}

// InfoMessage renders an entity card with its relations (one match), or a
// list to pick from, or suggestions.
func InfoMessage(v InfoView) Message {
	a := v.Answer
	switch len(a.Matches) {
	case 0:
		return noMatchMessage(a.Query, a.Suggestions, actionInfoPick, "Give a name or a ref, e.g. `checkout` or `component:default/checkout`.")
	case 1:
		return infoCard(a.Matches[0], v)
	}
	return pickPage(fmt.Sprintf("%s names %d entries. Which one?", quote(a.Query), len(a.Matches)), a.Matches, actionInfoPick,
		actionInfoMatches, Picking{Query: a.Query, Offset: v.Offset})
}

func infoCard(m catalog.OwnerMatch, v InfoView) Message {
	bs := []slack.Block{header(m.Title)}
	lead := fmt.Sprintf("*%s* %s", strings.ToLower(m.Kind), code(m.Ref))
	if e := m.Entity; e != nil {
		var facts []string
		for _, k := range []string{"type", "lifecycle"} {
			if s := e.SpecString(k); s != "" {
				facts = append(facts, esc(s))
			}
		}
		if len(facts) > 0 {
			lead += " · " + strings.Join(facts, " · ")
		}
	}
	if m.Description != "" {
		lead += "\n" + esc(clip(m.Description, maxDescription))
	}
	bs = append(bs, section(lead))
	if m.Stale != "" {
		bs = append(bs, section(":warning: Last good version; the latest sync failed: "+esc(clip(m.Stale, 300))))
	}
	bs = append(bs, section(ownerLines(m, v.IDs)))
	if f := matchFields(m, v.IDs); f != nil {
		bs = append(bs, f)
	}
	if rel := relationLines(m.Entity); rel != "" {
		bs = append(bs, section(rel))
	}
	if l := linksLine(m.Links); l != "" {
		bs = append(bs, section("*Links:* "+l))
	}
	ctx := []string{nm(m.Provenance)}
	if e := m.Entity; e != nil && len(e.Metadata.Tags) > 0 {
		ctx = append(ctx, "Tags: "+esc(strings.Join(e.Metadata.Tags, ", ")))
	}
	if v.Style == AnswerShared && v.SharedBy != "" {
		ctx = append(ctx, "Shared by <@"+v.SharedBy+"> with /gantry info")
	}
	bs = append(bs, note(ctx...))
	var btns []*slack.ButtonBlockElement
	if v.Style == AnswerPrivate {
		btns = append(btns, primary(button(actionInfoShare, m.Ref, "Share in channel")))
	}
	btns = append(btns, cardLists(actionInfoList, m)...)
	if btns = append(btns, relationLists(m)...); len(btns) > 0 {
		bs = append(bs, buttons(btns...))
	}
	return Message{Text: fmt.Sprintf("%s (%s): %s", m.Title, strings.ToLower(m.Kind), ownerSentence(m)), Blocks: blocks(bs...)}
}

// relationLines lists an entity's relations by type, each within a budget
// so that the section stays inside Slack's limit and says "and N more".
func relationLines(e *catalog.Entity) string {
	if e == nil {
		return ""
	}
	var lines []string
	for _, rl := range relationLabels {
		refs := e.RelationTargets(rl.typ)
		if len(refs) == 0 {
			continue
		}
		lines = append(lines, fmt.Sprintf("*%s:* %s", rl.label, refList(refs, relationBudget)))
	}
	return strings.Join(lines, "\n")
}

// InfoUsage is "/gantry info" without a ref.
func InfoUsage() Message {
	text := "Say which entity, e.g. `/gantry info checkout` or `/gantry info api:default/checkout-api`."
	return Message{Text: text, Blocks: blocks(section(text))}
}
