package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/robfig/cron/v3"

	"github.com/gantryhq/gantry/bot"
	"github.com/gantryhq/gantry/catalog/ingest"
	"github.com/gantryhq/gantry/internal/config"
	"github.com/gantryhq/gantry/internal/ops"
)

// ServeOptions tunes Run and Serve.
type ServeOptions struct {
	// Out receives the lines a person watching the terminal needs (the URL
	// first); logs go to the logger.
	Out io.Writer
	// Logs is where Run's logger writes (default os.Stderr).
	Logs io.Writer
	// FallbackPort lets the listener move to the next free port when the
	// configured one is taken (for `make run` on a busy machine). It applies
	// in local mode only: a server's address is what its clients and
	// probes were told, so it never moves.
	FallbackPort bool
	// Local says when to run the local playground instead of connecting to
	// Slack (local.go); the zero value never does.
	Local LocalMode
	// listener, when set, is server.listen already bound by Run (which, in
	// local mode, printed the URL before it opened the database); nil:
	// Serve binds it.
	listener net.Listener
	// quiet, when set, holds back the start-up's information logs until
	// Serve has started (local mode: the terminal shows the URL and a few
	// lines of its own instead).
	quiet *quietStart
}

// Run is `gantry serve`: it binds server.listen (in local mode printing the
// URL to open before anything else), then opens the database and serves until ctx is
// done. In local mode the start-up is quiet: the lines on Out say what a
// person needs, and the logs keep to warnings and errors until Gantry is up
// (all of it at debug level, with --verbose).
func Run(ctx context.Context, cfg config.Config, opts ServeOptions) error {
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	if opts.Logs == nil {
		opts.Logs = os.Stderr
	}
	local := opts.Local.runs(cfg)
	ln, err := bind(cfg, opts, local)
	if err != nil {
		return err
	}
	log := newLogger(cfg.Log, opts.Logs)
	if local {
		opts.quiet = newQuietStart()
		log = slog.New(opts.quiet.wrap(log.Handler()))
	}
	a, err := Open(ctx, cfg, log)
	if err != nil {
		ln.Close()
		if ctx.Err() != nil {
			return nil // stopped (Ctrl-C) while starting
		}
		return err
	}
	defer a.Close()
	opts.listener = ln
	return a.Serve(ctx, opts)
}

// bind listens where server.listen says (moving to a free port only in
// local mode, when asked). In local mode it prints the URL to open at
// once; otherwise Serve prints it once the bot is connected, so that a
// refused token is not preceded by "Gantry is running".
func bind(cfg config.Config, opts ServeOptions, local bool) (net.Listener, error) {
	ln, err := ops.Listen(cfg.Server.Listen, opts.FallbackPort && local)
	if err != nil {
		return nil, fmt.Errorf("listen on %s (server.listen): %w", cfg.Server.Listen, err)
	}
	if local {
		fmt.Fprintf(opts.Out, "Gantry is running: %s  ← open it in your browser: a local Slack sandbox (health /healthz, readiness /readyz, metrics /metrics)\n", browseURL(ln.Addr()))
		if !loopback(cfg.Server.Listen) {
			fmt.Fprintf(opts.Out, "Careful: --local on %s, which is not a loopback address. The sandbox has no login: anyone who reaches this port can act as anyone in it.\n", cfg.Server.Listen)
		}
	}
	return ln, nil
}

// announceServer prints the first line of a serve outside local mode.
func announceServer(out io.Writer, cfg config.Config, opts ServeOptions, addr net.Addr) {
	fmt.Fprintf(out, "Gantry is running: %s  (health /healthz, readiness /readyz, metrics /metrics)\n", browseURL(addr))
	if opts.Local == LocalAuto && !cfg.Slack.Configured() {
		fmt.Fprintf(out, "No Slack tokens, and server.listen (%s) is not a loopback address, so the local playground is off (it has no login). "+
			"Set SLACK_APP_TOKEN and SLACK_BOT_TOKEN to connect Slack (README: Connect Slack), listen on 127.0.0.1, or run gantry serve --local to start the playground anyway.\n",
			cfg.Server.Listen)
	}
}

