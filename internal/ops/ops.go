// Package ops serves what operators and orchestrators probe: /healthz
// (the process is alive), /readyz (it can do its job: every readiness check
// passes) and /metrics (Prometheus).
package ops

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Check is one readiness condition; nil means ready.
type Check func(ctx context.Context) error

// Server is the operations HTTP server. Other handlers (a web client) may
// be mounted on Mux before Serve.
type Server struct {
	Registry *prometheus.Registry
	Mux      *http.ServeMux
	log      *slog.Logger

	mu     sync.Mutex
	checks map[string]Check
}

// NewServer returns a server with Go and process metrics registered.
func NewServer(log *slog.Logger) *Server {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s := &Server{Registry: reg, Mux: http.NewServeMux(), log: log, checks: map[string]Check{}}
	s.Mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	s.Mux.HandleFunc("GET /readyz", s.ready)
	s.Mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	return s
}

// AddCheck registers (or replaces) a named readiness check.
func (s *Server) AddCheck(name string, c Check) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checks[name] = c
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	s.mu.Lock()
	names := make([]string, 0, len(s.checks))
	for n := range s.checks {
		names = append(names, n)
	}
	checks := make(map[string]Check, len(s.checks))
	for n, c := range s.checks {
		checks[n] = c
	}
	s.mu.Unlock()
	sort.Strings(names)
	status := map[string]string{}
	ok := true
	for _, n := range names {
		if err := checks[n](ctx); err != nil {
			status[n] = err.Error()
			ok = false
		} else {
			status[n] = "ok"
		}
	}
	w.Header().Set("Content-Type", "application/json")
	if !ok {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"ready": ok, "checks": status})
}

// Listen binds addr. When the port is taken and fallback is true, it tries
// the next nine ports, so `make run` works beside another program on 8080.
func Listen(addr string, fallback bool) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err == nil || !fallback || !errors.Is(err, syscall.EADDRINUSE) {
		return ln, err
	}
	host, port, splitErr := net.SplitHostPort(addr)
	if splitErr != nil {
		return nil, err
	}
	var p int
	fmt.Sscanf(port, "%d", &p)
	for i := 1; i <= 9 && p > 0; i++ {
		if ln, err2 := net.Listen("tcp", net.JoinHostPort(host, fmt.Sprint(p+i))); err2 == nil {
			return ln, nil
		}
	}
	return nil, err
}

// Serve serves on ln until ctx is done, then shuts down gracefully.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: s.Mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
