package bot_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/gantryhq/gantry/bot"
	"github.com/gantryhq/gantry/bot/bottest"
	"github.com/gantryhq/gantry/internal/errkind"
	"github.com/gantryhq/gantry/internal/slackfake"
)

func dividers(n int) []slack.Block {
	out := make([]slack.Block, n)
	for i := range out {
		out[i] = slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", fmt.Sprintf("item %d", i+1), false, false), nil, nil)
	}
	return out
}

func TestWebAPIChecksLimitsBeforeSending(t *testing.T) {
	h := bottest.Start(t, bottest.Options{NoRun: true})
	api := h.Bot.API()
	ctx := h.Ctx
	general := h.Channel("general")

	t.Run("too many blocks for one message: posted as several, nothing cut", func(t *testing.T) {
		ts, err := api.PostMessage(ctx, general.ID, bot.Message{Text: "digest", Blocks: dividers(120)})
		if err != nil || ts == "" {
			t.Fatal(err)
		}
		msgs := h.Fake.Messages(general.ID)
		if len(msgs) != 3 || msgs[0].TS != ts || msgs[2].Text != "digest (continued, 3/3)" {
			t.Fatalf("messages: %d, %+v", len(msgs), msgs[len(msgs)-1])
		}
		total := 0
		for _, m := range msgs {
			total += len(bottest.Blocks(t, m.Blocks))
		}
		if total != 120 || !strings.Contains(string(msgs[2].Blocks), "item 120") {
			t.Errorf("%d blocks arrived, want all 120", total)
		}
	})

	cases := []struct {
		name   string
		call   func() error
		method string
		code   string
	}{
		{"a section over 3000 characters", func() error {
			return api.PostEphemeral(ctx, general.ID, h.User("priya").ID, bot.Message{Text: "x", Blocks: []slack.Block{
				slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", strings.Repeat("a", 3001), false, false), nil, nil)}})
		}, "chat.postEphemeral", "invalid_blocks"},
		{"a modal title over 24 characters", func() error {
			_, err := api.OpenView(ctx, "1.2.3", slack.ModalViewRequest{Title: slack.NewTextBlockObject("plain_text", strings.Repeat("t", 25), false, false),
				Blocks: slack.Blocks{BlockSet: dividers(1)}})
			return err
		}, "views.open", "invalid_arguments"},
		{"a home tab over 100 blocks", func() error {
			_, err := api.PublishHome(ctx, h.User("priya").ID, slack.HomeTabViewRequest{Blocks: slack.Blocks{BlockSet: dividers(101)}})
			return err
		}, "views.publish", "invalid_arguments"},
		{"a message over 40000 characters", func() error {
			return api.UpdateMessage(ctx, general.ID, "1.2", bot.Message{Text: strings.Repeat("m", 40001)})
		}, "chat.update", "msg_too_long"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.call()
			var ae *bot.APIError
			if !errors.As(err, &ae) || !ae.Local || ae.Code != c.code || !errkind.Is(err, errkind.Invalid) || len(ae.Messages) == 0 {
				t.Fatalf("got %v; want a local %s refusal", err, c.code)
			}
			if !strings.Contains(err.Error(), "was not sent") || (c.code != "msg_too_long" && !strings.Contains(err.Error(), "json-pointer")) {
				t.Errorf("error should say it was not sent and where: %v", err)
			}
			if n := h.Fake.APICallCount(c.method); n != 0 {
				t.Errorf("%s reached Slack %d times", c.method, n)
			}
		})
	}
}

func TestWebAPIErrorsForPeople(t *testing.T) {
	h := bottest.Start(t, bottest.Options{NoRun: true, AllowAPIErrors: []string{"not_in_channel", "channel_not_found", "users_not_found",
		"internal_error", "expired_trigger_id", "invalid_trigger_id"}})
	api := h.Bot.API()
	ctx := h.Ctx
	outside := h.Fake.AddChannelWith(slackfake.Channel{Name: "secret-project", IsMember: false})
	cases := []struct {
		name     string
		call     func() error
		kind     errkind.Kind
		operator string
		person   string
	}{
		{"not in the channel", func() error { _, err := api.PostMessage(ctx, outside.ID, bot.Message{Text: "hi"}); return err },
			errkind.Forbidden, "Gantry isn't a member of that channel", "Gantry isn't a member of that channel: add it with /invite @Gantry."},
		{"no such channel", func() error { _, err := api.PostMessage(ctx, "C404", bot.Message{Text: "hi"}); return err },
			errkind.NotFound, "channel_not_found", "Slack can't find that conversation"},
		{"no such e-mail", func() error { _, err := api.LookupUserByEmail(ctx, "ghost@bramble.example"); return err },
			errkind.NotFound, "users_not_found", "Slack has no user with that e-mail address."},
		{"a trigger that never was", func() error {
			_, err := api.OpenView(ctx, "1.2.3", bot.WhoOwnsModal())
			return err
		}, errkind.Conflict, "invalid_trigger_id", "Slack didn't accept the request to open a form"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.call()
			var ae *bot.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("%v is not an APIError", err)
			}
			if c.name != "a trigger that never was" && !errkind.Is(err, c.kind) {
				t.Errorf("kind %s, want %s", errkind.Of(err), c.kind)
			}
			containsAll(t, "operator message", err.Error(), c.operator)
			containsAll(t, "person's message", ae.UserMessage(), c.person)
		})
	}

	t.Run("a transient ok:false is retried", func(t *testing.T) {
		h.Fake.FailNextError("users.info", "internal_error", 2)
		u, err := api.UserInfo(ctx, "U0PAY0001")
		if err != nil || u.ID != "U0PAY0001" || u.Profile.Email != "priya@bramble.example" {
			t.Fatalf("users.info: %+v, %v", u, err)
		}
		if n := h.Fake.APICallCount("users.info"); n != 3 {
			t.Errorf("users.info called %d times, want 3", n)
		}
	})
}

