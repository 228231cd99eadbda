package bot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/gantryhq/gantry/bot"
	"github.com/gantryhq/gantry/bot/bottest"
	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/internal/slackfake/blocklimits"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// slackIDs gives every person of an answer a Slack id: their own, or a
// made-up one for those the catalog has none for (as users.lookupByEmail
// would find), so goldens show mentions throughout.
func slackIDs(ps ...catalog.Person) map[string]string {
	ids := map[string]string{}
	for _, p := range ps {
		if p.SlackUserID != "" {
			ids[p.Ref] = p.SlackUserID
		} else if p.Ref != "" {
			ids[p.Ref] = "U0MAIL" + strings.ToUpper(refName(p.Ref))
		}
	}
	return ids
}

func refName(ref string) string {
	_, name, _ := strings.Cut(ref, "/")
	return name
}

func people(ans *catalog.Ownership) []catalog.Person {
	var ps []catalog.Person
	for _, m := range ans.Matches {
		if m.Owner != nil {
			ps = append(ps, m.Owner.Members...)
		}
		if m.Oncall != nil {
			ps = append(ps, m.Oncall.Person)
		}
	}
	return ps
}

// golden compares payload, as indented JSON, with testdata/golden/name.json
// (rewritten with -update), after checking it against Slack's limits.
func golden(t *testing.T, name string, payload any) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep <@U123> and <!date…> readable
	enc.SetIndent("", "  ")
	if err := enc.Encode(payload); err != nil {
		t.Fatal(err)
	}
	got := buf.Bytes()
	checkLimits(t, name, payload, got)
	path := filepath.Join("testdata", "golden", name+".json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./bot -run Golden -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from %s (run with -update if the change is intended):\n%s", name, path, got)
	}
}

// checkLimits applies Slack's Block Kit limits to a view or a message.
func checkLimits(t *testing.T, name string, payload any, raw []byte) {
	t.Helper()
	var err error
	switch p := payload.(type) {
	case slack.ModalViewRequest, slack.HomeTabViewRequest:
		err = blocklimits.CheckView(raw)
	case bot.Message:
		blocks, _ := json.Marshal(p.Blocks)
		err = blocklimits.CheckMessage(p.Text, blocks)
	default:
		t.Fatalf("%s: unknown payload %T", name, payload)
	}
	if err != nil {
		t.Errorf("%s breaks Slack's limits: %v", name, err)
	}
}

