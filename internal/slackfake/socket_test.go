package slackfake

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/gantryhq/gantry/internal/slackfake/blocklimits"
)

// dialRaw opens a Socket Mode connection by hand, to look at frames.
func dialRaw(t *testing.T, f *fixture) (*websocket.Conn, string) {
	t.Helper()
	_, wsURL, err := f.api().StartSocketModeContext(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(wsURL, "ws://127.0.0.1:") || !strings.Contains(wsURL, "/link/?") || !strings.Contains(wsURL, "app_id="+f.fake.AppID()) {
		t.Fatalf("apps.connections.open url %q", wsURL)
	}
	conn, _, err := websocket.DefaultDialer.DialContext(f.ctx, wsURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn, wsURL
}

func readFrame(t *testing.T, conn *websocket.Conn) map[string]any {
	t.Helper()
	var m map[string]any
	if err := conn.ReadJSON(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestHelloPingsAndOneTimeTicket(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.PingInterval = 5 * time.Millisecond })
	conn, wsURL := dialRaw(t, f)
	hello := readFrame(t, conn)
	debug, _ := hello["debug_info"].(map[string]any)
	info, _ := hello["connection_info"].(map[string]any)
	if hello["type"] != "hello" || hello["num_connections"] != float64(1) || debug["host"] == "" || debug["host"] == nil ||
		info["app_id"] != f.fake.AppID() {
		t.Fatalf("hello = %v", hello)
	}

	pings := make(chan string, 16)
	conn.SetPingHandler(func(data string) error {
		select {
		case pings <- data:
		default:
		}
		return conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	})
	go func() {
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				return
			}
		}
	}()
	for i := range 2 {
		select {
		case <-pings:
		case <-f.ctx.Done():
			t.Fatalf("ping %d never came", i)
		}
	}
	if c := f.fake.Connections(); len(c) != 1 || c[0].Pings < 2 {
		t.Fatalf("connections = %+v", c)
	}

	_, resp, err := websocket.DefaultDialer.DialContext(f.ctx, wsURL, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("reusing a ticket: %v %v", err, resp)
	}
}

func TestSlashCommandAckBecomesMessage(t *testing.T) {
	f := newFixture(t, nil)
	seen := make(chan slack.SlashCommand, 8)
	f.startBot(t, func(b *bot, evt socketmode.Event) {
		if evt.Type != socketmode.EventTypeSlashCommand {
			return
		}
		cmd := evt.Data.(slack.SlashCommand)
		seen <- cmd
		switch cmd.Text {
		case "ephemeral":
			b.ack(evt, map[string]any{"text": "only you"})
		case "in_channel":
			b.ack(evt, map[string]any{"response_type": "in_channel", "text": "everyone"})
		case "invalid":
			blocks := make([]slack.Block, 51)
			for i := range blocks {
				blocks[i] = slack.NewDividerBlock()
			}
			b.ack(evt, map[string]any{"blocks": blocks})
		default:
			b.ack(evt)
		}
	})
	waitConnected(t, f, 1)

	tests := []struct {
		text          string
		wantEphemeral bool
		wantText      string
		wantErrCode   string
	}{
		{"ephemeral", true, "only you", ""},
		{"in_channel", false, "everyone", ""},
		{"empty", false, "", ""},
		{"invalid", false, "", blocklimits.CodeInvalidBlocks},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			d, err := f.fake.SlashCommand(f.ctx, f.ada.ID, f.gen.ID, "/gantry", tt.text)
			if err != nil {
				t.Fatal(err)
			}
			cmd := <-seen
			if cmd.Command != "/gantry" || cmd.Text != tt.text || cmd.UserID != f.ada.ID || cmd.UserName != "ada" ||
				cmd.ChannelID != f.gen.ID || cmd.ChannelName != "general" || cmd.TeamID != f.fake.Team().ID ||
				cmd.TriggerID != d.TriggerID || cmd.ResponseURL != d.ResponseURL || cmd.APIAppID != f.fake.AppID() {
				t.Fatalf("slack-go parsed %+v; delivery %+v", cmd, d)
			}
			ack, err := d.Wait(f.ctx)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantErrCode != "" {
				var le *blocklimits.Error
				if !errors.As(ack.Err, &le) || le.Code != tt.wantErrCode || ack.Message != nil {
					t.Fatalf("ack result %+v, want refusal %s", ack, tt.wantErrCode)
				}
				return
			}
			if tt.wantText == "" {
				if ack.Message != nil || ack.Payload != nil {
					t.Fatalf("empty ack produced %+v", ack)
				}
				return
			}
			m := ack.Message
			if m == nil || m.Text != tt.wantText || m.Ephemeral != tt.wantEphemeral || m.Via != "ack" {
				t.Fatalf("ack message = %+v", m)
			}
			if tt.wantEphemeral && (m.VisibleTo != f.ada.ID || len(f.fake.Ephemerals(f.ada.ID)) == 0) {
				t.Fatalf("ephemeral not shown to ada: %+v", m)
			}
			if !tt.wantEphemeral {
				if got, ok := f.fake.Message(f.gen.ID, m.TS); !ok || got.Ephemeral {
					t.Fatalf("in_channel reply not in #general: %+v", got)
				}
			}
		})
	}
	if st := f.fake.EnvelopeStats(); st.Acked != len(tests) || st.Lost != 0 || st.Pending != 0 {
		t.Fatalf("envelope stats = %+v", st)
	}
}

