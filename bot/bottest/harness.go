package bottest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gantryhq/gantry/bot"
	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/catalog/ingest"
	"github.com/gantryhq/gantry/internal/slackfake"
	"github.com/gantryhq/gantry/store"
)

// Now is the catalog's time in tests: a Wednesday when fatima is on call
// for payments (until Monday 30 November 2026, 00:00 UTC).
var Now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// Options tune a Harness. The zero value is a bot with default workers,
// real time, and fast retries.
type Options struct {
	// Clock, when set, is shared by the fake (ack deadlines, trigger
	// expiry, rate limits) and the bot (Retry-After, backoff, pacing).
	Clock *Clock
	// Workers and QueueSize size the bot's pool (defaults: the bot's).
	Workers, QueueSize int
	// Retry overrides the bot's retry policy (default: backoff of 2 ms).
	Retry *bot.RetryPolicy
	// Fake adjusts the fake's options before it starts.
	Fake func(*slackfake.Options)
	// APIURL, when set, is given to the bot instead of the fake's (a
	// Proxy in front of the fake, say).
	APIURL func(fake *slackfake.Server) string
	// Register adds handlers before the bot runs.
	Register func(b *bot.Bot)
	// ShutdownTimeout is the bot's (default 10 s).
	ShutdownTimeout time.Duration
	// AllowAPIErrors lists Slack error codes the test provokes on purpose;
	// any other error the fake answered fails the test at cleanup.
	AllowAPIErrors []string
	// NoRun builds the bot without running it.
	NoRun bool
	// Claims is given to the bot (once-claims in a database).
	Claims bot.Claims
	// Catalog, when set, wraps the example catalog the bot is given (to
	// make some answers bigger than the examples, say).
	Catalog func(*catalog.Catalog) bot.Catalog
}

// Harness is a running bot connected to a fake Slack workspace that holds
// the example organisation's people and team channels.
type Harness struct {
	T        testing.TB
	Ctx      context.Context
	Fake     *slackfake.Server
	Bot      *bot.Bot
	Catalog  *catalog.Catalog
	Registry *prometheus.Registry
	Clock    *Clock

	logs     *syncBuffer
	users    map[string]slackfake.User
	channels map[string]slackfake.Channel
	cancel   context.CancelFunc
	runErr   chan error
	stopOnce sync.Once
	stopErr  error
}

