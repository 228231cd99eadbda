package githubfake

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"
)

const adminToken = "ghp_admin"

// testFixture is a small organization with a template, a service with
// history and protection, a team layout and an empty repo.
func testFixture() *Fixture {
	return &Fixture{
		Users: []User{{Login: "alice", Name: "Alice"}, {Login: "bob"}},
		Orgs: []Org{{Login: "acme", Members: []string{"alice", "bob"}, Teams: []Team{
			{Slug: "payments", Name: "Payments", Members: []string{"alice"}, Maintainers: []string{"bob"},
				Repos: map[string]string{"checkout": "admin", "billing": "push"}},
			{Slug: "platform", Name: "Platform", Members: []string{"bob"}, Repos: map[string]string{"service-template": "maintain"}},
		}}},
		Repos: []Repo{
			{Owner: "acme", Name: "checkout", Description: "Checkout service", Topics: []string{"team-payments"},
				Language: "Go", CODEOWNERS: "* @acme/payments\n",
				Files: map[string]string{"README.md": "# checkout\n", "catalog-info.yaml": "kind: Component\n", "cmd/main.go": "package main\n"},
				Branches: []Branch{
					{Name: "main", Commits: []Commit{{Message: "Add docs", Files: map[string]string{"docs/index.md": "hello\n"}}},
						Protection: &Protection{RequiredPullRequestReviews: &ReviewRules{RequiredApprovingReviewCount: 1}}},
					{Name: "feature", Commits: []Commit{{Message: "Feature", Files: map[string]string{"feature.txt": "new\n"}}}},
				},
				Pulls:     []Pull{{Title: "Add feature", Head: "feature", User: "alice"}},
				Workflows: []Workflow{{Path: ".github/workflows/deploy.yml", Name: "deploy"}},
				Runs:      []Run{{Workflow: "deploy.yml", Conclusion: "failure"}},
			},
			{Owner: "acme", Name: "billing", Private: true, Files: map[string]string{"README.md": "billing\n"}},
			{Owner: "acme", Name: "service-template", IsTemplate: true,
				Files: map[string]string{"README.md": "# template\n", "catalog-info.yaml": "name: ${{ values.name }}\n"}},
			{Owner: "acme", Name: "empty"},
			{Owner: "alice", Name: "dotfiles", Files: map[string]string{".vimrc": "set nu\n"}},
		},
		Tokens: []Token{
			{Token: adminToken, Login: "alice"},
			{Token: "ghs_readonly", Login: "reader", Permissions: map[string]string{"contents": "read", "metadata": "read"}},
		},
	}
}

// start runs a fake for the test and closes it at cleanup.
func start(t *testing.T, f *Fixture, opts ...Option) *Server {
	t.Helper()
	s, err := New(f, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := s.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// errResp asserts err is a plain *github.ErrorResponse with the status.
func errResp(t *testing.T, err error, status int) *github.ErrorResponse {
	t.Helper()
	var er *github.ErrorResponse
	if !errors.As(err, &er) {
		t.Fatalf("want *github.ErrorResponse with %d, got %T %v", status, err, err)
	}
	if er.Response.StatusCode != status {
		t.Fatalf("status = %d, want %d (%v)", er.Response.StatusCode, status, err)
	}
	return er
}

func must[T any](t *testing.T) func(T, *github.Response, error) T {
	return func(v T, _ *github.Response, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}
