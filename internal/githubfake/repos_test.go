package githubfake

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-github/v60/github"
)

func TestListOrgReposPaginatesWithLinkHeader(t *testing.T) {
	f := GenerateOrg("big", 25, GenerateOptions{})
	f.Tokens = []Token{{Token: adminToken}}
	s := start(t, f)
	gh := s.Client(adminToken)

	opt := &github.RepositoryListByOrgOptions{Sort: "full_name", ListOptions: github.ListOptions{PerPage: 10}}
	var names []string
	pages := 0
	for {
		repos, resp, err := gh.Repositories.ListByOrg(ctx(t), "big", opt)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if pages == 1 {
			if resp.LastPage != 3 || resp.NextPage != 2 {
				t.Errorf("first page: next=%d last=%d, want 2 and 3 (Link: %s)", resp.NextPage, resp.LastPage, resp.Header.Get("Link"))
			}
			if !strings.Contains(resp.Header.Get("Link"), s.URL()+"/api/v3/orgs/big/repos?") {
				t.Errorf("Link should point back at the fake: %s", resp.Header.Get("Link"))
			}
		}
		for _, r := range repos {
			names = append(names, r.GetName())
		}
		if resp.NextPage == 0 {
			if resp.PrevPage != 2 || resp.FirstPage != 1 {
				t.Errorf("last page: prev=%d first=%d", resp.PrevPage, resp.FirstPage)
			}
			break
		}
		opt.Page = resp.NextPage
	}
	if pages != 3 || len(names) != 25 || names[0] != "svc-0001" || names[24] != "svc-0025" {
		t.Fatalf("pages=%d names=%d first=%v", pages, len(names), names[:1])
	}
	if got := s.Calls().Route("GET /orgs/{org}/repos").OK; got != 3 {
		t.Errorf("counted %d OK calls, want 3", got)
	}
}

func TestListReposPerPageCappedAt100AndDefaultSorts(t *testing.T) {
	f := GenerateOrg("big", 120, GenerateOptions{})
	f.Tokens = []Token{{Token: adminToken}}
	s := start(t, f)
	gh := s.Client(adminToken)
	repos, resp, err := gh.Repositories.ListByOrg(ctx(t), "big", &github.RepositoryListByOrgOptions{ListOptions: github.ListOptions{PerPage: 500}})
	if err != nil {
		t.Fatal(err)
	}
	if len(repos) != 100 || resp.LastPage != 2 {
		t.Fatalf("got %d repos, last page %d; want 100 and 2", len(repos), resp.LastPage)
	}
	// Default org sort is created, newest first.
	if repos[0].GetName() != "svc-0120" {
		t.Errorf("first = %s, want the newest", repos[0].GetName())
	}
}

func TestRepoFieldsAndUserRepos(t *testing.T) {
	s := start(t, testFixture())
	gh := s.Client(adminToken)
	r := must[*github.Repository](t)(gh.Repositories.Get(ctx(t), "acme", "checkout"))
	if r.GetFullName() != "acme/checkout" || r.GetOwner().GetLogin() != "acme" || r.GetOwner().GetType() != "Organization" ||
		r.GetDefaultBranch() != "main" || r.GetLanguage() != "Go" || r.Topics[0] != "team-payments" ||
		r.GetHTMLURL() != "https://github.com/acme/checkout" || r.GetCloneURL() != "https://github.com/acme/checkout.git" ||
		r.GetVisibility() != "public" || r.GetPrivate() || r.GetCreatedAt().IsZero() || r.GetPushedAt().IsZero() {
		t.Fatalf("unexpected repo: %+v", r)
	}
	byID := must[*github.Repository](t)(gh.Repositories.GetByID(ctx(t), r.GetID()))
	if byID.GetFullName() != "acme/checkout" {
		t.Errorf("GetByID = %s", byID.GetFullName())
	}
	list := must[[]*github.Repository](t)(gh.Repositories.ListByUser(ctx(t), "alice", nil))
	if len(list) != 1 || list[0].GetName() != "dotfiles" {
		t.Errorf("user repos = %v", list)
	}
	priv := must[[]*github.Repository](t)(gh.Repositories.ListByOrg(ctx(t), "acme", &github.RepositoryListByOrgOptions{Type: "private"}))
	if len(priv) != 1 || priv[0].GetName() != "billing" || !priv[0].GetPrivate() {
		t.Errorf("private repos = %v", priv)
	}
}

