package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/robfig/cron/v3"

	"github.com/gantryhq/gantry/catalog/ingest"
	"github.com/gantryhq/gantry/internal/ops"
)

// ServeOptions tunes Serve.
type ServeOptions struct {
	// Out receives the lines a person watching the terminal needs (the URL
	// first); logs go to the logger.
	Out io.Writer
	// FallbackPort lets the listener move to the next free port when the
	// configured one is taken (for `make run` on a busy machine).
	FallbackPort bool
	// Local says when to run the local playground instead of connecting to
	// Slack (local.go); the zero value never does.
	Local LocalMode
}

// Serve runs Gantry until ctx is done: the operations server, a first sync
// of every source, then a re-sync on catalog.refresh.
func (a *App) Serve(ctx context.Context, opts ServeOptions) error {
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	schedule, err := a.Config.RefreshSchedule()
	if err != nil {
		return err
	}
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
	local, err := a.startLocal(ctx, srv, opts.Local) // nil unless in local mode
	if err != nil {
		return err
	}
	defer local.close() // runs last: after the bot stopped, the sandbox is saved

	slackBot, err := a.startBot(ctx, srv) // nil without tokens
	if err != nil {
		return err
	}
	local.attach(slackBot)

	ln, err := ops.Listen(a.Config.Server.Listen, opts.FallbackPort)
	if err != nil {
		return fmt.Errorf("listen on %s (server.listen): %w", a.Config.Server.Listen, err)
	}
	if local != nil {
		local.announce(opts.Out, ln.Addr())
	} else {
		fmt.Fprintf(opts.Out, "Gantry is running: http://%s/  (health /healthz, readiness /readyz, metrics /metrics)\n", ln.Addr())
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
