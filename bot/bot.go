package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/internal/clock"
	"github.com/gantryhq/gantry/internal/errkind"
)

// Catalog is what the bot asks the catalog; *catalog.Catalog implements it.
type Catalog interface {
	WhoOwns(ctx context.Context, q string) (*catalog.Ownership, error)
	Search(ctx context.Context, q catalog.SearchQuery) (catalog.SearchResult, error)
	Query(ctx context.Context, src string, limit int) (catalog.QueryResult, error)
	UserBySlackID(ctx context.Context, id string) (*catalog.Entity, error)
	UserByEmail(ctx context.Context, email string) (*catalog.Entity, error)
	Profile(ctx context.Context, user catalog.Ref) (*catalog.Profile, error)
	TeamsByChannel(ctx context.Context, channels ...string) ([]catalog.Entity, error)
	IsMember(ctx context.Context, user, group catalog.Ref) (bool, error)
}

// Options configure a Bot. AppToken, BotToken and Catalog are required.
type Options struct {
	// AppToken (xapp-…) opens Socket Mode connections; BotToken (xoxb-…)
	// calls the Web API.
	AppToken string
	BotToken string
	// APIURL is the Web API base (default DefaultAPIURL); point it at a
	// Slack-compatible server (slackfake, the local playground) to use one.
	APIURL string
	// AdminGroup is the catalog group whose members (and its sub-groups')
	// may run admin commands (see RequireAdmin), e.g. "group:default/platform".
	AdminGroup string
	// Workers bounds the handlers running at once (default 16); QueueSize
	// bounds those waiting (default 64 per worker). Beyond both, people are
	// told Gantry is busy.
	Workers   int
	QueueSize int

	Catalog Catalog
	Logger  *slog.Logger
	// Registerer receives the bot's metrics (nil: not exported).
	Registerer prometheus.Registerer
	// Clock times retries, pacing and caches (default the wall clock).
	Clock Clock
	// HTTPClient makes the calls (default a client with sensible timeouts).
	HTTPClient *http.Client
	Retry      RetryPolicy
	// ShutdownTimeout bounds how long Run waits for handlers in flight
	// after its context ends (default 10 s).
	ShutdownTimeout time.Duration
	// PingTimeout is how long the socket may go without a ping from Slack
	// before it is considered dead and reopened (default 30 s).
	PingTimeout time.Duration
	// Claims, when set, keeps the bot's once-claims (redelivered events,
	// double clicks on "Share in channel") in the database, so a restart
	// or another replica does not act on them twice; nil keeps them in
	// memory only.
	Claims Claims
}

// Bot is Gantry's Slack app over Socket Mode: it acks every envelope at
// once, routes it (Router), runs the handler in a bounded pool, and answers
// through one Web API client (WebAPI). Register handlers, then Start (to
// check the tokens) and Run.
type Bot struct {
	opts    Options
	log     *slog.Logger
	metrics *Metrics
	api     *WebAPI
	httpc   *http.Client
	router  *Router
	people  *people
	once    *onceSet
	events  *onceSet
	cat     Catalog
	pool    *pool
	notices chan struct{} // bounds the goroutines telling people "busy"
	// actions is the self-service actions' glue, once EnableActions ran.
	actions atomic.Pointer[actionsGlue]

	// lastEnvelope is when the read loop last handled an envelope (unix
	// nanoseconds): handlers hold back while a burst is being acked (see
	// waitForAcks).
	lastEnvelope atomic.Int64

	mu        sync.Mutex
	inFlight  int           // handlers queued or running
	idle      chan struct{} // closed while inFlight is 0
	started   bool
	botUserID string
	connected bool
	connErr   string
	since     time.Time
}