// browseURL is a URL a browser on this machine opens for addr: a server
// listening on every interface (0.0.0.0, ::) is reached on loopback.
func browseURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String() + "/"
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
		if ip.To4() == nil {
			host = "localhost"
		}
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}

// loopback reports whether a listen address (host:port) accepts only
// connections from this machine: localhost or a loopback IP. An empty
// host ("":8080) listens on every interface.
func loopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Serve runs Gantry until ctx is done: the operations server (and in
// local mode the playground), the Slack bot, a first sync of every source,
// then a re-sync on catalog.refresh.
func (a *App) Serve(ctx context.Context, opts ServeOptions) error {
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	schedule, err := a.Config.RefreshSchedule()
	if err != nil {
		return err
	}
	localOn := opts.Local.runs(a.Config) // before startLocal changes the Slack settings
	ln := opts.listener
	if ln == nil {
		if ln, err = bind(a.Config, opts, localOn); err != nil {
			return err
		}
	}
	defer ln.Close() // when Serve returns before serving on it
	srv := ops.NewServer(a.Log)
	m := newCatalogMetrics(srv.Registry)
	var synced atomic.Bool
	srv.AddCheck("database", a.DB.Ping)
	srv.AddCheck("catalog", func(context.Context) error {
		if !synced.Load() {
			return errors.New("first catalog sync not finished")
		}
		return nil
	})
	local, err := a.startLocal(ctx, srv, localOn)
	if err != nil {
		return err
	}
	defer local.close() // runs last: after the bot stopped, the sandbox is saved
	local.announce(opts.Out)

	slackBot, err := a.startBot(ctx, srv) // nil without tokens
	if err != nil {
		return err
	}
	local.attach(slackBot)
	if local == nil {
		announceServer(opts.Out, a.Config, opts, ln.Addr())
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ctx, ln) }()
	botDone := runBot(ctx, slackBot)
	defer a.serveActions(ctx)() // runs resume; waited for once ctx is cancelled below

	syncAll := func() {
		results, err := a.Sync(ctx, "")
		for _, r := range results {
			m.record(r)
		}
		if err != nil && ctx.Err() == nil {
			a.Log.Error("catalog sync failed", "err", err)
		}
		if n, err := a.DB.CountEntities(ctx); err == nil {
			m.entities.Set(float64(n))
		}
		// A sync of a large catalog is a burst of garbage followed by hours
		// of idleness: hand the memory back to the system now rather than
		// keep it resident until the next collection.
		debug.FreeOSMemory()
	}
	firstSync := make(chan struct{})
	digestsDone := a.startDigests(ctx, slackBot, firstSync)
	defer func() { <-digestsDone }() // ctx is cancelled by then: claims are given back
	go func() {
		syncAll()
		synced.Store(true)
		close(firstSync)
		fmt.Fprintf(opts.Out, "Catalog synced from %d source(s); next refresh %s.\n", len(a.Config.Catalog.Sources), schedule.Next(time.Now()).Format(time.Kitchen))
		if opts.quiet != nil {
			waitConnected(ctx, slackBot) // its connection's lines are start-up too
			opts.quiet.end()
		}
	}()
	c := cron.New(cron.WithChain(cron.SkipIfStillRunning(cron.DiscardLogger)))
	c.Schedule(schedule, cron.FuncJob(syncAll))
	c.Start()
	defer func() { <-c.Stop().Done() }()

	select {
	case err := <-errc:
		cancel()
		return errors.Join(err, waitBot(botDone))
	case err := <-botDone: // Slack refused a token while reconnecting
		cancel()
		return errors.Join(err, <-errc)
	case <-ctx.Done():
		return errors.Join(<-errc, waitBot(botDone))
	}
}

