package bot_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gantryhq/gantry/bot"
	"github.com/gantryhq/gantry/bot/bottest"
	"github.com/gantryhq/gantry/internal/errkind"
	"github.com/gantryhq/gantry/internal/slackfake"
)

// metric sums a metric's samples whose labels include want.
func metric(t *testing.T, reg *prometheus.Registry, name string, want map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			for k, v := range want {
				if labels[k] != v {
					continue next
				}
			}
			switch {
			case m.Counter != nil:
				sum += m.Counter.GetValue()
			case m.Gauge != nil:
				sum += m.Gauge.GetValue()
			case m.Histogram != nil:
				sum += float64(m.Histogram.GetSampleCount())
			}
		}
	}
	return sum
}

// waitSocket waits for a socket opened after mark.
func waitSocket(t *testing.T, h *bottest.Harness, mark uint64) {
	t.Helper()
	if _, err := h.Fake.WaitSince(h.Ctx, mark, slackfake.IsType(slackfake.EventSocketOpened)); err != nil {
		t.Fatalf("the bot did not reconnect: %v\n%s", err, h.Logs())
	}
	if err := h.Fake.WaitConnected(h.Ctx, 1); err != nil {
		t.Fatal(err)
	}
}

func TestReconnectsAfterDisconnectAndKilledSocket(t *testing.T) {
	h := bottest.Start(t, bottest.Options{})
	containsAll(t, "before", bottest.Text(h.Command("priya", "general", "/whoowns", "checkout")), "*Payments*")

	for _, reason := range []string{"refresh_requested", "warning"} {
		mark := h.Fake.Mark()
		if n := h.Fake.Disconnect(reason); n != 1 {
			t.Fatalf("disconnect told %d sockets", n)
		}
		waitSocket(t, h, mark)
		containsAll(t, "after disconnect "+reason, bottest.Text(h.Command("priya", "general", "/whoowns", "ledger")), "payments-platform")
	}

	mark := h.Fake.Mark()
	if n := h.Fake.KillSockets(); n == 0 {
		t.Fatal("no socket to kill")
	}
	waitSocket(t, h, mark)
	containsAll(t, "after a killed socket", bottest.Text(h.Command("priya", "general", "/gantry", "oncall checkout")), "<@U0PAY0003>")

	if got := metric(t, h.Registry, "gantry_slack_reconnects_total", nil); got < 3 {
		t.Errorf("reconnects = %v, want at least 3", got)
	}
	if err := h.Bot.Ready(h.Ctx); err != nil {
		t.Errorf("ready after reconnecting: %v", err)
	}
	if st := h.Fake.EnvelopeStats(); st.Lost != 0 || st.Pending != 0 {
		t.Errorf("envelopes: %+v", st)
	}
}