func TestAckTracking(t *testing.T) {
	f := newFixture(t, nil)
	release := make(chan struct{})
	retries := make(chan *socketmode.Request, 8)
	mentions := make(chan *slackevents.AppMentionEvent, 8)
	f.startBot(t, func(b *bot, evt socketmode.Event) {
		switch evt.Type {
		case socketmode.EventTypeSlashCommand:
			cmd := evt.Data.(slack.SlashCommand)
			switch cmd.Text {
			case "slow":
				<-release // the test moves the clock meanwhile
				b.ack(evt)
			case "twice":
				b.ack(evt)
				b.ack(evt)
			}
		case socketmode.EventTypeEventsAPI:
			ev := evt.Data.(slackevents.EventsAPIEvent)
			m, ok := ev.InnerEvent.Data.(*slackevents.AppMentionEvent)
			if !ok {
				return
			}
			if strings.Contains(m.Text, "retry me") {
				mentions <- m
				if evt.Request.RetryAttempt > 0 {
					retries <- evt.Request
					b.ack(evt)
				}
			}
			// "ignore me": never acked
		case socketmode.EventTypeInteractive:
			// shortcuts are never acked here
		}
	})
	waitConnected(t, f, 1)

	t.Run("latency on the injected clock", func(t *testing.T) {
		d, err := f.fake.SlashCommand(f.ctx, f.ada.ID, f.gen.ID, "/gantry", "slow")
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(1500 * time.Millisecond)
		close(release)
		ack, err := d.Wait(f.ctx)
		if err != nil || ack.Latency != 1500*time.Millisecond {
			t.Fatalf("ack %+v, %v; want latency 1.5s", ack, err)
		}
	})

	t.Run("duplicate ack", func(t *testing.T) {
		mark := f.fake.Mark()
		d, err := f.fake.SlashCommand(f.ctx, f.ada.ID, f.gen.ID, "/gantry", "twice")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.fake.WaitSince(f.ctx, mark, IsType(EventAckDuplicate)); err != nil {
			t.Fatal(err)
		}
		if a := d.Attempts(); len(a) != 1 || !a[0].Acked || a[0].Duplicates != 1 {
			t.Fatalf("attempts = %+v", a)
		}
	})

	t.Run("events_api redelivered with retry_attempt", func(t *testing.T) {
		d, err := f.fake.Mention(f.ctx, f.ada.ID, f.gen.ID, "retry me")
		if err != nil {
			t.Fatal(err)
		}
		first := <-mentions
		if first.User != f.ada.ID || first.Channel != f.gen.ID || !strings.HasPrefix(first.Text, "<@"+f.fake.BotUser().ID+">") {
			t.Fatalf("app_mention = %+v", first)
		}
		f.clock.Advance(3 * time.Second)
		f.fake.Tick()
		req := <-retries
		if req.RetryAttempt != 1 || req.RetryReason != "timeout" || req.EnvelopeID == d.EnvelopeID {
			t.Fatalf("redelivery = %+v", req)
		}
		ack, err := d.Wait(f.ctx)
		if err != nil || ack.Attempt != 1 || ack.EnvelopeID != req.EnvelopeID {
			t.Fatalf("ack %+v, %v", ack, err)
		}
	})

	t.Run("events_api given up after 3 retries", func(t *testing.T) {
		d, err := f.fake.Mention(f.ctx, f.ada.ID, f.gen.ID, "ignore me")
		if err != nil {
			t.Fatal(err)
		}
		for range 4 {
			f.clock.Advance(3 * time.Second)
			f.fake.Tick()
		}
		if _, err := d.Wait(f.ctx); !errors.Is(err, ErrNotAcked) {
			t.Fatalf("wait: %v, want ErrNotAcked", err)
		}
		a := d.Attempts()
		if len(a) != 4 || a[3].Attempt != 3 || a[3].RetryReason != "timeout" || !a[3].Lost {
			t.Fatalf("attempts = %+v", a)
		}
	})

	t.Run("interactive is not redelivered", func(t *testing.T) {
		d, err := f.fake.Shortcut(f.ctx, f.ada.ID, "new_service")
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(3 * time.Second)
		f.fake.Tick()
		if _, err := d.Wait(f.ctx); !errors.Is(err, ErrNotAcked) || len(d.Attempts()) != 1 {
			t.Fatalf("wait: %v, attempts %d", err, len(d.Attempts()))
		}
	})

	st := f.fake.EnvelopeStats()
	if st.Redeliveries != 4 || st.Lost != 2 || st.Duplicates != 1 || st.Acked != 3 || st.MaxLatency != 1500*time.Millisecond || st.Pending != 0 {
		t.Fatalf("envelope stats = %+v", st)
	}
}

