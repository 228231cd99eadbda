package playground

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/gantryhq/gantry/internal/githubfake"
	"github.com/gantryhq/gantry/internal/slackfake"
)

// GitHubToken is the token the GitHub sandbox of the default fixture
// accepts; give it to whatever calls GitHub in local mode.
const GitHubToken = "ghp_gantry_local_sandbox"

//go:embed fixtures/bramble-github.yaml
var brambleFixture []byte

// BrambleFixture returns the example organisation's GitHub, as the sandbox
// starts it by default, its dates as written (as of fixtureAsOf).
func BrambleFixture() (*githubfake.Fixture, error) {
	return githubfake.ParseFixture(brambleFixture, "yaml")
}

// fixtureAsOf is the day the Bramble fixture's dates are written as of:
// a fresh sandbox moves them all by now - fixtureAsOf, so that a pull
// request "open for 80 days" or a push "four days ago" stays so.
var fixtureAsOf = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

// shiftFixture moves every date of f by d (undated objects keep their
// defaults).
func shiftFixture(f *githubfake.Fixture, d time.Duration) {
	at := func(t *time.Time) {
		if t != nil && !t.IsZero() {
			*t = t.Add(d)
		}
	}
	for i := range f.Repos {
		r := &f.Repos[i]
		at(&r.CreatedAt)
		at(&r.UpdatedAt)
		at(&r.PushedAt)
		for j := range r.Branches {
			for k := range r.Branches[j].Commits {
				at(&r.Branches[j].Commits[k].Date)
			}
		}
		for j := range r.Pulls {
			p := &r.Pulls[j]
			at(&p.CreatedAt)
			at(p.ClosedAt)
			at(p.MergedAt)
		}
		for j := range r.Runs {
			at(&r.Runs[j].CreatedAt)
			at(&r.Runs[j].UpdatedAt)
		}
	}
}

// Store keeps the sandbox's state between runs; *store.DB implements it.
type Store interface {
	// SandboxState returns the snapshot saved under name, ok false if none.
	SandboxState(ctx context.Context, name string) (data []byte, ok bool, err error)
	// SaveSandboxState replaces the snapshot saved under name.
	SaveSandboxState(ctx context.Context, name string, data []byte) error
}

// DigestFunc runs the scorecards' digests now and says what it did, for
// the page's "Run digest now" control.
type DigestFunc func(ctx context.Context) (DigestResult, error)

// DigestResult is what a "Run digest now" did, for the person who asked.
type DigestResult struct {
	// Summary is one or two sentences: what was posted where, what had
	// been posted already.
	Summary string `json:"summary"`
	// Channels are the names of the channels that received a digest.
	Channels []string `json:"channels"`
}

// Options configure a Sandbox.
type Options struct {
	// Store keeps the sandbox across restarts; nil keeps nothing.
	Store Store
	// Directory is who and what is in the workspace.
	Directory Directory
	// Fixture is the GitHub the sandbox starts from; nil is the example
	// organisation (BrambleFixture).
	Fixture *githubfake.Fixture
	// SlackAddr and GitHubAddr are where the two servers listen; empty is
	// a free port on 127.0.0.1.
	SlackAddr  string
	GitHubAddr string
	// Postgres describes, for the page, where PostgreSQL steps run (a host
	// and database, never a password); empty says they are skipped.
	Postgres string
	Log      *slog.Logger
}

// Sandbox is a running local playground: the Slack and GitHub sandboxes,
// their persistence, and the web client (Handler).
type Sandbox struct {
	opts  Options
	log   *slog.Logger
	slack *slackfake.Server
	gh    *githubfake.Server

	ctx    context.Context // ends at Close: the save loop stops
	cancel context.CancelFunc
	// live is New's context: event streams end with it, so that a server
	// shutting down is not held up by open pages.
	live   context.Context
	loopWG sync.WaitGroup

	orgs       []string // the GitHub organisations of the fixture
	fixtureWeb string   // the fixture's web_url: where its html_url values point

	// dirSet is closed by the first SetDirectory with people in it: the
	// page's first look at the workspace waits for it, so that a page
	// opened while Gantry starts sees everyone.
	dirSet  chan struct{}
	dirOnce sync.Once

	mu       sync.Mutex
	dir      resolvedDirectory
	digest   DigestFunc
	restored bool
	closed   bool
}

