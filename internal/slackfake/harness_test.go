package slackfake

import (
	"context"
	"errors"
	"io"
	"log"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// testClock is the injectable clock: tests move it instead of sleeping.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fixture is a started fake with a frozen clock, two people and a channel.
type fixture struct {
	fake  *Server
	clock *testClock
	ada   User
	bob   User
	gen   Channel // #general, the bot is in it
	ctx   context.Context
}

func newFixture(t *testing.T, mod func(*Options)) *fixture {
	t.Helper()
	clk := &testClock{now: time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)}
	opts := Options{Now: clk.Now}
	if mod != nil {
		mod(&opts)
	}
	fake := NewServer(t, opts)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return &fixture{
		fake: fake, clock: clk, ctx: ctx,
		ada: fake.AddUser(User{RealName: "Ada Lovelace", Email: "ada@example.com"}),
		bob: fake.AddUser(User{RealName: "Bob Smith", Email: "bob@example.com"}),
		gen: fake.AddChannel("general"),
	}
}

// api is the production-style Web API client, pointed at the fake.
func (f *fixture) api() *slack.Client {
	return slack.New(f.fake.BotToken(), slack.OptionAPIURL(f.fake.APIURL()), slack.OptionAppLevelToken(f.fake.AppToken()))
}

// bot is slack-go's Socket Mode client, unchanged, with a handler per event.
type bot struct {
	api *slack.Client
	sm  *socketmode.Client
}

type handlerFunc func(b *bot, evt socketmode.Event)

// startBot runs a Socket Mode client against the fake until the test ends,
// handing every event to handle on the client's single event loop, as a
// real bot does.
func (f *fixture) startBot(t *testing.T, handle handlerFunc) *bot {
	t.Helper()
	b, stop := f.runBot(handle)
	t.Cleanup(stop)
	return b
}

func (f *fixture) runBot(handle handlerFunc) (*bot, func()) {
	api := f.api()
	b := &bot{api: api, sm: socketmode.New(api, socketmode.OptionLog(log.New(io.Discard, "", 0)))}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = b.sm.RunContext(ctx) })
	wg.Go(func() {
		for {
			select {
			case evt := <-b.sm.Events:
				if handle != nil {
					handle(b, evt)
				}
			case <-ctx.Done():
				return
			}
		}
	})
	return b, func() {
		cancel()
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		// Not an assertion: a bound so a stuck client cannot hang the suite.
		select {
		case <-done:
		case <-time.After(10 * time.Second):
		}
	}
}

// ack acknowledges evt with an optional payload, failing loudly in tests.
func (b *bot) ack(evt socketmode.Event, payload ...any) {
	if evt.Request == nil {
		return
	}
	if err := b.sm.Ack(*evt.Request, payload...); err != nil {
		panic(err)
	}
}

func waitConnected(t *testing.T, f *fixture, n int) {
	t.Helper()
	if err := f.fake.WaitConnected(f.ctx, n); err != nil {
		t.Fatal(err)
	}
}

func slackErr(t *testing.T, err error) slack.SlackErrorResponse {
	t.Helper()
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T) is not a Slack error response", err, err)
	}
	return se
}
