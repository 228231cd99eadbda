package bot_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/bot/bottest"
	"github.com/gantryhq/gantry/internal/slackfake"
)

// containsAll fails the test when text lacks any of want.
func containsAll(t *testing.T, what, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
}

func containsNone(t *testing.T, what, text string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(text, w) {
			t.Errorf("%s has %q:\n%s", what, w, text)
		}
	}
}

func TestWhoOwnsAnswers(t *testing.T) {
	h := bottest.Start(t, bottest.Options{})
	payments, random := h.Channel("team-payments"), h.Channel("random")
	lena, zoe, newbie := h.User("lena"), h.User("zoe"), h.User("newbie")
	cases := []struct {
		name, text string
		want       []string
		notWant    []string
	}{
		{"a service", "checkout", []string{"Checkout", "*Payments* in #team-payments", "<@U0PAY0003> until", "Mon 30 Nov 2026",
			"payments-platform", "bramble/checkout", "Share in channel", "<@U0PAY0001>"}, nil},
		{"a repository", "bramble/checkout", []string{"Checkout", "*Payments*"}, nil},
		{"a repository link, as Slack escapes it", "<https://github.com/bramble/checkout|github.com/bramble/checkout>", []string{"Checkout", "*Payments*"}, nil},
		{"a channel mention", "<#" + payments.ID + "|team-payments>", []string{"Payments", "*Members:*", "*Owns ("}, nil},
		{"a channel mention without its name", "<#" + payments.ID + "|>", []string{"Payments", "*Members:*"}, nil},
		{"a person mention", "<@U0PAY0001>", []string{"Priya Raman", "*Teams:* Payments", "<@U0PAY0001>"}, nil},
		{"an e-mail, as Slack links it", "<mailto:lena@bramble.example|lena@bramble.example>", []string{"Lena", "Storefront", "<@" + lena.ID + ">"}, nil},
		{"a person without a Slack id, by mention", "<@" + zoe.ID + ">", []string{"Zoe", "Logistics"}, nil},
		{"owned through its system", "ledger", []string{"component:default/ledger", "Owned through its system payments-platform", "*Payments*"}, nil},
		{"nobody owns it", "sales-export-cron", []string{"*Owner:* nobody"}, nil},
		{"a team without a channel whose members lack Slack ids", "logistics", []string{"(no Slack channel in the catalog)", "<@" + zoe.ID + ">"}, nil},
		{"a question", "checkout?", []string{"Checkout", "*Payments*"}, nil},
		{"mixed case and spaces", "  CheckOut  ", []string{"Checkout"}, nil},
		{"no arguments", "", []string{"Ask about a service, a repository, a team or a person"}, nil},
		{"only spaces", "   \t ", []string{"Ask about a service"}, nil},
		{"5,000 characters", strings.Repeat("x", 5000), []string{"5000 characters long"}, nil},
		{"emoji", "🚀 :rocket:", []string{"Nothing in the catalog matches", "🚀 :rocket:"}, nil},
		{"markup in the question is echoed as text", "<https://evil.example|*click*> &lt;b&gt;", []string{"Nothing in the catalog matches “*click* <b>”"}, nil},
		{"a typo", "chekout", []string{"Nothing in the catalog matches “chekout”", "Did you mean", "checkout (component)"}, nil},
		{"a user group mention", "<!subteam^S0123|@payments-oncall>", []string{"@payments-oncall is a group mention"}, nil},
		{"someone the catalog does not know", "<@" + newbie.ID + ">", []string{"isn't in the catalog yet", "gantry.dev/slack-user-id: " + newbie.ID}, nil},
		{"a channel no team uses", "<#" + random.ID + "|random>", []string{"No team in the catalog has #random as its Slack channel"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := h.Command("priya", "general", "/whoowns", c.text)
			if !m.Ephemeral || m.VisibleTo != h.User("priya").ID || m.Via != "response_url" {
				t.Errorf("the answer should be shown to the asker only, through the response_url: %+v", m)
			}
			text := bottest.Text(m)
			containsAll(t, "answer", text, c.want...)
			containsNone(t, "answer", text, c.notWant...)
			// What people typed is escaped: no link, tag or mention of theirs
			// comes back live.
			containsNone(t, "blocks", string(m.Blocks), "<https://evil", "<b>")
		})
	}
}

