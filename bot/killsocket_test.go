package bot_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/bot/bottest"
	"github.com/gantryhq/gantry/internal/slackfake"
)

// TestSocketKilledMidStream kills the socket while a stream of events is
// arriving: the bot reopens it through its own Web API client (a 503 from
// apps.connections.open is retried there, the library never sees it), and
// every event is handled exactly once: those that died on the socket are
// redelivered, those the bot handled but whose ack was lost are skipped.
func TestSocketKilledMidStream(t *testing.T) {
	clock := bottest.NewClock(bottest.Now)
	h := bottest.Start(t, bottest.Options{
		Fake:           func(o *slackfake.Options) { o.Now = clock.Now }, // ack deadlines on the test's clock; the bot on real time
		AllowAPIErrors: []string{"internal_error"},
	})
	users := []string{"priya", "gustav", "omar", "newbie"}
	const n, killAt = 40, 15
	publishes := h.Fake.APICallCount("views.publish")
	var ds []*slackfake.Delivery
	var mark uint64
	for i := range n {
		if i == killAt {
			mark = h.Fake.Mark()
			h.Fake.FailNext("apps.connections.open", 503, 1)
			if h.Fake.KillSockets() == 0 {
				t.Fatal("no socket to kill")
			}
		}
		for {
			// As Slack keeps an event while the app has no socket, the
			// test sends it again once one is open.
			d, err := h.Fake.OpenAppHome(h.Ctx, h.User(users[i%len(users)]).ID)
			if errors.Is(err, slackfake.ErrNotConnected) {
				if err := h.Fake.WaitConnected(h.Ctx, 1); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			ds = append(ds, d)
			break
		}
	}
	waitSocket(t, h, mark)
	waitConns(t, h, 1)
	// Whatever went unacked (sent to the dead socket, or acked too late)
	// is redelivered at its deadline.
	clock.Advance(3 * time.Second)
	h.Fake.Tick()
	for i, d := range ds {
		if _, err := d.Wait(h.Ctx); err != nil {
			t.Fatalf("event %d: %v\n%s", i, err, h.Logs())
		}
	}
	if err := h.Bot.Idle(h.Ctx); err != nil {
		t.Fatal(err)
	}
	if got := h.Fake.APICallCount("views.publish") - publishes; got != n {
		t.Errorf("%d home tabs published for %d events, want one each", got, n)
	}
	st := h.Fake.EnvelopeStats()
	if st.Lost != 0 || st.Pending != 0 {
		t.Errorf("envelopes: %+v", st)
	}
	t.Logf("%d envelopes sent for %d events (%d redelivered), %d duplicates skipped by the bot",
		st.Sent, n, st.Redeliveries, int(metric(t, h.Registry, "gantry_slack_duplicate_envelopes_total", nil)))
	if got := metric(t, h.Registry, "gantry_slack_reconnects_total", nil); got < 1 {
		t.Errorf("reconnects = %v, want at least 1", got)
	}
	logs := h.Logs()
	if !strings.Contains(logs, `"msg":"Slack call failed; retrying","component":"slack","method":"apps.connections.open","status":503`) {
		t.Errorf("the 503 on apps.connections.open was not retried by the bot's Web API client:\n%s", logs)
	}
	if strings.Contains(logs, "could not connect to Slack; retrying") {
		t.Errorf("the Socket Mode library saw the failure the Web API client should have retried:\n%s", logs)
	}
	// The bot still answers.
	containsAll(t, "after the kill", bottest.Text(h.Command("priya", "general", "/whoowns", "checkout")), "*Payments*")
}