func TestWebAPIGivesUpOnLongRateLimitsAndDeadServers(t *testing.T) {
	t.Run("Retry-After longer than the call may wait", func(t *testing.T) {
		h := bottest.Start(t, bottest.Options{NoRun: true, AllowAPIErrors: []string{"ratelimited"},
			Retry: &bot.RetryPolicy{MaxRateLimitWait: time.Second}})
		h.Fake.RateLimitNext("chat.postMessage", 30*time.Second, 1)
		_, err := h.Bot.API().PostMessage(h.Ctx, h.Channel("general").ID, bot.Message{Text: "hi"})
		var ae *bot.APIError
		if !errors.As(err, &ae) || ae.Code != "ratelimited" || !errkind.Is(err, errkind.Unavailable) {
			t.Fatalf("got %v", err)
		}
		containsAll(t, "person's message", ae.UserMessage(), "rate-limiting Gantry")
	})

	t.Run("an API URL that is not Slack's API", func(t *testing.T) {
		fake := slackfake.NewServer(t, slackfake.Options{})
		b, err := bot.New(bot.Options{AppToken: fake.AppToken(), BotToken: fake.BotToken(), APIURL: fake.URL() + "/nope",
			Catalog: bottest.ExampleCatalog(t)})
		if err != nil {
			t.Fatal(err)
		}
		err = b.Start(context.Background())
		if !errkind.Is(err, errkind.Invalid) || !strings.Contains(err.Error(), "slack.api_url (SLACK_API_URL)") || !strings.Contains(err.Error(), "https://slack.com/api/") {
			t.Fatalf("got %v", err)
		}
	})

	t.Run("nothing listening", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		b, err := bot.New(bot.Options{AppToken: "xapp-1", BotToken: "xoxb-1", APIURL: "http://" + addr + "/api",
			Catalog: bottest.ExampleCatalog(t), Retry: bot.RetryPolicy{Backoff: time.Millisecond}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = b.API().AuthTest(context.Background())
		var ae *bot.APIError
		if !errors.As(err, &ae) || ae.Status != 0 || ae.Attempts != 4 || !errkind.Is(err, errkind.Unavailable) {
			t.Fatalf("got %#v", err)
		}
		containsAll(t, "error", err.Error(), "could not reach Slack at http://"+addr, "after 4 attempt(s)", "slack.api_url (SLACK_API_URL)")
	})
}

// TestResponderFallsBack uses up a slash command's response_url (Slack
// allows 5 replies) and checks that the sixth reply still arrives, through
// chat.postEphemeral.
func TestResponderFallsBack(t *testing.T) {
	h := bottest.Start(t, bottest.Options{AllowAPIErrors: []string{"used_url"}, Register: func(b *bot.Bot) {
		b.Router().Command(bot.SlashCommand{Name: "/chatty", Handler: func(ctx context.Context, r *bot.Request) error {
			for i := range 6 {
				if err := r.Respond.Ephemeral(ctx, bot.Message{Text: fmt.Sprintf("reply %d", i+1)}); err != nil {
					return err
				}
			}
			return nil
		}})
	}})
	mark := h.Fake.Mark()
	h.Command("priya", "general", "/chatty", "")
	ev, err := h.Fake.WaitSince(h.Ctx, mark, func(e slackfake.Event) bool {
		return e.Type == slackfake.EventMessagePosted && e.Message.Text == "reply 6"
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, h.Logs())
	}
	if m := ev.Message; !m.Ephemeral || m.VisibleTo != h.User("priya").ID || m.Via != "chat.postEphemeral" {
		t.Fatalf("sixth reply: %+v", m)
	}
}

// TestWebAPIRetriesOnlyWhatCannotHappenTwice: a post or a views.open is
// sent again only when the failed attempt surely did nothing; one that
// Slack may have carried out is reported, not repeated. Updates, reads and
// publishing a home tab are retried after any transient failure.
func TestWebAPIRetriesOnlyWhatCannotHappenTwice(t *testing.T) {
	clock := bottest.NewClock(bottest.Now)
	h := bottest.Start(t, bottest.Options{NoRun: true, Clock: clock,
		AllowAPIErrors: []string{"internal_error", "request_timeout", "service_unavailable", "message_not_found"}})
	clock.AutoAdvance(h.Ctx) // pacing and backoff take no real time
	api := h.Bot.API()
	ctx := h.Ctx
	general, priya := h.Channel("general").ID, h.User("priya").ID
	posted, err := api.PostMessage(ctx, general, bot.Message{Text: "to update"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		fault  func()
		call   func() error
		method string
		calls  int  // attempts Slack saw
		unsure bool // reported as "may have happened"
		posts  int  // messages that appeared in #general
	}{
		{"a post answered 500 after Slack posted it", func() { h.Fake.FailNextAfterProcessing("chat.postMessage", 500, 1) },
			func() error { _, err := api.PostMessage(ctx, general, bot.Message{Text: "once"}); return err }, "chat.postMessage", 1, true, 1},
		{"a post answered 500", func() { h.Fake.FailNext("chat.postMessage", 500, 1) },
			func() error { _, err := api.PostMessage(ctx, general, bot.Message{Text: "maybe"}); return err }, "chat.postMessage", 1, true, 0},
		{"a post answered internal_error", func() { h.Fake.FailNextError("chat.postMessage", "internal_error", 1) },
			func() error { _, err := api.PostMessage(ctx, general, bot.Message{Text: "maybe"}); return err }, "chat.postMessage", 1, true, 0},
		{"a post answered 503", func() { h.Fake.FailNext("chat.postMessage", 503, 1) },
			func() error { _, err := api.PostMessage(ctx, general, bot.Message{Text: "retried"}); return err }, "chat.postMessage", 2, false, 1},
		{"a post answered request_timeout", func() { h.Fake.FailNextError("chat.postMessage", "request_timeout", 1) },
			func() error { _, err := api.PostMessage(ctx, general, bot.Message{Text: "retried"}); return err }, "chat.postMessage", 2, false, 1},
		{"a post answered service_unavailable", func() { h.Fake.FailNextError("chat.postMessage", "service_unavailable", 1) },
			func() error { _, err := api.PostMessage(ctx, general, bot.Message{Text: "retried"}); return err }, "chat.postMessage", 2, false, 1},
		{"an ephemeral answered 500 after Slack showed it", func() { h.Fake.FailNextAfterProcessing("chat.postEphemeral", 500, 1) },
			func() error { return api.PostEphemeral(ctx, general, priya, bot.Message{Text: "once"}) }, "chat.postEphemeral", 1, true, 0},
		{"an update answered 500 after Slack made it", func() { h.Fake.FailNextAfterProcessing("chat.update", 500, 1) },
			func() error { return api.UpdateMessage(ctx, general, posted, bot.Message{Text: "updated"}) }, "chat.update", 2, false, 0},
		{"a home tab answered 502", func() { h.Fake.FailNext("views.publish", 502, 2) },
			func() error { _, err := api.PublishHome(ctx, priya, bot.HomeErrorTab("0badc0de")); return err }, "views.publish", 3, false, 0},
		{"a delete answered 500 after Slack deleted it", func() { h.Fake.FailNextAfterProcessing("chat.delete", 500, 1) },
			func() error { return api.DeleteMessage(ctx, general, posted) }, "chat.delete", 2, false, -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := h.Fake.APICallCount(c.method)
			msgs := len(h.Fake.Messages(general))
			c.fault()
			err := c.call()
			if n := h.Fake.APICallCount(c.method) - before; n != c.calls {
				t.Errorf("Slack saw %d call(s) of %s, want %d", n, c.method, c.calls)
			}
			if n := len(h.Fake.Messages(general)) - msgs; n != c.posts {
				t.Errorf("%d message(s) appeared, want %d", n, c.posts)
			}
			var ae *bot.APIError
			switch {
			case !c.unsure && err != nil:
				t.Fatalf("got %v; want success after the retry", err)
			case c.unsure && (!errors.As(err, &ae) || !ae.Unsure || ae.Attempts != 1):
				t.Fatalf("got %#v; want an unsure failure after one attempt", err)
			case c.unsure:
				containsAll(t, "operator message", err.Error(), "may have carried it out anyway, so it was not sent again")
				containsAll(t, "person's message", ae.UserMessage(), "Slack didn't confirm Gantry's "+c.method, "may have gone through")
			}
		})
	}

	t.Run("a refused connection never reached Slack: retried", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		b, err := bot.New(bot.Options{AppToken: "xapp-1", BotToken: "xoxb-1", APIURL: "http://" + addr + "/api",
			Catalog: h.Catalog, Retry: bot.RetryPolicy{Backoff: time.Millisecond}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = b.API().PostMessage(ctx, general, bot.Message{Text: "hi"})
		var ae *bot.APIError
		if !errors.As(err, &ae) || ae.Unsure || ae.Attempts != 4 {
			t.Fatalf("got %#v; want four attempts", err)
		}
	})

	t.Run("a timeout after sending may have posted: not retried", func(t *testing.T) {
		b, err := bot.New(bot.Options{AppToken: h.Fake.AppToken(), BotToken: h.Fake.BotToken(), APIURL: h.Fake.APIURL(),
			Catalog: h.Catalog, Retry: bot.RetryPolicy{Backoff: time.Millisecond, Timeout: 50 * time.Millisecond}})
		if err != nil {
			t.Fatal(err)
		}
		h.Fake.SetLatency("chat.postMessage", time.Hour)
		defer h.Fake.SetLatency("chat.postMessage", 0)
		_, err = b.API().PostMessage(ctx, general, bot.Message{Text: "slow"})
		var ae *bot.APIError
		if !errors.As(err, &ae) || !ae.Unsure || ae.Attempts != 1 {
			t.Fatalf("got %#v; want an unsure failure after one attempt", err)
		}
		containsAll(t, "operator message", err.Error(), "the connection failed after the request was sent")
	})
}
