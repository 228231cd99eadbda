package bot_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/slack-go/slack"

	"github.com/gantryhq/gantry/bot"
	"github.com/gantryhq/gantry/bot/bottest"
	"github.com/gantryhq/gantry/internal/slackfake"
)

// TestActionRoutes registers exact and prefix routes and clicks through
// the real bot: an exact id wins over any prefix, the longest prefix over
// a shorter one, and the handler sees the whole id and value.
func TestActionRoutes(t *testing.T) {
	var mu sync.Mutex
	got := map[string]string{}
	record := func(route string) bot.HandlerFunc {
		return func(ctx context.Context, r *bot.Request) error {
			mu.Lock()
			got[r.Action.ActionID] = route + " " + r.Route + " " + r.Action.Value
			mu.Unlock()
			return r.Respond.Ephemeral(ctx, bot.Message{Text: "clicked " + r.Action.ActionID})
		}
	}
	h := bottest.Start(t, bottest.Options{Register: func(b *bot.Bot) {
		rt := b.Router()
		rt.Action("run.approve:*", record("approve"))
		rt.Action("run.*", record("run"))
		rt.Action("run.approve:special", record("special"))
		rt.Command(bot.SlashCommand{Name: "/buttons", Handler: func(ctx context.Context, r *bot.Request) error {
			btn := func(id, v string) *slack.ButtonBlockElement {
				return slack.NewButtonBlockElement(id, v, slack.NewTextBlockObject("plain_text", id, false, false))
			}
			return r.Respond.Ephemeral(ctx, bot.Message{Text: "buttons", Blocks: []slack.Block{slack.NewActionBlock("b",
				btn("run.approve:42", "v42"), btn("run.approve:special", "vs"), btn("run.reject:42", "vr"), btn("other", "vo"))}})
		}})
	}})
	m := h.Command("alice", "general", "/buttons", "")
	for _, id := range []string{"run.approve:42", "run.approve:special", "run.reject:42", "other"} {
		mark := h.Click("alice", m, id)
		if id != "other" {
			h.WaitReply(mark, h.User("alice").ID, m.Channel)
		}
	}
	if err := h.Bot.Idle(h.Ctx); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"run.approve:42":      "approve run.approve:* v42",
		"run.approve:special": "special run.approve:special vs",
		"run.reject:42":       "run run.* vr",
	}
	mu.Lock()
	defer mu.Unlock()
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s → %q, want %q", id, got[id], w)
		}
	}
	if _, ok := got["other"]; ok {
		t.Error("an action nobody registered reached a handler")
	}
}

func TestRouterRefusesDuplicates(t *testing.T) {
	b := bottest.Start(t, bottest.Options{NoRun: true}).Bot
	h := func(context.Context, *bot.Request) error { return nil }
	for name, register := range map[string]func(){
		"command":       func() { b.Router().Command(bot.SlashCommand{Name: "whoowns", Handler: h}) },
		"subcommand":    func() { b.Router().Subcommand(bot.Subcommand{Name: "Search", Handler: h}) },
		"action":        func() { b.Router().Action("whoowns.share", h) },
		"action prefix": func() { b.Router().Action("whoowns.pick:*", h) },
		"event":         func() { b.Router().Event("app_mention", h) },
		"two words":     func() { b.Router().Subcommand(bot.Subcommand{Name: "two words", Handler: h}) },
		"no handler":    func() { b.Router().Command(bot.SlashCommand{Name: "/x"}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: registering twice (or badly) did not panic", name)
				}
			}()
			register()
		}()
	}
}

// TestViewSubmissionExtension shows the flow a feature (self-service
// actions) builds on: a modal validated in the ack, then a continuation.
func TestViewSubmissionExtension(t *testing.T) {
	done := make(chan string, 1)
	closed := make(chan string, 1)
	h := bottest.Start(t, bottest.Options{Register: func(b *bot.Bot) {
		rt := b.Router()
		rt.Command(bot.SlashCommand{Name: "/create-service", Usage: "/create-service", Help: "scaffold a service", Handler: func(ctx context.Context, r *bot.Request) error {
			in := slack.NewPlainTextInputBlockElement(nil, "name")
			_, err := r.Respond.OpenModal(ctx, slack.ModalViewRequest{
				Type: slack.VTModal, CallbackID: "create.form", PrivateMetadata: r.Channel.ID, NotifyOnClose: true,
				Title:  slack.NewTextBlockObject("plain_text", "New service", false, false),
				Submit: slack.NewTextBlockObject("plain_text", "Create", false, false),
				Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewInputBlock("name", slack.NewTextBlockObject("plain_text", "Name", false, false), nil, in)}},
			})
			return err
		}})
		rt.ViewSubmission("create.form", bot.ViewSubmission{
			Validate: func(r *bot.Request) *bot.ViewResponse {
				if name := r.Value("name", "name"); strings.ContainsAny(name, " _") {
					return bot.ViewErrors(map[string]string{"name": "Use lowercase letters, digits and dashes."})
				}
				return nil
			},
			Then: func(ctx context.Context, r *bot.Request) error {
				done <- r.Value("name", "name") + " in " + r.View.PrivateMetadata
				return nil
			},
		})
		rt.ViewClosed("create.form", func(ctx context.Context, r *bot.Request) error {
			closed <- r.View.CallbackID
			return nil
		})
	}})
	alice := h.User("alice")
	open := func() slackfake.View {
		mark := h.Fake.Mark()
		d, err := h.Fake.SlashCommand(h.Ctx, alice.ID, h.Channel("team-platform").ID, "/create-service", "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Wait(h.Ctx); err != nil {
			t.Fatal(err)
		}
		ev, err := h.Fake.WaitSince(h.Ctx, mark, slackfake.IsType(slackfake.EventViewOpened))
		if err != nil {
			t.Fatal(err)
		}
		return *ev.View
	}
	v := open()
	res, err := h.Fake.SubmitView(h.Ctx, alice.ID, v.ID, slackfake.Values{"name": {"name": "Bad Name"}})
	if err != nil || res.ResponseAction != "errors" || res.Errors["name"] != "Use lowercase letters, digits and dashes." {
		t.Fatalf("invalid name: %+v, %v", res, err)
	}
	res, err = h.Fake.SubmitView(h.Ctx, alice.ID, v.ID, slackfake.Values{"name": {"name": "billing-api"}})
	if err != nil || !res.Closed {
		t.Fatalf("valid name: %+v, %v", res, err)
	}
	if got := <-done; got != "billing-api in "+h.Channel("team-platform").ID {
		t.Errorf("continuation got %q", got)
	}
	v = open()
	if _, err := h.Fake.CloseView(h.Ctx, alice.ID, v.ID); err != nil {
		t.Fatal(err)
	}
	if got := <-closed; got != "create.form" {
		t.Errorf("view_closed got %q", got)
	}
	// /create-service is now served, so it is in help.
	containsAll(t, "help", bottest.Text(h.Command("alice", "general", "/gantry", "help")), "*/create-service* — scaffold a service")
}