func TestOversizedAckIsDropped(t *testing.T) {
	f := newFixture(t, nil)
	conn, _ := dialRaw(t, f)
	readFrame(t, conn) // hello
	waitConnected(t, f, 1)
	d, err := f.fake.SlashCommand(f.ctx, f.ada.ID, f.gen.ID, "/gantry", "big")
	if err != nil {
		t.Fatal(err)
	}
	env := readFrame(t, conn)
	payload, _ := env["payload"].(map[string]any)
	if env["type"] != "slash_commands" || env["accepts_response_payload"] != true || env["envelope_id"] != d.EnvelopeID || payload["command"] != "/gantry" {
		t.Fatalf("envelope = %v", env)
	}
	big := map[string]any{"envelope_id": d.EnvelopeID, "payload": map[string]any{"text": strings.Repeat("x", 21000)}}
	if err := conn.WriteJSON(big); err != nil {
		t.Fatal(err)
	}
	ev, err := f.fake.WaitFor(f.ctx, IsType(EventAckRejected))
	if err != nil || ev.Envelope == nil || ev.Envelope.EnvelopeID != d.EnvelopeID {
		t.Fatalf("rejection event %+v, %v", ev, err)
	}
	var le *blocklimits.Error
	if errs := d.AckErrors(); len(errs) != 1 || !errors.As(errs[0], &le) || le.Code != blocklimits.CodeAckTooLarge {
		t.Fatalf("ack errors = %v", errs)
	}
	select {
	case <-d.Done():
		t.Fatal("a dropped ack must not count as an ack")
	default:
	}
	// A proper ack still gets through.
	if err := conn.WriteJSON(map[string]any{"envelope_id": d.EnvelopeID}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Wait(f.ctx); err != nil {
		t.Fatal(err)
	}
}

func TestDisconnectAndReconnect(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.DisconnectGrace = time.Hour })
	f.startBot(t, func(b *bot, evt socketmode.Event) {
		if evt.Type == socketmode.EventTypeSlashCommand {
			b.ack(evt, map[string]any{"text": "pong"})
		}
	})
	waitConnected(t, f, 1)
	tests := []struct {
		name  string
		fault func() int
	}{
		{"warning", func() int { return f.fake.Disconnect("warning") }},
		{"refresh_requested", func() int { return f.fake.Disconnect("refresh_requested") }},
		{"link_disabled", func() int { return f.fake.Disconnect("link_disabled") }},
		{"killed socket", f.fake.KillSockets},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mark := f.fake.Mark()
			if n := tt.fault(); n != 1 {
				t.Fatalf("affected %d sockets, want 1", n)
			}
			if _, err := f.fake.WaitSince(f.ctx, mark, IsType(EventSocketClosed)); err != nil {
				t.Fatal(err)
			}
			if _, err := f.fake.WaitSince(f.ctx, mark, IsType(EventSocketOpened)); err != nil {
				t.Fatal(err)
			}
			d, err := f.fake.SlashCommand(f.ctx, f.ada.ID, f.gen.ID, "/ping", "")
			if err != nil {
				t.Fatal(err)
			}
			if ack, err := d.Wait(f.ctx); err != nil || ack.Message == nil || ack.Message.Text != "pong" {
				t.Fatalf("after reconnecting: %+v, %v", ack, err)
			}
		})
	}
}

