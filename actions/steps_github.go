package actions

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/gantryhq/gantry/internal/errkind"
	"github.com/gantryhq/gantry/internal/ghclient"
)

// GitHubSteps returns the github.* steps, calling GitHub through gh (the
// ghclient's client: token or App, rate limits waited out).
func GitHubSteps(gh *github.Client) map[string]StepRunner {
	g := &githubSteps{gh: gh}
	return map[string]StepRunner{
		UsesCreateRepo:       createRepoStep{g},
		UsesCommitFiles:      StepFunc(g.commitFiles),
		UsesTeamAccess:       StepFunc(g.teamAccess),
		UsesBranchProtection: StepFunc(g.branchProtection),
		UsesDispatchWorkflow: StepFunc(g.dispatchWorkflow),
	}
}

type githubSteps struct {
	gh *github.Client
}

// creationSkew is how far GitHub's clock may be from ours when telling
// whether a repository or a workflow run was made by an earlier attempt.
const creationSkew = 2 * time.Minute

// createRepoStep is github.createRepo: check, then create, and recognise
// a repository an earlier attempt of the same step created (by the mark
// it was created with, see repoMark), and only that one.
type createRepoStep struct{ g *githubSteps }

type repoRequest struct {
	owner, name, template, visibility, description string
	topics                                         []string
}

func readRepoRequest(w With) (repoRequest, error) {
	var r repoRequest
	var err error
	if r.owner, err = w.String("owner", true); err != nil {
		return r, err
	}
	if r.name, err = w.String("name", true); err != nil {
		return r, err
	}
	if r.template, err = w.String("template", false); err != nil {
		return r, err
	}
	if r.description, err = w.String("description", false); err != nil {
		return r, err
	}
	if r.visibility, err = w.String("visibility", false); err != nil {
		return r, err
	}
	r.visibility = strings.ToLower(orDefault(r.visibility, "private"))
	switch r.visibility {
	case "public", "private", "internal":
	default:
		return r, errkind.New(errkind.Invalid, "with.visibility must be public, private or internal, not %q", r.visibility)
	}
	if r.topics, err = w.Strings("topics"); err != nil {
		return r, err
	}
	for i, t := range r.topics {
		r.topics[i] = strings.ToLower(t)
	}
	if r.template != "" && !strings.Contains(r.template, "/") {
		r.template = r.owner + "/" + r.template
	}
	return r, nil
}

func (r repoRequest) fullName() string { return r.owner + "/" + r.name }

func nameTaken(r repoRequest) error {
	return &FieldError{Field: "name", Message: fmt.Sprintf("A repository named %s already exists on GitHub. Choose another name.", r.fullName())}
}

// Preflight refuses a name that is taken before the run is created.
func (s createRepoStep) Preflight(ctx context.Context, sc *StepContext) error {
	req, err := readRepoRequest(sc.With)
	if err != nil {
		return err
	}
	_, _, err = s.g.gh.Repositories.Get(ctx, req.owner, req.name)
	switch {
	case err == nil:
		return nameTaken(req)
	case ghclient.StatusOf(err) == http.StatusNotFound:
		return nil
	}
	return ghclient.Explain("checking whether "+req.fullName()+" exists", err)
}

func (s createRepoStep) Run(ctx context.Context, sc *StepContext) (map[string]any, error) {
	req, err := readRepoRequest(sc.With)
	if err != nil {
		return nil, err
	}
	gh := s.g.gh
	existing, _, err := gh.Repositories.Get(ctx, req.owner, req.name)
	switch {
	case err == nil:
		if err := s.ours(existing, req, sc); err != nil {
			return nil, err
		}
		sc.Log.Info("the repository an earlier attempt of this step created exists; using it", "repo", req.fullName())
		return s.finish(ctx, sc, req, existing)
	case ghclient.StatusOf(err) != http.StatusNotFound:
		return nil, ghclient.Explain("checking whether "+req.fullName()+" exists", err)
	}
	// Record the attempt before the effect, for the audit trail; the
	// repository itself carries the mark that tells it ours (repoMark), so
	// that if we die after GitHub created it but before we heard, the next
	// attempt recognises it, and never one that someone else made.
	memo := map[string]any{"attemptedAt": sc.Now().UTC().Format(time.RFC3339)}
	if err := sc.SaveMemo(ctx, memo); err != nil {
		return nil, err
	}
	repo, err := s.create(ctx, sc, req)
	if err != nil {
		if isNameTaken(err) {
			again, _, gerr := gh.Repositories.Get(ctx, req.owner, req.name)
			if gerr != nil {
				return nil, nameTaken(req)
			}
			if err := s.ours(again, req, sc); err != nil {
				return nil, err
			}
			return s.finish(ctx, sc, req, again)
		}
		return nil, ghclient.Explain("creating repository "+req.fullName(), err)
	}
	return s.finish(ctx, sc, req, repo)
}

