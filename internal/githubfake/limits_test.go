package githubfake

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"
)

// rawGet sends a GET with a token and returns the status and Retry-After.
func rawGet(t *testing.T, s *Server, tok, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL()+path, nil)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Retry-After")
}

// TestSecondaryPointsPerMinute: GitHub's secondary limit on points (a read
// costs 1, a write 5) over a minute of the server's clock, per caller.
func TestSecondaryPointsPerMinute(t *testing.T) {
	clk := NewClock(time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC))
	f := testFixture()
	f.Limits.SecondaryPoints = 10
	f.Tokens = append(f.Tokens, Token{Token: "ghp_bob", Login: "bob"}, Token{Token: "ghp_alice2", Login: "alice"})
	s := start(t, f, WithClock(clk.Now))
	for i := range 6 {
		if code, _ := rawGet(t, s, adminToken, "/repos/acme/checkout"); code != 200 {
			t.Fatalf("read %d: %d", i, code)
		}
		clk.Advance(5 * time.Second)
	}
	// A write costs 5: 6 + 5 > 10.
	_, _, err := s.Client(adminToken).Repositories.Edit(ctx(t), "acme", "checkout", &github.Repository{Description: github.String("x")})
	var are *github.AbuseRateLimitError
	if !errors.As(err, &are) || are.Response.StatusCode != 403 || !strings.Contains(are.Message, "secondary rate limit") {
		t.Fatalf("write over the points: %T %v", err, err)
	}
	// Four more reads fit; the fifth waits for the oldest read (at 0s) to
	// leave the minute: 60s after it, and the clock is at 30s.
	for i := range 4 {
		if code, _ := rawGet(t, s, adminToken, "/repos/acme/checkout"); code != 200 {
			t.Fatalf("read %d: %d", 6+i, code)
		}
	}
	code, retry := rawGet(t, s, adminToken, "/repos/acme/checkout")
	if code != 403 || retry != "30" {
		t.Errorf("over the points: %d, Retry-After %q; want 403 after 30", code, retry)
	}
	// Another user has points of its own; the same user's other token does not.
	if code, _ := rawGet(t, s, "ghp_bob", "/repos/acme/checkout"); code != 200 {
		t.Errorf("another user: %d", code)
	}
	if code, _ := rawGet(t, s, "ghp_alice2", "/repos/acme/checkout"); code != 403 {
		t.Errorf("the same user's other token: %d", code)
	}
	// A refused request costs nothing; once the minute has passed, points are back.
	clk.Advance(30 * time.Second)
	if code, _ := rawGet(t, s, adminToken, "/repos/acme/checkout"); code != 200 {
		t.Errorf("after the wait: %d", code)
	}
	if c := s.Calls(); c.RateLimited != 3 {
		t.Errorf("rate limited %d, want 3", c.RateLimited)
	}

	// Off when negative.
	f = testFixture()
	f.Limits.SecondaryPoints = -1
	off := start(t, f, WithClock(clk.Now))
	for i := range DefaultSecondaryPoints + 10 {
		if code, _ := rawGet(t, off, adminToken, "/rate_limit"); code != 200 {
			t.Fatalf("call %d: %d", i, code)
		}
	}
}

// TestPrimaryLimitPerCaller: each user (all of its tokens), installation
// and App has its own hourly budget.
func TestPrimaryLimitPerCaller(t *testing.T) {
	clk := NewClock(time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC))
	f := testFixture()
	f.Limits.RateLimit = 3
	f.Tokens = append(f.Tokens, Token{Token: "ghp_bob", Login: "bob"}, Token{Token: "ghp_alice2", Login: "alice"})
	s := start(t, f, WithClock(clk.Now))
	for i := range 3 {
		if code, _ := rawGet(t, s, adminToken, "/repos/acme/checkout"); code != 200 {
			t.Fatalf("call %d: %d", i, code)
		}
	}
	if code, _ := rawGet(t, s, "ghp_alice2", "/repos/acme/checkout"); code != 403 {
		t.Errorf("alice's other token: %d, want 403 (one budget per user)", code)
	}
	if code, _ := rawGet(t, s, "ghp_bob", "/repos/acme/checkout"); code != 200 {
		t.Errorf("bob: %d", code)
	}
	if _, rem, _ := s.RateLimit("ghp_bob"); rem != 2 {
		t.Errorf("bob's remaining = %d", rem)
	}
	if _, rem, _ := s.RateLimit(adminToken); rem != 0 {
		t.Errorf("alice's remaining = %d", rem)
	}
}

