package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/bot"
	"github.com/gantryhq/gantry/bot/bottest"
	"github.com/gantryhq/gantry/catalog"
)

func TestGantryHelp(t *testing.T) {
	h := bottest.Start(t, bottest.Options{Register: func(b *bot.Bot) {
		// A feature package's subcommand shows up in help too.
		b.Router().Subcommand(bot.Subcommand{Name: "sync", Usage: "sync [source]", Help: "re-read the catalog's sources now",
			Allow: b.RequireAdmin, Handler: func(ctx context.Context, r *bot.Request) error {
				return r.Respond.Ephemeral(ctx, bot.Message{Text: "synced " + r.ArgText()})
			}})
	}})
	cases := []struct {
		name, text string
		want       []string
	}{
		{"help", "help", []string{"/whoowns <service | repo | team | person>", "/gantry search <text>", "/gantry info <ref>",
			"/gantry oncall <service | team | person>", "/gantry query <expression>", "/gantry sync [source]", "Home tab"}},
		{"no subcommand", "", []string{"/gantry search <text>"}},
		{"help for one command", "help search", []string{"/gantry search <text>", "`/gantry search sends email`"}},
		{"a typo", "serach payments", []string{"`/gantry serach` isn't a Gantry command", "Did you mean `/gantry search`?", "/gantry info <ref>"}},
		{"a prefix", "onc checkout", []string{"Did you mean `/gantry oncall`?"}},
		{"nothing close", "deploy everything", []string{"`/gantry deploy` isn't a Gantry command.", "/gantry search <text>"}},
		{"help for an unknown command", "help frobnicate", []string{"`/gantry frobnicate` isn't a Gantry command"}},
		{"upper case", "HELP", []string{"/gantry search <text>"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := h.Command("priya", "general", "/gantry", c.text)
			containsAll(t, "help", bottest.Text(m), c.want...)
		})
	}

	t.Run("admin subcommand", func(t *testing.T) {
		// alice is in platform, the admin group; priya is not.
		m := h.Command("alice", "general", "/gantry", "sync examples")
		containsAll(t, "admin", bottest.Text(m), "synced examples")
		m = h.Command("priya", "general", "/gantry", "sync examples")
		containsAll(t, "refusal", bottest.Text(m), "This command is for members of platform")
		m = h.Command("newbie", "general", "/gantry", "sync")
		containsAll(t, "refusal", bottest.Text(m), "the catalog doesn't know you")
	})

	t.Run("a command declared in the manifest but not served", func(t *testing.T) {
		m := h.Command("priya", "general", "/create-service", "")
		containsAll(t, "answer", bottest.Text(m), "`/create-service` isn't available in this Gantry", "`/gantry help`")
	})
}

func TestGantrySearch(t *testing.T) {
	h := bottest.Start(t, bottest.Options{})
	m := h.Command("priya", "general", "/gantry", "search sends email")
	containsAll(t, "search", bottest.Text(m), "Search for “sends email”", "notification-service", "Details")

	m = h.Command("priya", "general", "/gantry", "search refunds")
	containsAll(t, "search", bottest.Text(m), "refunds-worker")

	// More than ten hits (as many as the search engine finds; between 11
	// and 20 here): two pages, turned in place.
	total := searchTotal(t, h, "payments")
	m = h.Command("priya", "general", "/gantry", "search payments")
	text := bottest.Text(m)
	containsAll(t, "page 1", text, fmt.Sprintf("%d results", total), fmt.Sprintf("Showing 1–10 of %d.", total), "Next ›")
	containsNone(t, "page 1", text, "‹ Previous")
	mark := h.Click("priya", m, "search.page:next")
	p2 := h.WaitUpdate(mark, m.Channel, m.TS)
	containsAll(t, "page 2", bottest.Text(p2), fmt.Sprintf("Showing 11–%d of %d.", total, total), "‹ Previous")
	containsNone(t, "page 2", bottest.Text(p2), "Next ›")
	mark = h.Click("priya", p2, "search.page:prev")
	p1 := h.WaitUpdate(mark, m.Channel, m.TS)
	containsAll(t, "back to page 1", bottest.Text(p1), fmt.Sprintf("Showing 1–10 of %d.", total))

	// Details opens the entity's card as a new private message.
	ids := bottest.ActionIDs(t, p1.Blocks)
	if len(ids) < 10 || !strings.HasPrefix(ids[0], "info.open:") {
		t.Fatalf("buttons = %v", ids)
	}
	mark = h.Click("priya", p1, ids[0])
	card := h.WaitReply(mark, h.User("priya").ID, m.Channel)
	containsAll(t, "details", bottest.Text(card), "Share in channel", "declared in")

	for _, c := range []struct{ text, want string }{
		{"search", "Say what to look for"},
		{"search " + strings.Repeat("é", 5000), "That's 5000 characters"},
		{"search 🦄🦄", "No results for “🦄🦄”"},
		{"search <#C0123|team-payments> &amp; more", "Search for “#team-payments & more”"},
	} {
		m := h.Command("priya", "general", "/gantry", c.text)
		containsAll(t, c.text[:min(len(c.text), 30)], bottest.Text(m), c.want)
	}
}

