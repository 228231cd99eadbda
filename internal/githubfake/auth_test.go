package githubfake

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-github/v60/github"
)

func TestBadCredentials(t *testing.T) {
	s := start(t, testFixture())
	for _, tok := range []string{"", "ghp_unknown"} {
		_, _, err := s.Client(tok).Repositories.Get(ctx(t), "acme", "checkout")
		if er := errResp(t, err, 401); er.Message != "Bad credentials" {
			t.Errorf("token %q: message %q", tok, er.Message)
		}
	}
	// /rate_limit answers anonymous callers and is never charged.
	rl := must[*github.RateLimits](t)(s.Client("").RateLimit.Get(ctx(t)))
	if rl.GetCore().Limit != 5000 || rl.GetCore().Remaining != 5000 {
		t.Errorf("core = %+v", rl.GetCore())
	}
}

func TestMissingPermissionIs403WithAcceptedPermissions(t *testing.T) {
	s := start(t, testFixture())
	gh := s.Client("ghs_readonly")
	if _, _, err := gh.Repositories.Get(ctx(t), "acme", "checkout"); err != nil {
		t.Fatalf("metadata is implied: %v", err)
	}
	_, resp, err := gh.Repositories.Create(ctx(t), "acme", &github.Repository{Name: github.String("nope")})
	er := errResp(t, err, 403)
	if er.Message != "Resource not accessible by integration" {
		t.Errorf("message = %q", er.Message)
	}
	if got := resp.Header.Get("X-Accepted-GitHub-Permissions"); got != "administration=write" {
		t.Errorf("X-Accepted-GitHub-Permissions = %q", got)
	}
	_, resp, err = gh.PullRequests.List(ctx(t), "acme", "checkout", nil)
	errResp(t, err, 403)
	if got := resp.Header.Get("X-Accepted-GitHub-Permissions"); got != "pull_requests=read" {
		t.Errorf("X-Accepted-GitHub-Permissions = %q", got)
	}
}

func TestRepoScopedTokenSeesOnlyItsRepos(t *testing.T) {
	f := testFixture()
	f.Tokens = append(f.Tokens, Token{Token: "ghs_one", Repos: []string{"acme/checkout"}, Permissions: map[string]string{"contents": "read"}})
	s := start(t, f)
	gh := s.Client("ghs_one")
	repos := must[[]*github.Repository](t)(gh.Repositories.ListByOrg(ctx(t), "acme", nil))
	if len(repos) != 1 || repos[0].GetName() != "checkout" {
		t.Errorf("repos = %v", repos)
	}
	_, _, err := gh.Repositories.Get(ctx(t), "acme", "billing")
	errResp(t, err, 404)
}

func TestPrimaryRateLimit(t *testing.T) {
	clk := NewClock(time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC))
	s := start(t, testFixture(), WithClock(clk.Now))
	gh := s.Client(adminToken)
	_, resp, err := gh.Repositories.Get(ctx(t), "acme", "checkout")
	if err != nil {
		t.Fatal(err)
	}
	if resp.Rate.Limit != 5000 || resp.Rate.Remaining != 4999 || resp.Header.Get("X-RateLimit-Used") != "1" ||
		resp.Header.Get("X-RateLimit-Resource") != "core" || !resp.Rate.Reset.Time.Equal(clk.Now().Add(time.Hour)) {
		t.Errorf("rate = %+v headers=%v", resp.Rate, resp.Header)
	}

	reset := clk.Now().Add(30 * time.Minute)
	s.SetRateLimit(1, reset)
	if _, _, err := gh.Repositories.Get(ctx(t), "acme", "checkout"); err != nil {
		t.Fatalf("last call of the budget: %v", err)
	}
	_, _, err = gh.Repositories.Get(ctx(t), "acme", "checkout")
	var rle *github.RateLimitError
	if !errors.As(err, &rle) {
		t.Fatalf("want *github.RateLimitError, got %T %v", err, err)
	}
	if rle.Rate.Remaining != 0 || !rle.Rate.Reset.Time.Equal(reset) || rle.Response.StatusCode != 403 {
		t.Errorf("rate limit error = %+v", rle)
	}
	if c := s.Calls(); c.RateLimited != 1 || c.Route("GET /repos/{owner}/{repo}").RateLimited != 1 {
		t.Errorf("calls = %+v", c)
	}
	// After the reset (by the fake clock) the budget is back. The reset lies
	// in the wall-clock past, so go-github does not hold the request back.
	clk.Advance(31 * time.Minute)
	_, resp, err = gh.Repositories.Get(ctx(t), "acme", "checkout")
	if err != nil || resp.Rate.Remaining != 4999 {
		t.Fatalf("after reset: %v %+v", err, resp.Rate)
	}
}

