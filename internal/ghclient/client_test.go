package ghclient

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/errkind"
	"github.com/gantryhq/gantry/internal/githubfake"
)

// fakeClock is a clock whose Sleep advances it and records the wait.
type fakeClock struct {
	mu    sync.Mutex
	t     time.Time
	slept []time.Duration
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	c.slept = append(c.slept, d)
	return ctx.Err()
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *fakeClock) Slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.slept...)
}

const listRoute = "GET /orgs/{org}/repos"

func fixture() *githubfake.Fixture {
	return &githubfake.Fixture{
		Orgs: []githubfake.Org{{Login: "acme"}},
		Repos: []githubfake.Repo{{Owner: "acme", Name: "checkout",
			Files: map[string]string{"catalog-info.yaml": "kind: Component\n"}}},
		Tokens: []githubfake.Token{
			{Token: "full"},
			{Token: "meta-only", Permissions: map[string]string{"metadata": "read"}},
		},
	}
}

func startFake(t *testing.T, f *githubfake.Fixture, c *fakeClock) *githubfake.Server {
	t.Helper()
	s, err := githubfake.New(f, githubfake.WithClock(c.Now))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func newClient(t *testing.T, fake *githubfake.Server, c *fakeClock, mod func(*Config)) *Client {
	t.Helper()
	cfg := Config{BaseURL: fake.URL() + "/api/v3/", Token: "full", Now: c.Now, Sleep: c.Sleep, PerMinute: -1}
	if mod != nil {
		mod(&cfg)
	}
	gh, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return gh
}

func listRepos(gh *Client) error {
	_, _, err := gh.Repositories.ListByOrg(context.Background(), "acme", nil)
	return err
}

func TestAPIURLs(t *testing.T) {
	for _, tc := range []struct{ in, base, upload string }{
		{"", "https://api.github.com/", "https://uploads.github.com/"},
		{"https://api.github.com", "https://api.github.com/", "https://uploads.github.com/"},
		{"https://ghe.example.com/api/v3/", "https://ghe.example.com/api/v3/", "https://ghe.example.com/api/uploads/"},
		{"https://ghe.example.com/api/v3", "https://ghe.example.com/api/v3/", "https://ghe.example.com/api/uploads/"},
		{"https://ghe.example.com", "https://ghe.example.com/api/v3/", "https://ghe.example.com/api/uploads/"},
	} {
		base, upload, err := apiURLs(tc.in)
		if err != nil || base != tc.base || upload != tc.upload {
			t.Errorf("apiURLs(%q) = %q, %q, %v; want %q, %q", tc.in, base, upload, err, tc.base, tc.upload)
		}
	}
	if _, _, err := apiURLs("ftp://x"); err == nil {
		t.Error("ftp URL accepted")
	}
	gh, err := New(Config{})
	if err != nil || gh.BaseURL.String() != DefaultBaseURL {
		t.Errorf("default base = %v, %v", gh.BaseURL, err)
	}
}

func TestTokenOnEnterpriseURL(t *testing.T) {
	c := newClock()
	fake := startFake(t, fixture(), c)
	gh := newClient(t, fake, c, nil)
	if err := listRepos(gh); err != nil {
		t.Fatal(err)
	}
	if got := fake.Calls().Route(listRoute).OK; got != 1 {
		t.Errorf("list calls = %d", got)
	}
	if r := gh.Rate(); r.Limit != 5000 || r.Remaining != 4999 {
		t.Errorf("rate = %+v", r)
	}
	bad := newClient(t, fake, c, func(cfg *Config) { cfg.Token = "wrong" })
	err := Explain("listing acme", listRepos(bad))
	if !errors.Is(err, errkind.Forbidden) || !strings.Contains(err.Error(), "rejected the credentials") {
		t.Errorf("bad token: %v", err)
	}
}

func TestPrimaryLimitWaitsForReset(t *testing.T) {
	c := newClock()
	fake := startFake(t, fixture(), c)
	gh := newClient(t, fake, c, nil)
	// Spent: the fake answers 403 with Remaining 0; the client waits for
	// the reset and tries again, instead of failing.
	fake.SetRateLimit(0, c.Now().Add(10*time.Minute))
	if err := listRepos(gh); err != nil {
		t.Fatalf("after waiting: %v", err)
	}
	if s := c.Slept(); len(s) != 1 || s[0] != 10*time.Minute+time.Second {
		t.Errorf("slept %v, want one wait of 10m1s", s)
	}
	// The last unit: the answer says Remaining 0, so the next request
	// waits before it leaves (the fake never has to refuse it), and
	// go-github does not refuse it by the wall clock either.
	fake.ResetCalls()
	fake.SetRateLimit(1, c.Now().Add(5*time.Minute))
	for range 2 {
		if err := listRepos(gh); err != nil {
			t.Fatal(err)
		}
	}
	if calls := fake.Calls().Route(listRoute); calls.OK != 2 || calls.Errors != 0 {
		t.Errorf("calls = %+v, want 2 OK and no 403", calls)
	}
	if s := c.Slept(); len(s) != 2 || s[1] != 5*time.Minute+time.Second {
		t.Errorf("slept %v", s)
	}
	if r := gh.Rate(); r.Waits != 2 || r.Waited != 15*time.Minute+2*time.Second {
		t.Errorf("rate = %+v", r)
	}
}

func TestPrimaryLimitBeyondMaxWaitFails(t *testing.T) {
	c := newClock()
	fake := startFake(t, fixture(), c)
	gh := newClient(t, fake, c, func(cfg *Config) { cfg.MaxWait = time.Hour })
	fake.SetRateLimit(0, c.Now().Add(2*time.Hour))
	err := Explain("listing acme", listRepos(gh))
	if !errors.Is(err, errkind.Unavailable) || !strings.Contains(err.Error(), "rate limit") {
		t.Errorf("err = %v", err)
	}
	if s := c.Slept(); len(s) != 0 {
		t.Errorf("slept %v beyond the max wait", s)
	}
}

func TestSecondaryLimitHonoursRetryAfter(t *testing.T) {
	for _, status := range []int{http.StatusForbidden, http.StatusTooManyRequests} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			c := newClock()
			fake := startFake(t, fixture(), c)
			gh := newClient(t, fake, c, nil)
			fake.SecondaryLimitNextStatus(listRoute, status, 30*time.Second, 2)
			if err := listRepos(gh); err != nil {
				t.Fatal(err)
			}
			if s := c.Slept(); len(s) != 2 || s[0] != 30*time.Second || s[1] != 30*time.Second {
				t.Errorf("slept %v, want 30s twice", s)
			}
			calls := fake.Calls().Route(listRoute)
			if calls.OK != 1 || calls.RateLimited != 2 {
				t.Errorf("calls = %+v", calls)
			}
		})
	}
}

