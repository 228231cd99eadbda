package slackfake

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

// post calls a Web API method with raw HTTP, for what slack-go cannot show
// (missing tokens, the exact body).
func post(t *testing.T, f *fixture, method string, header http.Header, body string, contentType string) (int, map[string]any, http.Header) {
	t.Helper()
	req, err := http.NewRequestWithContext(f.ctx, http.MethodPost, f.fake.APIURL()+method, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if header != nil {
		req.Header = header.Clone()
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out, resp.Header
}

func TestAuth(t *testing.T) {
	f := newFixture(t, nil)
	bearer := func(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }
	form := "application/x-www-form-urlencoded"
	tests := []struct {
		name, method string
		header       http.Header
		body         string
		wantErr      string
	}{
		{"no token", "auth.test", nil, "", "not_authed"},
		{"unknown token", "auth.test", bearer("xoxb-nope"), "", "invalid_auth"},
		{"unknown token in form", "auth.test", nil, "token=xoxb-nope", "invalid_auth"},
		{"bot token in form", "auth.test", nil, "token=" + f.fake.BotToken(), ""},
		{"app token on a bot method", "chat.postMessage", bearer(f.fake.AppToken()), "channel=general&text=hi", "not_allowed_token_type"},
		{"bot token on apps.connections.open", "apps.connections.open", bearer(f.fake.BotToken()), "", "not_allowed_token_type"},
		{"app token on apps.connections.open", "apps.connections.open", bearer(f.fake.AppToken()), "", ""},
		{"unknown method", "chat.nope", bearer(f.fake.BotToken()), "", "unknown_method"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body, _ := post(t, f, tt.method, tt.header, tt.body, form)
			if status != http.StatusOK {
				t.Fatalf("status %d", status)
			}
			if got, _ := body["error"].(string); got != tt.wantErr {
				t.Fatalf("error %q, want %q (body %v)", got, tt.wantErr, body)
			}
		})
	}

	resp, err := f.api().AuthTestContext(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	bot := f.fake.BotUser()
	if resp.UserID != bot.ID || resp.BotID != bot.BotID || resp.TeamID != f.fake.Team().ID {
		t.Fatalf("auth.test = %+v, bot %+v", resp, bot)
	}
}

func TestChatLifecycle(t *testing.T) {
	f := newFixture(t, nil)
	api := f.api()
	blocks := slack.MsgOptionBlocks(slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", "*hello*", false, false), nil, nil))
	ch, ts, err := api.PostMessageContext(f.ctx, "#general", slack.MsgOptionText("hello", false), blocks)
	if err != nil {
		t.Fatal(err)
	}
	if ch != f.gen.ID || ts == "" {
		t.Fatalf("posted to %q at %q", ch, ts)
	}
	if _, _, err := api.PostMessageContext(f.ctx, f.gen.ID, slack.MsgOptionText("reply", false), slack.MsgOptionTS(ts)); err != nil {
		t.Fatal(err)
	}
	if th := f.fake.Thread(f.gen.ID, ts); len(th) != 2 || th[0].ReplyCount != 1 || th[1].ThreadTS != ts {
		t.Fatalf("thread = %+v", th)
	}
	msgs := f.fake.Messages(f.gen.ID)
	var got []map[string]any
	if err := json.Unmarshal(msgs[0].Blocks, &got); err != nil || got[0]["block_id"] == "" || got[0]["block_id"] == nil {
		t.Fatalf("blocks %s: Slack fills in block_id (%v)", msgs[0].Blocks, err)
	}

	if _, _, _, err := api.UpdateMessageContext(f.ctx, f.gen.ID, ts, slack.MsgOptionText("hello again", false)); err != nil {
		t.Fatal(err)
	}
	m, _ := f.fake.Message(f.gen.ID, ts)
	if m.Text != "hello again" || m.Edited == nil || len(m.History) != 1 || m.History[0].Text != "hello" || len(m.Blocks) == 0 {
		t.Fatalf("updated message = %+v (blocks kept, history recorded)", m)
	}

	ets, err := api.PostEphemeralContext(f.ctx, f.gen.ID, f.ada.ID, slack.MsgOptionText("psst", false))
	if err != nil {
		t.Fatal(err)
	}
	if e := f.fake.Ephemerals(f.ada.ID); len(e) != 1 || e[0].TS != ets || e[0].VisibleTo != f.ada.ID {
		t.Fatalf("ephemerals = %+v", e)
	}
	if len(f.fake.Ephemerals(f.bob.ID)) != 0 {
		t.Fatal("bob sees ada's ephemeral")
	}

	if _, _, err := api.DeleteMessageContext(f.ctx, f.gen.ID, ts); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.fake.Message(f.gen.ID, ts); ok {
		t.Fatal("deleted message still readable")
	}

	// A person's message: the app may not edit it.
	f.fake.mu.Lock()
	theirs := f.fake.addMessageLocked(&Message{Channel: f.gen.ID, User: f.ada.ID, Text: "mine", Via: "user"})
	f.fake.mu.Unlock()
	outside := f.fake.AddChannelWith(Channel{Name: "secret"})

	errTests := []struct {
		name string
		call func() error
		want string
	}{
		{"unknown channel", func() error {
			_, _, err := api.PostMessageContext(f.ctx, "C404", slack.MsgOptionText("x", false))
			return err
		}, "channel_not_found"},
		{"bot not in channel", func() error {
			_, _, err := api.PostMessageContext(f.ctx, outside.ID, slack.MsgOptionText("x", false))
			return err
		}, "not_in_channel"},
		{"no text", func() error {
			_, _, err := api.PostMessageContext(f.ctx, f.gen.ID)
			return err
		}, "no_text"},
		{"update a deleted message", func() error {
			_, _, _, err := api.UpdateMessageContext(f.ctx, f.gen.ID, ts, slack.MsgOptionText("x", false))
			return err
		}, "message_not_found"},
		{"update someone else's message", func() error {
			_, _, _, err := api.UpdateMessageContext(f.ctx, f.gen.ID, theirs.TS, slack.MsgOptionText("x", false))
			return err
		}, "cant_update_message"},
		{"ephemeral to unknown user", func() error {
			_, err := api.PostEphemeralContext(f.ctx, f.gen.ID, "U404", slack.MsgOptionText("x", false))
			return err
		}, "user_not_found"},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			if got := slackErr(t, tt.call()).Err; got != tt.want {
				t.Fatalf("error %q, want %q", got, tt.want)
			}
		})
	}
}

func TestJSONBodyAndFormToken(t *testing.T) {
	f := newFixture(t, nil)
	hdr := http.Header{"Authorization": {"Bearer " + f.fake.BotToken()}}
	body := `{"channel":"` + f.gen.ID + `","text":"json","blocks":[{"type":"divider"}]}`
	_, res, _ := post(t, f, "chat.postMessage", hdr, body, "application/json; charset=utf-8")
	if res["ok"] != true || res["channel"] != f.gen.ID {
		t.Fatalf("json post = %v", res)
	}
	msg, _ := res["message"].(map[string]any)
	if msg["bot_id"] != f.fake.BotUser().BotID || msg["ts"] != res["ts"] {
		t.Fatalf("message object = %v", msg)
	}
	form := url.Values{"token": {f.fake.BotToken()}, "channel": {"general"}, "text": {"form"}}.Encode()
	_, res, _ = post(t, f, "chat.postMessage", nil, form, "application/x-www-form-urlencoded")
	if res["ok"] != true {
		t.Fatalf("form post = %v", res)
	}
	if n := len(f.fake.Messages(f.gen.ID)); n != 2 {
		t.Fatalf("%d messages, want 2", n)
	}
}

func TestDirectory(t *testing.T) {
	f := newFixture(t, nil)
	api := f.api()
	u, err := api.GetUserInfoContext(f.ctx, f.ada.ID)
	if err != nil || u.Name != "ada" || u.RealName != "Ada Lovelace" || u.Profile.Email != "ada@example.com" || u.IsBot {
		t.Fatalf("users.info = %+v, %v", u, err)
	}
	byEmail, err := api.GetUserByEmailContext(f.ctx, "BOB@example.com")
	if err != nil || byEmail.ID != f.bob.ID {
		t.Fatalf("lookupByEmail = %+v, %v", byEmail, err)
	}
	botInfo, err := api.GetUserInfoContext(f.ctx, f.fake.BotUser().ID)
	if err != nil || !botInfo.IsBot {
		t.Fatalf("bot users.info = %+v, %v", botInfo, err)
	}
	ch1, noop1, already1, err := api.OpenConversationContext(f.ctx, &slack.OpenConversationParameters{Users: []string{f.ada.ID}})
	if err != nil || !strings.HasPrefix(ch1.ID, "D") || noop1 || already1 {
		t.Fatalf("first conversations.open = %+v %v %v %v", ch1, noop1, already1, err)
	}
	ch2, _, already2, err := api.OpenConversationContext(f.ctx, &slack.OpenConversationParameters{Users: []string{f.ada.ID}})
	if err != nil || ch2.ID != ch1.ID || !already2 {
		t.Fatalf("second conversations.open = %+v %v %v: the DM must be stable", ch2, already2, err)
	}
	info, err := api.GetConversationInfoContext(f.ctx, &slack.GetConversationInfoInput{ChannelID: f.gen.ID})
	if err != nil || info.Name != "general" || !info.IsMember || !info.IsChannel {
		t.Fatalf("conversations.info = %+v, %v", info, err)
	}

	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"users.info unknown", func() error { _, err := api.GetUserInfoContext(f.ctx, "U404"); return err }, "user_not_found"},
		{"users.info many unknown", func() error { _, err := api.GetUsersInfoContext(f.ctx, f.ada.ID, "U404"); return err }, "users_not_found"},
		{"lookupByEmail unknown", func() error { _, err := api.GetUserByEmailContext(f.ctx, "nobody@example.com"); return err }, "users_not_found"},
		{"conversations.info unknown", func() error {
			_, err := api.GetConversationInfoContext(f.ctx, &slack.GetConversationInfoInput{ChannelID: "C404"})
			return err
		}, "channel_not_found"},
		{"conversations.open unknown user", func() error {
			_, _, _, err := api.OpenConversationContext(f.ctx, &slack.OpenConversationParameters{Users: []string{"U404"}})
			return err
		}, "user_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := slackErr(t, tt.call()).Err; got != tt.want {
				t.Fatalf("error %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRateLimitAndFaults(t *testing.T) {
	f := newFixture(t, nil)
	api := f.api()
	random := f.fake.AddChannel("random")
	postTo := func(ch string) error {
		_, _, err := api.PostMessageContext(f.ctx, ch, slack.MsgOptionText("x", false))
		return err
	}
	// The burst allowance, then about one per second per channel.
	for i := range 3 {
		if err := postTo(f.gen.ID); err != nil {
			t.Fatalf("post %d: %v", i, err)
		}
	}
	var rl *slack.RateLimitedError
	if err := postTo(f.gen.ID); !errors.As(err, &rl) || rl.RetryAfter != time.Second {
		t.Fatalf("4th post: %v, want a RateLimitedError with Retry-After 1s", err)
	}
	if err := postTo(random.ID); err != nil {
		t.Fatalf("another channel has its own budget: %v", err)
	}
	f.clock.Advance(time.Second)
	if err := postTo(f.gen.ID); err != nil {
		t.Fatalf("after Retry-After: %v", err)
	}

	hdr := http.Header{"Authorization": {"Bearer " + f.fake.BotToken()}}
	f.fake.RateLimitNext("users.info", 30*time.Second, 1)
	status, body, h := post(t, f, "users.info", hdr, "user="+f.ada.ID, "application/x-www-form-urlencoded")
	if status != http.StatusTooManyRequests || h.Get("Retry-After") != "30" || body["error"] != "ratelimited" {
		t.Fatalf("forced 429: %d %v Retry-After=%q", status, body, h.Get("Retry-After"))
	}
	if _, err := api.GetUserInfoContext(f.ctx, f.ada.ID); err != nil {
		t.Fatalf("the fault is used up: %v", err)
	}

	f.fake.FailNext("*", http.StatusInternalServerError, 1)
	var sce slack.StatusCodeError
	if _, err := api.AuthTestContext(f.ctx); !errors.As(err, &sce) || sce.Code != http.StatusInternalServerError {
		t.Fatalf("forced 500: %v", err)
	}
	f.fake.FailNextError("chat.postMessage", "fatal_error", 1)
	if got := slackErr(t, postTo(random.ID)).Err; got != "fatal_error" {
		t.Fatalf("forced error %q", got)
	}
	// Done, then answered 500: the message is there all the same.
	before := len(f.fake.Messages(random.ID))
	f.fake.FailNextAfterProcessing("chat.postMessage", http.StatusInternalServerError, 1)
	if err := postTo(random.ID); !errors.As(err, &sce) || sce.Code != http.StatusInternalServerError {
		t.Fatalf("forced 500 after posting: %v", err)
	}
	if n := len(f.fake.Messages(random.ID)); n != before+1 {
		t.Fatalf("%d messages after a post answered 500, want %d", n, before+1)
	}

	f.fake.SetLatency("auth.test", time.Hour)
	short, cancel := context.WithTimeout(f.ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := api.AuthTestContext(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("slow auth.test: %v", err)
	}
	f.fake.SetLatency("auth.test", 0)
	if _, err := api.AuthTestContext(f.ctx); err != nil {
		t.Fatal(err)
	}

	calls := f.fake.APICalls()["chat.postMessage"]
	if calls.ByStatus[http.StatusTooManyRequests] != 1 || calls.ByError["ratelimited"] != 1 || calls.OK != 5 || calls.ByError["fatal_error"] != 1 {
		t.Fatalf("chat.postMessage counters = %+v", calls)
	}
}

func TestLimitsNameTheBlock(t *testing.T) {
	f := newFixture(t, nil)
	api := f.api()
	section := func(text string) slack.Block {
		return slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", text, false, false), nil, nil)
	}
	many := func(n int) []slack.Block {
		out := make([]slack.Block, n)
		for i := range out {
			out[i] = slack.NewDividerBlock()
		}
		return out
	}
	long := strings.Repeat("x", 3001)
	tests := []struct {
		name     string
		call     func() error
		wantCode string
		wantMsg  string
	}{
		{"51 blocks", func() error {
			_, _, err := api.PostMessageContext(f.ctx, f.gen.ID, slack.MsgOptionBlocks(many(51)...))
			return err
		}, "invalid_blocks", "[ERROR] no more than 50 items allowed [json-pointer:/blocks]"},
		{"section text 3001", func() error {
			blocks := append(many(3), section(long))
			_, _, err := api.PostMessageContext(f.ctx, f.gen.ID, slack.MsgOptionBlocks(blocks...))
			return err
		}, "invalid_blocks", "[ERROR] must be less than 3001 characters [json-pointer:/blocks/3/text/text]"},
		{"block_id 256", func() error {
			b := slack.NewDividerBlock()
			b.BlockID = strings.Repeat("b", 256)
			_, _, err := api.PostMessageContext(f.ctx, f.gen.ID, slack.MsgOptionBlocks(b))
			return err
		}, "invalid_blocks", "[ERROR] must be less than 256 characters [json-pointer:/blocks/0/block_id]"},
		{"action_id 256", func() error {
			btn := slack.NewButtonBlockElement(strings.Repeat("a", 256), "v", slack.NewTextBlockObject("plain_text", "Go", false, false))
			_, _, err := api.PostMessageContext(f.ctx, f.gen.ID, slack.MsgOptionBlocks(slack.NewActionBlock("acts", btn)))
			return err
		}, "invalid_blocks", "[ERROR] must be less than 256 characters [json-pointer:/blocks/0/elements/0/action_id]"},
		{"text 40001", func() error {
			_, _, err := api.PostMessageContext(f.ctx, f.gen.ID, slack.MsgOptionText(strings.Repeat("t", 40001), false))
			return err
		}, "msg_too_long", ""},
		{"modal title 25", func() error {
			_, err := api.OpenViewContext(f.ctx, "1.2.3", slack.ModalViewRequest{Type: slack.VTModal,
				Title:  slack.NewTextBlockObject("plain_text", strings.Repeat("T", 25), false, false),
				Blocks: slack.Blocks{BlockSet: many(1)}})
			return err
		}, "invalid_arguments", "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]"},
		{"101 blocks in a modal", func() error {
			_, err := api.OpenViewContext(f.ctx, "1.2.3", slack.ModalViewRequest{Type: slack.VTModal,
				Title:  slack.NewTextBlockObject("plain_text", "Hi", false, false),
				Blocks: slack.Blocks{BlockSet: many(101)}})
			return err
		}, "invalid_arguments", "[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]"},
		{"101 blocks in a home tab", func() error {
			_, err := api.PublishViewContext(f.ctx, slack.PublishViewContextRequest{UserID: f.ada.ID,
				View: slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: many(101)}}})
			return err
		}, "invalid_arguments", "[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			se := slackErr(t, tt.call())
			if se.Err != tt.wantCode {
				t.Fatalf("error %q, want %q (%v)", se.Err, tt.wantCode, se.ResponseMetadata.Messages)
			}
			if tt.wantMsg != "" && !containsString(se.ResponseMetadata.Messages, tt.wantMsg) {
				t.Fatalf("messages %q lack %q", se.ResponseMetadata.Messages, tt.wantMsg)
			}
		})
	}
	if n := len(f.fake.Messages(f.gen.ID)); n != 0 {
		t.Fatalf("%d rejected messages were stored", n)
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
