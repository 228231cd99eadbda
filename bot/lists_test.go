package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/bot"
	"github.com/gantryhq/gantry/bot/bottest"
	"github.com/gantryhq/gantry/catalog"
)

// bigCatalog is the example catalog with two answers too long for one
// message: the team "crowd" owns 60 entities and has 30 members, and
// "many" matches 25 entries.
type bigCatalog struct{ *catalog.Catalog }

func (c bigCatalog) WhoOwns(ctx context.Context, q string) (*catalog.Ownership, error) {
	switch strings.TrimSpace(q) {
	case "crowd", "group:default/crowd":
		m := catalog.OwnerMatch{Ref: "group:default/crowd", Kind: catalog.KindGroup, Title: "Crowd",
			Owner: &catalog.Owner{Ref: "group:default/crowd", Kind: catalog.KindGroup, DisplayName: "Crowd", Known: true, SlackChannel: "#team-crowd"}}
		for i := range 60 {
			m.Owns = append(m.Owns, catalog.Summary{Ref: fmt.Sprintf("component:default/crowd-%02d", i), Kind: "Component",
				Title: fmt.Sprintf("crowd service %02d with a title long enough to fill the line", i)})
		}
		m.Entity = &catalog.Entity{Kind: catalog.KindGroup, Metadata: catalog.Metadata{Name: "crowd"}}
		for i := range 40 {
			m.Entity.Relations = append(m.Entity.Relations, catalog.Relation{Type: catalog.RelParentOf, Target: catalog.NewRef("group", "default", fmt.Sprintf("crowd-sub-%02d", i))})
		}
		for i := range 30 {
			m.Owner.Members = append(m.Owner.Members, catalog.Person{Ref: fmt.Sprintf("user:default/crowd-%02d", i), DisplayName: fmt.Sprintf("Member %02d", i)})
		}
		return &catalog.Ownership{Query: q, Matches: []catalog.OwnerMatch{m}}, nil
	case "many":
		a := &catalog.Ownership{Query: q}
		for i := range 25 {
			a.Matches = append(a.Matches, catalog.OwnerMatch{Ref: fmt.Sprintf("component:ns%02d/many", i), Kind: "Component", Title: fmt.Sprintf("many in ns%02d", i)})
		}
		return a, nil
	}
	if ns, ok := strings.CutPrefix(q, "component:"); ok && strings.HasSuffix(ns, "/many") {
		ns = strings.TrimSuffix(ns, "/many")
		return &catalog.Ownership{Query: q, Matches: []catalog.OwnerMatch{{Ref: q, Kind: "Component", Title: "many in " + ns}}}, nil
	}
	return c.Catalog.WhoOwns(ctx, q)
}

// TestLongListsArePaged: a card whose lists do not fit has buttons that
// page through them in full, and a long list of matches has a pager; none
// is cut.
func TestLongListsArePaged(t *testing.T) {
	h := bottest.Start(t, bottest.Options{Catalog: func(c *catalog.Catalog) bot.Catalog { return bigCatalog{c} }})

	t.Run("what a team owns and its members", func(t *testing.T) {
		m := h.Command("priya", "general", "/whoowns", "crowd")
		containsAll(t, "card", bottest.Text(m), "*Owns (60):*", "more", "All 60 it owns", "All 30 members")
		mark := h.Click("priya", m, "whoowns.list:owns:all")
		page := h.WaitUpdate(mark, m.Channel, m.TS)
		containsAll(t, "first page", bottest.Text(page), "Crowd owns 60 entities", "crowd service 00", "crowd service 09", "Showing 1–10 of 60.", "Back to the answer")
		containsNone(t, "first page", bottest.Text(page), "crowd service 10")
		mark = h.Click("priya", page, "whoowns.list:owns:next")
		page = h.WaitUpdate(mark, m.Channel, m.TS)
		containsAll(t, "second page", bottest.Text(page), "crowd service 10", "crowd service 19", "Showing 11–20 of 60.")
		mark = h.Click("priya", page, "whoowns.pick:back")
		card := h.WaitUpdate(mark, m.Channel, m.TS)
		containsAll(t, "back", bottest.Text(card), "*Owns (60):*", "All 30 members")

		mark = h.Click("priya", card, "whoowns.list:members:all")
		page = h.WaitUpdate(mark, m.Channel, m.TS)
		containsAll(t, "members", bottest.Text(page), "Crowd has 30 members", "Member 00", "Member 09", "Showing 1–10 of 30.")
	})

	t.Run("an info card's relations", func(t *testing.T) {
		m := h.Command("priya", "general", "/gantry", "info crowd")
		containsAll(t, "card", bottest.Text(m), "*Sub-teams:*", "more", "Sub-teams: all 40", "All 60 it owns")
		mark := h.Click("priya", m, "info.list:rel-"+catalog.RelParentOf+":all")
		page := h.WaitUpdate(mark, m.Channel, m.TS)
		containsAll(t, "first page", bottest.Text(page), "Sub-teams (40):", "crowd-sub-00", "crowd-sub-09", "Showing 1–10 of 40.")
		mark = h.Click("priya", page, "info.list:rel-"+catalog.RelParentOf+":next")
		page = h.WaitUpdate(mark, m.Channel, m.TS)
		containsAll(t, "second page", bottest.Text(page), "crowd-sub-10", "Showing 11–20 of 40.")
		mark = h.Click("priya", page, "info.pick:back")
		card := h.WaitUpdate(mark, m.Channel, m.TS)
		containsAll(t, "back to the info card", bottest.Text(card), "*Sub-teams:*", "Sub-teams: all 40")
	})

	t.Run("a list of matches", func(t *testing.T) {
		m := h.Command("priya", "general", "/whoowns", "many")
		text := bottest.Text(m)
		containsAll(t, "first page", text, "“many” matches 25 entries", "many in ns00", "many in ns09", "Showing 1–10 of 25.")
		containsNone(t, "first page", text, "many in ns10")
		mark := h.Click("priya", m, "whoowns.matches:next")
		page := h.WaitUpdate(mark, m.Channel, m.TS)
		containsAll(t, "second page", bottest.Text(page), "many in ns10", "many in ns19", "Showing 11–20 of 25.")
		mark = h.Click("priya", page, "whoowns.pick:12")
		picked := h.WaitUpdate(mark, m.Channel, m.TS)
		containsAll(t, "picked", bottest.Text(picked), "many in ns12")
	})

	t.Run("a shared answer shows the list to the one who clicks", func(t *testing.T) {
		general := h.Channel("general")
		m := h.Command("priya", "general", "/whoowns", "crowd")
		mark := h.Click("priya", m, "whoowns.share")
		shared := h.WaitReply(mark, "", general.ID)
		containsAll(t, "shared", bottest.Text(shared), "All 60 it owns")
		mark = h.Click("gustav", shared, "whoowns.list:owns:all")
		private := h.WaitReply(mark, h.User("gustav").ID, general.ID)
		if !private.Ephemeral || private.VisibleTo != h.User("gustav").ID {
			t.Fatalf("the list should be shown to gustav only: %+v", private)
		}
		containsAll(t, "private list", bottest.Text(private), "Crowd owns 60 entities", "Showing 1–10 of 60.")
		if now := h.Fake.Messages(general.ID); len(now) == 0 || !strings.Contains(bottest.Text(now[len(now)-1]), "Shared by") {
			t.Errorf("the shared answer changed: %+v", now)
		}
	})
}
