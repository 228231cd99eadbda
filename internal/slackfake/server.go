package slackfake

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Server is a Slack workspace, its Web API and its Socket Mode endpoint,
// served on loopback. Every method is safe for concurrent use.
//
// One mutex guards all state: the fake is small, and one lock makes every
// observable change (a message, a view, an ack) atomic with its event.
// Nothing blocking (socket writes, sleeps) happens while it is held.
type Server struct {
	opts   Options
	logger *slog.Logger

	mu     sync.Mutex
	closed bool
	ws     *workspace
	log    eventLog

	triggers     map[string]*trigger
	responseURLs map[string]*responseURL
	tickets      map[string]time.Time
	conns        []*socketConn
	reserved     int // sockets accepted but not yet greeted with hello
	rr           int // round-robin cursor over conns
	byEnvelope   map[string]*Delivery
	pending      []*Delivery
	records      []*EnvelopeRecord
	recordByID   map[string]*EnvelopeRecord
	buckets      map[string]*bucket
	faults       map[string][]fault
	latency      map[string]time.Duration
	apiStats     map[string]*MethodStats
	envStats     EnvelopeStats
	connSeq      int
	started      bool

	ln      net.Listener
	httpSrv *http.Server
	baseURL string
	quit    chan struct{}
	wg      sync.WaitGroup
}

// New returns a Server with an empty workspace (the team and the bot user).
// Add users and channels, then call Start.
func New(opts Options) *Server {
	opts = opts.withDefaults()
	s := &Server{
		opts:         opts,
		logger:       opts.Logger.With("component", "slackfake"),
		log:          newEventLog(opts.EventLogSize),
		triggers:     map[string]*trigger{},
		responseURLs: map[string]*responseURL{},
		tickets:      map[string]time.Time{},
		byEnvelope:   map[string]*Delivery{},
		recordByID:   map[string]*EnvelopeRecord{},
		buckets:      map[string]*bucket{},
		faults:       map[string][]fault{},
		latency:      map[string]time.Duration{},
		apiStats:     map[string]*MethodStats{},
		quit:         make(chan struct{}),
	}
	s.ws = newWorkspace(opts)
	return s
}

// TB is the part of testing.TB that NewServer needs; declaring it here keeps
// the testing package out of the playground binary.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// NewServer starts a Server for a test and closes it when the test ends.
func NewServer(t TB, opts Options) *Server {
	t.Helper()
	s := New(opts)
	if err := s.Start(); err != nil {
		t.Fatalf("slackfake: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// Start listens on Options.Addr and serves the Web API, response_urls and
// Socket Mode.
func (s *Server) Start() error {
	s.mu.Lock()
	if s.started || s.closed {
		s.mu.Unlock()
		return errors.New("slackfake: Start called twice or after Close")
	}
	s.started = true
	s.mu.Unlock()

	ln, err := net.Listen("tcp", s.opts.Addr)
	if err != nil {
		return fmt.Errorf("slackfake: listening on %s: %w", s.opts.Addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/", s.handleAPI)
	mux.HandleFunc("/link/", s.handleLink)
	mux.HandleFunc("/commands/", s.handleResponseURL)
	mux.HandleFunc("/actions/", s.handleResponseURL)
	s.mu.Lock()
	s.ln = ln
	s.baseURL = "http://" + ln.Addr().String()
	s.httpSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	s.mu.Unlock()
	s.spawn(func() {
		if err := s.httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logger.Error("serving", "err", err)
		}
	})
	s.spawn(s.sweepLoop)
	s.logger.Debug("listening", "url", s.baseURL)
	return nil
}

// Close stops the server: sockets are dropped, pending deliveries fail.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	conns := append([]*socketConn(nil), s.conns...)
	srv := s.httpSrv
	for _, d := range slices.Clone(s.pending) {
		d.finishLocked(nil, ErrClosed)
	}
	s.mu.Unlock()

	close(s.quit)
	for _, c := range conns {
		_ = c.ws.Close()
	}
	var err error
	if srv != nil {
		err = srv.Close()
	}
	s.wg.Wait()
	return err
}

// spawn runs f in a goroutine that Close waits for, unless the server is
// closed. Adding to the WaitGroup under the lock orders it before Close's Wait.
func (s *Server) spawn(f func()) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.spawnLocked(f)
}

func (s *Server) spawnLocked(f func()) bool {
	if s.closed {
		return false
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		f()
	}()
	return true
}

func (s *Server) sweepLoop() {
	t := time.NewTicker(s.opts.SweepInterval)
	defer t.Stop()
	for {
		select {
		case <-s.quit:
			return
		case <-t.C:
			s.Tick()
		}
	}
}

// URL is the server's base URL, e.g. "http://127.0.0.1:41234".
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.baseURL
}

// APIURL is the Web API base for slack.OptionAPIURL (ends with "/api/").
func (s *Server) APIURL() string { return s.URL() + "/api/" }

// BotToken is the xoxb- token the bot must use for the Web API.
func (s *Server) BotToken() string { return s.opts.BotToken }

// AppToken is the xapp- token for apps.connections.open.
func (s *Server) AppToken() string { return s.opts.AppToken }

// AppID is the app's A… id.
func (s *Server) AppID() string { return s.opts.AppID }

// Team returns the workspace.
func (s *Server) Team() Team {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ws.team
}

// BotUser returns the bot's own user.
func (s *Server) BotUser() User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.ws.users[s.ws.botUserID]
}