// waitConnected waits, for a few seconds at most, until b is connected.
func waitConnected(ctx context.Context, b *bot.Bot) {
	if b == nil {
		return
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	limit := time.After(10 * time.Second)
	for b.Ready(ctx) != nil {
		select {
		case <-tick.C:
		case <-limit:
			return
		case <-ctx.Done():
			return
		}
	}
}

// quietStart holds back information logs while Gantry starts in local
// mode, where the terminal's own lines say what happened; warnings and
// errors always pass, and everything passes at debug level.
type quietStart struct{ on atomic.Bool }

func newQuietStart() *quietStart {
	q := &quietStart{}
	q.on.Store(true)
	return q
}

// end lets information logs through again.
func (q *quietStart) end() { q.on.Store(false) }

func (q *quietStart) wrap(h slog.Handler) slog.Handler { return quietHandler{h: h, q: q} }

type quietHandler struct {
	h slog.Handler
	q *quietStart
}

func (h quietHandler) held(ctx context.Context, l slog.Level) bool {
	return l < slog.LevelWarn && h.q.on.Load() && !h.h.Enabled(ctx, slog.LevelDebug)
}

func (h quietHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return !h.held(ctx, l) && h.h.Enabled(ctx, l)
}

func (h quietHandler) Handle(ctx context.Context, r slog.Record) error {
	if h.held(ctx, r.Level) {
		return nil
	}
	return h.h.Handle(ctx, r)
}

func (h quietHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return quietHandler{h: h.h.WithAttrs(as), q: h.q}
}

func (h quietHandler) WithGroup(name string) slog.Handler {
	return quietHandler{h: h.h.WithGroup(name), q: h.q}
}

// catalogMetrics are the catalog's Prometheus series.
type catalogMetrics struct {
	syncs    *prometheus.CounterVec
	changes  *prometheus.CounterVec
	problems *prometheus.GaugeVec
	duration *prometheus.HistogramVec
	lastSync *prometheus.GaugeVec
	entities prometheus.Gauge
}

func newCatalogMetrics(reg prometheus.Registerer) *catalogMetrics {
	m := &catalogMetrics{
		syncs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gantry_catalog_syncs_total",
			Help: "Catalog syncs by source."}, []string{"source"}),
		changes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gantry_catalog_sync_changes_total",
			Help: "Entities written by catalog syncs, by source and change."}, []string{"source", "change"}),
		problems: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "gantry_catalog_sync_problems",
			Help: "Problems found by the latest sync of each source."}, []string{"source"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "gantry_catalog_sync_duration_seconds",
			Help: "Duration of catalog syncs.", Buckets: prometheus.ExponentialBuckets(0.01, 4, 8)}, []string{"source"}),
		lastSync: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "gantry_catalog_last_sync_timestamp_seconds",
			Help: "When each source last finished a sync."}, []string{"source"}),
		entities: prometheus.NewGauge(prometheus.GaugeOpts{Name: "gantry_catalog_entities",
			Help: "Entities in the catalog."}),
	}
	reg.MustRegister(m.syncs, m.changes, m.problems, m.duration, m.lastSync, m.entities)
	return m
}

func (m *catalogMetrics) record(r ingest.Result) {
	m.syncs.WithLabelValues(r.Source).Inc()
	m.changes.WithLabelValues(r.Source, "added").Add(float64(r.Added))
	m.changes.WithLabelValues(r.Source, "updated").Add(float64(r.Updated))
	m.changes.WithLabelValues(r.Source, "removed").Add(float64(r.Removed))
	m.problems.WithLabelValues(r.Source).Set(float64(len(r.Problems)))
	m.duration.WithLabelValues(r.Source).Observe(r.Duration.Seconds())
	m.lastSync.WithLabelValues(r.Source).SetToCurrentTime()
}