func TestSecondaryRateLimit(t *testing.T) {
	s := start(t, testFixture())
	s.SecondaryLimitNext("GET /repos/{owner}/{repo}", 90*time.Second, 1)
	_, _, err := s.Client(adminToken).Repositories.Get(ctx(t), "acme", "checkout")
	var are *github.AbuseRateLimitError
	if !errors.As(err, &are) {
		t.Fatalf("want *github.AbuseRateLimitError, got %T %v", err, err)
	}
	if are.GetRetryAfter() != 90*time.Second {
		t.Errorf("retry after = %v", are.GetRetryAfter())
	}
	// go-github now holds that client back; a fresh one goes through.
	if _, _, err := s.Client(adminToken).Repositories.Get(ctx(t), "acme", "checkout"); err != nil {
		t.Fatalf("after the injected limit: %v", err)
	}

	// The 429 form, as GitHub also sends it.
	s.SecondaryLimitNextStatus("*", http.StatusTooManyRequests, 5*time.Second, 1)
	req, _ := http.NewRequest(http.MethodGet, s.URL()+"/repos/acme/checkout", nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "5" {
		t.Errorf("got %d Retry-After=%q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if c := s.Calls(); c.RateLimited != 2 || c.Charged != 1 {
		t.Errorf("rate limited %d, charged %d", c.RateLimited, c.Charged)
	}
}

func TestFailNext(t *testing.T) {
	s := start(t, testFixture())
	gh := s.Client(adminToken)
	s.FailNext("GET /orgs/{org}/repos", 502, 2)
	for range 2 {
		_, _, err := gh.Repositories.ListByOrg(ctx(t), "acme", nil)
		errResp(t, err, 502)
	}
	if _, _, err := gh.Repositories.ListByOrg(ctx(t), "acme", nil); err != nil {
		t.Fatal(err)
	}
	if rc := s.Calls().Route("GET /orgs/{org}/repos"); rc.Errors != 2 || rc.OK != 1 {
		t.Errorf("calls = %+v", rc)
	}
	s.ResetCalls()
	if s.Calls().Total != 0 {
		t.Error("ResetCalls left counts")
	}
}

// appFixture installs app 42 on acme with a key generated for the test.
func appFixture(t *testing.T) (*Fixture, *rsa.PrivateKey) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	f := testFixture()
	f.Limits.TokenLifetime = Duration(10 * time.Minute)
	f.Apps = []App{{ID: 42, Slug: "gantry", PublicKeyPEM: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})),
		Installations: []Installation{{ID: 7, Account: "acme", Repos: []string{"checkout", "billing"},
			Permissions: map[string]string{"contents": "write", "metadata": "read", "pull_requests": "write"}}}}}
	return f, key
}