func TestGoldenViews(t *testing.T) {
	cat := bottest.ExampleCatalog(t)
	ctx := context.Background()
	ask := func(q string) *catalog.Ownership {
		t.Helper()
		ans, err := cat.WhoOwns(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		return ans
	}
	who := func(q string, style bot.AnswerStyle) bot.Message {
		ans := ask(q)
		return bot.WhoOwnsMessage(bot.OwnershipView{Answer: ans, IDs: slackIDs(people(ans)...), Style: style, SharedBy: "U0PAY0001"})
	}
	list := func(q, which string, offset int) bot.Message {
		ans := ask(q)
		return bot.ListPage(bot.ListView{Match: ans.Matches[0], List: which, IDs: slackIDs(people(ans)...), Offset: offset, Back: true})
	}
	info := func(q string, style bot.AnswerStyle) bot.Message {
		ans := ask(q)
		return bot.InfoMessage(bot.InfoView{Answer: ans, IDs: slackIDs(people(ans)...), Style: style, SharedBy: "U0PAY0002"})
	}
	oncall := func(q string) bot.Message {
		ans := ask(q)
		v := bot.OncallView{Answer: ans, IDs: slackIDs(people(ans)...)}
		if len(ans.Matches) == 1 && ans.Matches[0].Kind == catalog.KindUser {
			p, err := cat.Profile(ctx, catalog.MustParseRef(ans.Matches[0].Ref))
			if err != nil {
				t.Fatal(err)
			}
			v.Profile = p
			for _, tm := range p.Teams {
				if tm.Oncall != nil {
					for k, id := range slackIDs(tm.Oncall.Person) {
						v.IDs[k] = id
					}
				}
			}
		}
		return bot.OncallMessage(v)
	}
	home := func(user string, offset int) slack.HomeTabViewRequest {
		p, err := cat.Profile(ctx, catalog.MustParseRef(user))
		if err != nil {
			t.Fatal(err)
		}
		var ps []catalog.Person
		for _, tm := range p.Teams {
			if tm.Oncall != nil {
				ps = append(ps, tm.Oncall.Person)
			}
		}
		return bot.HomeTab(bot.HomeView{Profile: p, IDs: slackIDs(ps...), Offset: offset})
	}
	subs := []bot.Subcommand{
		{Name: "help", Usage: "help [command]", Help: "list the commands, or explain one"},
		{Name: "search", Usage: "search <text>", Help: "search names, descriptions, tags, owners and systems", Examples: []string{"payments", "sends email"}},
		{Name: "info", Usage: "info <ref>", Help: "an entity's card: owner, system, dependencies, APIs, links"},
		{Name: "oncall", Usage: "oncall <service | team | person>", Help: "who is on call now, and until when"},
		{Name: "query", Usage: "query <expression>", Help: "entities matching a CEL expression over `entity`"},
	}
	commands := []bot.SlashCommand{
		{Name: "/gantry", Usage: "/gantry <command>", Help: "the catalog's commands"},
		{Name: "/whoowns", Usage: "/whoowns <service | repo | team | person>", Help: "who owns it, who is on call, and where the team talks"},
	}
	help := bot.HelpView{Gantry: "/gantry", Subcommands: subs, Commands: commands}
	typo := help
	typo.Unknown, typo.Suggestion = "serach", "search"
	detail := help
	detail.Detail = &subs[1]

	cases := []struct {
		name    string
		payload any
	}{
		{"whoowns_service", who("checkout", bot.AnswerPrivate)},
		{"whoowns_service_shared", who("checkout", bot.AnswerShared)},
		{"whoowns_service_in_thread", who("checkout", bot.AnswerPublic)},
		{"whoowns_owned_via_system", who("ledger", bot.AnswerPrivate)},
		{"whoowns_orphan", who("sales-export-cron", bot.AnswerPrivate)},
		{"whoowns_team_without_channel", who("logistics", bot.AnswerPrivate)},
		{"whoowns_person", who("omar", bot.AnswerPrivate)},
		{"whoowns_several_matches", who("storefront", bot.AnswerPrivate)},
		{"whoowns_list_owns_second_page", list("omar", "owns", 10)},
		{"whoowns_list_members", list("payments", "members", 0)},
		{"whoowns_no_match", who("chekout", bot.AnswerPrivate)},
		{"whoowns_no_match_no_suggestion", who("zzzzzzzzzz", bot.AnswerPrivate)},
		{"whoowns_usage", bot.WhoOwnsUsage()},
		{"info_component", info("checkout", bot.AnswerPrivate)},
		{"info_system", info("payments-platform", bot.AnswerShared)},
		{"info_api", info("api:default/checkout-api", bot.AnswerModal)},
		{"info_usage", bot.InfoUsage()},
		{"oncall_service", oncall("checkout")},
		{"oncall_override", oncall("payment-gateway")},
		{"oncall_none", oncall("sales-export-cron")},
		{"oncall_person", oncall("user:default/fatima")},
		{"oncall_usage", bot.OncallUsage()},
		{"search_first_page", bot.SearchMessage("payments", searchResult(t, cat, 14, 0), 0)},
		{"search_last_page", bot.SearchMessage("payments", searchResult(t, cat, 14, 10), 10)},
		{"search_capped", bot.SearchMessage("service", capped(searchResult(t, cat, 1000, 0)), 0)},
		{"search_nothing", bot.SearchMessage("🦄", catalog.SearchResult{}, 0)},
		{"search_usage", bot.SearchUsage()},
		{"query_page", bot.QueryMessage(`entity.kind == "Component"`, queryResult(t, cat, `entity.kind == "Component"`, 20), 10)},
		{"query_nothing", bot.QueryMessage(`entity.kind == "Nope"`, catalog.QueryResult{}, 0)},
		{"query_usage", bot.QueryUsage()},
		{"help", bot.HelpMessage(help)},
		{"help_typo", bot.HelpMessage(typo)},
		{"help_detail", bot.HelpMessage(detail)},
		{"home", home("user:default/fatima", 0)},
		{"home_second_page", home("user:default/fatima", 10)},
		{"home_two_teams", home("user:default/omar", 0)},
		{"home_unknown", bot.HomeUnknownTab("U0NEW0001", "nina@bramble.example")},
		{"home_error", bot.HomeErrorTab("0badc0de")},
		{"modal_whoowns", bot.WhoOwnsModal()},
		{"modal_search", bot.SearchModal()},
		{"modal_loading", bot.LoadingModal("Who owns", "Looking up “checkout”…", "gantry-result-1")},
		{"modal_result", bot.ResultModal("Who owns…", who("checkout", bot.AnswerModal))},
		{"modal_help", bot.HelpModal(help)},
		{"notice_busy", bot.BusyMessage()},
		{"notice_something_went_wrong", bot.SomethingWentWrong("0badc0de")},
		{"notice_problem", bot.ProblemMessage("that is 5000 characters long; a name, a ref or org/repo is at most a few dozen")},
		{"notice_unavailable", bot.UnavailableMessage("Slack isn't answering right now (chat.postMessage failed 4 time(s)); please try again in a minute.", "0badc0de")},
		{"notice_unknown_command", bot.UnknownCommandMessage("/create-service", "/gantry")},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		seen[c.name+".json"] = true
		t.Run(c.name, func(t *testing.T) { golden(t, c.name, c.payload) })
	}
	// Every golden file belongs to a case: none is left behind by a rename.
	files, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.json"))
	for _, f := range files {
		if !seen[filepath.Base(f)] {
			t.Errorf("%s has no case; delete it", f)
		}
	}
}

// searchResult builds a page of hits from real entities with a fixed
// ranking and snippets, so the goldens do not move with the search engine.
func searchResult(t *testing.T, cat *catalog.Catalog, total, offset int) catalog.SearchResult {
	t.Helper()
	refs, err := cat.Store().Refs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	res := catalog.SearchResult{Total: total}
	for i := offset; i < min(offset+10, total) && i < len(refs); i++ {
		e, err := cat.Store().Entity(context.Background(), refs[i])
		if err != nil {
			t.Fatal(err)
		}
		res.Hits = append(res.Hits, catalog.SearchHit{Entity: *e, Snippet: fmt.Sprintf("…about *payments* and %s…", e.Metadata.Name), Rank: float64(100 - i)})
	}
	return res
}

func capped(r catalog.SearchResult) catalog.SearchResult {
	r.Capped = true
	return r
}

func queryResult(t *testing.T, cat *catalog.Catalog, expr string, limit int) catalog.QueryResult {
	t.Helper()
	res, err := cat.Query(context.Background(), expr, limit)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestViewsStayWithinLimitsWithHugeInputs feeds the views more than any
// message can hold: they must still pass Slack's limits and say how much
// they left out, never cut silently.
func TestViewsStayWithinLimitsWithHugeInputs(t *testing.T) {
	long := strings.Repeat("very long words ", 400)
	m := catalog.OwnerMatch{Ref: "group:default/huge", Kind: "Group", Title: long, Description: long,
		Owner: &catalog.Owner{Ref: "group:default/huge", Kind: "Group", DisplayName: long, SlackChannel: "#" + long, Known: true},
		Links: []catalog.Link{}, Provenance: "declared in " + long, Stale: long}
	for i := range 500 {
		s := catalog.Summary{Ref: fmt.Sprintf("component:default/service-%03d", i), Kind: "Component", Title: fmt.Sprintf("Service number %03d with a long title", i)}
		m.Owns = append(m.Owns, s)
		p := catalog.Person{Ref: fmt.Sprintf("user:default/person-%03d", i), DisplayName: fmt.Sprintf("Person %03d", i), Email: fmt.Sprintf("p%03d@example.com", i)}
		m.Owner.Members = append(m.Owner.Members, p)
		m.Links = append(m.Links, catalog.Link{URL: "https://example.com/" + strings.Repeat("x", 100), Title: long})
	}
	e := &catalog.Entity{Kind: "System", Metadata: catalog.Metadata{Name: "huge", Tags: strings.Fields(long)}}
	for i := range 500 {
		e.Relations = append(e.Relations, catalog.Relation{Type: catalog.RelHasPart, Target: catalog.NewRef("component", "default", fmt.Sprintf("part-%03d", i))})
		e.Relations = append(e.Relations, catalog.Relation{Type: catalog.RelDependsOn, Target: catalog.NewRef("component", "default", fmt.Sprintf("dep-%03d", i))})
	}
	m.Entity = e
	ans := &catalog.Ownership{Query: long, Matches: []catalog.OwnerMatch{m}}
	msgs := map[string]bot.Message{
		"whoowns": bot.WhoOwnsMessage(bot.OwnershipView{Answer: ans}),
		"info":    bot.InfoMessage(bot.InfoView{Answer: ans}),
		"oncall":  bot.OncallMessage(bot.OncallView{Answer: ans}),
	}
	many := &catalog.Ownership{Query: long}
	for range 40 {
		many.Matches = append(many.Matches, m)
	}
	msgs["whoowns_many_long_query"] = bot.WhoOwnsMessage(bot.OwnershipView{Answer: many})
	short := *many
	short.Query = "huge"
	msgs["whoowns_many"] = bot.WhoOwnsMessage(bot.OwnershipView{Answer: &short})
	msgs["whoowns_many_last_page"] = bot.WhoOwnsMessage(bot.OwnershipView{Answer: &short, Offset: 35})
	msgs["info_many"] = bot.InfoMessage(bot.InfoView{Answer: &short, Offset: 10})
	msgs["oncall_many"] = bot.OncallMessage(bot.OncallView{Answer: &short, Offset: 20})
	msgs["list_owns"] = bot.ListPage(bot.ListView{Match: m, List: "owns", Offset: 490, Back: true})
	msgs["list_members"] = bot.ListPage(bot.ListView{Match: m, List: "members", Offset: 0})
	msgs["list_relation"] = bot.ListPage(bot.ListView{Match: m, List: "rel-" + catalog.RelDependsOn, Offset: 20, Back: true, Prefix: "info.list"})
	var hits catalog.SearchResult
	for range 10 {
		hits.Hits = append(hits.Hits, catalog.SearchHit{Entity: *e, Snippet: long})
	}
	hits.Total = 10000
	msgs["search"] = bot.SearchMessage(long, hits, 9990)
	msgs["search_long_query"] = bot.SearchMessage(strings.Repeat("q", 3000), hits, 0)
	msgs["problem"] = bot.ProblemMessage(long + long + long)
	for name, msg := range msgs {
		raw, _ := json.Marshal(msg.Blocks)
		var le *blocklimits.Error
		if err := blocklimits.CheckMessage(msg.Text, raw); err != nil {
			if errors.As(err, &le) {
				t.Errorf("%s breaks Slack's limits: %v", name, le.Messages)
			} else {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
	text := string(mustJSON(t, msgs["whoowns"].Blocks))
	for _, want := range []string{"and 480 more", "more"} {
		if !strings.Contains(text, want) {
			t.Errorf("whoowns does not say what it left out (%q)", want)
		}
	}
	// A long list is paged, never cut: the card has buttons to its
	// lists in full, the lists and the matches have pagers.
	for name, want := range map[string][]string{
		"whoowns":                 {`"action_id":"whoowns.list:owns:all"`, "All 500 it owns", `"action_id":"whoowns.list:members:all"`, "All 500 members"},
		"whoowns_many":            {"Showing 1–10 of 40.", `"action_id":"whoowns.matches:next"`, `"action_id":"whoowns.pick:9"`},
		"whoowns_many_last_page":  {"Showing 31–40 of 40.", `"action_id":"whoowns.matches:prev"`, `"action_id":"whoowns.pick:39"`},
		"whoowns_many_long_query": {"Showing 1–10 of 40.", "too long to page through here"},
		"info_many":               {"Showing 11–20 of 40.", `"action_id":"info.matches:next"`, `"action_id":"info.matches:prev"`},
		"oncall_many":             {"Showing 21–30 of 40.", `"action_id":"oncall.matches:next"`},
		"list_owns":               {"owns 500 entities", "Showing 491–500 of 500.", "Service number 499", `"action_id":"whoowns.list:owns:prev"`, "Back to the answer"},
		"list_members":            {"has 500 members", "Showing 1–10 of 500.", "Person 009", `"action_id":"whoowns.list:members:next"`},
		"info":                    {`"action_id":"info.list:rel-` + catalog.RelHasPart + `:all"`, "Has parts: all 500", "Depends on: all 500", `"action_id":"info.list:owns:all"`},
		"list_relation":           {"Depends on (500):", "dep-020", "dep-029", "Showing 21–30 of 500.", `"action_id":"info.list:rel-` + catalog.RelDependsOn + `:next"`, `"action_id":"info.pick:back"`},
	} {
		text := string(mustJSON(t, msgs[name].Blocks))
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s does not have %s:\n%s", name, w, text)
			}
		}
	}
	if text := string(mustJSON(t, msgs["whoowns_many"].Blocks)); strings.Contains(text, `"whoowns.pick:10"`) {
		t.Error("the first page of matches shows more than a page")
	}
	if !strings.Contains(string(mustJSON(t, msgs["info"].Blocks)), "more") {
		t.Error("info does not say which relations it left out")
	}
	if !strings.Contains(string(mustJSON(t, msgs["search_long_query"].Blocks)), "too long to page through here") {
		t.Error("a query too long for a button does not say how to see the rest")
	}
	home := bot.HomeTab(bot.HomeView{Profile: &catalog.Profile{User: catalog.Person{Ref: "user:default/x", DisplayName: long}, Owns: m.Owns}, Offset: 490})
	if err := blocklimits.CheckView(mustJSON(t, home)); err != nil {
		t.Errorf("home breaks Slack's limits: %v", err)
	}
	if !strings.Contains(string(mustJSON(t, home)), "Showing 491–500 of 500.") {
		t.Error("home does not page what you own")
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