// Start builds the example catalog, the fake and the bot, runs the bot and
// waits until its socket is connected. Everything stops at the test's end,
// which also checks that the fake refused no payload and no ack.
func Start(t testing.TB, opts Options) *Harness {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	h := &Harness{T: t, Ctx: ctx, Clock: opts.Clock, logs: &syncBuffer{},
		users: map[string]slackfake.User{}, channels: map[string]slackfake.Channel{}}
	h.Catalog = ExampleCatalog(t)

	fo := slackfake.Options{}
	if opts.Clock != nil {
		fo.Now = opts.Clock.Now
	}
	if opts.Fake != nil {
		opts.Fake(&fo)
	}
	h.Fake = slackfake.NewServer(t, fo)
	h.populate(ctx)

	h.Registry = prometheus.NewRegistry()
	retry := bot.RetryPolicy{Backoff: 2 * time.Millisecond, MaxBackoff: 10 * time.Millisecond}
	if opts.Retry != nil {
		retry = *opts.Retry
	}
	apiURL := h.Fake.APIURL()
	if opts.APIURL != nil {
		apiURL = opts.APIURL(h.Fake)
	}
	var botCat bot.Catalog = h.Catalog
	if opts.Catalog != nil {
		botCat = opts.Catalog(h.Catalog)
	}
	bo := bot.Options{
		AppToken: h.Fake.AppToken(), BotToken: h.Fake.BotToken(), APIURL: apiURL,
		AdminGroup: "group:default/platform", Workers: opts.Workers, QueueSize: opts.QueueSize,
		Catalog: botCat, Logger: slog.New(slog.NewJSONHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Registerer: h.Registry, Retry: retry, ShutdownTimeout: opts.ShutdownTimeout, Claims: opts.Claims,
	}
	if opts.Clock != nil {
		bo.Clock = opts.Clock
	}
	b, err := bot.New(bo)
	if err != nil {
		t.Fatal(err)
	}
	h.Bot = b
	if opts.Register != nil {
		opts.Register(b)
	}
	t.Cleanup(func() { h.check(opts.AllowAPIErrors) })
	if opts.NoRun {
		return h
	}
	h.Run()
	return h
}

// Run starts the bot (Start does, unless Options.NoRun) and waits for its
// socket.
func (h *Harness) Run() {
	h.T.Helper()
	runCtx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	h.runErr = make(chan error, 1)
	go func() { h.runErr <- h.Bot.Run(runCtx) }()
	h.T.Cleanup(func() { _ = h.Stop() })
	if err := h.Fake.WaitConnected(h.Ctx, 1); err != nil {
		select {
		case err := <-h.runErr:
			h.T.Fatalf("the bot stopped: %v", err)
		default:
		}
		h.T.Fatal(err)
	}
}

// Stop ends the bot's Run and returns its error; later calls return the
// same.
func (h *Harness) Stop() error {
	h.stopOnce.Do(func() {
		if h.cancel == nil {
			return
		}
		h.cancel()
		select {
		case h.stopErr = <-h.runErr:
		case <-time.After(30 * time.Second):
			h.stopErr = errors.New("bottest: the bot did not stop within 30s")
		}
	})
	return h.stopErr
}

// RunError waits for Run to return by itself (a fatal error).
func (h *Harness) RunError() error {
	select {
	case err := <-h.runErr:
		h.stopOnce.Do(func() { h.stopErr = err })
		return err
	case <-h.Ctx.Done():
		return h.Ctx.Err()
	}
}

// populate adds the catalog's people (with their Slack ids where the
// catalog has them; lena and zoe get new ids and are found by e-mail), a
// person the catalog does not know, and the team channels.
func (h *Harness) populate(ctx context.Context) {
	err := h.Catalog.Store().Scan(ctx, []string{catalog.KindUser}, false, func(e *catalog.Entity) error {
		u := slackfake.User{ID: e.Annotation(catalog.AnnotationSlackUserID), Name: e.Metadata.Name,
			RealName: e.SpecString("profile.displayName"), Email: e.SpecString("profile.email")}
		h.users[e.Metadata.Name] = h.Fake.AddUser(u)
		return nil
	})
	if err != nil {
		h.T.Fatal(err)
	}
	h.users["newbie"] = h.Fake.AddUser(slackfake.User{Name: "newbie", RealName: "Nina Newbie", Email: "nina@bramble.example"})
	for _, name := range []string{"general", "engineering", "team-platform", "team-payments", "team-storefront", "team-search", "random"} {
		h.channels[name] = h.Fake.AddChannel(name)
	}
}

// User returns the fake Slack user of a catalog user name ("priya"), or
// "newbie", whom the catalog does not know.
func (h *Harness) User(name string) slackfake.User {
	u, ok := h.users[name]
	if !ok {
		h.T.Fatalf("bottest: no user %q", name)
	}
	return u
}

// Channel returns a channel by name ("general", "team-payments").
func (h *Harness) Channel(name string) slackfake.Channel {
	c, ok := h.channels[name]
	if !ok {
		h.T.Fatalf("bottest: no channel %q", name)
	}
	return c
}

// Command runs a slash command as user in channel, checks that the bot
// acked it at once without a payload, and returns the first message the
// bot then showed that user (ephemeral or not) after the command.
func (h *Harness) Command(user, channel, command, text string) slackfake.Message {
	h.T.Helper()
	mark := h.Fake.Mark()
	u, ch := h.User(user), h.Channel(channel)
	d, err := h.Fake.SlashCommand(h.Ctx, u.ID, ch.ID, command, text)
	if err != nil {
		h.T.Fatalf("%s %s: %v", command, text, err)
	}
	ack, err := d.Wait(h.Ctx)
	if err != nil {
		h.T.Fatalf("%s %s: not acked: %v", command, text, err)
	}
	if ack.Message != nil {
		return *ack.Message // the bot answered in the ack (busy)
	}
	return h.WaitReply(mark, u.ID, ch.ID)
}

// WaitReply waits for the first message after mark shown to user: an
// ephemeral for them, or a message in channel.
func (h *Harness) WaitReply(mark uint64, userID, channelID string) slackfake.Message {
	h.T.Helper()
	ev, err := h.Fake.WaitSince(h.Ctx, mark, func(e slackfake.Event) bool {
		if e.Type != slackfake.EventMessagePosted || e.Message == nil || e.Message.Via == "user" {
			return false
		}
		m := e.Message
		return (m.Ephemeral && m.VisibleTo == userID) || (!m.Ephemeral && m.Channel == channelID)
	})
	if err != nil {
		h.T.Fatalf("waiting for the bot's reply: %v\nlogs:\n%s", err, h.Logs())
	}
	return *ev.Message
}

// Logs returns what the bot logged, as JSON lines.
func (h *Harness) Logs() string { return h.logs.String() }

// check fails the test if the fake refused a payload or an ack: every
// payload the bot sent must pass Slack's limits.
func (h *Harness) check(allowed []string) {
	ok := map[string]bool{}
	for _, c := range allowed {
		ok[c] = true
	}
	for method, st := range h.Fake.APICalls() {
		for code, n := range st.ByError {
			if !ok[code] {
				h.T.Errorf("bottest: Slack answered %s %d time(s) with %s, which the test did not expect", method, n, code)
			}
		}
	}
	if st := h.Fake.EnvelopeStats(); st.RejectedAcks > 0 || st.UnknownAcks > 0 {
		h.T.Errorf("bottest: the fake refused acks: %+v", st)
	}
}

// ExampleCatalog syncs the example organisation (examples/catalog) plus
// bot/testdata/catalog into a fresh SQLite database and returns a catalog
// whose clock is Now.
func ExampleCatalog(t testing.TB) *catalog.Catalog {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "gantry.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	syncer := ingest.NewSyncer(db, nil)
	for _, src := range []ingest.Source{
		ingest.NewFileSource("examples", filepath.Join(root, "examples", "catalog", "all.yaml")),
		ingest.NewDirSource("bot-testdata", filepath.Join(root, "bot", "testdata", "catalog"), "*.yaml"),
	} {
		res, err := syncer.Sync(ctx, src)
		if err != nil || len(res.Problems) > 0 {
			t.Fatalf("sync %s: %v %v", src.Name(), err, res.Problems)
		}
	}
	cat, err := catalog.New(db, catalog.WithClock(func() time.Time { return Now }))
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// Blocks decodes a message's or view's blocks, for assertions.
func Blocks(t testing.TB, raw json.RawMessage) []map[string]any {
	t.Helper()
	var out []map[string]any
	if len(raw) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("blocks: %v", err)
	}
	return out
}

// Text returns everything a person reads in a message: its text and every
// text of its blocks, with Slack's &amp; &lt; &gt; decoded, for "contains"
// assertions. (Assert on the raw blocks to check what is escaped.)
func Text(m slackfake.Message) string {
	var b strings.Builder
	b.WriteString(m.Text)
	collectText(&b, m.Blocks)
	return entities.Replace(b.String())
}

// ViewText is Text for a view.
func ViewText(v slackfake.View) string {
	var b strings.Builder
	b.WriteString(v.TitleText())
	collectText(&b, v.Blocks)
	return entities.Replace(b.String())
}

var entities = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

func collectText(b *strings.Builder, raw json.RawMessage) {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return
	}
	var walk func(any)
	walk = func(x any) {
		switch t := x.(type) {
		case map[string]any:
			if s, ok := t["text"].(string); ok {
				b.WriteString("\n")
				b.WriteString(s)
			}
			for k, v := range t {
				if k != "text" || !isString(v) {
					walk(v)
				}
			}
		case []any:
			for _, v := range t {
				walk(v)
			}
		}
	}
	walk(v)
}