func TestServerErrorsAreRetriedTwice(t *testing.T) {
	c := newClock()
	fake := startFake(t, fixture(), c)
	gh := newClient(t, fake, c, nil)
	fake.FailNext(listRoute, http.StatusBadGateway, 2)
	if err := listRepos(gh); err != nil {
		t.Fatalf("after two 502s: %v", err)
	}
	if s := c.Slept(); len(s) != 2 || s[0] != time.Second || s[1] != 2*time.Second {
		t.Errorf("slept %v, want 1s then 2s", s)
	}
	fake.FailNext(listRoute, http.StatusInternalServerError, 3)
	err := Explain("listing acme", listRepos(gh))
	if !errors.Is(err, errkind.Unavailable) || !strings.Contains(err.Error(), "500") {
		t.Errorf("after three 500s: %v", err)
	}
}

func TestPermissionErrorNamesThePermission(t *testing.T) {
	c := newClock()
	fake := startFake(t, fixture(), c)
	gh := newClient(t, fake, c, func(cfg *Config) { cfg.Token = "meta-only" })
	_, _, err := gh.Git.GetTree(context.Background(), "acme", "checkout", "main", true)
	err = Explain("reading acme/checkout", err)
	var pe *PermissionError
	if !errors.As(err, &pe) || pe.Permission != "contents=read" || !errors.Is(err, errkind.Forbidden) {
		t.Fatalf("err = %#v", err)
	}
	if !strings.Contains(err.Error(), `"Contents: read"`) {
		t.Errorf("message does not name the permission: %v", err)
	}
	if got := routePermission("GET", "/api/v3/repos/a/b/branches/main/protection"); got != "administration=read" {
		t.Errorf("routePermission = %q", got)
	}
}

