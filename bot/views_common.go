package bot

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/gantryhq/gantry/catalog"
)

// This file holds the small pieces every view is built from. Views (the
// views_*.go files) are pure functions: data in, Block Kit out, no I/O, so
// each has a golden file under testdata/golden.

// Sizes the views keep to, well inside Slack's limits.
const (
	pageSize        = 10   // items per page of a list
	maxSectionChars = 2900 // Slack allows 3000 per section text
	maxDescription  = 600
	maxListedPeople = 20
	maxPagerValue   = 2000 // Slack's button value limit
	ownsBudget      = 1200 // characters of a card's "Owns" line
	teamsBudget     = 600  // characters of a person's "Teams" line
	relationBudget  = 250  // characters of each relation line of an info card
)

func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, true, false)
}

func section(text string) *slack.SectionBlock {
	return slack.NewSectionBlock(mrkdwn(clip(text, maxSectionChars)), nil, nil)
}

func sectionWith(text string, el slack.BlockElement) *slack.SectionBlock {
	return slack.NewSectionBlock(mrkdwn(clip(text, maxSectionChars)), nil, slack.NewAccessory(el))
}

func fields(texts ...string) *slack.SectionBlock {
	var fs []*slack.TextBlockObject
	for _, t := range texts {
		if t != "" {
			fs = append(fs, mrkdwn(clip(t, 1900)))
		}
	}
	if len(fs) == 0 {
		return nil
	}
	return slack.NewSectionBlock(nil, fs, nil)
}

func header(text string) *slack.HeaderBlock {
	return slack.NewHeaderBlock(plain(clip(text, 150)))
}

func note(texts ...string) *slack.ContextBlock {
	var els []slack.MixedElement
	for _, t := range texts {
		if t != "" {
			els = append(els, mrkdwn(clip(t, maxSectionChars)))
		}
	}
	return slack.NewContextBlock("", els...)
}

func button(actionID, value, text string) *slack.ButtonBlockElement {
	return slack.NewButtonBlockElement(actionID, value, plain(clip(text, 75)))
}

func primary(b *slack.ButtonBlockElement) *slack.ButtonBlockElement {
	b.Style = slack.StylePrimary
	return b
}

func buttons(els ...*slack.ButtonBlockElement) *slack.ActionBlock {
	var be []slack.BlockElement
	for _, e := range els {
		if e != nil {
			be = append(be, e)
		}
	}
	return slack.NewActionBlock("", be...)
}

// blocks collects non-nil blocks.
func blocks(bs ...slack.Block) []slack.Block {
	out := make([]slack.Block, 0, len(bs))
	for _, b := range bs {
		if b == nil || isNilBlock(b) {
			continue
		}
		out = append(out, b)
	}
	return out
}

// isNilBlock catches typed nil pointers (a nil *SectionBlock in an interface).
func isNilBlock(b slack.Block) bool {
	switch v := b.(type) {
	case *slack.SectionBlock:
		return v == nil
	case *slack.ContextBlock:
		return v == nil || len(v.ContextElements.Elements) == 0
	case *slack.ActionBlock:
		return v == nil || v.Elements == nil || len(v.Elements.ElementSet) == 0
	case *slack.HeaderBlock:
		return v == nil
	}
	return false
}

// esc escapes text from the catalog or from people for mrkdwn, so that a
// description cannot mention @channel or forge a link.
func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// clip shortens s to n characters, ending with "…" when cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// quote shows a person's input back to them: escaped, shortened, in quotes.
func quote(s string) string {
	return "“" + esc(clip(strings.TrimSpace(s), 80)) + "”"
}

// code shows a ref or an expression as inline code.
func code(s string) string {
	return "`" + strings.ReplaceAll(esc(s), "`", "'") + "`"
}

// slackDate renders t in the reader's own time zone (Slack's <!date>),
// with a UTC fallback for clients that cannot.
func slackDate(t time.Time) string {
	return fmt.Sprintf("<!date^%d^{date_short_pretty} at {time}|%s>", t.Unix(), t.UTC().Format("Mon 2 Jan 2006 15:04 UTC"))
}

// personText mentions a person when their Slack id is known, and names them
// (with their e-mail) otherwise.
func personText(p catalog.Person, ids map[string]string) string {
	if id := ids[p.Ref]; id != "" {
		return "<@" + id + ">"
	}
	name := p.DisplayName
	if name == "" {
		name = refShort(p.Ref)
	}
	if p.Email != "" {
		return fmt.Sprintf("*%s* (<mailto:%s|%s>)", nm(name), nm(p.Email), nm(p.Email))
	}
	return "*" + nm(name) + "*"
}

