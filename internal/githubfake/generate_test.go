package githubfake

import (
	"strings"
	"sync"
	"testing"

	"github.com/google/go-github/v60/github"
)

// TestGenerateOrgBudget is the shape of a discovery budget test: a
// 1,000-repo org listed at 100 per page, and the monorepo's tree in one call.
func TestGenerateOrgBudget(t *testing.T) {
	f := GenerateOrg("bigco", 1000, DefaultGenerateOptions())
	f.Tokens = []Token{{Token: adminToken}}
	groups := map[string]int{}
	for _, r := range f.Repos {
		switch {
		case r.Files["catalog-info.yaml"] != "":
			groups["catalog"]++
		case r.CODEOWNERS != "":
			groups["codeowners"]++
		case len(r.Topics) > 1:
			groups["topic"]++
		}
	}
	if len(f.Repos) != 1001 || groups["catalog"] < 400 || groups["codeowners"] < 100 || groups["topic"] < 100 {
		t.Fatalf("repos=%d groups=%v", len(f.Repos), groups)
	}
	again := GenerateOrg("bigco", 1000, DefaultGenerateOptions())
	if again.Repos[500].Name != f.Repos[500].Name || again.Repos[500].Visibility != f.Repos[500].Visibility {
		t.Error("generation is not deterministic")
	}

	s := start(t, f)
	gh := s.Client(adminToken)
	opt := &github.RepositoryListByOrgOptions{ListOptions: github.ListOptions{PerPage: 100}}
	seen := 0
	for {
		repos, resp, err := gh.Repositories.ListByOrg(ctx(t), "bigco", opt)
		if err != nil {
			t.Fatal(err)
		}
		seen += len(repos)
		if resp.NextPage == 0 {
			break
		}
		opt.Page = resp.NextPage
	}
	tree := must[*github.Tree](t)(gh.Git.GetTree(ctx(t), "bigco", "monorepo", "main", true))
	files := 0
	for _, e := range tree.Entries {
		if e.GetType() == "blob" {
			files++
		}
	}
	c := s.Calls()
	if seen != 1001 || files != 5000 || tree.GetTruncated() {
		t.Errorf("seen %d repos, %d files (truncated=%v)", seen, files, tree.GetTruncated())
	}
	if c.Route("GET /orgs/{org}/repos").OK != 11 || c.Charged != 12 {
		t.Errorf("calls = %+v, charged %d", c.Routes, c.Charged)
	}
	teams := s.TeamRepos("bigco", "team-alpha")
	if teams["bigco/monorepo"] != "admin" || len(teams) != 126 {
		t.Errorf("team-alpha grants = %d", len(teams))
	}
}

// TestConcurrentUse exercises readers, API writes and Go-side pushes at once
// so that -race sees the locking.
func TestConcurrentUse(t *testing.T) {
	s := start(t, testFixture())
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			gh := s.Client(adminToken)
			for j := range 10 {
				switch (i + j) % 4 {
				case 0:
					_, _, _ = gh.Repositories.ListByOrg(ctx(t), "acme", nil)
				case 1:
					_, _, _ = gh.Git.GetTree(ctx(t), "acme", "checkout", "main", true)
				case 2:
					_, _ = s.PushFiles("acme", "checkout", "feature", map[string]string{"n.txt": strings.Repeat("x", i*10+j)}, nil)
				case 3:
					_, _, _ = gh.Repositories.CreateFile(ctx(t), "acme", "billing", "f"+strings.Repeat("1", i)+strings.Repeat("2", j),
						&github.RepositoryContentFileOptions{Message: github.String("m"), Content: []byte("c")})
				}
				_, _ = s.Snapshot()
				_ = s.Calls()
			}
		}()
	}
	wg.Wait()
	if s.Calls().Total == 0 {
		t.Error("no calls recorded")
	}
}
