package slackfake

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject("plain_text", s, false, false)
}

// nameModal is a modal with one required text input, block "name",
// action "value".
func nameModal(title string) slack.ModalViewRequest {
	input := slack.NewInputBlock("name", plain("Service name"), nil, slack.NewPlainTextInputBlockElement(nil, "value"))
	return slack.ModalViewRequest{Type: slack.VTModal, Title: plain(title), Submit: plain("Create"), Close: plain("Cancel"),
		CallbackID: "create_service", PrivateMetadata: `{"team":"payments"}`, Blocks: slack.Blocks{BlockSet: []slack.Block{input}}}
}

// recorder is a bot that acks everything and hands what it got to the test.
type recorder struct {
	commands     chan slack.SlashCommand
	interactions chan slack.InteractionCallback
	events       chan slackevents.EventsAPIEvent
}

func newRecorder(t *testing.T, f *fixture, onInteraction func(b *bot, evt socketmode.Event, cb slack.InteractionCallback) bool) (*recorder, *bot) {
	r := &recorder{commands: make(chan slack.SlashCommand, 16), interactions: make(chan slack.InteractionCallback, 16),
		events: make(chan slackevents.EventsAPIEvent, 16)}
	b := f.startBot(t, func(b *bot, evt socketmode.Event) {
		switch evt.Type {
		case socketmode.EventTypeSlashCommand:
			b.ack(evt)
			r.commands <- evt.Data.(slack.SlashCommand)
		case socketmode.EventTypeInteractive:
			cb := evt.Data.(slack.InteractionCallback)
			if onInteraction == nil || !onInteraction(b, evt, cb) {
				b.ack(evt)
			}
			r.interactions <- cb
		case socketmode.EventTypeEventsAPI:
			b.ack(evt)
			r.events <- evt.Data.(slackevents.EventsAPIEvent)
		}
	})
	waitConnected(t, f, 1)
	return r, b
}

func TestButtonsAndSelects(t *testing.T) {
	f := newFixture(t, nil)
	rec, b := newRecorder(t, f, nil)
	approve := slack.NewButtonBlockElement("approve", "svc-1", plain("Approve"))
	approve.Style = slack.StylePrimary
	env := slack.NewOptionsSelectBlockElement("static_select", plain("Env"), "env",
		slack.NewOptionBlockObject("dev", plain("Dev"), nil), slack.NewOptionBlockObject("prod", plain("Prod"), nil))
	_, ts, err := f.api().PostMessageContext(f.ctx, f.gen.ID, slack.MsgOptionText("approval", false),
		slack.MsgOptionBlocks(slack.NewActionBlock("approval", approve, env)))
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := f.fake.Message(f.gen.ID, ts)

	d, err := f.fake.ClickButton(f.ctx, f.bob.ID, msg.Target(), "approve", "")
	if err != nil {
		t.Fatal(err)
	}
	cb := <-rec.interactions
	if cb.Type != slack.InteractionTypeBlockActions || len(cb.ActionCallback.BlockActions) != 1 {
		t.Fatalf("callback = %+v", cb)
	}
	a := cb.ActionCallback.BlockActions[0]
	if a.ActionID != "approve" || a.Value != "svc-1" || a.BlockID != "approval" || a.Type != "button" || a.Text.Text != "Approve" ||
		cb.User.ID != f.bob.ID || cb.Channel.ID != f.gen.ID || cb.Container.ChannelID != f.gen.ID ||
		cb.Container.MessageTs != ts || cb.Message.Timestamp != ts || cb.TriggerID != d.TriggerID || cb.ResponseURL != d.ResponseURL ||
		cb.Team.ID != f.fake.Team().ID || cb.APIAppID != f.fake.AppID() {
		t.Fatalf("block_actions parsed as %+v / action %+v", cb, a)
	}
	if _, err := d.Wait(f.ctx); err != nil {
		t.Fatal(err)
	}

	// The bot answers through the action's response_url, replacing the message.
	if _, _, err := b.api.PostMessageContext(f.ctx, "", slack.MsgOptionReplaceOriginal(cb.ResponseURL), slack.MsgOptionText("Approved by bob", false)); err != nil {
		t.Fatal(err)
	}
	ev, err := f.fake.WaitFor(f.ctx, func(e Event) bool { return e.Type == EventMessageUpdated && e.Message.TS == ts })
	if err != nil || ev.Message.Text != "Approved by bob" || ev.Message.Blocks != nil {
		t.Fatalf("replaced message = %+v, %v", ev.Message, err)
	}

	// The blocks are gone after the replace, so selects need a fresh message.
	_, ts2, err := f.api().PostMessageContext(f.ctx, f.gen.ID, slack.MsgOptionBlocks(slack.NewActionBlock("pick", env)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.fake.SelectOption(f.ctx, f.ada.ID, InMessage(f.gen.ID, ts2), "env", "prod"); err != nil {
		t.Fatal(err)
	}
	cb = <-rec.interactions
	if a := cb.ActionCallback.BlockActions[0]; a.SelectedOption.Value != "prod" || a.Type != "static_select" {
		t.Fatalf("select action = %+v", a)
	}

	errTests := []struct {
		name string
		call func() error
		want error
	}{
		{"unknown option", func() error {
			_, err := f.fake.SelectOption(f.ctx, f.ada.ID, InMessage(f.gen.ID, ts2), "env", "staging")
			return err
		}, ErrNotFound},
		{"unknown action", func() error {
			_, err := f.fake.ClickButton(f.ctx, f.ada.ID, InMessage(f.gen.ID, ts2), "nope", "")
			return err
		}, ErrNotFound},
		{"someone else's ephemeral", func() error {
			ets, err := f.api().PostEphemeralContext(f.ctx, f.gen.ID, f.ada.ID, slack.MsgOptionBlocks(slack.NewActionBlock("e", approve)))
			if err != nil {
				return err
			}
			_, err = f.fake.ClickButton(f.ctx, f.bob.ID, InMessage(f.gen.ID, ets), "approve", "")
			return err
		}, ErrNotVisible},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
		})
	}
}

