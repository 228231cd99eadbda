package ingest

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/gantryhq/gantry/internal/ghclient"
)

// Facts for scorecards, read in the same pass as the catalog. Most come
// free: README, CODEOWNERS, SECURITY.md and Dependabot or Renovate config
// from the tree the catalog reads anyway; archived, visibility and the last
// push from the repository list. The rest need calls, each conditional with
// the last answer's ETag (a 304 is not charged against the rate limit): the
// default branch (protected or not, its required checks), and its
// protection rule only when it is protected (required reviews); open pull
// requests, skipped when the list counts no open issue or pull request;
// and the latest workflow run on the default branch, skipped when the tree
// has no workflow. Every one of them answers 200 when it answers at all, so
// a refresh with nothing changed is all 304s. Facts are read again when the
// repository changed or their TTL passed, and one sync spends at most
// FactsMaxCalls on them: the repositories over it keep their facts until a
// later sync.

// factsDue says whether the repository's facts must be read again.
func (rw *repoWork) factsDue() bool {
	ttl := rw.w.src.opts.FactsTTL
	if ttl < 0 {
		return false
	}
	ex := rw.next.Extra
	return ex.Facts == nil || rw.treeChanged || rw.metaChanged() || !ex.FactsReadAt.After(rw.w.now.Add(-ttl))
}

// metaChanged says whether what the list shows of the repository changed.
func (rw *repoWork) metaChanged() bool {
	p, c := rw.prev, rw.cur
	if p == nil {
		return true
	}
	pm, cm := p.Extra.Meta, c.Extra.Meta
	return !p.PushedAt.Equal(c.PushedAt) || p.DefaultBranch != c.DefaultBranch || p.FullName != c.FullName ||
		pm.Archived != cm.Archived || pm.Visibility != cm.Visibility || pm.OpenIssuesCount != cm.OpenIssuesCount
}

// reserve takes n calls from the sync's facts budget, if there are n left;
// a negative n gives calls back.
func (w *ghWalk) reserve(n int) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if n > w.factBudget {
		return false
	}
	w.factBudget -= n
	return true
}

// readFacts reads the repository's facts when they are due.
func (rw *repoWork) readFacts(ctx context.Context, _ bool) error {
	if !rw.factsDue() {
		return nil
	}
	ex := &rw.next.Extra
	meta := ex.Meta
	need := 0
	if !meta.Empty {
		need++ // the default branch, or its protection rule when known protected
		if meta.OpenIssuesCount > 0 {
			need++
		}
		if ex.HasWorkflows {
			need++
		}
	}
	if !rw.w.reserve(need) {
		rw.w.count(func(st *GitHubStats) { st.FactsDeferred++ })
		return nil
	}
	now := rw.w.now
	f := map[string]any{
		"repo":                   rw.cur.FullName,
		"default_branch":         rw.cur.DefaultBranch,
		"visibility":             meta.Visibility,
		"archived":               meta.Archived,
		"fork":                   meta.Fork,
		"empty":                  meta.Empty,
		"has_readme":             ex.FactFiles["readme"] != "",
		"has_codeowners":         ex.FactFiles["codeowners"] != "",
		"has_security_md":        ex.FactFiles["security"] != "",
		"has_dependabot":         ex.FactFiles["dependabot"] != "",
		"has_renovate":           ex.FactFiles["renovate"] != "",
		"has_dependency_updates": ex.FactFiles["dependabot"] != "" || ex.FactFiles["renovate"] != "",
		"has_workflows":          ex.HasWorkflows,
	}
	if !rw.cur.PushedAt.IsZero() {
		f["pushed_at"] = rw.cur.PushedAt.UTC().Format(time.RFC3339)
		f["days_since_push"] = days(now.Sub(rw.cur.PushedAt))
	}
	unknown := map[string]any{}
	if err := rw.protectionFacts(ctx, f, unknown); errors.Is(err, errFactsDeferred) {
		// A branch newly protected needs its rule read too, and the budget
		// is spent: the rest waits for the next sync, which knows the
		// branch is protected and asks for the rule alone.
		rw.w.reserve(-(need - 1))
		rw.w.count(func(st *GitHubStats) { st.FactsDeferred++ })
		return nil
	} else if err != nil {
		return err
	}
	for _, step := range []func(context.Context, map[string]any, map[string]any) error{rw.pullFacts, rw.runFacts} {
		if err := step(ctx, f, unknown); err != nil {
			return err
		}
	}
	if len(unknown) > 0 {
		f["unknown"] = unknown
	}
	ex.Facts, ex.FactsReadAt = f, now
	rw.res.factsRead = true
	rw.w.count(func(st *GitHubStats) { st.FactsRead++ })
	return nil
}