func TestWhoOwnsShareInChannel(t *testing.T) {
	h := bottest.Start(t, bottest.Options{})
	general := h.Channel("general")
	priya := h.User("priya")
	m := h.Command("priya", "general", "/whoowns", "checkout")
	if ids := bottest.ActionIDs(t, m.Blocks); !slices.Equal(ids, []string{"whoowns.share", "info.open"}) {
		t.Fatalf("buttons = %v", ids)
	}

	// A double click: the second one may find the message already gone.
	mark := h.Fake.Mark()
	d1, err := h.Fake.ClickButton(h.Ctx, priya.ID, m.Target(), "whoowns.share", "")
	if err != nil {
		t.Fatal(err)
	}
	d2, err := h.Fake.ClickButton(h.Ctx, priya.ID, m.Target(), "whoowns.share", "")
	if err != nil && !errors.Is(err, slackfake.ErrNotFound) {
		t.Fatal(err)
	}
	for _, d := range []*slackfake.Delivery{d1, d2} {
		if d == nil {
			continue
		}
		if _, err := d.Wait(h.Ctx); err != nil {
			t.Fatal(err)
		}
	}
	ev, err := h.Fake.WaitSince(h.Ctx, mark, func(e slackfake.Event) bool {
		return e.Type == slackfake.EventMessageDeleted && e.Message.TS == m.TS
	})
	if err != nil || ev.Message == nil {
		t.Fatalf("the private answer was not removed: %v", err)
	}
	shared := h.Fake.Messages(general.ID)
	if len(shared) != 1 {
		t.Fatalf("want one shared message in #general, got %d: %+v", len(shared), shared)
	}
	text := bottest.Text(shared[0])
	containsAll(t, "shared answer", text, "Checkout", "*Payments*", "Shared by <@"+priya.ID+"> with /whoowns")
	if ids := bottest.ActionIDs(t, shared[0].Blocks); len(ids) != 0 {
		t.Errorf("the shared answer should have no buttons: %v", ids)
	}
}

func TestWhoOwnsPickAmongMatchesAndSuggestions(t *testing.T) {
	h := bottest.Start(t, bottest.Options{})

	m := h.Command("kenji", "team-storefront", "/whoowns", "storefront")
	containsAll(t, "list", bottest.Text(m), "“storefront” matches 2 entries", "Storefront (2019 monolith)", "component:archive/storefront")
	ids := bottest.ActionIDs(t, m.Blocks)
	if !slices.Equal(ids, []string{"whoowns.pick:0", "whoowns.pick:1"}) {
		t.Fatalf("buttons = %v", ids)
	}
	mark := h.Click("kenji", m, "whoowns.pick:0")
	picked := h.WaitUpdate(mark, m.Channel, m.TS)
	containsAll(t, "picked answer", bottest.Text(picked), "Storefront (2019 monolith)", "*Storefront* in #team-storefront", "Share in channel")

	m = h.Command("kenji", "team-storefront", "/whoowns", "paymnet-gateway")
	containsAll(t, "suggestions", bottest.Text(m), "Did you mean", "payment-gateway (component)")
	mark = h.Click("kenji", m, "whoowns.pick:0")
	picked = h.WaitUpdate(mark, m.Channel, m.TS)
	// payment-gateway's own rotation (weekly from 2025-02-03: fatima, tomas)
	// overrides the team's: fatima this week.
	containsAll(t, "picked suggestion", bottest.Text(picked), "payment-gateway", "<@U0PAY0003> until", "rotation of component payment-gateway")
}

func TestWhoOwnsLooksUpPeopleByEmailOnce(t *testing.T) {
	h := bottest.Start(t, bottest.Options{})
	lena := h.User("lena")
	for i := range 3 {
		m := h.Command("sofia", "team-storefront", "/whoowns", "group:default/storefront")
		containsAll(t, "answer", bottest.Text(m), "<@"+lena.ID+">", "<@U0SHP0001>")
		if n := h.Fake.APICallCount("users.lookupByEmail"); n != 1 {
			t.Fatalf("after %d answers, users.lookupByEmail was called %d times; want once (then cached)", i+1, n)
		}
	}
}