// people lists persons, at most maxListedPeople, saying how many more.
func peopleText(ps []catalog.Person, ids map[string]string) string {
	var parts []string
	for i, p := range ps {
		if i == maxListedPeople {
			parts = append(parts, fmt.Sprintf("and %d more", len(ps)-i))
			break
		}
		parts = append(parts, personText(p, ids))
	}
	return strings.Join(parts, ", ")
}

// refShort writes "kind:namespace/name" as "name" (default namespace) or
// "namespace/name".
func refShort(ref string) string {
	r, err := catalog.ParseRef(ref, "", catalog.DefaultNamespace)
	if err != nil {
		return ref
	}
	return r.Short()
}

// refKind returns the kind part of a ref ("component").
func refKind(ref string) string {
	k, _, _ := strings.Cut(ref, ":")
	return k
}

// summaryList writes entity summaries as "Title (kind), …" within budget
// characters, ending with "and N more" when they do not all fit.
func summaryList(items []catalog.Summary, budget int) string {
	s, _ := summaryText(items, budget)
	return s
}

// summaryFits reports whether summaryList writes every item.
func summaryFits(items []catalog.Summary, budget int) bool {
	_, all := summaryText(items, budget)
	return all
}

func summaryText(items []catalog.Summary, budget int) (string, bool) {
	var b strings.Builder
	for i, s := range items {
		part := nm(s.Title)
		if !strings.EqualFold(s.Kind, "component") {
			part += " (" + strings.ToLower(s.Kind) + ")"
		}
		if i > 0 {
			part = ", " + part
		}
		rest := fmt.Sprintf(", and %d more", len(items)-i)
		if b.Len()+len(part)+len(rest) > budget {
			if i == 0 {
				return fmt.Sprintf("%d entities", len(items)), false
			}
			b.WriteString(fmt.Sprintf(" and %d more", len(items)-i))
			return b.String(), false
		}
		b.WriteString(part)
	}
	return b.String(), true
}

// refList writes refs as short names within budget characters, ending with
// "and N more".
func refList(refs []catalog.Ref, budget int) string {
	return summaryList(refSummaries(refs), budget)
}

// refSummaries names refs by their short form.
func refSummaries(refs []catalog.Ref) []catalog.Summary {
	items := make([]catalog.Summary, len(refs))
	for i, r := range refs {
		items[i] = catalog.Summary{Ref: r.String(), Kind: r.Kind, Title: r.Short()}
	}
	return items
}

// pageState is what a "Next" button carries: the question and where the
// next page starts.
type pageState struct {
	Q string `json:"q"`
	O int    `json:"o"`
}

// pager renders the navigation of a paginated list: a line saying which
// items are shown and Previous/Next buttons whose values carry the state.
// When the state is too long for a button (a very long query), the line
// says how to narrow it down instead: a list is never cut silently.
func pager(actionPrefix, q string, offset, shown, total int, capped bool) []slack.Block {
	if total <= shown && offset == 0 {
		return nil
	}
	of := fmt.Sprintf("%d", total)
	if capped {
		of = "more than " + of
	}
	line := fmt.Sprintf("Showing %d–%d of %s.", offset+1, offset+shown, of)
	var btns []*slack.ButtonBlockElement
	value := func(o int) string {
		b, _ := json.Marshal(pageState{Q: q, O: o})
		return string(b)
	}
	if len(value(offset)) > maxPagerValue {
		return blocks(note(line + " Your query is too long to page through here; narrow it down to see the rest."))
	}
	if offset > 0 {
		btns = append(btns, button(actionPrefix+":prev", value(max(offset-pageSize, 0)), "‹ Previous"))
	}
	if offset+shown < total {
		btns = append(btns, button(actionPrefix+":next", value(offset+shown), "Next ›"))
	}
	return blocks(note(line), buttons(btns...))
}

// readPage decodes a pager button's value.
func readPage(value string) (pageState, bool) {
	var p pageState
	if err := json.Unmarshal([]byte(value), &p); err != nil || p.O < 0 {
		return p, false
	}
	return p, true
}

// nm shows a name, a title, a channel or an address from the catalog:
// escaped, and short enough that a list of them keeps its last lines.
func nm(s string) string { return esc(clip(s, 100)) }