func TestTenConnectionsRoundRobin(t *testing.T) {
	f := newFixture(t, nil)
	var counts [10]atomic.Int32
	for i := range counts {
		f.startBot(t, func(b *bot, evt socketmode.Event) {
			if evt.Type == socketmode.EventTypeSlashCommand {
				counts[i].Add(1)
				b.ack(evt)
			}
		})
	}
	waitConnected(t, f, 10)
	var ds []*Delivery
	for range 20 {
		d, err := f.fake.SlashCommand(f.ctx, f.ada.ID, f.gen.ID, "/gantry", "")
		if err != nil {
			t.Fatal(err)
		}
		ds = append(ds, d)
	}
	for _, d := range ds {
		if _, err := d.Wait(f.ctx); err != nil {
			t.Fatal(err)
		}
	}
	for i := range counts {
		if n := counts[i].Load(); n != 2 {
			t.Fatalf("bot %d got %d envelopes, want 2 (round robin)", i, n)
		}
	}

	mark := f.fake.Mark()
	_, stop := f.runBot(nil)
	defer stop()
	ev, err := f.fake.WaitSince(f.ctx, mark, IsType(EventSocketRejected))
	if err != nil || ev.Reason != "too_many_websockets" {
		t.Fatalf("11th connection: %+v, %v", ev, err)
	}
	if n := len(f.fake.Connections()); n != 10 {
		t.Fatalf("%d connections, want 10", n)
	}
}

func TestResponseURL(t *testing.T) {
	f := newFixture(t, nil)
	f.startBot(t, func(b *bot, evt socketmode.Event) {
		if evt.Type == socketmode.EventTypeSlashCommand {
			b.ack(evt)
		}
	})
	waitConnected(t, f, 1)
	api := f.api()
	d, err := f.fake.SlashCommand(f.ctx, f.ada.ID, f.gen.ID, "/gantry", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Wait(f.ctx); err != nil {
		t.Fatal(err)
	}
	send := func(opts ...slack.MsgOption) error {
		_, _, err := api.PostMessageContext(f.ctx, "", opts...)
		return err
	}
	uses := []struct {
		name  string
		opts  []slack.MsgOption
		check func() bool
	}{
		{"in_channel", []slack.MsgOption{slack.MsgOptionResponseURL(d.ResponseURL, slack.ResponseTypeInChannel), slack.MsgOptionText("for all", false)},
			func() bool {
				m := f.fake.Messages(f.gen.ID)
				return len(m) == 1 && m[0].Text == "for all" && m[0].Via == "response_url"
			}},
		{"ephemeral", []slack.MsgOption{slack.MsgOptionResponseURL(d.ResponseURL, slack.ResponseTypeEphemeral), slack.MsgOptionText("for ada", false)},
			func() bool { e := f.fake.Ephemerals(f.ada.ID); return len(e) == 1 && e[0].Text == "for ada" }},
		{"replace_original", []slack.MsgOption{slack.MsgOptionReplaceOriginal(d.ResponseURL), slack.MsgOptionText("replaced", false)},
			func() bool {
				e := f.fake.Ephemerals(f.ada.ID)
				return len(e) == 1 && e[0].Text == "replaced" && len(e[0].History) == 1
			}},
		{"delete_original", []slack.MsgOption{slack.MsgOptionDeleteOriginal(d.ResponseURL)},
			func() bool { return len(f.fake.Ephemerals(f.ada.ID)) == 0 }},
		{"fifth use", []slack.MsgOption{slack.MsgOptionResponseURL(d.ResponseURL, slack.ResponseTypeEphemeral), slack.MsgOptionText("last", false)},
			func() bool { return len(f.fake.Ephemerals(f.ada.ID)) == 1 }},
	}
	for _, u := range uses {
		if err := send(u.opts...); err != nil {
			t.Fatalf("%s: %v", u.name, err)
		}
		if !u.check() {
			t.Fatalf("%s: state not as expected", u.name)
		}
	}
	var sce slack.StatusCodeError
	if err := send(slack.MsgOptionResponseURL(d.ResponseURL, slack.ResponseTypeEphemeral), slack.MsgOptionText("sixth", false)); !errors.As(err, &sce) || sce.Code != http.StatusNotFound {
		t.Fatalf("sixth use: %v, want a 404", err)
	}
	if body := rawPost(t, f, d.ResponseURL, `{"text":"x"}`); body["error"] != "used_url" {
		t.Fatalf("sixth use body = %v", body)
	}

	d2, err := f.fake.SlashCommand(f.ctx, f.ada.ID, f.gen.ID, "/gantry", "")
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(30 * time.Minute)
	if body := rawPost(t, f, d2.ResponseURL, `{"text":"late"}`); body["error"] != "expired_url" {
		t.Fatalf("expired use body = %v", body)
	}
}

func rawPost(t *testing.T, f *fixture, url, body string) map[string]any {
	t.Helper()
	req, _ := http.NewRequestWithContext(f.ctx, http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return out
}