// New builds a Bot with Gantry's commands registered: /whoowns, /gantry
// (help, search, info, oncall, query), App Home, mentions, and their
// buttons and modals.
func New(opts Options) (*Bot, error) {
	var problems []string
	if opts.AppToken == "" {
		problems = append(problems, "SLACK_APP_TOKEN (slack.app_token) is not set")
	}
	if opts.BotToken == "" {
		problems = append(problems, "SLACK_BOT_TOKEN (slack.bot_token) is not set")
	}
	if opts.Catalog == nil {
		problems = append(problems, "no catalog")
	}
	if len(problems) > 0 {
		return nil, errkind.New(errkind.Invalid, "slack: %s", strings.Join(problems, "; "))
	}
	if opts.APIURL == "" {
		opts.APIURL = DefaultAPIURL
	}
	if !strings.HasSuffix(opts.APIURL, "/") {
		opts.APIURL += "/"
	}
	if opts.Workers <= 0 {
		opts.Workers = 16
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = 64 * opts.Workers
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Clock == nil {
		opts.Clock = clock.Wall{}
	}
	if opts.ShutdownTimeout <= 0 {
		opts.ShutdownTimeout = 10 * time.Second
	}
	if opts.PingTimeout <= 0 {
		opts.PingTimeout = 30 * time.Second
	}
	log := opts.Logger.With("component", "slack")
	m := NewMetrics(opts.Registerer)
	base := opts.HTTPClient
	if base == nil {
		base = &http.Client{Transport: http.DefaultTransport}
	}
	next := base.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	httpc := &http.Client{Transport: &countingTransport{next: next, apiBase: opts.APIURL, metrics: m},
		CheckRedirect: base.CheckRedirect, Jar: base.Jar, Timeout: base.Timeout}
	api := newWebAPI(httpc, opts.APIURL, opts.BotToken, opts.AppToken, opts.Clock, opts.Retry, log)
	b := &Bot{
		opts: opts, log: log, metrics: m, api: api, httpc: httpc, router: newRouter(),
		people: newPeople(api, opts.Catalog, opts.Clock, log), cat: opts.Catalog,
		once:    newOnceSet(opts.Clock, 10*time.Minute, 10000, opts.Claims, log),
		events:  newOnceSet(opts.Clock, time.Hour, 50000, opts.Claims, log),
		notices: make(chan struct{}, 8),
		idle:    make(chan struct{}),
	}
	close(b.idle)
	b.registerBuiltins()
	return b, nil
}

// Router is where handlers are registered, before Run.
func (b *Bot) Router() *Router { return b.router }

// API is the bot's Web API client, for feature code that posts on its own
// (digests, approval requests).
func (b *Bot) API() *WebAPI { return b.api }

// Metrics returns the bot's metrics.
func (b *Bot) Metrics() *Metrics { return b.metrics }

// Start checks both tokens with Slack: the bot token with auth.test, the
// app-level token with apps.connections.open. A refused token is an
// errkind.Invalid error that names the setting and what to check; Slack
// being unreachable is logged and left to Run, which keeps retrying.
func (b *Bot) Start(ctx context.Context) error {
	b.mu.Lock()
	started := b.started
	b.mu.Unlock()
	if started {
		return nil
	}
	check := func(what string, call func() error) error {
		err := call()
		var ae *APIError
		switch {
		case err == nil:
			return nil
		case errors.As(err, &ae) && ae.IsAuth():
			return errkind.New(errkind.Invalid, "%s", ae.Error())
		case errors.As(err, &ae) && (ae.Status == http.StatusNotFound || ae.Code == "unknown_method"):
			return errkind.New(errkind.Invalid, "slack.api_url (SLACK_API_URL) %s does not look like a Slack Web API: %s answered %s; it should be the API's base, e.g. %s",
				b.opts.APIURL, ae.Method, ae.Code, DefaultAPIURL)
		case ctx.Err() != nil:
			return ctx.Err()
		}
		b.log.Warn("could not check "+what+" with Slack yet; will keep trying", "err", err)
		return nil
	}
	var botUser string
	if err := check("SLACK_BOT_TOKEN", func() error {
		who, err := b.api.AuthTest(ctx)
		if err == nil {
			botUser = who.UserID
			b.log.Info("Slack bot token accepted", "team", who.Team, "bot_user", who.User, "bot_user_id", who.UserID)
		}
		return err
	}); err != nil {
		return err
	}
	if err := check("SLACK_APP_TOKEN", func() error {
		_, err := b.api.OpenConnection(ctx)
		return err
	}); err != nil {
		return err
	}
	b.mu.Lock()
	b.started, b.botUserID = true, botUser
	b.mu.Unlock()
	return nil
}

// Ready is the "slack" readiness check: nil while the Socket Mode
// connection is open.
func (b *Bot) Ready(context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.connected {
		return nil
	}
	if b.connErr != "" {
		return fmt.Errorf("Socket Mode not connected since %s: %s", b.since.Format(time.RFC3339), b.connErr)
	}
	return errors.New("Socket Mode not connected yet")
}

func (b *Bot) setConnected(ok bool, why string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if ok != b.connected || (why != "" && why != b.connErr) {
		b.since = time.Now()
	}
	b.connected, b.connErr = ok, why
	if ok {
		b.metrics.Connected.Set(1)
	} else {
		b.metrics.Connected.Set(0)
	}
}

// track counts a handler in (+1) or out (-1) of flight.
func (b *Bot) track(delta int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.inFlight += delta
	b.metrics.InFlight.Set(float64(b.inFlight))
	switch {
	case b.inFlight == 0:
		close(b.idle)
	case b.inFlight == delta && delta > 0:
		b.idle = make(chan struct{})
	}
}

// Idle waits until no handler is queued or running, or ctx ends: what a
// test waits for before reading what the handlers did.
func (b *Bot) Idle(ctx context.Context) error {
	b.mu.Lock()
	idle := b.idle
	b.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// RequireAdmin is a Subcommand.Allow that lets only members of
// Options.AdminGroup (or its sub-groups) through. With no admin group
// configured, nobody is an admin.
func (b *Bot) RequireAdmin(ctx context.Context, r *Request) error {
	if b.opts.AdminGroup == "" {
		return errkind.New(errkind.Forbidden, "this command is for admins, and no admin group is configured (slack.admin_group in gantry.yaml)")
	}
	group, err := catalog.ParseRef(b.opts.AdminGroup, "group", catalog.DefaultNamespace)
	if err != nil {
		return fmt.Errorf("slack.admin_group %q: %w", b.opts.AdminGroup, err)
	}
	u := r.CatalogUser(ctx)
	if u == nil {
		return errkind.New(errkind.Forbidden, "this command is for members of %s, and the catalog doesn't know you (add gantry.dev/slack-user-id: %s to your User entity)", group.Short(), r.User.ID)
	}
	ok, err := b.cat.IsMember(ctx, u.Ref(), group)
	if err != nil {
		return err
	}
	if !ok {
		return errkind.New(errkind.Forbidden, "this command is for members of %s", group.Short())
	}
	return nil
}
