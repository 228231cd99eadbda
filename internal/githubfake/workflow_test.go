package githubfake

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"
)

func TestTeams(t *testing.T) {
	s := start(t, testFixture())
	gh := s.Client(adminToken)
	c := ctx(t)
	teams := must[[]*github.Team](t)(gh.Teams.ListTeams(c, "acme", nil))
	if len(teams) != 2 || teams[0].GetSlug() != "payments" || teams[1].GetSlug() != "platform" {
		t.Fatalf("teams = %v", teams)
	}
	members := must[[]*github.User](t)(gh.Teams.ListTeamMembersBySlug(c, "acme", "payments", nil))
	if len(members) != 2 {
		t.Errorf("members = %v", members)
	}
	maint := must[[]*github.User](t)(gh.Teams.ListTeamMembersBySlug(c, "acme", "payments", &github.TeamListTeamMembersOptions{Role: "maintainer"}))
	if len(maint) != 1 || maint[0].GetLogin() != "bob" {
		t.Errorf("maintainers = %v", maint)
	}
	repoTeams := must[[]*github.Team](t)(gh.Repositories.ListTeams(c, "acme", "checkout", nil))
	if len(repoTeams) != 1 || repoTeams[0].GetSlug() != "payments" || repoTeams[0].GetPermission() != "admin" {
		t.Errorf("repo teams = %v", repoTeams)
	}
	if _, err := gh.Teams.AddTeamRepoBySlug(c, "acme", "platform", "acme", "checkout", &github.TeamAddTeamRepoOptions{Permission: "push"}); err != nil {
		t.Fatal(err)
	}
	if got := s.RepoTeams("acme", "checkout"); got["platform"] != "push" || got["payments"] != "admin" {
		t.Errorf("grants = %v", got)
	}
	repo := must[*github.Repository](t)(gh.Teams.IsTeamRepoBySlug(c, "acme", "platform", "acme", "checkout"))
	if !repo.GetPermissions()["push"] || repo.GetPermissions()["admin"] {
		t.Errorf("permissions = %v", repo.GetPermissions())
	}
	_, err := gh.Teams.AddTeamRepoBySlug(c, "acme", "platform", "acme", "checkout", &github.TeamAddTeamRepoOptions{Permission: "owner"})
	errResp(t, err, 422)
	_, err = gh.Teams.AddTeamRepoBySlug(c, "acme", "platform", "alice", "dotfiles", nil)
	errResp(t, err, 422) // not the org's repository
	created := must[*github.Team](t)(gh.Teams.CreateTeam(c, "acme", github.NewTeam{Name: "Data Eng", RepoNames: []string{"billing"}}))
	if created.GetSlug() != "data-eng" {
		t.Errorf("slug = %s", created.GetSlug())
	}
}

func TestBranchProtectionRoundTrip(t *testing.T) {
	s := start(t, testFixture())
	gh := s.Client(adminToken)
	c := ctx(t)
	_, _, err := gh.Repositories.GetBranchProtection(c, "acme", "checkout", "feature")
	if !errors.Is(err, github.ErrBranchNotProtected) {
		t.Fatalf("want ErrBranchNotProtected, got %v", err)
	}
	req := &github.ProtectionRequest{
		RequiredStatusChecks:       &github.RequiredStatusChecks{Strict: true, Contexts: &[]string{"ci/build", "ci/test"}},
		RequiredPullRequestReviews: &github.PullRequestReviewsEnforcementRequest{RequiredApprovingReviewCount: 2, RequireCodeOwnerReviews: true},
		EnforceAdmins:              true,
		RequireLinearHistory:       github.Bool(true),
	}
	p := must[*github.Protection](t)(gh.Repositories.UpdateBranchProtection(c, "acme", "checkout", "feature", req))
	if p.GetRequiredPullRequestReviews().RequiredApprovingReviewCount != 2 || !p.GetEnforceAdmins().Enabled {
		t.Errorf("put answer = %+v", p)
	}
	got := must[*github.Protection](t)(gh.Repositories.GetBranchProtection(c, "acme", "checkout", "feature"))
	if len(*got.GetRequiredStatusChecks().Contexts) != 2 || !got.GetRequiredStatusChecks().Strict ||
		!got.GetRequiredPullRequestReviews().RequireCodeOwnerReviews || !got.GetRequireLinearHistory().Enabled {
		t.Errorf("get = %+v", got)
	}
	if p, ok := s.Protection("acme", "checkout", "feature"); !ok || p.RequiredStatusChecks.Contexts[1] != "ci/test" {
		t.Errorf("reader = %+v", p)
	}
	// With enforce_admins even an admin token may not push directly.
	_, err = s.PushFiles("acme", "checkout", "feature", map[string]string{"x": "y"}, nil) // the Go API is a push by an admin
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = gh.Repositories.CreateFile(c, "acme", "checkout", "y", &github.RepositoryContentFileOptions{Message: github.String("y"), Content: []byte("y"), Branch: github.String("feature")})
	errResp(t, err, 409)
	if _, err := gh.Repositories.RemoveBranchProtection(c, "acme", "checkout", "feature"); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Protection("acme", "checkout", "feature"); ok {
		t.Error("protection not removed")
	}
}