func TestRedeliveredEventIsHandledOnce(t *testing.T) {
	clock := bottest.NewClock(bottest.Now)
	var proxy *bottest.Proxy
	h := bottest.Start(t, bottest.Options{
		Fake: func(o *slackfake.Options) { o.Now = clock.Now }, // ack deadlines on the test's clock; the bot on real time
		APIURL: func(f *slackfake.Server) string {
			proxy = bottest.NewProxy(t, f.URL())
			return proxy.URL + "/api/"
		},
	})
	general := h.Channel("general")
	proxy.DropAcks("events_api", 1) // the ack of the next event is lost on the way

	d, err := h.Fake.Mention(h.Ctx, h.User("priya").ID, general.ID, "who owns checkout?")
	if err != nil {
		t.Fatal(err)
	}
	asked := h.Fake.Messages(general.ID)[0]
	reply := h.WaitReply(0, h.User("priya").ID, general.ID)
	if reply.ThreadTS != asked.TS {
		t.Fatalf("reply %+v", reply)
	}
	if dropped := proxy.Dropped(); len(dropped) != 1 || dropped[0] != d.EnvelopeID {
		t.Fatalf("dropped acks %v, want the first delivery's %s", dropped, d.EnvelopeID)
	}

	// Slack hears no ack within 3 s and redelivers with retry_attempt 1.
	clock.Advance(3 * time.Second)
	h.Fake.Tick()
	ack, err := d.Wait(h.Ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ack.Attempt != 1 {
		t.Fatalf("acked attempt %d, want the redelivery (1)", ack.Attempt)
	}
	if a := d.Attempts(); len(a) != 2 || a[1].RetryReason != "timeout" {
		t.Fatalf("attempts = %+v", a)
	}
	// Handled once: the bot decides "already handled" before it acks, so by
	// now the redelivery was dropped: one reply in the thread, and the
	// duplicate counted.
	if replies := h.Fake.Thread(general.ID, asked.TS); len(replies) != 2 {
		t.Fatalf("thread has %d messages, want the question and one answer: %+v", len(replies), replies)
	}
	if got := metric(t, h.Registry, "gantry_slack_duplicate_envelopes_total", nil); got != 1 {
		t.Errorf("duplicates = %v, want 1", got)
	}
	if !strings.Contains(h.Logs(), "redelivered event already handled") {
		t.Errorf("the duplicate was not logged:\n%s", h.Logs())
	}
}

func TestRateLimitedPostArrivesAfterRetryAfter(t *testing.T) {
	clock := bottest.NewClock(bottest.Now)
	h := bottest.Start(t, bottest.Options{Clock: clock, AllowAPIErrors: []string{"ratelimited"}})
	general := h.Channel("general")
	h.Fake.RateLimitNext("chat.postMessage", 2*time.Second, 1)

	mark := h.Fake.Mark()
	d, err := h.Fake.Mention(h.Ctx, h.User("priya").ID, general.ID, "who owns checkout?")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Wait(h.Ctx); err != nil {
		t.Fatal(err)
	}
	asked := h.Fake.Messages(general.ID)[0]
	// The bot got a 429 and is waiting out Retry-After on the clock.
	if err := clock.WaitSleepers(h.Ctx, 1); err != nil {
		t.Fatal(err)
	}
	if s := clock.Sleeping(); len(s) != 1 || s[0] != 2*time.Second {
		t.Fatalf("the bot waits %v, want Retry-After (2s)", s)
	}
	if n := len(h.Fake.Thread(general.ID, asked.TS)); n != 1 {
		t.Fatalf("answered before Retry-After: %d messages", n)
	}
	clock.Advance(2 * time.Second)
	reply := h.WaitReply(mark, h.User("priya").ID, general.ID)
	if reply.ThreadTS != asked.TS || !strings.Contains(bottest.Text(reply), "*Payments*") {
		t.Fatalf("reply = %+v", reply)
	}
	if err := h.Bot.Idle(h.Ctx); err != nil {
		t.Fatal(err)
	}
	if at := tsTime(reply.TS); at.Sub(tsTime(asked.TS)) < 2*time.Second {
		t.Errorf("posted %s after the question, before Retry-After", at.Sub(tsTime(asked.TS)))
	}
	st := h.Fake.APICalls()["chat.postMessage"]
	if st.ByStatus[429] != 1 || st.OK != 1 {
		t.Errorf("chat.postMessage calls: %+v", st)
	}
	if got := metric(t, h.Registry, "gantry_slack_api_calls_total", map[string]string{"method": "chat.postMessage", "status": "http_429"}); got != 1 {
		t.Errorf("429s counted: %v", got)
	}
}

func tsTime(ts string) time.Time {
	var sec, usec int64
	for i, part := range strings.SplitN(ts, ".", 2) {
		n := int64(0)
		for _, c := range part {
			n = n*10 + int64(c-'0')
		}
		if i == 0 {
			sec = n
		} else {
			usec = n
		}
	}
	return time.Unix(sec, usec*1000)
}

func TestPacingKeepsAChannelUnderSlacksLimit(t *testing.T) {
	clock := bottest.NewClock(bottest.Now)
	h := bottest.Start(t, bottest.Options{Clock: clock})
	general, payments := h.Channel("general"), h.Channel("team-payments")
	start := clock.Now()
	done := make(chan error, 12)
	for i := range 12 {
		ch := general.ID
		if i%3 == 2 {
			ch = payments.ID
		}
		go func() {
			_, err := h.Bot.API().PostMessage(h.Ctx, ch, bot.Message{Text: "digest"})
			done <- err
		}()
	}
	finished := 0
	wait := func(n int) {
		t.Helper()
		for range n {
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
				finished++
			case <-h.Ctx.Done():
				t.Fatalf("%d posts finished; the rest wait %v", finished, clock.Sleeping())
			}
		}
	}
	// A burst of two per channel goes at once (Slack allows three: one is
	// kept in hand for jitter); the other eight wait for their slot
	// (#general: 1 s to 6 s, #team-payments: 1 s to 2 s).
	if err := clock.WaitSleepers(h.Ctx, 8); err != nil {
		t.Fatal(err)
	}
	wait(4)
	for finished < 12 {
		sleeping := clock.Sleeping()
		due := 0
		for _, d := range sleeping {
			if d == sleeping[0] {
				due++
			}
		}
		clock.Advance(sleeping[0])
		wait(due) // each slot's posts reach Slack before the clock moves on
	}
	st := h.Fake.APICalls()["chat.postMessage"]
	if st.ByStatus[429] != 0 || st.OK != 12 {
		t.Fatalf("chat.postMessage: %+v; pacing should avoid every 429", st)
	}
	msgs := h.Fake.Messages(general.ID)
	if last := tsTime(msgs[len(msgs)-1].TS).Sub(start); last < 6*time.Second || last >= 7*time.Second {
		t.Errorf("8 posts in #general took %s on the clock; want 6s (2 at once, then one a second)", last)
	}
	if n := len(h.Fake.Messages(payments.ID)); n != 4 {
		t.Errorf("#team-payments got %d posts", n)
	}
}

