package bot_test

import (
	"testing"
	"time"

	"github.com/gantryhq/gantry/bot/bottest"
	"github.com/gantryhq/gantry/internal/slackfake"
)

// mention posts text mentioning the bot and returns the bot's reply.
func mention(t *testing.T, h *bottest.Harness, user, channel, text string) (asked, reply slackfake.Message) {
	t.Helper()
	mark := h.Fake.Mark()
	ch := h.Channel(channel)
	d, err := h.Fake.Mention(h.Ctx, h.User(user).ID, ch.ID, text)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Wait(h.Ctx); err != nil {
		t.Fatal(err)
	}
	ev, err := h.Fake.WaitSince(h.Ctx, mark, func(e slackfake.Event) bool {
		return e.Type == slackfake.EventMessagePosted && e.Message.Via == "user" && e.Message.Channel == ch.ID
	})
	if err != nil {
		t.Fatal(err)
	}
	asked = *ev.Message
	return asked, h.WaitReply(ev.Seq, h.User(user).ID, ch.ID)
}

func TestMentions(t *testing.T) {
	clock := bottest.NewClock(bottest.Now)
	start := clock.Now()
	h := bottest.Start(t, bottest.Options{Clock: clock})
	clock.AutoAdvance(h.Ctx)
	payments := h.Channel("team-payments")
	cases := []struct {
		name, text string
		want       []string
	}{
		{"who owns", "who owns checkout?", []string{"Checkout", "*Payments* in #team-payments", "<@U0PAY0003> until"}},
		{"whoowns, any case", "WhoOwns bramble/checkout", []string{"Checkout"}},
		{"just a name", "ledger", []string{"Owned through its system payments-platform"}},
		{"a channel", "who owns <#" + payments.ID + "|team-payments>?", []string{"*Team:* *Payments*"}},
		{"on call", "who's on call for payments?", []string{"*On call for Payments* (group): <@U0PAY0003>"}},
		{"on-call, short", "oncall search", []string{"<@U0SRC0002>"}},
		{"search", "search sends email", []string{"notification-service"}},
		{"info", "info checkout-api", []string{"*Provided by:* checkout"}},
		{"a bare mention", "", []string{"Ask me things like"}},
		{"hello", "hello!", []string{"Ask me things like"}},
		{"something unknown", "who owns the moon", []string{"Nothing in the catalog matches"}},
		{"a person nobody knows", "who owns <@" + h.User("newbie").ID + ">", []string{"isn't in the catalog yet"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			asked, reply := mention(t, h, "priya", "general", c.text)
			if reply.Ephemeral || reply.ThreadTS != asked.TS || reply.Channel != asked.Channel {
				t.Fatalf("want a public reply in the thread of %s, got %+v", asked.TS, reply)
			}
			containsAll(t, "reply", bottest.Text(reply), c.want...)
			containsNone(t, "reply", bottest.Text(reply), "Share in channel")
		})
	}
	if err := h.Bot.Idle(h.Ctx); err != nil {
		t.Fatal(err)
	}
	// Twelve replies in one channel are paced (about one a second after a
	// burst of two), on the clock: no 429 from Slack.
	if st := h.Fake.APICalls()["chat.postMessage"]; st.ByStatus[429] != 0 || st.OK != len(cases) {
		t.Errorf("chat.postMessage: %+v", st)
	}
	if elapsed := clock.Now().Sub(start); elapsed < 8*time.Second {
		t.Errorf("12 posts in one channel took %s on the clock; pacing allows 2 at once, then 1 a second", elapsed)
	}
}