// repoMark is what a repository carries at its creation to say which run
// and step made it: appended to the description GitHub receives with the
// creation request itself (a template's generate call takes no topics),
// and removed by finish once the step has recorded the repository as its
// own.
func repoMark(runID, stepID string) string { return "[gantry-run " + runID + "/" + stepID + "]" }

// markRe finds a mark in a description, whichever run left it.
var markRe = regexp.MustCompile(`\[gantry-run ([A-Za-z0-9_-]+)/([A-Za-z0-9_.-]+)\]`)

// markedDescription is the description a new repository is created with.
func markedDescription(req repoRequest, sc *StepContext) string {
	return strings.TrimSpace(req.description + " " + repoMark(sc.RunID, sc.StepID))
}

// ours tells whether repo is the one this step created in an earlier
// attempt: the step recorded it (memo "created"), or it still carries
// this run's mark. Anything else is someone else's repository, and the
// step never adopts it: another run that created it is named.
func (s createRepoStep) ours(repo *github.Repository, req repoRequest, sc *StepContext) error {
	if created := sc.MemoString("created"); created != "" && strings.EqualFold(created, repo.GetFullName()) {
		return nil
	}
	desc := repo.GetDescription()
	if strings.Contains(desc, repoMark(sc.RunID, sc.StepID)) {
		return nil
	}
	if m := markRe.FindStringSubmatch(desc); m != nil {
		return &FieldError{Field: "name", Message: fmt.Sprintf(
			"A repository named %s already exists on GitHub: Gantry run %s created it, not this run. Choose another name.", req.fullName(), m[1])}
	}
	return nameTaken(req)
}

func (s createRepoStep) create(ctx context.Context, sc *StepContext, req repoRequest) (*github.Repository, error) {
	gh := s.g.gh
	private := req.visibility != "public"
	desc := markedDescription(req, sc)
	if req.template != "" {
		towner, tname, _ := strings.Cut(req.template, "/")
		repo, _, err := gh.Repositories.CreateFromTemplate(ctx, towner, tname, &github.TemplateRepoRequest{
			Name: github.String(req.name), Owner: github.String(req.owner), Description: github.String(desc), Private: github.Bool(private)})
		if ghclient.StatusOf(err) == http.StatusNotFound {
			return nil, errkind.New(errkind.NotFound, "template repository %s does not exist or the GitHub credentials cannot see it", req.template)
		}
		return repo, err
	}
	org := req.owner
	if u, _, err := gh.Users.Get(ctx, req.owner); err == nil && u.GetType() != "Organization" {
		org = "" // a personal account: create it for the authenticated user
	}
	repo := &github.Repository{Name: github.String(req.name), Description: github.String(desc),
		Private: github.Bool(private), AutoInit: github.Bool(true)}
	if req.visibility == "internal" {
		repo.Visibility = github.String("internal")
	}
	created, _, err := gh.Repositories.Create(ctx, org, repo)
	return created, err
}

