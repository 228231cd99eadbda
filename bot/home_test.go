package bot_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/bot/bottest"
	"github.com/gantryhq/gantry/internal/slackfake"
)

// openHome opens the user's Home tab and returns it once published.
func openHome(t *testing.T, h *bottest.Harness, user string) slackfake.View {
	t.Helper()
	mark := h.Fake.Mark()
	d, err := h.Fake.OpenAppHome(h.Ctx, h.User(user).ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Wait(h.Ctx); err != nil {
		t.Fatal(err)
	}
	ev, err := h.Fake.WaitSince(h.Ctx, mark, func(e slackfake.Event) bool {
		return e.Type == slackfake.EventHomePublished && e.View.UserID == h.User(user).ID
	})
	if err != nil {
		t.Fatalf("home not published: %v\n%s", err, h.Logs())
	}
	return *ev.View
}

func TestAppHome(t *testing.T) {
	h := bottest.Start(t, bottest.Options{})

	t.Run("someone on call", func(t *testing.T) {
		v := openHome(t, h, "fatima")
		containsAll(t, "home", bottest.ViewText(v), "Hi Fatima", "You are on call for *Payments* until", "*payment-gateway* until",
			"*Your teams*", "*Payments* · #team-payments · 4 members", "On call: <@U0PAY0003>",
			"*What you own* (12)", "Showing 1–10 of 12.", "Who owns…", "Search the catalog…", "user:default/fatima")
	})

	t.Run("two teams", func(t *testing.T) {
		v := openHome(t, h, "omar")
		containsAll(t, "home", bottest.ViewText(v), "Hi Omar", "*Search & Discovery* · #team-search", "*Storefront* · #team-storefront",
			"On call: <@U0SRC0002>", "On call: <@U0SHP0001>")
		containsNone(t, "home", bottest.ViewText(v), "You are on call")
	})

	t.Run("found by e-mail, team without channel", func(t *testing.T) {
		v := openHome(t, h, "zoe")
		containsAll(t, "home", bottest.ViewText(v), "Hi Zoe", "*Logistics* · 4 members", "On call:")
	})

	t.Run("unknown to the catalog", func(t *testing.T) {
		newbie := h.User("newbie")
		v := openHome(t, h, "newbie")
		containsAll(t, "home", bottest.ViewText(v), "The catalog doesn't know you yet", "gantry.dev/slack-user-id: "+newbie.ID,
			"nina@bramble.example", "Who owns…")
	})

	t.Run("what you own, page by page", func(t *testing.T) {
		v := openHome(t, h, "fatima")
		mark := h.Fake.Mark()
		d, err := h.Fake.ClickButton(h.Ctx, h.User("fatima").ID, v.Target(), "home.owns:next", "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Wait(h.Ctx); err != nil {
			t.Fatal(err)
		}
		ev, err := h.Fake.WaitSince(h.Ctx, mark, slackfake.IsType(slackfake.EventHomePublished))
		if err != nil {
			t.Fatal(err)
		}
		containsAll(t, "page 2", bottest.ViewText(*ev.View), "Showing 11–12 of 12.", "‹ Previous")
	})
}

// modalRace: the answer's views.update may reach Slack before Slack applied
// the ack's "Looking up…" view; Slack then says not_found and the bot tries
// again (fillResult). Tests that submit modals allow that one code.
var modalRace = []string{"not_found"}

func TestWhoOwnsModalFromHome(t *testing.T) {
	h := bottest.Start(t, bottest.Options{AllowAPIErrors: modalRace})
	priya := h.User("priya")
	home := openHome(t, h, "priya")

	mark := h.Fake.Mark()
	d, err := h.Fake.ClickButton(h.Ctx, priya.ID, home.Target(), "home.whoowns", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Wait(h.Ctx); err != nil {
		t.Fatal(err)
	}
	ev, err := h.Fake.WaitSince(h.Ctx, mark, slackfake.IsType(slackfake.EventViewOpened))
	if err != nil {
		t.Fatalf("modal not opened: %v\n%s", err, h.Logs())
	}
	modal := *ev.View
	if modal.TitleText() != "Who owns…" || modal.CallbackID != "whoowns.modal" {
		t.Fatalf("modal = %+v", modal)
	}

	// Submitting only spaces: the modal stays, with a message under the field.
	res, err := h.Fake.SubmitView(h.Ctx, priya.ID, modal.ID, slackfake.Values{"query": {"query": "   "}})
	if err != nil {
		t.Fatal(err)
	}
	if res.ResponseAction != "errors" || res.Errors["query"] != "Type something to look for." || res.Closed {
		t.Fatalf("empty submission: %+v", res)
	}

	// A real question: "Looking up…", then the answer in the same modal.
	mark = h.Fake.Mark()
	res, err = h.Fake.SubmitView(h.Ctx, priya.ID, modal.ID, slackfake.Values{"query": {"query": "checkout"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.ResponseAction != "update" || res.Closed || res.Err != nil {
		t.Fatalf("submission: %+v", res)
	}
	ev, err = h.Fake.WaitSince(h.Ctx, mark, func(e slackfake.Event) bool {
		return e.Type == slackfake.EventViewUpdated && e.View.ID == modal.ID && e.View.CallbackID == "gantry.result" &&
			!strings.Contains(bottest.ViewText(*e.View), "Looking up")
	})
	if err != nil {
		t.Fatalf("answer never shown: %v\n%s", err, h.Logs())
	}
	answer := *ev.View
	containsAll(t, "answer modal", bottest.ViewText(answer), "Who owns…", "Checkout", "*Payments* in #team-payments", "Details")
	containsNone(t, "answer modal", bottest.ViewText(answer), "Share in channel")

	// Details stacks the entity's card on top.
	mark = h.Fake.Mark()
	d, err = h.Fake.ClickButton(h.Ctx, priya.ID, answer.Target(), "info.open", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Wait(h.Ctx); err != nil {
		t.Fatal(err)
	}
	ev, err = h.Fake.WaitSince(h.Ctx, mark, slackfake.IsType(slackfake.EventViewPushed))
	if err != nil {
		t.Fatalf("details not pushed: %v\n%s", err, h.Logs())
	}
	containsAll(t, "details modal", bottest.ViewText(*ev.View), "Checkout", "*Depends on:*")
}

func TestSearchModalAndShortcut(t *testing.T) {
	h := bottest.Start(t, bottest.Options{AllowAPIErrors: modalRace})
	priya := h.User("priya")

	// The global shortcut opens the same "Who owns…" modal.
	mark := h.Fake.Mark()
	d, err := h.Fake.Shortcut(h.Ctx, priya.ID, "whoowns.shortcut")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Wait(h.Ctx); err != nil {
		t.Fatal(err)
	}
	ev, err := h.Fake.WaitSince(h.Ctx, mark, slackfake.IsType(slackfake.EventViewOpened))
	if err != nil || ev.View.CallbackID != "whoowns.modal" {
		t.Fatalf("shortcut: %v %+v", err, ev.View)
	}

	home := openHome(t, h, "priya")
	mark = h.Fake.Mark()
	d, err = h.Fake.ClickButton(h.Ctx, priya.ID, home.Target(), "home.search", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Wait(h.Ctx); err != nil {
		t.Fatal(err)
	}
	ev, err = h.Fake.WaitSince(h.Ctx, mark, slackfake.IsType(slackfake.EventViewOpened))
	if err != nil || ev.View.CallbackID != "search.modal" {
		t.Fatalf("search modal: %v %+v", err, ev.View)
	}
	modal := *ev.View
	total := searchTotal(t, h, "payments")
	mark = h.Fake.Mark()
	if _, err := h.Fake.SubmitView(h.Ctx, priya.ID, modal.ID, slackfake.Values{"query": {"query": "payments"}}); err != nil {
		t.Fatal(err)
	}
	ev, err = h.Fake.WaitSince(h.Ctx, mark, func(e slackfake.Event) bool {
		return e.Type == slackfake.EventViewUpdated && strings.Contains(bottest.ViewText(*e.View), fmt.Sprintf("Showing 1–10 of %d.", total))
	})
	if err != nil {
		t.Fatalf("results never shown: %v\n%s", err, h.Logs())
	}
	// Paging inside the modal updates the modal.
	results := *ev.View
	mark = h.Fake.Mark()
	d, err = h.Fake.ClickButton(h.Ctx, priya.ID, results.Target(), "search.page:next", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Wait(h.Ctx); err != nil {
		t.Fatal(err)
	}
	ev, err = h.Fake.WaitSince(h.Ctx, mark, func(e slackfake.Event) bool {
		return e.Type == slackfake.EventViewUpdated && e.View.ID == results.ID
	})
	if err != nil {
		t.Fatal(err)
	}
	containsAll(t, "page 2 in the modal", bottest.ViewText(*ev.View), fmt.Sprintf("Showing 11–%d of %d.", total, total), "Search")

	// The help button opens the command list.
	mark = h.Fake.Mark()
	d, err = h.Fake.ClickButton(h.Ctx, priya.ID, home.Target(), "home.help", "")
	if err != nil && !errors.Is(err, slackfake.ErrNotVisible) {
		t.Fatal(err)
	}
	if d != nil {
		if _, err := d.Wait(h.Ctx); err != nil {
			t.Fatal(err)
		}
		ev, err = h.Fake.WaitSince(h.Ctx, mark, slackfake.IsType(slackfake.EventViewOpened))
		if err != nil {
			t.Fatal(err)
		}
		containsAll(t, "help modal", bottest.ViewText(*ev.View), "Gantry commands", "/gantry search <text>")
	}
}