func TestViewSubmission(t *testing.T) {
	f := newFixture(t, nil)
	submitted := make(chan slack.InteractionCallback, 8)
	f.startBot(t, func(b *bot, evt socketmode.Event) {
		switch evt.Type {
		case socketmode.EventTypeSlashCommand:
			cmd := evt.Data.(slack.SlashCommand)
			b.ack(evt)
			if _, err := b.api.OpenViewContext(f.ctx, cmd.TriggerID, nameModal("New service")); err != nil {
				panic(err)
			}
		case socketmode.EventTypeInteractive:
			cb := evt.Data.(slack.InteractionCallback)
			if cb.Type != slack.InteractionTypeViewSubmission {
				b.ack(evt)
				return
			}
			submitted <- cb
			// The typed name says how to answer, to keep the table short.
			switch name := cb.View.State.Values["name"]["value"].Value; name {
			case "errors":
				b.ack(evt, slack.NewErrorsViewSubmissionResponse(map[string]string{"name": "That name is taken"}))
			case "bad-errors":
				b.ack(evt, slack.NewErrorsViewSubmissionResponse(map[string]string{"nope": "x"}))
			case "update":
				b.ack(evt, slack.NewUpdateViewSubmissionResponse(&slack.ModalViewRequest{Type: slack.VTModal, Title: plain("Creating…"),
					Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewDividerBlock()}}}))
			case "update-too-long-title":
				b.ack(evt, slack.NewUpdateViewSubmissionResponse(&slack.ModalViewRequest{Type: slack.VTModal, Title: plain(strings.Repeat("t", 25)),
					Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewDividerBlock()}}}))
			case "push":
				m := nameModal("Step 2")
				b.ack(evt, slack.NewPushViewSubmissionResponse(&m))
			case "clear":
				b.ack(evt, slack.NewClearViewSubmissionResponse())
			default:
				b.ack(evt)
			}
		}
	})
	waitConnected(t, f, 1)

	open := func(t *testing.T) View {
		t.Helper()
		mark := f.fake.Mark()
		if _, err := f.fake.SlashCommand(f.ctx, f.ada.ID, f.gen.ID, "/create-service", ""); err != nil {
			t.Fatal(err)
		}
		ev, err := f.fake.WaitSince(f.ctx, mark, IsType(EventViewOpened))
		if err != nil {
			t.Fatal(err)
		}
		return *ev.View
	}

	tests := []struct {
		name        string
		wantAction  string
		wantClosed  bool
		wantStack   int
		wantErrors  map[string]string
		wantTitle   string
		wantRefused bool
	}{
		{name: "close", wantClosed: true, wantStack: 0},
		{name: "errors", wantAction: "errors", wantStack: 1, wantErrors: map[string]string{"name": "That name is taken"}, wantTitle: "New service"},
		{name: "bad-errors", wantAction: "errors", wantStack: 1, wantTitle: "New service", wantRefused: true},
		{name: "update", wantAction: "update", wantStack: 1, wantTitle: "Creating…"},
		{name: "update-too-long-title", wantAction: "update", wantStack: 1, wantTitle: "New service", wantRefused: true},
		{name: "push", wantAction: "push", wantStack: 2, wantTitle: "Step 2"},
		{name: "clear", wantAction: "clear", wantClosed: true, wantStack: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := open(t)
			if v.CallbackID != "create_service" || v.PrivateMetadata != `{"team":"payments"}` || v.Hash == "" || v.RootViewID != v.ID {
				t.Fatalf("opened view = %+v", v)
			}
			res, err := f.fake.SubmitView(f.ctx, f.ada.ID, v.ID, Values{"name": {"value": tt.name}})
			if err != nil {
				t.Fatal(err)
			}
			cb := <-submitted
			if cb.View.ID != v.ID || cb.View.CallbackID != "create_service" || cb.User.ID != f.ada.ID || cb.TriggerID == "" {
				t.Fatalf("view_submission parsed as %+v", cb)
			}
			if res.ResponseAction != tt.wantAction || res.Closed != tt.wantClosed || (res.Err != nil) != tt.wantRefused {
				t.Fatalf("result = %+v", res)
			}
			stack := f.fake.Views(f.ada.ID)
			if len(stack) != tt.wantStack {
				t.Fatalf("stack of %d views, want %d", len(stack), tt.wantStack)
			}
			if tt.wantStack == 0 {
				if res.View != nil {
					t.Fatalf("result view %+v after closing", res.View)
				}
				return
			}
			top := stack[len(stack)-1]
			if res.View == nil || res.View.ID != top.ID || top.TitleText() != tt.wantTitle {
				t.Fatalf("top view %q (%+v), want title %q", top.TitleText(), res.View, tt.wantTitle)
			}
			if tt.wantErrors != nil && (top.Errors["name"] != tt.wantErrors["name"] || res.Errors["name"] != tt.wantErrors["name"]) {
				t.Fatalf("errors %v / %v", top.Errors, res.Errors)
			}
			if tt.name == "push" && (top.PreviousViewID != v.ID || top.RootViewID != v.ID) {
				t.Fatalf("pushed view = %+v", top)
			}
			if tt.name == "update" && (top.ID != v.ID || top.Hash == v.Hash) {
				t.Fatalf("updated view keeps its id and gets a new hash: %+v", top)
			}
		})
	}

	t.Run("values typed before submitting", func(t *testing.T) {
		v := open(t)
		if err := f.fake.SetViewValues(f.ada.ID, v.ID, Values{"name": {"value": "close"}}); err != nil {
			t.Fatal(err)
		}
		res, err := f.fake.SubmitView(f.ctx, f.ada.ID, v.ID, nil)
		if err != nil || !res.Closed {
			t.Fatalf("result %+v, %v", res, err)
		}
		if cb := <-submitted; cb.View.State.Values["name"]["value"].Value != "close" {
			t.Fatalf("state = %+v", cb.View.State)
		}
		if err := f.fake.SetViewValues(f.ada.ID, v.ID, nil); !errors.Is(err, ErrNotFound) {
			t.Fatalf("values for a closed view: %v", err)
		}
	})

	t.Run("required input", func(t *testing.T) {
		v := open(t)
		if _, err := f.fake.SubmitView(f.ctx, f.ada.ID, v.ID, nil); !errors.Is(err, ErrInputRequired) {
			t.Fatalf("submit without a name: %v", err)
		}
	})
}