// searchTotal asks the catalog how many hits a search has, and checks
// that it makes two pages.
func searchTotal(t *testing.T, h *bottest.Harness, q string) int {
	t.Helper()
	res, err := h.Catalog.Search(h.Ctx, catalog.SearchQuery{Text: q, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total <= 10 || res.Total > 20 || res.Capped {
		t.Fatalf("search %q finds %d entities; the test wants two pages", q, res.Total)
	}
	return res.Total
}

func TestGantryInfo(t *testing.T) {
	h := bottest.Start(t, bottest.Options{})
	m := h.Command("marco", "team-payments", "/gantry", "info ledger")
	containsAll(t, "ledger", bottest.Text(m), "component:default/ledger", "Owned through its system payments-platform",
		"*Part of:* payments-platform (system)", "Share in channel")

	m = h.Command("marco", "team-payments", "/gantry", "info checkout")
	containsAll(t, "checkout", bottest.Text(m), "service · production", "*Depends on:*", "*Provides APIs:*", "checkout-api (api)", "Tags:")

	m = h.Command("marco", "team-payments", "/gantry", "info payments-platform")
	containsAll(t, "system", bottest.Text(m), "*Has parts:*", "checkout", "ledger")

	m = h.Command("marco", "team-payments", "/gantry", "info api:default/checkout-api")
	containsAll(t, "api", bottest.Text(m), "*Provided by:* checkout", "*Consumed by:*")

	m = h.Command("marco", "team-payments", "/gantry", "info storefront")
	containsAll(t, "ambiguous", bottest.Text(m), "names 2 entries")
	mark := h.Click("marco", m, "info.pick:0")
	picked := h.WaitUpdate(mark, m.Channel, m.TS)
	containsAll(t, "picked", bottest.Text(picked), "component:archive/storefront", "service · deprecated")

	mark = h.Click("marco", picked, "info.share")
	shared := h.WaitReply(mark, h.User("marco").ID, m.Channel)
	if shared.Ephemeral {
		t.Fatalf("shared card is ephemeral: %+v", shared)
	}
	containsAll(t, "shared", bottest.Text(shared), "Shared by <@U0PAY0002> with /gantry info")

	m = h.Command("marco", "team-payments", "/gantry", "info")
	containsAll(t, "usage", bottest.Text(m), "Say which entity")
	m = h.Command("marco", "team-payments", "/gantry", "info lederg")
	containsAll(t, "typo", bottest.Text(m), "Nothing in the catalog matches “lederg”", "ledger (component)")
}

func TestGantryOncall(t *testing.T) {
	h := bottest.Start(t, bottest.Options{})
	cases := []struct {
		text string
		want []string
	}{
		{"oncall checkout", []string{"*On call for Checkout* (component): <@U0PAY0003> until", "rotation of group payments", "weekly from 2025-01-06", "#team-payments"}},
		{"oncall payment-gateway", []string{"<@U0PAY0003>", "rotation of component payment-gateway"}},
		{"oncall search", []string{"<@U0SRC0002>"}},
		{"oncall logistics", []string{"*On call for Logistics* (group)"}},
		{"oncall sales-export-cron", []string{"has no on-call rotation", "gantry.dev/oncall"}},
		{"oncall <@U0PAY0003>", []string{"On call for Fatima Okafor's teams", "*Payments*: <@U0PAY0003>", "is on call now for Payments"}},
		{"oncall", []string{"Say for what"}},
		{"oncall storefront", []string{"matches 2 entries. Whose on-call?"}},
	}
	for _, c := range cases {
		m := h.Command("priya", "general", "/gantry", c.text)
		containsAll(t, c.text, bottest.Text(m), c.want...)
	}
	m := h.Command("priya", "general", "/gantry", "oncall storefront")
	mark := h.Click("priya", m, "oncall.pick:0")
	containsAll(t, "picked", bottest.Text(h.WaitUpdate(mark, m.Channel, m.TS)), "On call for Storefront", "<@U0SHP0001>")
}

func TestGantryQuery(t *testing.T) {
	h := bottest.Start(t, bottest.Options{})
	m := h.Command("priya", "general", "/gantry", `query entity.kind == "System"`)
	containsAll(t, "systems", bottest.Text(m), "5 entities match", "payments-platform", "fulfilment")
	containsNone(t, "systems", bottest.Text(m), "Next ›")

	// Smart quotes, as some keyboards type them.
	m = h.Command("priya", "general", "/gantry", `query entity.kind == “Domain”`)
	containsAll(t, "domains", bottest.Text(m), "3 entities match")

	m = h.Command("priya", "general", "/gantry", `query entity.kind == "Component"`)
	containsAll(t, "components", bottest.Text(m), "27 entities match", "Showing 1–10 of 27.")
	mark := h.Click("priya", m, "query.page:next")
	containsAll(t, "page 2", bottest.Text(h.WaitUpdate(mark, m.Channel, m.TS)), "Showing 11–20 of 27.")

	m = h.Command("priya", "general", "/gantry", `query entity.kind == `)
	if !strings.Contains(bottest.Text(m), "1:") && !strings.Contains(strings.ToLower(bottest.Text(m)), "syntax") {
		t.Errorf("a broken expression should say where: %s", bottest.Text(m))
	}
	m = h.Command("priya", "general", "/gantry", `query size(entity.metadata.name) &lt; 4`)
	containsAll(t, "escaped <", bottest.Text(m), "entities match")
	m = h.Command("priya", "general", "/gantry", "query")
	containsAll(t, "usage", bottest.Text(m), "Give a CEL expression")
	m = h.Command("priya", "general", "/gantry", "query "+strings.Repeat("1 + ", 1500)+"1 == 2")
	containsAll(t, "long", bottest.Text(m), "characters long; at most 2000")
}

func TestPagerValuesRoundTrip(t *testing.T) {
	// The state a Next button carries must come back intact, quotes and all.
	h := bottest.Start(t, bottest.Options{})
	m := h.Command("priya", "general", "/gantry", `query entity.kind == "Component" && entity.metadata.name != "x\"y"`)
	var value string
	for _, b := range bottest.Blocks(t, m.Blocks) {
		if els, ok := b["elements"].([]any); ok {
			for _, e := range els {
				if el, ok := e.(map[string]any); ok && el["action_id"] == "query.page:next" {
					value, _ = el["value"].(string)
				}
			}
		}
	}
	var st struct {
		Q string `json:"q"`
		O int    `json:"o"`
	}
	if err := json.Unmarshal([]byte(value), &st); err != nil || st.O != 10 || !strings.Contains(st.Q, `"x\"y"`) {
		t.Fatalf("pager value %q → %+v, %v", value, st, err)
	}
}