// finish records the repository as this step's (before anything else, so
// that a later attempt knows it even once its mark is gone), then sets
// what creation does not: the description without the mark, internal
// visibility from a template, topics. It returns the outputs.
func (s createRepoStep) finish(ctx context.Context, sc *StepContext, req repoRequest, repo *github.Repository) (map[string]any, error) {
	gh := s.g.gh
	memo := map[string]any{"attemptedAt": sc.MemoString("attemptedAt"), "created": repo.GetFullName()}
	if err := sc.SaveMemo(ctx, memo); err != nil {
		return nil, err
	}
	var edit github.Repository
	needEdit := false
	if repo.GetDescription() != req.description {
		edit.Description, needEdit = github.String(req.description), true
	}
	if req.visibility == "internal" && repo.GetVisibility() != "internal" {
		edit.Visibility, needEdit = github.String("internal"), true
	}
	if needEdit {
		if _, _, err := gh.Repositories.Edit(ctx, req.owner, req.name, &edit); err != nil {
			return nil, ghclient.Explain("setting the description and visibility of "+req.fullName(), err)
		}
	}
	if len(req.topics) > 0 {
		if _, _, err := gh.Repositories.ReplaceAllTopics(ctx, req.owner, req.name, req.topics); err != nil {
			return nil, ghclient.Explain("setting the topics of "+req.fullName(), err)
		}
	}
	return map[string]any{"fullName": repo.GetFullName(), "owner": repo.GetOwner().GetLogin(), "name": repo.GetName(),
		"url": repo.GetHTMLURL(), "defaultBranch": orDefault(repo.GetDefaultBranch(), "main"), "cloneUrl": repo.GetCloneURL()}, nil
}

// isNameTaken recognises GitHub's 422 "name already exists on this account".
func isNameTaken(err error) bool {
	var er *github.ErrorResponse
	if !errors.As(err, &er) || er.Response == nil || er.Response.StatusCode != http.StatusUnprocessableEntity {
		return false
	}
	for _, e := range er.Errors {
		if strings.Contains(strings.ToLower(e.Message), "already exists") {
			return true
		}
	}
	return strings.Contains(strings.ToLower(er.Message), "already exists")
}

// trailer marks a commit as this step's work, so a second attempt finds it.
func trailer(sc *StepContext) string { return "Gantry-Run: " + sc.RunID + "/" + sc.StepID }

// commitFiles is github.commitFiles: one commit through the git data API
// (blobs inline in one tree), on the branch or on a new branch with a
// pull request.
func (g *githubSteps) commitFiles(ctx context.Context, sc *StepContext) (map[string]any, error) {
	owner, name, err := sc.With.Repo("repo")
	if err != nil {
		return nil, err
	}
	full := owner + "/" + name
	files, err := sc.With.Map("files")
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, errkind.New(errkind.Invalid, "with.files is empty: nothing to commit")
	}
	for p := range files {
		if p == "" || path.Clean(p) != p || strings.HasPrefix(p, "/") || strings.HasPrefix(p, "../") || p == ".." || p == "." {
			return nil, errkind.New(errkind.Invalid, "with.files: %q is not a plain path inside the repository", p)
		}
	}
	message, _ := sc.With.String("message", false)
	message = orDefault(message, "Add files from Gantry")
	asPR, err := sc.With.Bool("pullRequest")
	if err != nil {
		return nil, err
	}
	base, _ := sc.With.String("branch", false)
	repo, err := g.waitForRepo(ctx, sc, owner, name)
	if err != nil {
		return nil, err
	}
	base = orDefault(base, orDefault(repo.GetDefaultBranch(), "main"))
	baseSHA, err := g.branchHead(ctx, sc, owner, name, base)
	if err != nil {
		return nil, err
	}
	target := base
	if asPR {
		target = "gantry/" + strings.ToLower(sc.RunID) + "-" + sc.StepID
		if _, err := g.ensureBranch(ctx, owner, name, target, baseSHA); err != nil {
			return nil, err
		}
	}
	sha, url, err := g.commitOnce(ctx, sc, owner, name, target, message, files)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"commitSha": sha, "commitUrl": url, "branch": target}
	if !asPR {
		return out, nil
	}
	title, _ := sc.With.String("pullRequestTitle", false)
	body, _ := sc.With.String("pullRequestBody", false)
	pr, err := g.ensurePull(ctx, owner, name, target, base, orDefault(title, strings.SplitN(message, "\n", 2)[0]), body)
	if err != nil {
		return nil, err
	}
	out["pullRequestNumber"] = pr.GetNumber()
	out["pullRequestUrl"] = pr.GetHTMLURL()
	sc.Log.Info("pull request ready", "repo", full, "number", pr.GetNumber())
	return out, nil
}