func TestTriggerIDs(t *testing.T) {
	f := newFixture(t, nil)
	newRecorder(t, f, nil)
	api := f.api()
	tests := []struct {
		name    string
		use     func(trigger string) error
		wantErr string
	}{
		{"fresh", func(tr string) error { _, err := api.OpenViewContext(f.ctx, tr, nameModal("A")); return err }, ""},
		{"just in time", func(tr string) error {
			f.clock.Advance(2999 * time.Millisecond)
			_, err := api.OpenViewContext(f.ctx, tr, nameModal("A"))
			return err
		}, ""},
		{"expired", func(tr string) error {
			f.clock.Advance(3 * time.Second)
			_, err := api.OpenViewContext(f.ctx, tr, nameModal("A"))
			return err
		}, "expired_trigger_id"},
		{"reused", func(tr string) error {
			if _, err := api.OpenViewContext(f.ctx, tr, nameModal("A")); err != nil {
				return err
			}
			_, err := api.OpenViewContext(f.ctx, tr, nameModal("B"))
			return err
		}, "exchanged_trigger_id"},
		{"unknown", func(string) error { _, err := api.OpenViewContext(f.ctx, "1.2.3", nameModal("A")); return err }, "invalid_trigger_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := f.fake.SlashCommand(f.ctx, f.ada.ID, f.gen.ID, "/gantry", "")
			if err != nil {
				t.Fatal(err)
			}
			err = tt.use(d.TriggerID)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if got := slackErr(t, err).Err; got != tt.wantErr {
				t.Fatalf("error %q, want %q", got, tt.wantErr)
			}
		})
	}
}

