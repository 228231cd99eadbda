// Package ghclient builds the go-github client that every part of Gantry
// uses to talk to GitHub or GitHub Enterprise Server: the catalog's github
// source, actions and scorecard facts.
//
// A Client authenticates with a token or as a GitHub App installation
// (installation tokens are minted from an RS256 JWT and refreshed before
// they expire), and its transport waits out rate limits instead of failing
// or hammering: it paces requests under GitHub's secondary limit, waits for
// the primary limit's reset when X-RateLimit-Remaining reaches 0, honours
// Retry-After on secondary-limit answers (403 or 429), and retries a read
// that met a 5xx twice. The clock and the sleeper are injectable, so tests
// never sleep.
package ghclient

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/gantryhq/gantry/internal/clock"
)

// DefaultBaseURL is GitHub.com's REST API.
const DefaultBaseURL = "https://api.github.com/"

// Config says how to reach GitHub and as whom.
type Config struct {
	// BaseURL is the REST API root: "" for GitHub.com, or a GitHub
	// Enterprise Server's "https://github.example.com/api/v3/".
	BaseURL string
	// Token is a personal (classic or fine-grained) token. Ignored when App
	// is set.
	Token string
	// App authenticates as a GitHub App installation.
	App *App
	// UserAgent is sent with every request; default "gantry".
	UserAgent string

	// Now and Sleep replace the clock and time.Sleep (tests pass a fake
	// clock whose Sleep advances it). Sleep must return early with the
	// context's error when ctx ends.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	// Log receives a warning each time the client waits for a limit.
	Log *slog.Logger

	// MaxWait bounds the time one request spends waiting for rate limits
	// (all its waits together); past it the limit's error is returned.
	// Default 1h, the primary limit's window.
	MaxWait time.Duration
	// PerMinute paces requests to at most this many a minute, under
	// GitHub's secondary limit of 900 points a minute for REST. 0 means
	// DefaultPerMinute; a negative value turns pacing off (tests).
	PerMinute int
	// Base is the transport underneath (default http.DefaultTransport).
	Base http.RoundTripper
}

// DefaultPerMinute is the default pace: below the 900 points a minute that
// GitHub's secondary limit allows a REST client.
const DefaultPerMinute = 800

// App is a GitHub App installation's credentials.
type App struct {
	ID             int64
	InstallationID int64
	// PrivateKey is the App's PEM-encoded RSA private key (PKCS#1 or
	// PKCS#8), as GitHub hands it out.
	PrivateKey []byte
}

// ReadPrivateKey reads an App's private key file.
func ReadPrivateKey(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("github.app.private_key_file %s: %w", path, err)
	}
	return data, nil
}

// Client is a go-github client with Gantry's transport. It is safe for
// concurrent use; build one per GitHub host and share it.
type Client struct {
	*github.Client
	limits *Transport
	app    *appAuth
}

// New builds a client. It does no I/O: bad credentials show at the first
// call. Errors: a malformed base URL or private key.
func New(cfg Config) (*Client, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = clock.Sleep
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = time.Hour
	}
	if cfg.PerMinute == 0 {
		cfg.PerMinute = DefaultPerMinute
	}
	if cfg.Base == nil {
		cfg.Base = http.DefaultTransport
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "gantry"
	}
	base, upload, err := apiURLs(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	c := &Client{}
	var auth http.RoundTripper
	switch {
	case cfg.App != nil:
		a, err := newAppAuth(cfg, base, upload)
		if err != nil {
			return nil, err
		}
		c.app = a
		auth = &authTransport{next: cfg.Base, token: a.token, invalidate: a.invalidate}
	case cfg.Token != "":
		tok := cfg.Token
		auth = &authTransport{next: cfg.Base, token: func(context.Context) (string, error) { return tok, nil }}
	default:
		auth = cfg.Base // anonymous: public data only, 60 calls an hour
	}
	c.limits = newTransport(auth, cfg)
	gh := github.NewClient(&http.Client{Transport: c.limits})
	gh.UserAgent = cfg.UserAgent
	if gh, err = gh.WithEnterpriseURLs(base, upload); err != nil {
		return nil, fmt.Errorf("github.base_url %q: %w", cfg.BaseURL, err)
	}
	if base == DefaultBaseURL {
		// WithEnterpriseURLs appends api/v3/ to hosts it does not know.
		gh.BaseURL, _ = url.Parse(DefaultBaseURL)
		gh.UploadURL, _ = url.Parse("https://uploads.github.com/")
	}
	c.Client = gh
	return c, nil
}

// apiURLs returns the REST and upload roots for a configured base URL. A
// GitHub Enterprise Server URL given as the bare host gets /api/v3/.
func apiURLs(raw string) (base, upload string, err error) {
	raw = strings.TrimSpace(raw)
	if raw == "" || strings.TrimSuffix(raw, "/") == strings.TrimSuffix(DefaultBaseURL, "/") {
		return DefaultBaseURL, "https://uploads.github.com/", nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", "", fmt.Errorf("github.base_url %q is not an http(s) URL such as https://github.example.com/api/v3/", raw)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	if !strings.HasSuffix(u.Path, "/api/v3/") && u.Path == "/" {
		u.Path = "/api/v3/"
	}
	base = u.String()
	up := *u
	up.Path = strings.TrimSuffix(u.Path, "api/v3/") + "api/uploads/"
	return base, up.String(), nil
}

// Rate returns what the client last saw of the primary rate limit, and how
// long it has waited for limits so far.
func (c *Client) Rate() Rate { return c.limits.Rate() }

// Installation reports whether the client authenticates as a GitHub App.
func (c *Client) Installation() bool { return c.app != nil }

// authTransport sets the Authorization header. An installation token that
// GitHub answers 401 for (revoked, or expired early) is minted anew once.
type authTransport struct {
	next       http.RoundTripper
	token      func(context.Context) (string, error)
	invalidate func(string)
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	tok, err := t.token(req.Context())
	if err != nil {
		return nil, err
	}
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+tok)
	resp, err := t.next.RoundTrip(r)
	if err != nil || resp.StatusCode != http.StatusUnauthorized || t.invalidate == nil || !rewindable(req) {
		return resp, err
	}
	t.invalidate(tok)
	fresh, err := t.token(req.Context())
	if err != nil || fresh == tok {
		return resp, nil
	}
	drain(resp)
	r, err = rewind(req)
	if err != nil {
		return nil, err
	}
	r.Header.Set("Authorization", "Bearer "+fresh)
	return t.next.RoundTrip(r)
}