func TestRepeatedServerErrorsAreToldToThePerson(t *testing.T) {
	h := bottest.Start(t, bottest.Options{AllowAPIErrors: []string{"internal_error"}})
	general := h.Channel("general")
	priya := h.User("priya")

	t.Run("a reply in a thread", func(t *testing.T) {
		h.Fake.FailNext("chat.postMessage", 503, 4) // the first try and three retries
		mark := h.Fake.Mark()
		if _, err := h.Fake.Mention(h.Ctx, priya.ID, general.ID, "who owns checkout?"); err != nil {
			t.Fatal(err)
		}
		m := h.WaitReply(mark, priya.ID, general.ID)
		if !m.Ephemeral {
			t.Fatalf("want a private notice, got %+v", m)
		}
		text := bottest.Text(m)
		containsAll(t, "notice", text, "Slack isn't answering right now (chat.postMessage failed 4 time(s))", "try again in a minute", "(id ")
		id := regexp.MustCompile(`id ([0-9a-f]{8})`).FindStringSubmatch(text)
		if id == nil || !strings.Contains(h.Logs(), `"error_id":"`+id[1]+`"`) {
			t.Errorf("the error id is not in the logs: %v", id)
		}
		if st := h.Fake.APICalls()["chat.postMessage"]; st.ByStatus[503] != 4 {
			t.Errorf("chat.postMessage: %+v", st)
		}
	})

	t.Run("a form that cannot open", func(t *testing.T) {
		home := openHome(t, h, "priya")
		h.Fake.FailNext("views.open", 503, 4) // Slack did not take it: retried
		mark := h.Fake.Mark()
		d, err := h.Fake.ClickButton(h.Ctx, priya.ID, home.Target(), "home.whoowns", "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Wait(h.Ctx); err != nil {
			t.Fatal(err)
		}
		// From App Home there is no channel: the notice comes as a DM.
		ev, err := h.Fake.WaitSince(h.Ctx, mark, func(e slackfake.Event) bool {
			return e.Type == slackfake.EventMessagePosted && strings.HasPrefix(e.Message.Channel, "D")
		})
		if err != nil {
			t.Fatalf("no notice: %v\n%s", err, h.Logs())
		}
		containsAll(t, "DM", bottest.Text(*ev.Message), "views.open failed 4 time(s)")
	})

	t.Run("a form Slack opened but answered 500 for", func(t *testing.T) {
		home := openHome(t, h, "priya")
		h.Fake.FailNextAfterProcessing("views.open", 500, 1)
		calls := h.Fake.APICallCount("views.open")
		mark := h.Fake.Mark()
		d, err := h.Fake.ClickButton(h.Ctx, priya.ID, home.Target(), "home.whoowns", "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Wait(h.Ctx); err != nil {
			t.Fatal(err)
		}
		ev, err := h.Fake.WaitSince(h.Ctx, mark, func(e slackfake.Event) bool {
			return e.Type == slackfake.EventMessagePosted && strings.HasPrefix(e.Message.Channel, "D")
		})
		if err != nil {
			t.Fatalf("no notice: %v\n%s", err, h.Logs())
		}
		// Not retried (the trigger is used: the retry would fail with
		// exchanged_trigger_id), and the person is told it may be open.
		text := bottest.Text(*ev.Message)
		containsAll(t, "DM", text, "Slack didn't confirm Gantry's views.open; it may have gone through anyway")
		if strings.Contains(text, "already opened once") {
			t.Errorf("the person is told the form was opened already: %s", text)
		}
		if n := h.Fake.APICallCount("views.open") - calls; n != 1 {
			t.Errorf("views.open called %d times, want 1", n)
		}
		if views := h.Fake.Views(priya.ID); len(views) == 0 || views[len(views)-1].CallbackID != "whoowns.modal" {
			t.Errorf("the form is not open: %+v", views)
		}
	})

	t.Run("Slack failing to look people up only costs the mentions", func(t *testing.T) {
		h.Fake.FailNext("users.lookupByEmail", 500, 40)
		m := h.Command("gustav", "general", "/whoowns", "logistics")
		containsAll(t, "answer", bottest.Text(m), "*Logistics*", "*Zoe Martin* (<mailto:zoe@bramble.example|zoe@bramble.example>)")
	})
}