func appJWT(t *testing.T, key *rsa.PrivateKey, iss any, now time.Time, life time.Duration) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"iss": iss, "iat": now.Add(-30 * time.Second).Unix(), "exp": now.Add(life).Unix(),
	}).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestAppInstallationToken(t *testing.T) {
	f, key := appFixture(t)
	clk := NewClock(time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC))
	s := start(t, f, WithClock(clk.Now))

	appClient := s.Client(appJWT(t, key, 42, clk.Now(), 9*time.Minute))
	app := must[*github.App](t)(appClient.Apps.Get(ctx(t), ""))
	if app.GetID() != 42 || app.GetSlug() != "gantry" {
		t.Errorf("app = %+v", app)
	}
	inst := must[*github.Installation](t)(appClient.Apps.FindOrganizationInstallation(ctx(t), "acme"))
	if inst.GetID() != 7 || inst.GetRepositorySelection() != "selected" {
		t.Errorf("installation = %+v", inst)
	}
	it, resp, err := appClient.Apps.CreateInstallationToken(ctx(t), 7, nil)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("token: %v", err)
	}
	if !it.GetExpiresAt().Time.Equal(clk.Now().Add(10*time.Minute)) || it.GetPermissions().GetContents() != "write" {
		t.Errorf("token = %+v", it)
	}

	gh := s.Client(it.GetToken())
	repos, _, err := gh.Apps.ListRepos(ctx(t), nil)
	if err != nil || repos.GetTotalCount() != 2 {
		t.Fatalf("installation repos: %v %v", repos, err)
	}
	if _, _, err := gh.Repositories.Get(ctx(t), "acme", "checkout"); err != nil {
		t.Fatal(err)
	}
	_, _, err = gh.Repositories.Get(ctx(t), "acme", "service-template")
	errResp(t, err, 404) // not in the installation's selection
	_, resp, err = gh.Actions.ListRepositoryWorkflowRuns(ctx(t), "acme", "checkout", nil)
	errResp(t, err, 403)
	if resp.Header.Get("X-Accepted-GitHub-Permissions") != "actions=read" {
		t.Errorf("header = %q", resp.Header.Get("X-Accepted-GitHub-Permissions"))
	}

	// The token expires by the fake clock; a fresh JWT buys a new one.
	clk.Advance(11 * time.Minute)
	_, _, err = gh.Repositories.Get(ctx(t), "acme", "checkout")
	errResp(t, err, 401)
	it2 := must[*github.InstallationToken](t)(s.Client(appJWT(t, key, "42", clk.Now(), 5*time.Minute)).Apps.CreateInstallationToken(ctx(t), 7,
		&github.InstallationTokenOptions{Repositories: []string{"checkout"}, Permissions: &github.InstallationPermissions{Contents: github.String("read")}}))
	if it2.GetToken() == it.GetToken() || len(it2.Repositories) != 1 {
		t.Errorf("refreshed token = %+v", it2)
	}
	if _, _, err := s.Client(it2.GetToken()).Repositories.Get(ctx(t), "acme", "checkout"); err != nil {
		t.Fatal(err)
	}
	// Asking for more than the installation has is refused.
	_, _, err = s.Client(appJWT(t, key, 42, clk.Now(), 5*time.Minute)).Apps.CreateInstallationToken(ctx(t), 7,
		&github.InstallationTokenOptions{Permissions: &github.InstallationPermissions{Administration: github.String("write")}})
	errResp(t, err, 422)
}

func TestAppJWTRejected(t *testing.T) {
	f, key := appFixture(t)
	clk := NewClock(time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC))
	s := start(t, f, WithClock(clk.Now))
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"wrong key":     appJWT(t, other, 42, clk.Now(), 5*time.Minute),
		"expired":       appJWT(t, key, 42, clk.Now().Add(-20*time.Minute), 5*time.Minute),
		"exp too far":   appJWT(t, key, 42, clk.Now(), time.Hour),
		"unknown app":   appJWT(t, key, 99, clk.Now(), 5*time.Minute),
		"not a jwt":     adminToken,
		"installation?": "",
	}
	for name, tok := range cases {
		_, _, err := s.Client(tok).Apps.CreateInstallationToken(ctx(t), 7, nil)
		if er := errResp(t, err, 401); er.Message == "" {
			t.Errorf("%s: empty message", name)
		}
	}
}

func TestLatency(t *testing.T) {
	s := start(t, testFixture())
	s.SetLatency("GET /orgs/{org}/repos", time.Minute)
	short, cancel := context.WithTimeout(ctx(t), 50*time.Millisecond)
	defer cancel()
	if _, _, err := s.Client(adminToken).Repositories.ListByOrg(short, "acme", nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want the client to give up, got %v", err)
	}
	s.SetLatency("GET /orgs/{org}/repos", 0)
	if _, _, err := s.Client(adminToken).Repositories.ListByOrg(ctx(t), "acme", nil); err != nil {
		t.Fatal(err)
	}
}
