package bot

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/gantryhq/gantry/catalog"
)

// Action ids of the /whoowns answer.
const (
	actionWhoOwnsShare = "whoowns.share"
	actionWhoOwnsPick  = "whoowns.pick:" // + index
	actionInfoOpen     = "info.open"
)

// AnswerStyle says where an answer is shown, which decides its buttons.
type AnswerStyle int

const (
	// AnswerPrivate is shown to the asker only, with "Share in channel".
	AnswerPrivate AnswerStyle = iota
	// AnswerShared was shared in a channel by someone (SharedBy).
	AnswerShared
	// AnswerPublic is posted where everyone sees it (a reply to a
	// mention): no buttons that only make sense privately.
	AnswerPublic
	// AnswerModal is shown in a modal: no "Share in channel".
	AnswerModal
)

// OwnershipView is the data of a /whoowns answer.
type OwnershipView struct {
	Answer *catalog.Ownership
	// IDs are the Slack ids of the people in the answer, by catalog ref.
	IDs      map[string]string
	Style    AnswerStyle
	SharedBy string // Slack id of who shared it (AnswerShared)
	// Offset is where the page of a list of matches starts.
	Offset int
}

// WhoOwnsMessage renders the answer of catalog.WhoOwns: one match as a
// card, several as a list to pick from, none as suggestions to pick from.
func WhoOwnsMessage(v OwnershipView) Message {
	a := v.Answer
	switch len(a.Matches) {
	case 0:
		return noMatchMessage(a.Query, a.Suggestions, actionWhoOwnsPick,
			"Try a service, a repository (org/repo), a team, a person or an e-mail address.")
	case 1:
		return ownerCard(a.Matches[0], v)
	}
	return pickPage(fmt.Sprintf("%s matches %d entries in the catalog. Which one?", quote(a.Query), len(a.Matches)),
		a.Matches, actionWhoOwnsPick, actionWhoOwnsMatches, Picking{Query: a.Query, Offset: v.Offset})
}

// noMatchMessage says nothing matched, with the suggestions as buttons.
func noMatchMessage(q string, suggestions []string, actionPrefix, hint string) Message {
	text := fmt.Sprintf("Nothing in the catalog matches %s.", quote(q))
	bs := []slack.Block{section(text)}
	if len(suggestions) > 0 {
		var btns []*slack.ButtonBlockElement
		for i, s := range suggestions {
			label := refShort(s)
			if k := refKind(s); k != "" {
				label += " (" + k + ")"
			}
			btns = append(btns, button(fmt.Sprintf("%s%d", actionPrefix, i), s, label))
		}
		bs = append(bs, section("Did you mean:"), buttons(btns...))
	}
	bs = append(bs, note(hint))
	return Message{Text: text, Blocks: blocks(bs...)}
}

// ownerCard is the answer for one entity.
func ownerCard(m catalog.OwnerMatch, v OwnershipView) Message {
	title := m.Title
	bs := []slack.Block{header(title)}
	lead := fmt.Sprintf("*%s* %s", strings.ToLower(m.Kind), code(m.Ref))
	if m.Description != "" {
		lead += "\n" + esc(clip(m.Description, maxDescription))
	}
	bs = append(bs, section(lead))
	if m.Stale != "" {
		bs = append(bs, section(":warning: This is the last good version: its descriptor failed at the latest sync ("+esc(clip(m.Stale, 300))+")."))
	}
	bs = append(bs, section(ownerLines(m, v.IDs)))
	if f := matchFields(m, v.IDs); f != nil {
		bs = append(bs, f)
	}
	if l := linksLine(m.Links); l != "" {
		bs = append(bs, section("*Links:* "+l))
	}
	ctx := []string{nm(m.Provenance)}
	if v.Style == AnswerShared && v.SharedBy != "" {
		ctx = append(ctx, "Shared by <@"+v.SharedBy+"> with /whoowns")
	}
	bs = append(bs, note(ctx...))
	var btns []*slack.ButtonBlockElement
	switch v.Style {
	case AnswerPrivate:
		btns = append(btns, primary(button(actionWhoOwnsShare, m.Ref, "Share in channel")), button(actionInfoOpen, m.Ref, "Details"))
	case AnswerModal:
		btns = append(btns, button(actionInfoOpen, m.Ref, "Details"))
	}
	if btns = append(btns, cardLists(actionWhoOwnsList, m)...); len(btns) > 0 {
		bs = append(bs, buttons(btns...))
	}
	return Message{Text: ownerSentence(m), Blocks: blocks(bs...)}
}

// ownerSentence is the notification text: the answer in one line.
func ownerSentence(m catalog.OwnerMatch) string {
	switch {
	case m.Kind == catalog.KindGroup:
		return fmt.Sprintf("%s (team) owns %d entities", m.Title, len(m.Owns))
	case m.Kind == catalog.KindUser && m.Owner != nil:
		return fmt.Sprintf("%s is in %s", m.Title, m.Owner.DisplayName)
	case m.Owner == nil:
		return fmt.Sprintf("%s has no owner in the catalog", m.Title)
	}
	return fmt.Sprintf("%s is owned by %s", m.Title, m.Owner.DisplayName)
}

