package bot_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/bot"
	"github.com/gantryhq/gantry/bot/bottest"
)

// TestWebAPILogsCarryTheEnvelope checks that what the Web API client logs
// about a handler's call (a retry, a rate limit waited out, a payload
// refused) names the request: its envelope_id and route.
func TestWebAPILogsCarryTheEnvelope(t *testing.T) {
	clock := bottest.NewClock(bottest.Now)
	var b *bot.Bot
	h := bottest.Start(t, bottest.Options{Clock: clock, AllowAPIErrors: []string{"internal_error", "ratelimited"},
		Register: func(bb *bot.Bot) {
			b = bb
			bb.Router().Command(bot.SlashCommand{Name: "/post", Handler: func(ctx context.Context, r *bot.Request) error {
				text := r.Text
				if text == "too long" {
					text = strings.Repeat("x", 50000)
				}
				_, err := b.API().PostMessage(ctx, r.Channel.ID, bot.Message{Text: text})
				return err
			}})
		}})
	clock.AutoAdvance(h.Ctx)
	priya, general := h.User("priya").ID, h.Channel("general").ID

	cases := []struct {
		name, text, line string
		fault            func()
	}{
		{"a retry", "one", "Slack call failed; retrying", func() { h.Fake.FailNext("chat.postMessage", 503, 1) }},
		{"a rate limit", "two", "Slack rate limit: waiting as asked", func() { h.Fake.RateLimitNext("chat.postMessage", time.Second, 1) }},
		{"a refused payload", "too long", "refusing to send a payload that breaks Slack's limits", func() {}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.fault()
			mark := h.Fake.Mark()
			d, err := h.Fake.SlashCommand(h.Ctx, priya, general, "/post", c.text)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := d.Wait(h.Ctx); err != nil {
				t.Fatal(err)
			}
			h.WaitReply(mark, priya, general)
			var line struct {
				Msg        string `json:"msg"`
				EnvelopeID string `json:"envelope_id"`
				Route      string `json:"route"`
				User       string `json:"user"`
				Method     string `json:"method"`
			}
			raw := h.WaitLog(c.line)
			if err := json.Unmarshal([]byte(raw), &line); err != nil {
				t.Fatalf("%v: %s", err, raw)
			}
			if line.EnvelopeID != d.EnvelopeID || line.Route != "/post" || line.User != priya || line.Method != "chat.postMessage" {
				t.Errorf("log line %s; want envelope_id %s, route /post, user %s", raw, d.EnvelopeID, priya)
			}
		})
	}
}