// waitForRepo reads a repository, giving one just created from a template
// (which GitHub fills in the background) a little time to appear.
func (g *githubSteps) waitForRepo(ctx context.Context, sc *StepContext, owner, name string) (*github.Repository, error) {
	var lastErr error
	for attempt := range 6 {
		repo, _, err := g.gh.Repositories.Get(ctx, owner, name)
		if err == nil {
			return repo, nil
		}
		lastErr = err
		if ghclient.StatusOf(err) != http.StatusNotFound {
			break
		}
		if err := sc.Sleep(ctx, time.Duration(attempt+1)*time.Second); err != nil {
			return nil, err
		}
	}
	return nil, ghclient.Explain("reading repository "+owner+"/"+name, lastErr)
}

// branchHead returns a branch's head, waiting briefly for a repository
// that GitHub is still generating (404 or 409 "empty" at first).
func (g *githubSteps) branchHead(ctx context.Context, sc *StepContext, owner, name, branch string) (string, error) {
	var lastErr error
	for attempt := range 6 {
		ref, _, err := g.gh.Git.GetRef(ctx, owner, name, "heads/"+branch)
		if err == nil {
			return ref.GetObject().GetSHA(), nil
		}
		lastErr = err
		st := ghclient.StatusOf(err)
		if st != http.StatusNotFound && st != http.StatusConflict {
			break
		}
		if err := sc.Sleep(ctx, time.Duration(attempt+1)*time.Second); err != nil {
			return "", err
		}
	}
	if ghclient.StatusOf(lastErr) == http.StatusConflict {
		return "", errkind.New(errkind.Invalid, "repository %s/%s is empty: create it from a template, or without one (it then starts with a README), before committing files", owner, name)
	}
	return "", ghclient.Explain(fmt.Sprintf("reading branch %s of %s/%s", branch, owner, name), lastErr)
}

func (g *githubSteps) ensureBranch(ctx context.Context, owner, name, branch, from string) (string, error) {
	ref, _, err := g.gh.Git.GetRef(ctx, owner, name, "heads/"+branch)
	if err == nil {
		return ref.GetObject().GetSHA(), nil
	}
	if ghclient.StatusOf(err) != http.StatusNotFound {
		return "", ghclient.Explain("reading branch "+branch, err)
	}
	ref, _, err = g.gh.Git.CreateRef(ctx, owner, name, &github.Reference{Ref: github.String("refs/heads/" + branch), Object: &github.GitObject{SHA: github.String(from)}})
	if err != nil {
		return "", ghclient.Explain("creating branch "+branch, err)
	}
	return ref.GetObject().GetSHA(), nil
}