func TestPacingSpreadsRequests(t *testing.T) {
	c := newClock()
	fake := startFake(t, fixture(), c)
	gh := newClient(t, fake, c, func(cfg *Config) { cfg.PerMinute = 60 })
	for range pacingBurst + 5 {
		if err := listRepos(gh); err != nil {
			t.Fatal(err)
		}
	}
	var total time.Duration
	for _, d := range c.Slept() {
		total += d
	}
	if total < 4*time.Second || total > 6*time.Second {
		t.Errorf("paced %d requests at 60/min after a burst of %d: waited %s, want about 5s", pacingBurst+5, pacingBurst, total)
	}
}

func TestAppInstallationTokensAreRefreshedBeforeExpiry(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	f := fixture()
	f.Apps = []githubfake.App{{ID: 42, Slug: "gantry", PublicKeyPEM: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})),
		Installations: []githubfake.Installation{{ID: 7, Account: "acme", Permissions: map[string]string{"contents": "read", "metadata": "read"}}}}}
	c := newClock()
	fake := startFake(t, f, c)
	priv := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	gh := newClient(t, fake, c, func(cfg *Config) { cfg.App = &App{ID: 42, InstallationID: 7, PrivateKey: priv} })
	if !gh.Installation() {
		t.Error("not an installation client")
	}
	mints := func() int { return fake.Calls().Route("POST /app/installations/{installation}/access_tokens").OK }
	steps := []struct {
		advance time.Duration
		mints   int
	}{
		{0, 1},                // first call mints
		{30 * time.Minute, 1}, // 30 minutes left: reused
		{26 * time.Minute, 2}, // 4 minutes left: replaced before it expires
		{10 * time.Minute, 2},
	}
	for i, s := range steps {
		c.Advance(s.advance)
		if err := listRepos(gh); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got := mints(); got != s.mints {
			t.Errorf("step %d: %d tokens minted, want %d", i, got, s.mints)
		}
	}
	if calls := fake.Calls().Route(listRoute); calls.Errors != 0 {
		t.Errorf("a request met an expired token: %+v", calls)
	}

	wrong := newClient(t, fake, c, func(cfg *Config) { cfg.App = &App{ID: 42, InstallationID: 999, PrivateKey: priv} })
	if err := listRepos(wrong); !errors.Is(err, errkind.NotFound) || !strings.Contains(err.Error(), "installation 999") {
		t.Errorf("unknown installation: %v", err)
	}
	if _, err := New(Config{App: &App{ID: 1, InstallationID: 2, PrivateKey: []byte("nope")}}); err == nil {
		t.Error("a malformed key was accepted")
	}
}

func TestSecondaryLimitWithoutRetryAfterBacksOffAndResumes(t *testing.T) {
	c := newClock()
	fake := startFake(t, fixture(), c)
	gh := newClient(t, fake, c, nil)
	fake.SecondaryLimitNext(listRoute, 0, 3)
	if err := listRepos(gh); err != nil {
		t.Fatalf("after three secondary limits without Retry-After: %v", err)
	}
	want := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute}
	if s := c.Slept(); !slicesEqual(s, want) {
		t.Errorf("slept %v, want %v", s, want)
	}
	if calls := fake.Calls().Route(listRoute); calls.OK != 1 || calls.RateLimited != 3 {
		t.Errorf("calls = %+v", calls)
	}
}