// protectionFacts: branch_protected, required_reviews, required_status_checks.
//
// GitHub tells an unprotected branch by answering 404 "Branch not
// protected" to GET …/protection, which is never a 304, so asking every
// branch for its rule would be charged again at every refresh. Instead the
// default branch is read (GET …/branches/{b}: a 200 carrying "protected"
// and the required checks, a free 304 next time), and the rule (which
// needs admin rights) only for a protected branch. Once a branch is known
// protected, its rule alone is asked: a 304 while it stands, 404 "Branch
// not protected" once lifted. A rule the credentials may not read (any
// other 404, or 403) is not asked again until the branch changes: the
// branch is read instead, a 304 while nothing changed. So a refresh costs
// one conditional call, and two only when a branch becomes protected; that
// second call comes out of the budget, or the facts wait for the next sync
// (errFactsDeferred), which then needs one call.
func (rw *repoWork) protectionFacts(ctx context.Context, f, unknown map[string]any) error {
	if rw.next.Extra.Meta.Empty {
		f["branch_protected"], f["required_reviews"], f["required_status_checks"] = false, 0, []any{}
		return nil
	}
	ex := &rw.next.Extra
	u := "repos/" + rw.cur.FullName + "/branches/" + url.PathEscape(rw.cur.DefaultBranch)
	br, _ := ex.Answers["branch"].(map[string]any)
	hidden, _ := ex.Answers["protection_hidden"].(map[string]any)
	if br["protected"] == true && hidden == nil {
		return rw.protectionRule(ctx, u, br, false, f, unknown)
	}
	var b branchAnswer
	_, notMod, err := rw.factGet(ctx, "branch", u, &b)
	switch {
	case err != nil:
		return rw.unknownFact(err, unknown, "branch_protected", "reading the default branch")
	case !notMod:
		checks := []any{}
		for _, c := range b.Protection.RequiredStatusChecks.Contexts {
			checks = append(checks, c)
		}
		if len(checks) == 0 {
			for _, c := range b.Protection.RequiredStatusChecks.Checks {
				checks = append(checks, c.Context)
			}
		}
		br = map[string]any{"protected": b.Protected, "checks": checks}
		rw.setAnswer("branch", br)
		delete(ex.Answers, "protection_hidden") // the branch changed: the rule is asked again
		hidden = nil
	}
	if br["protected"] != true {
		delete(ex.Answers, "protection")
		delete(ex.Answers, "protection_hidden")
		f["branch_protected"], f["required_reviews"], f["required_status_checks"] = false, 0, []any{}
		return nil
	}
	if hidden != nil {
		f["branch_protected"], f["required_status_checks"] = true, orEmpty(br["checks"])
		unknown["required_reviews"] = hidden["reason"]
		if note, _ := hidden["note"].(string); note != "" {
			rw.noteOnceMsg("hidden:protection", note)
		}
		return nil
	}
	if !rw.w.reserve(1) {
		return errFactsDeferred
	}
	return rw.protectionRule(ctx, u, br, true, f, unknown)
}

// errFactsDeferred says a repository's facts wait for a later sync.
var errFactsDeferred = errors.New("facts deferred: over the sync's facts budget")