// commitOnce commits files on branch unless an earlier attempt did: its
// commit carries the step's trailer. A branch that moved meanwhile (not a
// fast-forward) is read again once.
func (g *githubSteps) commitOnce(ctx context.Context, sc *StepContext, owner, name, branch, message string, files map[string]string) (string, string, error) {
	full := owner + "/" + name
	mark := trailer(sc)
	for attempt := 0; ; attempt++ {
		head, err := g.branchHead(ctx, sc, owner, name, branch)
		if err != nil {
			return "", "", err
		}
		commit, _, err := g.gh.Git.GetCommit(ctx, owner, name, head)
		if err != nil {
			return "", "", ghclient.Explain("reading the head of "+full, err)
		}
		if done, err := g.findTrailer(ctx, owner, name, branch, mark, commit); err != nil {
			return "", "", err
		} else if done != nil {
			sc.Log.Info("an earlier attempt made this commit; keeping it", "repo", full, "commit", done.GetSHA())
			return done.GetSHA(), done.GetHTMLURL(), nil
		}
		paths := make([]string, 0, len(files))
		for p := range files {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		entries := make([]*github.TreeEntry, 0, len(files))
		for _, p := range paths {
			entries = append(entries, &github.TreeEntry{Path: github.String(p), Mode: github.String("100644"),
				Type: github.String("blob"), Content: github.String(files[p])})
		}
		tree, _, err := g.gh.Git.CreateTree(ctx, owner, name, commit.GetTree().GetSHA(), entries)
		if err != nil {
			return "", "", ghclient.Explain("writing the files to "+full, err)
		}
		newCommit, _, err := g.gh.Git.CreateCommit(ctx, owner, name, &github.Commit{Message: github.String(message + "\n\n" + mark),
			Tree: tree, Parents: []*github.Commit{{SHA: github.String(head)}}}, nil)
		if err != nil {
			return "", "", ghclient.Explain("committing to "+full, err)
		}
		_, _, err = g.gh.Git.UpdateRef(ctx, owner, name, &github.Reference{Ref: github.String("refs/heads/" + branch),
			Object: &github.GitObject{SHA: newCommit.SHA}}, false)
		if err == nil {
			return newCommit.GetSHA(), newCommit.GetHTMLURL(), nil
		}
		if ghclient.StatusOf(err) == http.StatusUnprocessableEntity && attempt == 0 {
			continue // someone pushed meanwhile: read the head again
		}
		if ghclient.StatusOf(err) == http.StatusUnprocessableEntity || ghclient.StatusOf(err) == http.StatusForbidden {
			return "", "", errkind.New(errkind.Conflict, "GitHub refused the commit to %s of %s (is the branch protected? commit with pullRequest: true): %v", branch, full, err)
		}
		return "", "", ghclient.Explain("moving branch "+branch+" of "+full, err)
	}
}

// findTrailer looks for this step's commit at the head and a few commits
// below it (others may have pushed on top since).
func (g *githubSteps) findTrailer(ctx context.Context, owner, name, branch, mark string, head *github.Commit) (*github.Commit, error) {
	if strings.Contains(head.GetMessage(), mark) {
		return head, nil
	}
	list, _, err := g.gh.Repositories.ListCommits(ctx, owner, name, &github.CommitsListOptions{SHA: branch, ListOptions: github.ListOptions{PerPage: 20}})
	if err != nil {
		return nil, ghclient.Explain("reading the history of "+owner+"/"+name, err)
	}
	for _, c := range list {
		if strings.Contains(c.GetCommit().GetMessage(), mark) {
			return &github.Commit{SHA: c.SHA, HTMLURL: c.HTMLURL, Message: c.GetCommit().Message}, nil
		}
	}
	return nil, nil
}

func (g *githubSteps) ensurePull(ctx context.Context, owner, name, head, base, title, body string) (*github.PullRequest, error) {
	open, _, err := g.gh.PullRequests.List(ctx, owner, name, &github.PullRequestListOptions{State: "open", Head: owner + ":" + head, Base: base})
	if err != nil {
		return nil, ghclient.Explain("listing pull requests of "+owner+"/"+name, err)
	}
	for _, p := range open {
		if p.GetHead().GetRef() == head {
			return p, nil
		}
	}
	pr, _, err := g.gh.PullRequests.Create(ctx, owner, name, &github.NewPullRequest{Title: github.String(title), Head: github.String(head),
		Base: github.String(base), Body: github.String(body)})
	if err != nil {
		return nil, ghclient.Explain("opening a pull request on "+owner+"/"+name, err)
	}
	return pr, nil
}

// teamAccess is github.teamAccess: a PUT, idempotent by nature.
func (g *githubSteps) teamAccess(ctx context.Context, sc *StepContext) (map[string]any, error) {
	owner, name, err := sc.With.Repo("repo")
	if err != nil {
		return nil, err
	}
	team, err := sc.With.String("team", true)
	if err != nil {
		return nil, err
	}
	org := owner
	if o, _, ok := strings.Cut(team, "/"); ok && !strings.Contains(team, ":") {
		org = o
	}
	slug := teamSlug(team)
	perm, _ := sc.With.String("permission", false)
	perm = strings.ToLower(orDefault(perm, "push"))
	switch perm {
	case "pull", "triage", "push", "maintain", "admin":
	default:
		return nil, errkind.New(errkind.Invalid, "with.permission must be pull, triage, push, maintain or admin, not %q", perm)
	}
	if _, err := g.gh.Teams.AddTeamRepoBySlug(ctx, org, slug, owner, name, &github.TeamAddTeamRepoOptions{Permission: perm}); err != nil {
		if ghclient.StatusOf(err) == http.StatusNotFound {
			return nil, errkind.New(errkind.NotFound, "GitHub has no team %s/%s (or cannot see it, or repository %s/%s): the catalog group's name must be the team's slug", org, slug, owner, name)
		}
		return nil, ghclient.Explain(fmt.Sprintf("granting team %s %s on %s/%s", slug, perm, owner, name), err)
	}
	return map[string]any{"team": slug, "permission": perm}, nil
}

// branchProtection is github.branchProtection: a PUT of the whole rule.
func (g *githubSteps) branchProtection(ctx context.Context, sc *StepContext) (map[string]any, error) {
	owner, name, err := sc.With.Repo("repo")
	if err != nil {
		return nil, err
	}
	branch, _ := sc.With.String("branch", false)
	if branch == "" {
		repo, err := g.waitForRepo(ctx, sc, owner, name)
		if err != nil {
			return nil, err
		}
		branch = orDefault(repo.GetDefaultBranch(), "main")
	}
	reviews, err := sc.With.Int("requiredReviews", 1)
	if err != nil {
		return nil, err
	}
	checks, err := sc.With.Strings("requiredStatusChecks")
	if err != nil {
		return nil, err
	}
	req := &github.ProtectionRequest{EnforceAdmins: sc.With.boolean("enforceAdmins")}
	if reviews > 0 || sc.With.boolean("requireCodeOwnerReviews") {
		req.RequiredPullRequestReviews = &github.PullRequestReviewsEnforcementRequest{
			RequiredApprovingReviewCount: reviews, RequireCodeOwnerReviews: sc.With.boolean("requireCodeOwnerReviews"),
			DismissStaleReviews: sc.With.boolean("dismissStaleReviews")}
	}
	if len(checks) > 0 {
		req.RequiredStatusChecks = &github.RequiredStatusChecks{Strict: sc.With.boolean("strictStatusChecks"), Contexts: &checks}
	}
	if sc.With.boolean("requireLinearHistory") {
		req.RequireLinearHistory = github.Bool(true)
	}
	if _, _, err := g.gh.Repositories.UpdateBranchProtection(ctx, owner, name, branch, req); err != nil {
		return nil, ghclient.Explain(fmt.Sprintf("protecting branch %s of %s/%s", branch, owner, name), err)
	}
	return map[string]any{"branch": branch}, nil
}

// dispatchWorkflow is github.dispatchWorkflow. GitHub's dispatch answers
// 204 without the run, so the step records the time and the runs it saw
// before dispatching, then finds the new run; a second attempt that finds
// a run newer than its record adopts it rather than dispatching again.
func (g *githubSteps) dispatchWorkflow(ctx context.Context, sc *StepContext) (map[string]any, error) {
	owner, name, err := sc.With.Repo("repo")
	if err != nil {
		return nil, err
	}
	wf, err := sc.With.String("workflow", true)
	if err != nil {
		return nil, err
	}
	ref, _ := sc.With.String("ref", false)
	if ref == "" {
		repo, err := g.waitForRepo(ctx, sc, owner, name)
		if err != nil {
			return nil, err
		}
		ref = orDefault(repo.GetDefaultBranch(), "main")
	}
	inputs := map[string]any{}
	if m, err := sc.With.Map("inputs"); err != nil {
		return nil, err
	} else {
		for k, v := range m {
			inputs[k] = v
		}
	}
	wait, err := sc.With.Bool("wait")
	if err != nil {
		return nil, err
	}
	timeout, err := sc.With.Duration("timeout", 30*time.Minute)
	if err != nil {
		return nil, err
	}
	run, err := g.findDispatched(ctx, sc, owner, name, wf, ref)
	if err != nil {
		return nil, err
	}
	if run == nil {
		known, err := g.runIDs(ctx, owner, name, wf, ref)
		if err != nil {
			return nil, err
		}
		if err := sc.SaveMemo(ctx, map[string]any{"dispatchedAt": sc.Now().UTC().Format(time.RFC3339), "known": known}); err != nil {
			return nil, err
		}
		req := github.CreateWorkflowDispatchEventRequest{Ref: ref, Inputs: inputs}
		if id, perr := strconv.ParseInt(wf, 10, 64); perr == nil {
			_, err = g.gh.Actions.CreateWorkflowDispatchEventByID(ctx, owner, name, id, req)
		} else {
			_, err = g.gh.Actions.CreateWorkflowDispatchEventByFileName(ctx, owner, name, wf, req)
		}
		if err != nil {
			return nil, ghclient.Explain(fmt.Sprintf("starting workflow %s of %s/%s", wf, owner, name), err)
		}
		memo := sc.Memo
		memo["sent"] = true
		if err := sc.SaveMemo(ctx, memo); err != nil {
			return nil, err
		}
		for attempt := 0; run == nil && attempt < 20; attempt++ {
			if run, err = g.findDispatched(ctx, sc, owner, name, wf, ref); err != nil {
				return nil, err
			}
			if run == nil {
				if err := sc.Sleep(ctx, 3*time.Second); err != nil {
					return nil, err
				}
			}
		}
		if run == nil {
			return nil, errkind.New(errkind.Unavailable, "GitHub accepted the dispatch of %s on %s/%s but no run appeared within a minute", wf, owner, name)
		}
	}
	memo := sc.Memo
	memo["runId"] = run.GetID()
	if err := sc.SaveMemo(ctx, memo); err != nil {
		return nil, err
	}
	if wait {
		deadline := sc.Now().Add(timeout)
		for run.GetStatus() != "completed" {
			if sc.Now().After(deadline) {
				return nil, errkind.New(errkind.Unavailable, "workflow run %s did not finish within %s", run.GetHTMLURL(), timeout)
			}
			if err := sc.Sleep(ctx, 10*time.Second); err != nil {
				return nil, err
			}
			if run, _, err = g.gh.Actions.GetWorkflowRunByID(ctx, owner, name, run.GetID()); err != nil {
				return nil, ghclient.Explain("following workflow run", err)
			}
		}
		if run.GetConclusion() != "success" {
			return nil, errkind.New(errkind.Conflict, "workflow run %s ended with %s", run.GetHTMLURL(), run.GetConclusion())
		}
	}
	return map[string]any{"runId": run.GetID(), "runUrl": run.GetHTMLURL(), "status": run.GetStatus(), "conclusion": run.GetConclusion()}, nil
}

// runIDs lists the dispatched runs of a workflow on ref.
func (g *githubSteps) runIDs(ctx context.Context, owner, name, wf, ref string) ([]any, error) {
	runs, err := g.listRuns(ctx, owner, name, wf, ref)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(runs))
	for _, r := range runs {
		out = append(out, float64(r.GetID()))
	}
	return out, nil
}