// TestSecondaryLimitWithoutRetryAfter: GitHub does not always say when to
// retry.
func TestSecondaryLimitWithoutRetryAfter(t *testing.T) {
	s := start(t, testFixture())
	s.SecondaryLimitNext("*", 0, 1)
	code, retry := rawGet(t, s, adminToken, "/repos/acme/checkout")
	if code != 403 || retry != "" {
		t.Errorf("got %d Retry-After=%q", code, retry)
	}
}

// TestBranchProtectionAnswers: GitHub answers 404 "Branch not protected"
// for an unprotected branch, and a plain 404 "Not Found" to a user without
// admin rights whether the branch is protected or not; the branch itself
// says whether it is protected to anyone who may read it.
func TestBranchProtectionAnswers(t *testing.T) {
	f := testFixture()
	f.Tokens = append(f.Tokens, Token{Token: "ghp_writer", Login: "bob", Role: "write"}, Token{Token: "ghp_reader", Login: "carol", Role: "read"})
	s := start(t, f)
	admin := s.Client(adminToken)
	p := must[*github.Protection](t)(admin.Repositories.GetBranchProtection(ctx(t), "acme", "checkout", "main"))
	if p.GetRequiredPullRequestReviews().RequiredApprovingReviewCount != 1 {
		t.Errorf("protection = %+v", p)
	}
	// go-github recognises GitHub's exact message.
	if _, _, err := admin.Repositories.GetBranchProtection(ctx(t), "acme", "checkout", "feature"); !errors.Is(err, github.ErrBranchNotProtected) {
		t.Errorf("unprotected: %v", err)
	}
	for _, tok := range []string{"ghp_writer", "ghp_reader"} {
		gh := s.Client(tok)
		for _, branch := range []string{"main", "feature"} {
			_, _, err := gh.Repositories.GetBranchProtection(ctx(t), "acme", "checkout", branch)
			if er := errResp(t, err, 404); er.Message != "Not Found" {
				t.Errorf("%s, %s: %q", tok, branch, er.Message)
			}
		}
		b := must[*github.Branch](t)(gh.Repositories.GetBranch(ctx(t), "acme", "checkout", "main", 0))
		if !b.GetProtected() {
			t.Errorf("%s: main is not shown protected", tok)
		}
		repo := must[*github.Repository](t)(gh.Repositories.Get(ctx(t), "acme", "checkout"))
		if perms := repo.GetPermissions(); perms["admin"] || perms["push"] != (tok == "ghp_writer") {
			t.Errorf("%s: permissions %v", tok, perms)
		}
	}
	// A reader may not write: 404 as well.
	_, _, err := s.Client("ghp_reader").Repositories.Edit(ctx(t), "acme", "checkout", &github.Repository{Description: github.String("x")})
	errResp(t, err, 404)
	if _, err := New(&Fixture{Tokens: []Token{{Token: "x", Role: "owner"}}}); err == nil {
		t.Error("an unknown role was accepted")
	}
}

// TestRulesetBranch: a branch protected by a ruleset alone is listed and
// shown protected, while the classic protection API says it is not.
func TestRulesetBranch(t *testing.T) {
	f := testFixture()
	f.Repos = append(f.Repos, Repo{Owner: "acme", Name: "ruled", Files: map[string]string{"README.md": "x"},
		Branches: []Branch{{Name: "main", Ruleset: true}}})
	s := start(t, f)
	gh := s.Client(adminToken)
	b := must[*github.Branch](t)(gh.Repositories.GetBranch(ctx(t), "acme", "ruled", "main", 0))
	if !b.GetProtected() {
		t.Errorf("branch = %+v", b)
	}
	list := must[[]*github.Branch](t)(gh.Repositories.ListBranches(ctx(t), "acme", "ruled", &github.BranchListOptions{Protected: github.Bool(true)}))
	if len(list) != 1 || !list[0].GetProtected() {
		t.Errorf("protected branches = %v", list)
	}
	if _, _, err := gh.Repositories.GetBranchProtection(ctx(t), "acme", "ruled", "main"); !errors.Is(err, github.ErrBranchNotProtected) {
		t.Errorf("classic protection: %v", err)
	}
}