func TestPullRequests(t *testing.T) {
	s := start(t, testFixture())
	gh := s.Client(adminToken)
	c := ctx(t)
	open := must[[]*github.PullRequest](t)(gh.PullRequests.List(c, "acme", "checkout", &github.PullRequestListOptions{State: "open"}))
	if len(open) != 1 || open[0].GetNumber() != 1 || open[0].GetUser().GetLogin() != "alice" || open[0].GetHead().GetRef() != "feature" || open[0].GetCreatedAt().IsZero() {
		t.Fatalf("open = %v", open)
	}
	if _, err := s.PushFiles("acme", "checkout", "next", map[string]string{"next.txt": "n\n"}, nil); err != nil {
		t.Fatal(err)
	}
	pr, resp, err := gh.PullRequests.Create(c, "acme", "checkout", &github.NewPullRequest{Title: github.String("Next"), Head: github.String("acme:next"), Base: github.String("main")})
	if err != nil || resp.StatusCode != 201 || pr.GetNumber() != 2 || pr.GetState() != "open" || !pr.GetMergeable() {
		t.Fatalf("create: %v %+v", err, pr)
	}
	_, _, err = gh.PullRequests.Create(c, "acme", "checkout", &github.NewPullRequest{Title: github.String("Again"), Head: github.String("next"), Base: github.String("main")})
	if er := errResp(t, err, 422); len(er.Errors) != 1 || er.Errors[0].Message != "A pull request already exists for acme:next." {
		t.Errorf("duplicate: %+v", er)
	}
	_, _, err = gh.PullRequests.Create(c, "acme", "checkout", &github.NewPullRequest{Title: github.String("x"), Head: github.String("missing"), Base: github.String("main")})
	errResp(t, err, 422)
	res := must[*github.PullRequestMergeResult](t)(gh.PullRequests.Merge(c, "acme", "checkout", 2, "", nil))
	if !res.GetMerged() {
		t.Fatal("not merged")
	}
	if got, _ := s.File("acme", "checkout", "main", "next.txt"); got != "n\n" {
		t.Errorf("merged file = %q", got)
	}
	all := s.Pulls("acme", "checkout")
	if len(all) != 2 || all[1].State != "closed" || all[1].MergedAt == nil {
		t.Errorf("pulls = %+v", all)
	}
}

func TestDispatchAndCompleteRun(t *testing.T) {
	f := testFixture()
	f.Repos[0].Files[".github/workflows/deploy.yml"] = "on:\n  workflow_dispatch:\n    inputs:\n      env: {}\n"
	f.Repos[0].Files[".github/workflows/lint.yml"] = "on: push\n"
	f.Repos[0].Workflows = append(f.Repos[0].Workflows, Workflow{Path: ".github/workflows/lint.yml"})
	s := start(t, f)
	gh := s.Client(adminToken)
	c := ctx(t)
	resp, err := gh.Actions.CreateWorkflowDispatchEventByFileName(c, "acme", "checkout", "deploy.yml",
		github.CreateWorkflowDispatchEventRequest{Ref: "main", Inputs: map[string]interface{}{"env": "prod"}})
	if err != nil || resp.StatusCode != 204 {
		t.Fatalf("dispatch: %v", err)
	}
	d := s.Dispatches("acme", "checkout")
	if len(d) != 1 || d[0].Inputs["env"] != "prod" || d[0].Workflow != ".github/workflows/deploy.yml" {
		t.Fatalf("dispatches = %+v", d)
	}
	runs := must[*github.WorkflowRuns](t)(gh.Actions.ListRepositoryWorkflowRuns(c, "acme", "checkout", &github.ListWorkflowRunsOptions{Branch: "main", ListOptions: github.ListOptions{PerPage: 1}}))
	run := runs.WorkflowRuns[0]
	if runs.GetTotalCount() != 2 || run.GetID() != d[0].RunID || run.GetStatus() != "queued" || run.Conclusion != nil || run.GetEvent() != "workflow_dispatch" {
		t.Fatalf("newest run = %+v (total %d)", run, runs.GetTotalCount())
	}
	head, _ := s.BranchHead("acme", "checkout", "main")
	if run.GetHeadSHA() != head || run.GetHeadBranch() != "main" || run.GetHTMLURL() == "" || run.GetRunNumber() != 2 {
		t.Errorf("run = %+v", run)
	}
	if err := s.CompleteRun("acme", "checkout", run.GetID(), "success"); err != nil {
		t.Fatal(err)
	}
	done := must[*github.WorkflowRun](t)(gh.Actions.GetWorkflowRunByID(c, "acme", "checkout", run.GetID()))
	if done.GetStatus() != "completed" || done.GetConclusion() != "success" {
		t.Errorf("run = %s/%s", done.GetStatus(), done.GetConclusion())
	}
	_, err = gh.Actions.CreateWorkflowDispatchEventByFileName(c, "acme", "checkout", "deploy.yml", github.CreateWorkflowDispatchEventRequest{Ref: "nope"})
	if er := errResp(t, err, 422); er.Message != "No ref found for: nope" {
		t.Errorf("message = %q", er.Message)
	}
	_, err = gh.Actions.CreateWorkflowDispatchEventByFileName(c, "acme", "checkout", "lint.yml", github.CreateWorkflowDispatchEventRequest{Ref: "main"})
	errResp(t, err, 422)
	_, err = gh.Actions.CreateWorkflowDispatchEventByFileName(c, "acme", "checkout", "missing.yml", github.CreateWorkflowDispatchEventRequest{Ref: "main"})
	errResp(t, err, 404)
}

