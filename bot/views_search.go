package bot

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/gantryhq/gantry/catalog"
)

const (
	actionSearchPage = "search.page" // + ":next" / ":prev"
	actionQueryPage  = "query.page"
	actionDetails    = "info.open:" // + index: a "Details" button in a list
)

// SearchMessage renders one page of search results: each hit with its
// snippet and a Details button, then the pager.
func SearchMessage(q string, res catalog.SearchResult, offset int) Message {
	if len(res.Hits) == 0 {
		text := fmt.Sprintf("No results for %s.", quote(q))
		if offset > 0 {
			text = fmt.Sprintf("No more results for %s.", quote(q))
		}
		return Message{Text: text, Blocks: blocks(section(text),
			note("Search looks at names, titles, descriptions, tags, owners, systems and link titles. Try fewer or other words."))}
	}
	total := fmt.Sprintf("%d result", res.Total)
	if res.Total != 1 {
		total += "s"
	}
	if res.Capped {
		total = "more than " + total
	}
	intro := fmt.Sprintf("Search for %s: %s", quote(q), total)
	bs := []slack.Block{section("*" + intro + "*")}
	for i, h := range res.Hits {
		e := &h.Entity
		line := fmt.Sprintf("*%s* · %s · %s", nm(e.Title()), strings.ToLower(e.Kind), code(e.Ref().String()))
		snippet := h.Snippet
		if snippet == "" {
			snippet = e.Metadata.Description
		}
		if snippet != "" {
			line += "\n" + snippetText(snippet)
		}
		bs = append(bs, sectionWith(line, button(fmt.Sprintf("%s%d", actionDetails, offset+i), e.Ref().String(), "Details")))
	}
	bs = append(bs, pager(actionSearchPage, q, offset, len(res.Hits), res.Total, res.Capped)...)
	return Message{Text: intro, Blocks: blocks(bs...)}
}

// snippetText escapes a search snippet, keeping the *bold* marks the store
// puts around matched words.
func snippetText(s string) string {
	return esc(clip(strings.Join(strings.Fields(s), " "), 300))
}

// SearchUsage is "/gantry search" without words.
func SearchUsage() Message {
	text := "Say what to look for, e.g. `/gantry search payments` or `/gantry search sends email`."
	return Message{Text: text, Blocks: blocks(section(text))}
}

// QueryMessage renders one page of the entities an expression matched.
func QueryMessage(expr string, res catalog.QueryResult, offset int) Message {
	shown := res.Entities
	if offset < len(shown) {
		shown = shown[offset:]
	} else {
		shown = nil
	}
	shown = shown[:min(len(shown), pageSize)]
	intro := fmt.Sprintf("%d entities match", res.Count)
	if res.Count == 1 {
		intro = "1 entity matches"
	}
	bs := []slack.Block{section(fmt.Sprintf("*%s* %s", intro, code(clip(expr, 500))))}
	if res.Count == 0 {
		bs = append(bs, note("Expressions are CEL over `entity`, e.g. `entity.kind == \"Component\" && !has(entity.spec.owner)`."))
		return Message{Text: intro, Blocks: blocks(bs...)}
	}
	var lines []string
	for _, e := range shown {
		lines = append(lines, fmt.Sprintf("• *%s* · %s · %s", nm(e.Title()), strings.ToLower(e.Kind), code(e.Ref().String())))
	}
	bs = append(bs, section(strings.Join(lines, "\n")))
	bs = append(bs, pager(actionQueryPage, expr, offset, len(shown), res.Count, false)...)
	return Message{Text: intro + " " + expr, Blocks: blocks(bs...)}
}

// QueryUsage is "/gantry query" without an expression.
func QueryUsage() Message {
	text := "Give a CEL expression over `entity`, e.g. `/gantry query entity.kind == \"Component\" && entity.spec.lifecycle == \"production\"`."
	return Message{Text: text, Blocks: blocks(section(text))}
}