// protectionRule reads the rule of a protected branch (br is the branch's
// answer, just read when fresh): required reviews, and the required checks.
func (rw *repoWork) protectionRule(ctx context.Context, u string, br map[string]any, fresh bool, f, unknown map[string]any) error {
	ex := &rw.next.Extra
	// The branch's answer already says which checks are required.
	f["branch_protected"], f["required_status_checks"] = true, orEmpty(br["checks"])
	var p github.Protection
	_, notMod, err := rw.factGet(ctx, "protection", u+"/protection", &p)
	switch {
	case err == nil && !notMod:
		checks := []any{}
		if sc := p.GetRequiredStatusChecks(); sc != nil {
			if sc.Contexts != nil {
				for _, c := range *sc.Contexts {
					checks = append(checks, c)
				}
			}
			if len(checks) == 0 && sc.Checks != nil {
				for _, c := range *sc.Checks {
					checks = append(checks, c.Context)
				}
			}
		}
		reviews := 0
		if r := p.GetRequiredPullRequestReviews(); r != nil {
			reviews = r.RequiredApprovingReviewCount
		}
		rw.setAnswer("protection", map[string]any{"reviews": reviews, "checks": checks})
	case notProtected(err) && fresh:
		// The branch, just read, says it is protected, yet has no classic
		// rule: a repository ruleset protects it, which this API does not
		// show. Not asked again until the branch changes.
		reason := "the branch is protected by a repository ruleset, which GitHub's branch protection API does not show"
		unknown["required_reviews"] = reason
		rw.hideRule(reason, "")
		return nil
	case notProtected(err):
		// The protection was lifted (or a ruleset replaced it: the branch,
		// read next time, tells). The branch's answer is forgotten with
		// its ETag: a 304 must never stand for a protection that is gone.
		delete(ex.Answers, "branch")
		delete(ex.ETags, "branch")
		delete(ex.Answers, "protection")
		f["branch_protected"], f["required_reviews"], f["required_status_checks"] = false, 0, []any{}
		return nil
	case ghclient.StatusOf(err) == http.StatusNotFound:
		// Any other 404: GitHub hides the rule from credentials without
		// admin rights on the repository.
		reason := "GitHub answers 404 Not Found for the branch protection rule: the credentials need admin rights on the repository (or the Administration: read permission)"
		unknown["required_reviews"] = reason
		note := "branch protection rules are not read: " + reason
		rw.noteOnceMsg("hidden:protection", note)
		rw.hideRule(reason, note)
		return nil
	case err != nil:
		if ferr := rw.unknownFact(err, unknown, "required_reviews", "reading branch protection"); ferr != nil {
			return ferr
		}
		if pe := permissionOf(err); pe != nil {
			rw.hideRule(unknown["required_reviews"].(string), "reading branch protection is skipped: "+pe.Error())
		}
		return nil
	}
	a, _ := ex.Answers["protection"].(map[string]any)
	f["required_reviews"] = toInt(a["reviews"])
	if checks, _ := a["checks"].([]any); len(checks) > 0 {
		f["required_status_checks"] = checks
	}
	return nil
}

// hideRule remembers that the credentials may not read the branch's
// protection rule, so that it is not asked again (an error is charged,
// never a 304) until the branch changes.
func (rw *repoWork) hideRule(reason, note string) {
	delete(rw.next.Extra.Answers, "protection")
	rw.setAnswer("protection_hidden", map[string]any{"reason": reason, "note": note})
}

// branchAnswer is what the facts read of GET /repos/{o}/{r}/branches/{b}
// (go-github v60's Branch lacks "protection").
type branchAnswer struct {
	Protected  bool `json:"protected"`
	Protection struct {
		RequiredStatusChecks struct {
			Contexts []string `json:"contexts"`
			Checks   []struct {
				Context string `json:"context"`
			} `json:"checks"`
		} `json:"required_status_checks"`
	} `json:"protection"`
}

// notProtected reports GitHub's answer for a branch without protection:
// 404 with the message "Branch not protected". Any other 404 (the rule is
// hidden from credentials without admin rights) is not that.
func notProtected(err error) bool {
	var er *github.ErrorResponse
	return ghclient.StatusOf(err) == http.StatusNotFound && errors.As(err, &er) && er.Message == "Branch not protected"
}

// pullFacts: open_pull_requests and oldest_open_pull_request_days.
func (rw *repoWork) pullFacts(ctx context.Context, f, unknown map[string]any) error {
	if rw.next.Extra.Meta.Empty || rw.next.Extra.Meta.OpenIssuesCount == 0 {
		f["open_pull_requests"] = 0 // no open issue or pull request at all
		return nil
	}
	var pulls []*github.PullRequest
	u := "repos/" + rw.cur.FullName + "/pulls?state=open&sort=created&direction=asc&per_page=1"
	resp, notMod, err := rw.factGet(ctx, "pulls", u, &pulls)
	switch {
	case err != nil:
		return rw.unknownFact(err, unknown, "open_pull_requests", "listing open pull requests")
	case !notMod:
		n := len(pulls)
		if resp.LastPage > 0 {
			n = resp.LastPage // one per page: the last page's number is the count
		}
		oldest := ""
		if len(pulls) > 0 {
			oldest = pulls[0].GetCreatedAt().UTC().Format(time.RFC3339)
		}
		rw.setAnswer("pulls", map[string]any{"count": n, "oldest": oldest})
	}
	a, _ := rw.next.Extra.Answers["pulls"].(map[string]any)
	f["open_pull_requests"] = toInt(a["count"])
	if s, _ := a["oldest"].(string); s != "" {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			f["oldest_open_pull_request_days"] = days(rw.w.now.Sub(t))
			f["oldest_open_pull_request_at"] = s
		}
	}
	return nil
}

