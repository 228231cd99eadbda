package bot_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gantryhq/gantry/bot"
	"github.com/gantryhq/gantry/bot/bottest"
	"github.com/gantryhq/gantry/internal/slackfake"
	"github.com/gantryhq/gantry/internal/testdb"
	"github.com/gantryhq/gantry/store"
)

// replica is one more bot process on the harness's workspace, with a
// database connection of its own.
type replica struct {
	bot  *bot.Bot
	reg  *prometheus.Registry
	logs *lockedBuffer
	stop func()
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func startReplica(t *testing.T, h *bottest.Harness, apiURL, dbURL string) *replica {
	t.Helper()
	db, err := store.Open(h.Ctx, dbURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := &replica{reg: prometheus.NewRegistry(), logs: &lockedBuffer{}}
	r.bot, err = bot.New(bot.Options{AppToken: h.Fake.AppToken(), BotToken: h.Fake.BotToken(), APIURL: apiURL,
		Catalog: h.Catalog, Claims: db, Registerer: r.reg, Retry: bot.RetryPolicy{Backoff: 2 * time.Millisecond},
		Logger: slog.New(slog.NewJSONHandler(r.logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.bot.Run(ctx) }()
	var once sync.Once
	r.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("replica stopped with %v", err)
				}
			case <-time.After(20 * time.Second):
				t.Error("the replica did not stop")
			}
			db.Close()
		})
	}
	t.Cleanup(r.stop)
	return r
}

// waitConns waits until the fake has exactly n sockets open, so that the
// next envelope goes to a live one.
func waitConns(t *testing.T, h *bottest.Harness, n int) {
	t.Helper()
	for len(h.Fake.Connections()) != n {
		select {
		case <-h.Ctx.Done():
			t.Fatalf("%d sockets open, want %d", len(h.Fake.Connections()), n)
		case <-time.After(5 * time.Millisecond):
		}
	}
	if n > 0 {
		if err := h.Fake.WaitConnected(h.Ctx, n); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRedeliveredEventIsHandledOnceAcrossProcesses: a redelivered event
// that reaches another replica, or a process started after the one that
// handled it stopped, is skipped there, because the first claimed its
// event_id in the database (SQLite and PostgreSQL).
func TestRedeliveredEventIsHandledOnceAcrossProcesses(t *testing.T) {
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			dbURL := eng.URL(t)
			db, err := store.Open(context.Background(), dbURL, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			clock := bottest.NewClock(bottest.Now)
			var proxy *bottest.Proxy
			h := bottest.Start(t, bottest.Options{
				Fake: func(o *slackfake.Options) { o.Now = clock.Now }, // ack deadlines on the test's clock
				APIURL: func(f *slackfake.Server) string {
					proxy = bottest.NewProxy(t, f.URL())
					return proxy.URL + "/api/"
				},
				Claims: db,
			})
			priya, general := h.User("priya").ID, h.Channel("general").ID
			second := startReplica(t, h, proxy.URL+"/api/", dbURL)
			waitConns(t, h, 2)
			dupes := func(rs ...*prometheus.Registry) (n float64) {
				for _, r := range rs {
					n += metric(t, r, "gantry_slack_duplicate_envelopes_total", nil)
				}
				return n
			}
			// mention asks, loses the first ack, lets the ack deadline pass,
			// and checks the thread holds one answer.
			mention := func(what string) {
				t.Helper()
				proxy.DropAcks("events_api", 1)
				mark := h.Fake.Mark()
				d, err := h.Fake.Mention(h.Ctx, priya, general, "who owns checkout? "+what)
				if err != nil {
					t.Fatal(err)
				}
				h.WaitReply(mark, priya, general)
				clock.Advance(3 * time.Second)
				h.Fake.Tick()
				ack, err := d.Wait(h.Ctx)
				if err != nil {
					t.Fatal(err)
				}
				if ack.Attempt != 1 {
					t.Fatalf("%s: acked attempt %d, want the redelivery (1)", what, ack.Attempt)
				}
			}

			// Two replicas: the envelopes go round robin, so the
			// redelivery reaches the replica that did not answer.
			mention("(replicas)")
			if err := h.Bot.Idle(h.Ctx); err != nil {
				t.Fatal(err)
			}
			if err := second.bot.Idle(h.Ctx); err != nil {
				t.Fatal(err)
			}
			if got := dupes(h.Registry, second.reg); got != 1 {
				t.Fatalf("duplicates = %v, want 1", got)
			}
			all := h.Logs() + second.logs.String()
			if !strings.Contains(all, "already handled by another process (claimed in the database)") {
				t.Errorf("the redelivery was not recognised through the database:\n%s", all)
			}

			// A restart: the process that answered stops before Slack
			// redelivers; a new one, with nothing in memory, gets the
			// redelivery.
			if err := h.Stop(); err != nil {
				t.Fatal(err)
			}
			waitConns(t, h, 1)
			proxy.DropAcks("events_api", 1)
			mark := h.Fake.Mark()
			d, err := h.Fake.Mention(h.Ctx, priya, general, "who owns checkout? (restart)")
			if err != nil {
				t.Fatal(err)
			}
			h.WaitReply(mark, priya, general)
			if err := second.bot.Idle(h.Ctx); err != nil {
				t.Fatal(err)
			}
			second.stop()
			waitConns(t, h, 0)
			third := startReplica(t, h, proxy.URL+"/api/", dbURL)
			waitConns(t, h, 1)
			clock.Advance(3 * time.Second)
			h.Fake.Tick()
			ack, err := d.Wait(h.Ctx)
			if err != nil {
				t.Fatal(err)
			}
			if ack.Attempt != 1 {
				t.Fatalf("restart: acked attempt %d, want the redelivery (1)", ack.Attempt)
			}
			if err := third.bot.Idle(h.Ctx); err != nil {
				t.Fatal(err)
			}
			if got := dupes(third.reg); got != 1 {
				t.Fatalf("the restarted process counted %v duplicates, want 1\n%s", got, third.logs.String())
			}

			// One answer per question.
			for _, m := range h.Fake.Messages(general) {
				if m.ThreadTS != "" {
					continue
				}
				if replies := h.Fake.Thread(general, m.TS); len(replies) != 2 {
					t.Errorf("%q has %d messages in its thread, want the question and one answer", m.Text, len(replies))
				}
			}
		})
	}
}
