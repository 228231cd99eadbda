package githubfake

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"
)

func TestLoadFixtureYAML(t *testing.T) {
	f, err := LoadFixture("testdata/acme.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if f.Limits.TokenLifetime != Duration(15*time.Minute) || f.RunProgression.CompleteAfter != Duration(time.Minute) {
		t.Errorf("durations: %+v %+v", f.Limits, f.RunProgression)
	}
	s := start(t, f)
	gh := s.Client("ghp_yaml")
	r := must[*github.Repository](t)(gh.Repositories.Get(ctx(t), "acme", "checkout"))
	if r.GetHTMLURL() != "https://github.example.com/acme/checkout" || r.GetCreatedAt().Time != time.Date(2023, 3, 1, 10, 0, 0, 0, time.UTC) {
		t.Errorf("repo = %s %v", r.GetHTMLURL(), r.GetCreatedAt())
	}
	if !r.GetPushedAt().Time.Equal(time.Date(2023, 3, 2, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("pushed_at = %v, want the last commit's date", r.GetPushedAt())
	}
	_, resp, _ := gh.Repositories.Get(ctx(t), "acme", "checkout")
	if resp.Rate.Limit != 100 {
		t.Errorf("limit = %d", resp.Rate.Limit)
	}
	if got, _ := s.File("acme", "checkout", "main", ".github/CODEOWNERS"); got != "* @acme/payments\n" {
		t.Errorf("CODEOWNERS = %q", got)
	}
	if got, _ := s.File("acme", "checkout", "main", "catalog-info.yaml"); !strings.Contains(got, "owner: payments") {
		t.Errorf("catalog-info = %q", got)
	}
	// Commits are deterministic: same fixture, same SHAs.
	s2, err := New(f)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := s.BranchHead("acme", "checkout", "main")
	b, _ := s2.BranchHead("acme", "checkout", "main")
	if a != b {
		t.Errorf("heads differ: %s %s", a, b)
	}
}

func TestFixtureErrors(t *testing.T) {
	cases := map[string]string{
		`{"repos":[{"owner":"nobody","name":"x"}]}`:                                             "not a declared user or org",
		`{"users":[{"login":"a"}],"repos":[{"owner":"a","name":"x"},{"owner":"a","name":"X"}]}`: "already exists",
		`{"orgs":[{"login":"o","teams":[{"slug":"t","repos":{"missing":"push"}}]}]}`:            "not declared",
		`{"orgs":[{"login":"o"}],"repoz":[]}`:                                                   "unknown field",
	}
	for in, want := range cases {
		f, err := ParseFixture([]byte(in), "json")
		if err == nil {
			_, err = New(f)
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", in, err, want)
		}
	}
}
