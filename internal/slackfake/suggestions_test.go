package slackfake

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// TestBlockSuggestion: typing into an external select sends the app a
// block_suggestion naming the element and the text, and the options in its
// ack are what the person is offered.
func TestBlockSuggestion(t *testing.T) {
	f := newFixture(t, nil)
	got := make(chan slack.InteractionCallback, 4)
	f.startBot(t, func(b *bot, evt socketmode.Event) {
		switch evt.Type {
		case socketmode.EventTypeSlashCommand:
			cmd := evt.Data.(slack.SlashCommand)
			b.ack(evt)
			sel := slack.NewOptionsSelectBlockElement(slack.OptTypeExternal, plain("Pick a team"), "team")
			m := slack.ModalViewRequest{Type: slack.VTModal, Title: plain("Form"), Submit: plain("Go"),
				Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewInputBlock("owner", plain("Owner"), nil, sel)}}}
			if _, err := b.api.OpenViewContext(f.ctx, cmd.TriggerID, m); err != nil {
				panic(err)
			}
		case socketmode.EventTypeInteractive:
			cb := evt.Data.(slack.InteractionCallback)
			if cb.Type != slack.InteractionTypeBlockSuggestion {
				b.ack(evt)
				return
			}
			got <- cb
			var opts []*slack.OptionBlockObject
			for _, team := range []string{"payments", "platform", "search"} {
				if strings.HasPrefix(team, cb.Value) {
					opts = append(opts, slack.NewOptionBlockObject(team, plain(team), nil))
				}
			}
			b.ack(evt, map[string]any{"options": opts})
		}
	})
	waitConnected(t, f, 1)
	mark := f.fake.Mark()
	if _, err := f.fake.SlashCommand(f.ctx, f.ada.ID, f.gen.ID, "/form", ""); err != nil {
		t.Fatal(err)
	}
	ev, err := f.fake.WaitSince(f.ctx, mark, IsType(EventViewOpened))
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.fake.BlockSuggestion(f.ctx, f.ada.ID, InView(ev.View.ID), "team", "pa")
	if err != nil {
		t.Fatal(err)
	}
	cb := <-got
	if cb.ActionID != "team" || cb.BlockID != "owner" || cb.Value != "pa" || cb.View.ID != ev.View.ID || cb.User.ID != f.ada.ID {
		t.Fatalf("payload: %+v", cb)
	}
	if len(res.Options) != 1 {
		t.Fatalf("options: %s", res.Options)
	}
	var o struct {
		Value string `json:"value"`
	}
	if err := json.Unmarshal(res.Options[0], &o); err != nil || o.Value != "payments" {
		t.Fatalf("option: %s %v", res.Options[0], err)
	}
	// Not an external select, not the user's view: refused before sending.
	if _, err := f.fake.BlockSuggestion(f.ctx, f.bob.ID, InView(ev.View.ID), "team", "pa"); !errors.Is(err, ErrNotVisible) {
		t.Fatalf("bob in ada's modal: %v", err)
	}
	if _, err := f.fake.BlockSuggestion(f.ctx, f.ada.ID, InView(ev.View.ID), "nope", "pa"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown action: %v", err)
	}
}