func TestBadTokensAtStart(t *testing.T) {
	fake := slackfake.NewServer(t, slackfake.Options{})
	cat := bottest.ExampleCatalog(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cases := []struct {
		name, app, botToken string
		want                []string
	}{
		{"bot token", fake.AppToken(), "xoxb-not-the-right-one", []string{"SLACK_BOT_TOKEN", "invalid_auth", "Bot User OAuth Token (xoxb-…)", "OAuth & Permissions"}},
		{"app token", "xapp-1-not-the-right-one", fake.BotToken(), []string{"SLACK_APP_TOKEN", "invalid_auth", "App-Level Tokens", "connections:write"}},
		{"bot token where the app token goes", fake.BotToken(), fake.BotToken(), []string{"SLACK_APP_TOKEN", "not_allowed_token_type", "xapp-"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := bot.New(bot.Options{AppToken: c.app, BotToken: c.botToken, APIURL: fake.APIURL(), Catalog: cat})
			if err != nil {
				t.Fatal(err)
			}
			err = b.Run(ctx)
			if !errkind.Is(err, errkind.Invalid) {
				t.Fatalf("Run: %v; want an Invalid error", err)
			}
			containsAll(t, "error", err.Error(), c.want...)
		})
	}
	if _, err := bot.New(bot.Options{Catalog: cat}); err == nil || !strings.Contains(err.Error(), "SLACK_APP_TOKEN") || !strings.Contains(err.Error(), "SLACK_BOT_TOKEN") {
		t.Errorf("no tokens: %v", err)
	}
}

func TestHandlerPanicIsReportedAndTheBotKeepsServing(t *testing.T) {
	h := bottest.Start(t, bottest.Options{Register: func(b *bot.Bot) {
		b.Router().Command(bot.SlashCommand{Name: "/boom", Handler: func(context.Context, *bot.Request) error {
			var m map[string]int
			m["x"]++ // a nil map: a real bug
			return nil
		}})
		b.Router().ViewSubmission("boom.form", bot.ViewSubmission{Validate: func(*bot.Request) *bot.ViewResponse { panic("validator bug") }})
		b.Router().Command(bot.SlashCommand{Name: "/form", Handler: func(ctx context.Context, r *bot.Request) error {
			v := bot.SearchModal()
			v.CallbackID = "boom.form"
			_, err := r.Respond.OpenModal(ctx, v)
			return err
		}})
	}})
	m := h.Command("priya", "general", "/boom", "")
	text := bottest.Text(m)
	id := regexp.MustCompile(`Something went wrong \(id ([0-9a-f]{8})\)`).FindStringSubmatch(text)
	if id == nil {
		t.Fatalf("the person was not told: %s", text)
	}
	logs := h.Logs()
	if !strings.Contains(logs, "handler panicked") || !strings.Contains(logs, `"error_id":"`+id[1]+`"`) || !strings.Contains(logs, "assignment to entry in nil map") {
		t.Errorf("the panic and its id are not in the logs:\n%s", logs)
	}
	containsAll(t, "next command", bottest.Text(h.Command("priya", "general", "/whoowns", "checkout")), "*Payments*")
	if got := metric(t, h.Registry, "gantry_slack_handler_errors_total", map[string]string{"route": "/boom", "reason": "panic"}); got != 1 {
		t.Errorf("panics counted: %v", got)
	}

	// A validator that panics: the form stays open and says so.
	mark := h.Fake.Mark()
	d, err := h.Fake.SlashCommand(h.Ctx, h.User("priya").ID, h.Channel("general").ID, "/form", "")
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
	res, err := h.Fake.SubmitView(h.Ctx, h.User("priya").ID, ev.View.ID, slackfake.Values{"query": {"query": "x"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.ResponseAction != "errors" || !strings.Contains(res.Errors["query"], "Something went wrong (id ") {
		t.Fatalf("submission: %+v", res)
	}
}

func TestBusyPoolAnswersBusyInsteadOfStalling(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 4)
	var ran atomic.Int32
	h := bottest.Start(t, bottest.Options{Workers: 1, QueueSize: 1, Register: func(b *bot.Bot) {
		b.Router().Command(bot.SlashCommand{Name: "/slow", Handler: func(ctx context.Context, r *bot.Request) error {
			started <- struct{}{}
			<-release
			ran.Add(1)
			return r.Respond.Ephemeral(ctx, bot.Message{Text: "done " + r.Text})
		}})
	}})
	priya := h.User("priya").ID
	general := h.Channel("general").ID
	var ds []*slackfake.Delivery
	for i, text := range []string{"one", "two"} {
		d, err := h.Fake.SlashCommand(h.Ctx, priya, general, "/slow", text)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Wait(h.Ctx); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			<-started // the worker is busy with "one"; "two" waits in the queue
		}
		ds = append(ds, d)
	}
	// The queue is full: the third is answered at once, in its ack.
	m := h.Command("priya", "general", "/slow", "three")
	if m.Via != "ack" || !strings.Contains(bottest.Text(m), "Gantry is busy right now") {
		t.Fatalf("third command: %+v", m)
	}
	close(release)
	for _, want := range []string{"done one", "done two"} {
		if _, err := h.Fake.WaitFor(h.Ctx, func(e slackfake.Event) bool {
			return e.Type == slackfake.EventMessagePosted && e.Message.Text == want
		}); err != nil {
			t.Fatal(err)
		}
	}
	if ran.Load() != 2 {
		t.Errorf("ran %d handlers", ran.Load())
	}
	if got := metric(t, h.Registry, "gantry_slack_handler_errors_total", map[string]string{"reason": "busy"}); got != 1 {
		t.Errorf("busy counted %v times", got)
	}
	if st := h.Fake.EnvelopeStats(); st.Acked != 3 || st.Lost != 0 {
		t.Errorf("envelopes: %+v", st)
	}
}

func TestShutdownLetsHandlersFinish(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	cancelled := make(chan error, 1)
	h := bottest.Start(t, bottest.Options{ShutdownTimeout: 5 * time.Second, Register: func(b *bot.Bot) {
		b.Router().Command(bot.SlashCommand{Name: "/slow", Handler: func(ctx context.Context, r *bot.Request) error {
			started <- struct{}{}
			<-release
			return r.Respond.Ephemeral(ctx, bot.Message{Text: "finished after shutdown began"})
		}})
	}})
	mark := h.Fake.Mark()
	d, err := h.Fake.SlashCommand(h.Ctx, h.User("priya").ID, h.Channel("general").ID, "/slow", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Wait(h.Ctx); err != nil {
		t.Fatal(err)
	}
	<-started
	stopped := make(chan error, 1)
	go func() { stopped <- h.Stop() }()
	// The socket closes first, while the handler is still running.
	if _, err := h.Fake.WaitSince(h.Ctx, mark, slackfake.IsType(slackfake.EventSocketClosed)); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-stopped:
		t.Fatalf("Run returned (%v) before the handler finished", err)
	default:
	}
	close(release)
	if err := <-stopped; err != nil {
		t.Fatalf("Run: %v", err)
	}
	m := h.WaitReply(mark, h.User("priya").ID, h.Channel("general").ID)
	if m.Text != "finished after shutdown began" {
		t.Fatalf("reply = %+v", m)
	}
	if err := h.Bot.Ready(h.Ctx); err == nil {
		t.Error("ready after shutdown")
	}

	// A handler that never finishes is cancelled at the bound.
	h2 := bottest.Start(t, bottest.Options{ShutdownTimeout: 50 * time.Millisecond, Register: func(b *bot.Bot) {
		b.Router().Command(bot.SlashCommand{Name: "/stuck", Handler: func(ctx context.Context, r *bot.Request) error {
			started <- struct{}{}
			<-ctx.Done()
			cancelled <- ctx.Err()
			return ctx.Err()
		}})
	}})
	d, err = h2.Fake.SlashCommand(h2.Ctx, h2.User("priya").ID, h2.Channel("general").ID, "/stuck", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Wait(h2.Ctx); err != nil {
		t.Fatal(err)
	}
	<-started
	if err := h2.Stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if err := <-cancelled; !errors.Is(err, context.Canceled) {
		t.Errorf("the stuck handler saw %v", err)
	}
}

// TestShutdownWhileAcksCannotReachSlack stalls the read loop while
// envelopes pile up, drops the socket with Slack then unreachable, and
// lets the loop ack them all: more than the Socket Mode client's outgoing
// queue holds, with no connection to empty it. Acks must give up rather
// than block the loop, so shutdown still completes.
func TestShutdownWhileAcksCannotReachSlack(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	h := bottest.Start(t, bottest.Options{ShutdownTimeout: 5 * time.Second, Register: func(b *bot.Bot) {
		b.Router().Command(bot.SlashCommand{Name: "/noop", Handler: func(context.Context, *bot.Request) error { return nil }})
		b.Router().Command(bot.SlashCommand{Name: "/form", Handler: func(ctx context.Context, r *bot.Request) error {
			v := bot.SearchModal()
			v.CallbackID = "stall.form"
			_, err := r.Respond.OpenModal(ctx, v)
			return err
		}})
		// A validator runs in the read loop: this one holds it.
		b.Router().ViewSubmission("stall.form", bot.ViewSubmission{Validate: func(*bot.Request) *bot.ViewResponse {
			close(entered)
			<-release
			return nil
		}})
	}})
	priya, general := h.User("priya").ID, h.Channel("general").ID
	mark := h.Fake.Mark()
	d, err := h.Fake.SlashCommand(h.Ctx, priya, general, "/form", "")
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
	go func() { _, _ = h.Fake.SubmitView(h.Ctx, priya, ev.View.ID, slackfake.Values{"query": {"query": "x"}}) }()
	select {
	case <-entered:
	case <-h.Ctx.Done():
		t.Fatal("the validator never ran")
	}

	// 45 commands wait in the client's buffer (50), behind the stalled
	// loop; then Slack asks to reconnect and becomes unreachable.
	for range 45 {
		if _, err := h.Fake.SlashCommand(h.Ctx, priya, general, "/noop", ""); err != nil {
			t.Fatal(err)
		}
	}
	mark = h.Fake.Mark()
	if n := h.Fake.Disconnect("refresh_requested"); n != 1 {
		t.Fatalf("disconnect told %d sockets", n)
	}
	if _, err := h.Fake.WaitSince(h.Ctx, mark, slackfake.IsType(slackfake.EventSocketClosed)); err != nil {
		t.Fatal(err)
	}
	if err := h.Fake.Close(); err != nil {
		t.Fatal(err)
	}
	close(release) // 46 acks for a queue of 20 that nothing empties
	h.WaitLog("an ack could not reach the socket")

	stopped := make(chan error, 1)
	go func() { stopped <- h.Stop() }()
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatalf("Run: %v\n%s", err, h.Logs())
		}
	case <-h.Ctx.Done():
		t.Fatalf("the bot did not shut down: its read loop is stuck\n%s", h.Logs())
	}
}