func TestETagNotModifiedIsNotCharged(t *testing.T) {
	s := start(t, testFixture())
	gh := s.Client(adminToken)
	_, resp, err := gh.Repositories.Get(ctx(t), "acme", "checkout")
	if err != nil {
		t.Fatal(err)
	}
	etag := resp.Header.Get("ETag")
	if !strings.HasPrefix(etag, `W/"`) {
		t.Fatalf("ETag = %q", etag)
	}
	used := resp.Rate.Limit - resp.Rate.Remaining

	req, _ := gh.NewRequest(http.MethodGet, "repos/acme/checkout", nil)
	req.Header.Set("If-None-Match", etag)
	resp, err = gh.Do(ctx(t), req, nil)
	if resp == nil || resp.StatusCode != http.StatusNotModified {
		t.Fatalf("want 304, got %v %v", resp, err)
	}
	if resp.Header.Get("ETag") != etag || resp.Rate.Limit-resp.Rate.Remaining != used {
		t.Errorf("304 must keep the ETag and not be charged: etag=%s used=%d want %d", resp.Header.Get("ETag"), resp.Rate.Limit-resp.Rate.Remaining, used)
	}
	// A change makes the old ETag stale.
	if err := s.SetTopics("acme", "checkout", []string{"changed"}); err != nil {
		t.Fatal(err)
	}
	req, _ = gh.NewRequest(http.MethodGet, "repos/acme/checkout", nil)
	req.Header.Set("If-None-Match", etag)
	if resp, err = gh.Do(ctx(t), req, nil); err != nil || resp.StatusCode != 200 {
		t.Fatalf("want 200 after change, got %v", err)
	}
	c := s.Calls()
	rc := c.Route("GET /repos/{owner}/{repo}")
	if rc.OK != 2 || rc.NotModified != 1 || c.Charged != 2 {
		t.Errorf("calls = %+v charged=%d", rc, c.Charged)
	}
}

func TestRenamedRepoRedirectsAndGoGithubFollows(t *testing.T) {
	s := start(t, testFixture())
	gh := s.Client(adminToken)
	if err := s.RenameRepo("acme", "checkout", "checkout-svc"); err != nil {
		t.Fatal(err)
	}
	r := must[*github.Repository](t)(gh.Repositories.Get(ctx(t), "acme", "checkout"))
	if r.GetName() != "checkout-svc" {
		t.Fatalf("followed redirect to %s", r.GetName())
	}
	// Deeper paths keep their tail and query.
	fc, _, _, err := gh.Repositories.GetContents(ctx(t), "acme", "checkout", "README.md", &github.RepositoryContentGetOptions{Ref: "main"})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := fc.GetContent(); got != "# checkout\n" {
		t.Errorf("content via redirect = %q", got)
	}
	// The raw answer is GitHub's.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest(http.MethodGet, s.URL()+"/repos/acme/checkout/branches/main?x=1", nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want := fmt.Sprintf("%s/repositories/%d/branches/main?x=1", s.URL(), r.GetID())
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != want {
		t.Errorf("got %d Location=%s, want 301 %s", resp.StatusCode, resp.Header.Get("Location"), want)
	}
	if c := s.Calls(); c.Route("GET /repos/{owner}/{repo}").Redirected != 1 || c.Route("GET /repositories/{id}").OK != 1 {
		t.Errorf("calls: %+v", c.Routes)
	}
}

func TestDeletedRepoIs404(t *testing.T) {
	s := start(t, testFixture())
	gh := s.Client(adminToken)
	r := must[*github.Repository](t)(gh.Repositories.Get(ctx(t), "acme", "billing"))
	if err := s.DeleteRepo("acme", "billing"); err != nil {
		t.Fatal(err)
	}
	_, _, err := gh.Repositories.Get(ctx(t), "acme", "billing")
	er := errResp(t, err, 404)
	if er.Message != "Not Found" || !strings.HasPrefix(er.DocumentationURL, "https://docs.github.com/rest") {
		t.Errorf("body = %+v", er)
	}
	_, _, err = gh.Repositories.GetByID(ctx(t), r.GetID())
	errResp(t, err, 404)
	repos := must[[]*github.Repository](t)(gh.Repositories.ListByOrg(ctx(t), "acme", nil))
	for _, x := range repos {
		if x.GetName() == "billing" {
			t.Error("deleted repo still listed")
		}
	}
}