// TestBare429BacksOffAndResumes: a 429 without Retry-After nor a message
// saying why is a rate limit all the same: a minute's wait, then the
// request again.
func TestBare429BacksOffAndResumes(t *testing.T) {
	c := newClock()
	fake := startFake(t, fixture(), c)
	gh := newClient(t, fake, c, nil)
	fake.FailNext(listRoute, http.StatusTooManyRequests, 1)
	if err := listRepos(gh); err != nil {
		t.Fatalf("after a 429: %v", err)
	}
	if s := c.Slept(); !slicesEqual(s, []time.Duration{time.Minute}) {
		t.Errorf("slept %v, want a minute", s)
	}
	if calls := fake.Calls().Route(listRoute); calls.OK != 1 || calls.Total() != 2 {
		t.Errorf("calls = %+v", calls)
	}
}

// TestPersistentSecondaryLimitFailsAfterMaxWait: a secondary limit that
// never lifts is waited out for MaxWait (an hour) in all, sending the
// request 8 times, then its error is returned, saying so.
func TestPersistentSecondaryLimitFailsAfterMaxWait(t *testing.T) {
	c := newClock()
	fake := startFake(t, fixture(), c)
	gh := newClient(t, fake, c, nil)
	fake.SecondaryLimitNext(listRoute, 0, 100)
	err := Explain("listing acme", listRepos(gh))
	if !errors.Is(err, errkind.Unavailable) || !strings.Contains(err.Error(), "secondary rate limit still holds after waiting") {
		t.Errorf("err = %v", err)
	}
	want := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 15 * time.Minute, 15 * time.Minute, 15 * time.Minute}
	if s := c.Slept(); !slicesEqual(s, want) {
		t.Errorf("slept %v, want %v", s, want)
	}
	if calls := fake.Calls().Route(listRoute); calls.RateLimited != 8 {
		t.Errorf("calls = %+v, want 8 sent", calls)
	}
}

// blockingClock is a fake clock whose Sleeps block until released, so a
// test can see what other requests do meanwhile.
type blockingClock struct {
	*fakeClock
	first   chan time.Duration // the first Sleep's duration
	release chan struct{}
	once    sync.Once
	slept   chan time.Duration // later Sleeps
}

func (b *blockingClock) Sleep(ctx context.Context, d time.Duration) error {
	isFirst := false
	b.once.Do(func() { isFirst = true })
	if isFirst {
		b.first <- d
	} else {
		b.slept <- d
	}
	<-b.release // later Sleeps too: the test checks GitHub saw nothing meanwhile
	return b.fakeClock.Sleep(ctx, d)
}

// TestSecondaryLimitWithoutRetryAfterPausesEveryone: while one request
// waits out a secondary limit, the client's other requests wait too,
// instead of hitting the limit again.
func TestSecondaryLimitWithoutRetryAfterPausesEveryone(t *testing.T) {
	bc := &blockingClock{fakeClock: newClock(), first: make(chan time.Duration, 1), release: make(chan struct{}),
		slept: make(chan time.Duration, 10)}
	fake := startFake(t, fixture(), bc.fakeClock)
	gh := newClient(t, fake, bc.fakeClock, func(cfg *Config) { cfg.Sleep = bc.Sleep })
	fake.SecondaryLimitNext(listRoute, 0, 1)
	errs := make(chan error, 2)
	go func() { errs <- listRepos(gh) }()
	deadline := time.After(30 * time.Second)
	select {
	case d := <-bc.first:
		if d != time.Minute {
			t.Errorf("first wait %v", d)
		}
	case <-deadline:
		t.Fatal("the limited request never waited")
	}
	go func() { errs <- listRepos(gh) }()
	select {
	case d := <-bc.slept: // the second request waits for the same minute
		if d != time.Minute {
			t.Errorf("second request waited %v", d)
		}
	case <-deadline:
		t.Fatal("the second request did not wait")
	}
	if calls := fake.Calls().Route(listRoute); calls.Total() != 1 {
		t.Errorf("a request reached GitHub during the pause: %+v", calls)
	}
	close(bc.release)
	for range 2 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func slicesEqual(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