// ownerLines says who owns (or, for a team or a person, who they are).
func ownerLines(m catalog.OwnerMatch, ids map[string]string) string {
	var lines []string
	switch {
	case m.Kind == catalog.KindGroup && m.Owner != nil:
		lines = append(lines, "*Team:* "+teamText(m.Owner))
		if len(m.Owner.Members) > 0 {
			lines = append(lines, "*Members:* "+peopleText(m.Owner.Members, ids))
		}
		if len(m.Owns) > 0 {
			lines = append(lines, fmt.Sprintf("*Owns (%d):* %s", len(m.Owns), summaryList(m.Owns, ownsBudget)))
		}
	case m.Kind == catalog.KindUser:
		if m.Owner != nil && len(m.Owner.Members) > 0 {
			who := m.Owner.Members[0]
			for _, p := range m.Owner.Members {
				if p.Ref == m.Ref {
					who = p
				}
			}
			lines = append(lines, "*Person:* "+personText(who, ids))
		}
		if len(m.MemberOf) > 0 {
			lines = append(lines, "*Teams:* "+summaryList(m.MemberOf, teamsBudget))
		}
		if m.Owner != nil && m.Owner.SlackChannel != "" {
			lines = append(lines, "*Team channel:* "+nm(m.Owner.SlackChannel))
		}
		if len(m.Owns) > 0 {
			lines = append(lines, fmt.Sprintf("*Owns (%d):* %s", len(m.Owns), summaryList(m.Owns, ownsBudget)))
		} else {
			lines = append(lines, "*Owns:* nothing yet")
		}
	case m.Owner == nil:
		lines = append(lines, "*Owner:* nobody. Add `spec.owner` to its catalog-info.yaml so people know whom to ask.")
	case !m.Owner.Known:
		lines = append(lines, fmt.Sprintf("*Owner:* %s, which is not in the catalog (check the name in `spec.owner`)", code(m.Owner.Ref)))
	case m.Owner.Kind == catalog.KindUser:
		p := catalog.Person{Ref: m.Owner.Ref, DisplayName: m.Owner.DisplayName, Email: m.Owner.Email, SlackUserID: m.Owner.SlackUserID}
		lines = append(lines, "*Owner:* "+personText(p, ids))
	default:
		lines = append(lines, "*Owner:* "+teamText(m.Owner))
		if len(m.Owner.Members) > 0 {
			lines = append(lines, "*Members:* "+peopleText(m.Owner.Members, ids))
		}
	}
	if m.OwnedVia != nil {
		lines = append(lines, fmt.Sprintf("_Owned through its %s %s, as it names no owner itself._", refKind(*m.OwnedVia), esc(refShort(*m.OwnedVia))))
	}
	if oc := m.Oncall; oc != nil {
		lines = append(lines, "*On call:* "+oncallText(oc, ids))
	} else if m.Kind != catalog.KindUser && m.Owner != nil && m.Owner.Known {
		lines = append(lines, "*On call:* no rotation (add `gantry.dev/oncall` to the team or the entity)")
	}
	return strings.Join(lines, "\n")
}

// teamText names an owning team with its Slack channel.
func teamText(o *catalog.Owner) string {
	s := "*" + nm(o.DisplayName) + "*"
	if o.SlackChannel != "" {
		s += " in " + nm(o.SlackChannel)
	} else if o.Kind == catalog.KindGroup {
		s += " (no Slack channel in the catalog)"
	}
	return s
}

// oncallText is who is on call, until when, and from which rotation.
func oncallText(oc *catalog.Oncall, ids map[string]string) string {
	var s string
	switch {
	case oc.Ref == "" && oc.Starts != nil: // a rotation that has not started
		s = "nobody yet: the rotation starts " + slackDate(*oc.Starts)
	case oc.Ref == "":
		s = "nobody"
	default:
		s = personText(oc.Person, ids)
	}
	if oc.Until != nil {
		s += " until " + slackDate(*oc.Until)
	}
	if oc.From != "" {
		s += fmt.Sprintf(" (rotation of %s %s)", refKind(oc.From), esc(refShort(oc.From)))
	}
	return s
}

// matchFields are the short facts: system, domain, repository, docs.
func matchFields(m catalog.OwnerMatch, _ map[string]string) *slack.SectionBlock {
	var fs []string
	if m.System != "" {
		fs = append(fs, "*System*\n"+esc(refShort(m.System)))
	}
	if m.Domain != "" {
		fs = append(fs, "*Domain*\n"+esc(refShort(m.Domain)))
	}
	switch {
	case m.Repo != "" && m.SourceURL != "":
		fs = append(fs, fmt.Sprintf("*Code*\n<%s|%s>", esc(m.SourceURL), esc(m.Repo)))
	case m.SourceURL != "":
		fs = append(fs, fmt.Sprintf("*Code*\n<%s|source>", esc(m.SourceURL)))
	}
	if m.Docs != "" {
		fs = append(fs, fmt.Sprintf("*Docs*\n<%s|documentation>", esc(m.Docs)))
	}
	return fields(fs...)
}

// linksLine writes metadata.links as Slack links.
func linksLine(links []catalog.Link) string {
	var parts []string
	for i, l := range links {
		if i == 8 {
			parts = append(parts, fmt.Sprintf("and %d more", len(links)-i))
			break
		}
		title := l.Title
		if title == "" {
			title = l.URL
		}
		if !strings.HasPrefix(l.URL, "https://") && !strings.HasPrefix(l.URL, "http://") {
			parts = append(parts, esc(title))
			continue
		}
		parts = append(parts, fmt.Sprintf("<%s|%s>", esc(l.URL), esc(clip(title, 60))))
	}
	return strings.Join(parts, " · ")
}

// WhoOwnsUsage is the answer to /whoowns without arguments.
func WhoOwnsUsage() Message {
	text := "Ask about a service, a repository, a team or a person, e.g. `/whoowns checkout`, `/whoowns bramble/checkout`, `/whoowns #team-payments` or `/whoowns @priya`."
	return Message{Text: text, Blocks: blocks(section(text))}
}