func isString(v any) bool { _, ok := v.(string); return ok }

// WaitLog waits until the bot has logged a line containing substr, and
// returns that line.
func (h *Harness) WaitLog(substr string) string {
	h.T.Helper()
	for {
		h.logs.mu.Lock()
		logs, changed := h.logs.b.String(), h.logs.changedLocked()
		h.logs.mu.Unlock()
		if i := strings.Index(logs, substr); i >= 0 {
			start := strings.LastIndexByte(logs[:i], '\n') + 1
			end := strings.IndexByte(logs[i:], '\n')
			if end < 0 {
				return logs[start:]
			}
			return logs[start : i+end]
		}
		select {
		case <-changed:
		case <-h.Ctx.Done():
			h.T.Fatalf("the bot never logged %q:\n%s", substr, logs)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writes, which says
// when it grows.
type syncBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{} // closed and replaced at each write
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.changed != nil {
		close(s.changed)
		s.changed = nil
	}
	return s.b.Write(p)
}

func (s *syncBuffer) changedLocked() <-chan struct{} {
	if s.changed == nil {
		s.changed = make(chan struct{})
	}
	return s.changed
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Click clicks the button actionID in message m as user, waits for the ack,
// and returns the mark taken before the click (for WaitSince).
func (h *Harness) Click(user string, m slackfake.Message, actionID string) uint64 {
	h.T.Helper()
	mark := h.Fake.Mark()
	d, err := h.Fake.ClickButton(h.Ctx, h.User(user).ID, m.Target(), actionID, "")
	if err != nil {
		h.T.Fatalf("clicking %s: %v", actionID, err)
	}
	if _, err := d.Wait(h.Ctx); err != nil {
		h.T.Fatalf("clicking %s: not acked: %v", actionID, err)
	}
	return mark
}

// WaitUpdate waits for the message (channel, ts) to be updated after mark
// and returns its new version.
func (h *Harness) WaitUpdate(mark uint64, channel, ts string) slackfake.Message {
	h.T.Helper()
	ev, err := h.Fake.WaitSince(h.Ctx, mark, func(e slackfake.Event) bool {
		return e.Type == slackfake.EventMessageUpdated && e.Message != nil && e.Message.Channel == channel && e.Message.TS == ts
	})
	if err != nil {
		h.T.Fatalf("waiting for an update of %s/%s: %v\nlogs:\n%s", channel, ts, err, h.Logs())
	}
	return *ev.Message
}

// ActionIDs lists the action_ids of a message's or view's elements, in order.
func ActionIDs(t testing.TB, raw json.RawMessage) []string {
	t.Helper()
	var out []string
	for _, b := range Blocks(t, raw) {
		var els []any
		switch b["type"] {
		case "actions":
			els, _ = b["elements"].([]any)
		case "section":
			if a, ok := b["accessory"]; ok {
				els = []any{a}
			}
		case "input":
			els = []any{b["element"]}
		}
		for _, e := range els {
			if m, ok := e.(map[string]any); ok {
				if id, ok := m["action_id"].(string); ok {
					out = append(out, id)
				}
			}
		}
	}
	return out
}