func TestCreateRepoAndNameTaken(t *testing.T) {
	s := start(t, testFixture())
	gh := s.Client(adminToken)
	r, resp, err := gh.Repositories.Create(ctx(t), "acme", &github.Repository{Name: github.String("orders"), Private: github.Bool(true), AutoInit: github.Bool(true), Description: github.String("Orders")})
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("create: %v", err)
	}
	if r.GetFullName() != "acme/orders" || !r.GetPrivate() || r.GetVisibility() != "private" {
		t.Errorf("created %+v", r)
	}
	if got, ok := s.File("acme", "orders", "", "README.md"); !ok || !strings.HasPrefix(got, "# orders") {
		t.Errorf("auto_init README = %q", got)
	}

	_, _, err = gh.Repositories.Create(ctx(t), "acme", &github.Repository{Name: github.String("Checkout")})
	er := errResp(t, err, 422)
	if er.Message != "Repository creation failed." || len(er.Errors) != 1 {
		t.Fatalf("body = %+v", er)
	}
	e := er.Errors[0]
	if e.Resource != "Repository" || e.Code != "custom" || e.Field != "name" || e.Message != "name already exists on this account" {
		t.Errorf("error = %+v", e)
	}
	if er.DocumentationURL != "https://docs.github.com/rest/repos/repos#create-an-organization-repository" {
		t.Errorf("documentation_url = %s", er.DocumentationURL)
	}

	// A personal repository for the token's user.
	mine := must[*github.Repository](t)(gh.Repositories.Create(ctx(t), "", &github.Repository{Name: github.String("notes")}))
	if mine.GetFullName() != "alice/notes" {
		t.Errorf("user repo = %s", mine.GetFullName())
	}
}

func TestGenerateFromTemplate(t *testing.T) {
	s := start(t, testFixture())
	gh := s.Client(adminToken)
	r, resp, err := gh.Repositories.CreateFromTemplate(ctx(t), "acme", "service-template", &github.TemplateRepoRequest{
		Name: github.String("payments-api"), Owner: github.String("acme"), Description: github.String("new"), Private: github.Bool(true),
	})
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("generate: %v", err)
	}
	if r.GetTemplateRepository().GetFullName() != "acme/service-template" || !r.GetPrivate() {
		t.Errorf("generated %+v", r)
	}
	files, err := s.Files("acme", "payments-api", "main")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || files["catalog-info.yaml"] != "name: ${{ values.name }}\n" {
		t.Errorf("files = %v", files)
	}
	commits, _ := s.Commits("acme", "payments-api", "main")
	if len(commits) != 1 || len(commits[0].Parents) != 0 {
		t.Errorf("generated history = %+v", commits)
	}
	// Generating from a non-template fails; so does reusing the name.
	_, _, err = gh.Repositories.CreateFromTemplate(ctx(t), "acme", "checkout", &github.TemplateRepoRequest{Name: github.String("x")})
	errResp(t, err, 422)
	_, _, err = gh.Repositories.CreateFromTemplate(ctx(t), "acme", "service-template", &github.TemplateRepoRequest{Name: github.String("payments-api"), Owner: github.String("acme")})
	errResp(t, err, 422)
}

func TestTopicsAndUpdate(t *testing.T) {
	s := start(t, testFixture())
	gh := s.Client(adminToken)
	topics := must[[]string](t)(gh.Repositories.ReplaceAllTopics(ctx(t), "acme", "billing", []string{"team-payments", "tier-1"}))
	if strings.Join(topics, ",") != "team-payments,tier-1" {
		t.Errorf("topics = %v", topics)
	}
	_, _, err := gh.Repositories.ReplaceAllTopics(ctx(t), "acme", "billing", []string{"Not Valid"})
	errResp(t, err, 422)
	r := must[*github.Repository](t)(gh.Repositories.Edit(ctx(t), "acme", "billing", &github.Repository{Name: github.String("billing-v2"), Archived: github.Bool(true)}))
	if r.GetName() != "billing-v2" || !r.GetArchived() {
		t.Errorf("edited %+v", r)
	}
	if _, ok := s.Repo("acme", "billing-v2"); !ok {
		t.Error("rename through PATCH not visible")
	}
}