func TestRunAutoProgressionByClock(t *testing.T) {
	f := testFixture()
	f.RunProgression = &RunProgression{StartAfter: Duration(10 * time.Second), CompleteAfter: Duration(time.Minute), Conclusion: "failure"}
	clk := NewClock(time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC))
	s := start(t, f, WithClock(clk.Now))
	gh := s.Client(adminToken)
	c := ctx(t)
	if _, err := gh.Actions.CreateWorkflowDispatchEventByFileName(c, "acme", "checkout", "deploy.yml", github.CreateWorkflowDispatchEventRequest{Ref: "main"}); err != nil {
		t.Fatal(err)
	}
	id := s.Dispatches("acme", "checkout")[0].RunID
	status := func() string {
		r := must[*github.WorkflowRun](t)(gh.Actions.GetWorkflowRunByID(c, "acme", "checkout", id))
		return r.GetStatus() + "/" + r.GetConclusion()
	}
	if got := status(); got != "queued/" {
		t.Errorf("at dispatch: %s", got)
	}
	clk.Advance(15 * time.Second)
	if got := status(); got != "in_progress/" {
		t.Errorf("after 15s: %s", got)
	}
	clk.Advance(time.Minute)
	if got := status(); got != "completed/failure" {
		t.Errorf("after 75s: %s", got)
	}
}

func TestAccountsAndOddEnds(t *testing.T) {
	s := start(t, testFixture())
	gh := s.Client(adminToken)
	c := ctx(t)
	me := must[*github.User](t)(gh.Users.Get(c, ""))
	if me.GetLogin() != "alice" || me.GetName() != "Alice" {
		t.Errorf("me = %+v", me)
	}
	org := must[*github.Organization](t)(gh.Organizations.Get(c, "acme"))
	if org.GetLogin() != "acme" || org.GetType() != "Organization" {
		t.Errorf("org = %+v", org)
	}
	members := must[[]*github.User](t)(gh.Organizations.ListMembers(c, "acme", nil))
	if len(members) != 2 {
		t.Errorf("members = %v", members)
	}
	run := must[*github.WorkflowRuns](t)(gh.Actions.ListRepositoryWorkflowRuns(c, "acme", "checkout", nil)).WorkflowRuns[0]
	if run.GetConclusion() != "failure" || run.GetName() != "deploy" {
		t.Errorf("fixture run = %+v", run)
	}
	id, err := s.AddWorkflowRun("acme", "checkout", Run{Workflow: "deploy.yml", Status: "in_progress"})
	if err != nil {
		t.Fatal(err)
	}
	var accepted *github.AcceptedError
	if _, err := gh.Actions.CancelWorkflowRunByID(c, "acme", "checkout", id); !errors.As(err, &accepted) {
		t.Errorf("cancel: %v", err)
	}
	if runs := s.Runs("acme", "checkout"); runs[1].Conclusion != "cancelled" {
		t.Errorf("runs = %+v", runs)
	}
	req, _ := gh.NewRequest("GET", "no/such/endpoint", nil)
	_, err = gh.Do(c, req, nil)
	if er := errResp(t, err, 404); er.Message != "Not Found" {
		t.Errorf("unmatched = %+v", er)
	}
}
