// Package githubfake is a GitHub REST API server for tests and the local
// playground. It speaks the real wire format over real HTTP, so production
// code talks to it through the unmodified go-github client: same paths, field
// names, status codes, headers (ETag, rate limits, Link pagination) and error
// bodies. Its state is seeded from a Fixture, changed through the API or the
// Go helpers, and can be saved and restored as JSON.
package githubfake

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/go-github/v60/github"
)

// Server is a running (or ready to run) fake. All methods are safe for
// concurrent use.
type Server struct {
	log  *slog.Logger
	now  func() time.Time
	addr string

	mu sync.RWMutex // guards st
	st *state

	rate      rateLimiter
	secondary secondaryLimiter
	faults    faultTable
	calls     callCounter
	reqSeq    atomic.Int64

	mux *http.ServeMux

	lifeMu sync.Mutex
	srv    *http.Server
	ln     net.Listener
}

// Option configures a Server.
type Option func(*Server)

// WithClock replaces time.Now, so rate-limit resets, token expiry and run
// progression can be tested without sleeping.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithLogger sets the logger for request and lifecycle logs (default: discard).
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.log = l } }

// WithAddr sets the listen address (default "127.0.0.1:0", a free port).
func WithAddr(addr string) Option { return func(s *Server) { s.addr = addr } }

// New builds a server from a fixture (nil means an empty world). It does not
// listen yet: call Start, or mount Handler yourself.
func New(f *Fixture, opts ...Option) (*Server, error) {
	s := &Server{
		log:  slog.New(slog.DiscardHandler),
		now:  time.Now,
		addr: "127.0.0.1:0",
		st:   newState(),
	}
	for _, o := range opts {
		o(s)
	}
	if f == nil {
		f = &Fixture{}
	}
	if err := s.st.seed(f); err != nil {
		return nil, fmt.Errorf("githubfake: %w", err)
	}
	s.rate.limit = s.st.Limits.RateLimit
	s.secondary.points = s.st.Limits.secondaryPoints()
	s.mux = http.NewServeMux()
	s.routes()
	return s, nil
}

// Start listens on the configured address and serves in the background.
func (s *Server) Start() error {
	s.lifeMu.Lock()
	defer s.lifeMu.Unlock()
	if s.srv != nil {
		return errors.New("githubfake: already started")
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("githubfake: listen %s: %w", s.addr, err)
	}
	s.ln = ln
	// The goroutine serves with its own copy: Close resets s.srv under
	// lifeMu, which the goroutine does not hold.
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.srv = srv
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("githubfake: serve", "err", err)
		}
	}()
	s.log.Debug("githubfake: listening", "url", "http://"+ln.Addr().String())
	return nil
}

// Close stops the server and drops open connections.
func (s *Server) Close() error {
	s.lifeMu.Lock()
	defer s.lifeMu.Unlock()
	if s.srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if err != nil {
		err = s.srv.Close()
	}
	s.srv = nil
	return err
}

// URL is the server's root, e.g. "http://127.0.0.1:41234". The API answers
// both at the root (BaseURL = URL()+"/") and under "/api/v3/" (GitHub
// Enterprise style, what go-github's WithEnterpriseURLs builds).
func (s *Server) URL() string {
	s.lifeMu.Lock()
	defer s.lifeMu.Unlock()
	if s.ln == nil {
		return ""
	}
	return "http://" + s.ln.Addr().String()
}

// Client returns a go-github client for this server authenticated with tok
// ("" for none).
func (s *Server) Client(tok string) *github.Client {
	c := github.NewClient(nil)
	if tok != "" {
		c = c.WithAuthToken(tok)
	}
	c, err := c.WithEnterpriseURLs(s.URL()+"/api/v3/", s.URL()+"/api/uploads/")
	if err != nil { // only on a malformed URL, which URL() never returns once started
		panic(fmt.Sprintf("githubfake: client for %q: %v", s.URL(), err))
	}
	return c
}

// Handler returns the API handler, to mount elsewhere instead of Start.
func (s *Server) Handler() http.Handler { return s }

type prefixKey struct{}

// ServeHTTP strips the optional GitHub Enterprise "/api/v3" prefix and
// remembers it, so that URLs in answers point back the way the client came.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	prefix := ""
	if p := r.URL.Path; p == "/api/v3" || strings.HasPrefix(p, "/api/v3/") {
		prefix = "/api/v3"
		u := *r.URL
		u.Path = strings.TrimPrefix(u.Path, prefix)
		u.RawPath = strings.TrimPrefix(u.RawPath, prefix)
		if u.Path == "" {
			u.Path = "/"
		}
		r = r.WithContext(context.WithValue(r.Context(), prefixKey{}, prefix))
		r.URL = &u
	}
	s.mux.ServeHTTP(w, r)
}

// clockNow reads the injected clock, truncated to GitHub's one-second
// timestamp resolution.
func (s *Server) clockNow() time.Time { return s.now().UTC().Truncate(time.Second) }