func (g *githubSteps) listRuns(ctx context.Context, owner, name, wf, ref string) ([]*github.WorkflowRun, error) {
	opts := &github.ListWorkflowRunsOptions{Event: "workflow_dispatch", Branch: ref, ListOptions: github.ListOptions{PerPage: 50}}
	var runs *github.WorkflowRuns
	var err error
	if id, perr := strconv.ParseInt(wf, 10, 64); perr == nil {
		runs, _, err = g.gh.Actions.ListWorkflowRunsByID(ctx, owner, name, id, opts)
	} else {
		runs, _, err = g.gh.Actions.ListWorkflowRunsByFileName(ctx, owner, name, wf, opts)
	}
	if err != nil {
		if ghclient.StatusOf(err) == http.StatusNotFound {
			return nil, errkind.New(errkind.NotFound, "%s/%s has no workflow %s", owner, name, wf)
		}
		return nil, ghclient.Explain(fmt.Sprintf("listing the runs of workflow %s of %s/%s", wf, owner, name), err)
	}
	return runs.WorkflowRuns, nil
}

// findDispatched returns the run this step dispatched, per its memo: the
// recorded run, or the oldest run newer than the dispatch that was not
// there before it; nil when the step has not dispatched (or GitHub has not
// shown the run yet).
func (g *githubSteps) findDispatched(ctx context.Context, sc *StepContext, owner, name, wf, ref string) (*github.WorkflowRun, error) {
	if id, ok := sc.Memo["runId"].(float64); ok {
		run, _, err := g.gh.Actions.GetWorkflowRunByID(ctx, owner, name, int64(id))
		if err != nil {
			return nil, ghclient.Explain("reading the workflow run", err)
		}
		return run, nil
	}
	at, err := time.Parse(time.RFC3339, sc.MemoString("dispatchedAt"))
	if err != nil {
		return nil, nil
	}
	known := map[int64]bool{}
	if list, ok := sc.Memo["known"].([]any); ok {
		for _, v := range list {
			if f, ok := v.(float64); ok {
				known[int64(f)] = true
			}
		}
	}
	runs, err := g.listRuns(ctx, owner, name, wf, ref)
	if err != nil {
		return nil, err
	}
	var found *github.WorkflowRun
	for _, r := range runs {
		if known[r.GetID()] || r.GetCreatedAt().Time.Before(at.Add(-creationSkew)) {
			continue
		}
		if found == nil || r.GetID() < found.GetID() {
			found = r
		}
	}
	return found, nil
}