// New starts the Slack and GitHub sandboxes, restoring what Store saved
// (or starting afresh from the fixture), adds the Directory's people and
// channels, and starts saving changes. Close stops it all; when ctx ends,
// the pages' event streams end (so a server can shut down), and the rest
// goes on until Close.
func New(ctx context.Context, opts Options) (*Sandbox, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	log := opts.Log.With("component", "playground")
	fixture := opts.Fixture
	if fixture == nil {
		f, err := BrambleFixture()
		if err != nil {
			return nil, fmt.Errorf("playground: the example GitHub fixture: %w", err)
		}
		shiftFixture(f, time.Since(fixtureAsOf).Truncate(24*time.Hour))
		fixture = f
	}
	gh, err := githubfake.New(fixture, githubfake.WithAddr(orLoopback(opts.GitHubAddr)), githubfake.WithLogger(log))
	if err != nil {
		return nil, fmt.Errorf("playground: GitHub sandbox: %w", err)
	}
	slack := slackfake.New(slackfake.Options{Addr: orLoopback(opts.SlackAddr), TeamName: "Bramble (local sandbox)",
		TeamDomain: "bramble-sandbox", BotName: "gantry", Logger: log})
	sb := &Sandbox{opts: opts, log: log, slack: slack, gh: gh, live: ctx, dirSet: make(chan struct{})}
	sb.fixtureWeb = fixture.WebURL
	for _, o := range fixture.Orgs {
		sb.orgs = append(sb.orgs, o.Login)
	}
	sb.ctx, sb.cancel = context.WithCancel(context.WithoutCancel(ctx))
	if err := sb.restore(ctx); err != nil {
		return nil, err
	}
	if err := gh.Start(); err != nil {
		return nil, fmt.Errorf("playground: GitHub sandbox: %w", err)
	}
	if err := slack.Start(); err != nil {
		_ = gh.Close()
		return nil, fmt.Errorf("playground: Slack sandbox: %w", err)
	}
	sb.SetDirectory(opts.Directory)
	sb.loopWG.Add(1)
	go func() {
		defer sb.loopWG.Done()
		sb.saveLoop()
	}()
	return sb, nil
}

func orLoopback(addr string) string {
	if addr == "" {
		return "127.0.0.1:0"
	}
	return addr
}

// Slack is the Slack sandbox: point the bot at its APIURL with its
// AppToken and BotToken.
func (sb *Sandbox) Slack() *slackfake.Server { return sb.slack }

// GitHub is the GitHub sandbox: its API answers at URL()+"/api/v3/" to
// GitHubToken.
func (sb *Sandbox) GitHub() *githubfake.Server { return sb.gh }

// Orgs are the GitHub sandbox's organisations (the fixture's), for a
// catalog source to read.
func (sb *Sandbox) Orgs() []string { return slices.Clone(sb.orgs) }

// Restored reports whether New found a saved sandbox and resumed it.
func (sb *Sandbox) Restored() bool {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	return sb.restored
}

// SetDigest sets what "Run digest now" runs (nil: the control says
// digests are not available).
func (sb *Sandbox) SetDigest(fn DigestFunc) {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	sb.digest = fn
}

// Close saves the sandbox one last time and stops both servers. Stop the
// bot first: it would otherwise see Slack go away and try to reconnect.
func (sb *Sandbox) Close() error {
	sb.mu.Lock()
	if sb.closed {
		sb.mu.Unlock()
		return nil
	}
	sb.closed = true
	sb.mu.Unlock()
	sb.cancel()
	sb.loopWG.Wait()
	err := sb.save(context.Background())
	return errors.Join(err, sb.slack.Close(), sb.gh.Close())
}