// runFacts: latest_run_status and latest_run_conclusion on the default branch.
func (rw *repoWork) runFacts(ctx context.Context, f, unknown map[string]any) error {
	if !rw.next.Extra.HasWorkflows || rw.next.Extra.Meta.Empty {
		f["latest_run_conclusion"] = "none"
		return nil
	}
	var runs github.WorkflowRuns
	u := "repos/" + rw.cur.FullName + "/actions/runs?branch=" + url.QueryEscape(rw.cur.DefaultBranch) + "&per_page=1&exclude_pull_requests=true"
	_, notMod, err := rw.factGet(ctx, "runs", u, &runs)
	switch {
	case err != nil:
		return rw.unknownFact(err, unknown, "latest_run_conclusion", "listing workflow runs")
	case !notMod:
		a := map[string]any{"status": "", "conclusion": "none", "at": ""}
		if len(runs.WorkflowRuns) > 0 {
			r := runs.WorkflowRuns[0]
			a["status"], a["at"] = r.GetStatus(), r.GetCreatedAt().UTC().Format(time.RFC3339)
			a["conclusion"] = r.GetConclusion()
			if r.GetStatus() != "completed" {
				a["conclusion"] = r.GetStatus() // queued, in_progress: no conclusion yet
			}
		}
		rw.setAnswer("runs", a)
	}
	a, _ := rw.next.Extra.Answers["runs"].(map[string]any)
	f["latest_run_conclusion"] = a["conclusion"]
	if s, _ := a["at"].(string); s != "" {
		f["latest_run_at"] = s
	}
	return nil
}

// factGet is condGet, counted as a facts call.
func (rw *repoWork) factGet(ctx context.Context, key, u string, v any) (*github.Response, bool, error) {
	resp, notMod, err := rw.condGetResp(ctx, key, u, v)
	rw.w.count(func(st *GitHubStats) {
		st.FactCalls++
		if notMod {
			st.FactsNotMod++
		}
	})
	return resp, notMod, err
}

// unknownFact records why a fact could not be read. A missing permission
// or a repository-level refusal leaves the fact unknown (noted once per
// sync); anything else stops the sync.
func (rw *repoWork) unknownFact(err error, unknown map[string]any, fact, what string) error {
	if pe := permissionOf(err); pe != nil {
		unknown[fact] = "needs the " + pe.Permission + " permission"
		rw.noteMissing(pe, what)
		return nil
	}
	if repoLevel(err) {
		unknown[fact] = ghclient.Explain(what, err).Error()
		return nil
	}
	return ghclient.Explain(what+" of "+rw.cur.FullName, err)
}

// noteMissing tells, once per sync, that a permission is missing.
func (rw *repoWork) noteMissing(pe *ghclient.PermissionError, what string) {
	rw.noteOnceMsg("perm:"+pe.Permission, what+" is skipped: "+pe.Error())
}

// noteOnceMsg adds a note about the whole account, once per sync per key.
func (rw *repoWork) noteOnceMsg(key, msg string) {
	if !rw.w.noteOnce(key) {
		return
	}
	file := rw.w.src.Account()
	rw.res.files = append(rw.res.files, FileResult{File: file, Notes: []Note{{File: file, Message: msg}}})
}

// condGet sends a GET conditional on the ETag of the last answer recorded
// under key (when that answer is there to stand for a 304), and records
// the new ETag.
func (rw *repoWork) condGet(ctx context.Context, key, u string, v any) (bool, error) {
	_, notMod, err := rw.condGetResp(ctx, key, u, v)
	return notMod, err
}

func (rw *repoWork) condGetResp(ctx context.Context, key, u string, v any) (*github.Response, bool, error) {
	ex := &rw.next.Extra
	etag := ex.ETags[key]
	if _, ok := ex.Answers[key]; !ok {
		etag = ""
	}
	resp, notMod, err := rw.w.get(ctx, u, etag, v)
	if err == nil && !notMod && resp != nil {
		if ex.ETags == nil {
			ex.ETags = map[string]string{}
		}
		if tag := resp.Header.Get("ETag"); tag != "" {
			ex.ETags[key] = tag
		} else {
			delete(ex.ETags, key)
		}
	}
	return resp, notMod, err
}

// setAnswer records what an answer meant, for a later 304 to stand for.
func (rw *repoWork) setAnswer(key string, v any) {
	ex := &rw.next.Extra
	if ex.Answers == nil {
		ex.Answers = map[string]any{}
	}
	ex.Answers[key] = v
}

func days(d time.Duration) int { return max(int(d.Hours()/24), 0) }

// toInt reads a number that may have been through JSON.
func toInt(v any) int {
	switch n := v.(type) {
	case int:
		return n
	case float64:
		return int(n)
	case int64:
		return int(n)
	}
	return 0
}

func orEmpty(v any) any {
	if v == nil {
		return []any{}
	}
	return v
}