func TestViewsAPIAndHome(t *testing.T) {
	f := newFixture(t, nil)
	rec, _ := newRecorder(t, f, nil)
	api := f.api()
	trigger := func() string {
		d, err := f.fake.SlashCommand(f.ctx, f.ada.ID, f.gen.ID, "/gantry", "")
		if err != nil {
			t.Fatal(err)
		}
		<-rec.commands
		return d.TriggerID
	}

	modal := nameModal("First")
	modal.ExternalID = "create-1"
	modal.NotifyOnClose = true
	opened, err := api.OpenViewContext(f.ctx, trigger(), modal)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(opened.ID, "V") || opened.Hash == "" || opened.ExternalID != "create-1" || opened.Title.Text != "First" {
		t.Fatalf("views.open = %+v", opened.View)
	}
	updated, err := api.UpdateViewContext(f.ctx, nameModal("Second"), "", opened.Hash, opened.ID)
	if err != nil || updated.ID != opened.ID || updated.Hash == opened.Hash {
		t.Fatalf("views.update = %+v, %v", updated, err)
	}
	_, err = api.UpdateViewContext(f.ctx, nameModal("Stale"), "", opened.Hash, opened.ID)
	if got := slackErr(t, err).Err; got != "hash_conflict" {
		t.Fatalf("stale hash: %q", got)
	}
	// An update replaces the whole view, notify_on_close included.
	third := nameModal("By external id")
	third.NotifyOnClose = true
	byExt, err := api.UpdateViewContext(f.ctx, third, "create-1", "", "")
	if err != nil || byExt.ID != opened.ID {
		t.Fatalf("update by external_id = %+v, %v", byExt, err)
	}
	dup := nameModal("Dup")
	dup.ExternalID = "create-1"
	if _, err := api.PushViewContext(f.ctx, trigger(), dup); slackErr(t, err).Err != "duplicate_external_id" {
		t.Fatalf("duplicate external_id: %v", err)
	}
	for i := range 2 {
		if _, err := api.PushViewContext(f.ctx, trigger(), nameModal("Pushed")); err != nil {
			t.Fatalf("push %d: %v", i, err)
		}
	}
	if _, err := api.PushViewContext(f.ctx, trigger(), nameModal("Too many")); slackErr(t, err).Err != "push_limit_reached" {
		t.Fatalf("fourth modal: %v", err)
	}
	if _, err := api.UpdateViewContext(f.ctx, nameModal("x"), "", "", "V404"); slackErr(t, err).Err != "not_found" {
		t.Fatalf("unknown view: %v", err)
	}

	// Closing the middle of the stack is not possible; closing the top is.
	stack := f.fake.Views(f.ada.ID)
	if _, err := f.fake.CloseView(f.ctx, f.ada.ID, stack[0].ID); !errors.Is(err, ErrNotVisible) {
		t.Fatalf("closing a covered modal: %v", err)
	}
	for i := len(stack) - 1; i >= 0; i-- {
		d, err := f.fake.CloseView(f.ctx, f.ada.ID, stack[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			if d != nil {
				t.Fatalf("pushed views did not ask for view_closed")
			}
			continue
		}
		if d == nil {
			t.Fatal("the root asked for notify_on_close")
		}
		cb := <-rec.interactions
		if cb.Type != slack.InteractionTypeViewClosed || cb.View.ID != opened.ID || cb.IsCleared {
			t.Fatalf("view_closed = %+v", cb)
		}
	}
	if n := len(f.fake.Views(f.ada.ID)); n != 0 {
		t.Fatalf("%d views left open", n)
	}

	// App Home: publish, open, republish with a stale hash.
	home := slack.HomeTabViewRequest{Type: slack.VTHomeTab, CallbackID: "home",
		Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", "Your services", false, false), nil, nil)}}}
	pub, err := api.PublishViewContext(f.ctx, slack.PublishViewContextRequest{UserID: f.ada.ID, View: home})
	if err != nil {
		t.Fatal(err)
	}
	stale := "1.x"
	if _, err := api.PublishViewContext(f.ctx, slack.PublishViewContextRequest{UserID: f.ada.ID, View: home, Hash: &stale}); slackErr(t, err).Err != "hash_conflict" {
		t.Fatalf("stale home hash: %v", err)
	}
	if _, err := f.fake.OpenAppHome(f.ctx, f.ada.ID); err != nil {
		t.Fatal(err)
	}
	ev := <-rec.events
	opened2, ok := ev.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent)
	dm, _ := f.fake.DMChannel(f.ada.ID)
	if !ok || opened2.User != f.ada.ID || opened2.Tab != "home" || opened2.Channel != dm || opened2.View == nil || opened2.View.ID != pub.ID {
		t.Fatalf("app_home_opened = %+v", ev.InnerEvent.Data)
	}
	if h, ok := f.fake.Home(f.ada.ID); !ok || h.ID != pub.ID || h.CallbackID != "home" {
		t.Fatalf("home = %+v", h)
	}

	// A button on the home tab.
	btn := slack.NewButtonBlockElement("refresh", "", plain("Refresh"))
	home.Blocks.BlockSet = append(home.Blocks.BlockSet, slack.NewActionBlock("", btn))
	if _, err := api.PublishViewContext(f.ctx, slack.PublishViewContextRequest{UserID: f.ada.ID, View: home}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.fake.ClickButton(f.ctx, f.ada.ID, InView(pub.ID), "refresh", ""); err != nil {
		t.Fatal(err)
	}
	cb := <-rec.interactions
	if cb.Container.Type != "view" || cb.Container.ViewID != pub.ID || cb.View.Type != slack.VTHomeTab || cb.ActionCallback.BlockActions[0].BlockID == "" {
		t.Fatalf("home block_actions = %+v", cb)
	}
}

func TestMessageIMAndShortcuts(t *testing.T) {
	f := newFixture(t, nil)
	rec, _ := newRecorder(t, f, nil)
	if _, err := f.fake.SendDM(f.ctx, f.ada.ID, "hello bot"); err != nil {
		t.Fatal(err)
	}
	ev := <-rec.events
	m, ok := ev.InnerEvent.Data.(*slackevents.MessageEvent)
	dm, _ := f.fake.DMChannel(f.ada.ID)
	if !ok || m.ChannelType != "im" || m.Text != "hello bot" || m.Channel != dm || len(f.fake.DMs(f.ada.ID)) != 1 {
		t.Fatalf("message.im = %+v", ev.InnerEvent.Data)
	}
	// Plain chatter reaches nobody; a mention does.
	said, none, err := f.fake.Say(f.ctx, f.bob.ID, "#general", "lunch?")
	if err != nil || none != nil || said.User != f.bob.ID || said.Via != "user" {
		t.Fatalf("say = %+v, %v, %v", said, none, err)
	}
	if _, d, err := f.fake.Say(f.ctx, f.bob.ID, f.gen.ID, "hey <@"+f.fake.BotUser().ID+"> who owns checkout?"); err != nil || d == nil || d.PayloadType != "app_mention" {
		t.Fatalf("say with a mention: %+v, %v", d, err)
	}
	<-rec.events
	quiet := f.fake.AddChannelWith(Channel{Name: "quiet"})
	if _, err := f.fake.Mention(f.ctx, f.bob.ID, quiet.ID, "hello?"); !errors.Is(err, ErrNotVisible) {
		t.Fatalf("mention where the bot is not: %v", err)
	}
	d, err := f.fake.Shortcut(f.ctx, f.ada.ID, "new_service")
	if err != nil {
		t.Fatal(err)
	}
	cb := <-rec.interactions
	if cb.Type != slack.InteractionTypeShortcut || cb.CallbackID != "new_service" || cb.TriggerID != d.TriggerID {
		t.Fatalf("shortcut = %+v", cb)
	}
	_, ts, err := f.api().PostMessageContext(f.ctx, f.gen.ID, slack.MsgOptionText("deploy failed", false))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.fake.MessageShortcut(f.ctx, f.bob.ID, InMessage(f.gen.ID, ts), "open_incident"); err != nil {
		t.Fatal(err)
	}
	cb = <-rec.interactions
	if cb.Type != slack.InteractionTypeMessageAction || cb.Message.Text != "deploy failed" || cb.ResponseURL == "" {
		t.Fatalf("message_action = %+v", cb)
	}
}

func TestNotConnected(t *testing.T) {
	f := newFixture(t, nil)
	if _, err := f.fake.SlashCommand(f.ctx, f.ada.ID, f.gen.ID, "/gantry", ""); !errors.Is(err, ErrNotConnected) {
		t.Fatalf("no socket: %v", err)
	}
}
