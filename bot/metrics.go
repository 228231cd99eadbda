package bot

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the bot's Prometheus series. NewMetrics registers them; the
// ops server exposes them on /metrics.
//
//	gantry_slack_envelopes_total{type,kind}          envelopes received (kind: the command, interaction or event type)
//	gantry_slack_ack_latency_seconds                 from reading an envelope to writing its ack
//	gantry_slack_handler_duration_seconds{route}     handler run time
//	gantry_slack_handler_errors_total{route,reason}  failed handlers (reason: an errkind, "internal", "panic" or "busy")
//	gantry_slack_api_calls_total{method,status}      Web API and response_url calls, each attempt (status: "ok", Slack's error code, or "http_503", "network")
//	gantry_slack_reconnects_total                    Socket Mode reconnections
//	gantry_slack_connected                           1 while the socket is connected
//	gantry_slack_duplicate_envelopes_total           redelivered events dropped because they were already handled
//	gantry_slack_handlers_in_flight                  handlers running or queued
type Metrics struct {
	Envelopes       *prometheus.CounterVec
	AckLatency      prometheus.Histogram
	HandlerDuration *prometheus.HistogramVec
	HandlerErrors   *prometheus.CounterVec
	APICalls        *prometheus.CounterVec
	Reconnects      prometheus.Counter
	Connected       prometheus.Gauge
	Duplicates      prometheus.Counter
	InFlight        prometheus.Gauge
}

// NewMetrics creates the series and registers them with reg (nil: not
// registered, still usable).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Envelopes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gantry_slack_envelopes_total",
			Help: "Socket Mode envelopes received, by envelope type and kind (command, interaction or event type)."}, []string{"type", "kind"}),
		AckLatency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "gantry_slack_ack_latency_seconds",
			Help:    "Time from reading a Socket Mode envelope to writing its ack (Slack's deadline is 3 s).",
			Buckets: []float64{0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 3}}),
		HandlerDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "gantry_slack_handler_duration_seconds",
			Help: "Time handlers take, after the ack.", Buckets: prometheus.ExponentialBuckets(0.001, 4, 8)}, []string{"route"}),
		HandlerErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gantry_slack_handler_errors_total",
			Help: "Handlers that failed, by route and reason (an error kind, internal, panic, or busy when the pool was full)."}, []string{"route", "reason"}),
		APICalls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gantry_slack_api_calls_total",
			Help: "Slack Web API and response_url calls (every attempt), by method and status: ok, Slack's error code, http_NNN or network."}, []string{"method", "status"}),
		Reconnects: prometheus.NewCounter(prometheus.CounterOpts{Name: "gantry_slack_reconnects_total",
			Help: "Socket Mode reconnections after the first connection."}),
		Connected: prometheus.NewGauge(prometheus.GaugeOpts{Name: "gantry_slack_connected",
			Help: "1 while the Socket Mode connection is open."}),
		Duplicates: prometheus.NewCounter(prometheus.CounterOpts{Name: "gantry_slack_duplicate_envelopes_total",
			Help: "Redelivered events dropped because they were already handled."}),
		InFlight: prometheus.NewGauge(prometheus.GaugeOpts{Name: "gantry_slack_handlers_in_flight",
			Help: "Handlers running or waiting for a worker."}),
	}
	if reg != nil {
		reg.MustRegister(m.Envelopes, m.AckLatency, m.HandlerDuration, m.HandlerErrors, m.APICalls,
			m.Reconnects, m.Connected, m.Duplicates, m.InFlight)
	}
	return m
}
