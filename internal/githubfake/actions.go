package githubfake

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// GitHub Actions: workflows, runs, and workflow_dispatch. A dispatch creates
// a queued run; CompleteRun or the fixture's RunProgression finishes it.

// Dispatch records one accepted workflow_dispatch, for tests to inspect.
type Dispatch struct {
	Workflow string         `json:"workflow"` // the workflow's path
	Ref      string         `json:"ref"`
	Inputs   map[string]any `json:"inputs,omitempty"`
	RunID    int64          `json:"run_id"`
	Actor    string         `json:"actor"`
	At       time.Time      `json:"at"`
}

type workflowJSON struct {
	ID        int64  `json:"id"`
	NodeID    string `json:"node_id"`
	Name      string `json:"name"`
	Path      string `json:"path"`
	State     string `json:"state"`
	CreatedAt ts     `json:"created_at"`
	UpdatedAt ts     `json:"updated_at"`
	URL       string `json:"url"`
	HTMLURL   string `json:"html_url"`
	BadgeURL  string `json:"badge_url"`
}

func (c *call) workflowJSON(w *workflow) workflowJSON {
	web := c.s.st.WebURL + "/" + c.repo.fullName()
	return workflowJSON{ID: w.ID, NodeID: nodeID("Workflow", w.ID), Name: w.Name, Path: w.Path, State: w.State,
		CreatedAt: ts(w.CreatedAt), UpdatedAt: ts(w.UpdatedAt),
		URL:     c.repoURL(c.repo) + "/actions/workflows/" + itoa64(w.ID),
		HTMLURL: web + "/blob/" + c.repo.DefaultBranch + "/" + w.Path, BadgeURL: web + "/workflows/" + lastSegment(w.Path) + "/badge.svg"}
}

func (c *call) listWorkflows() *reply {
	ws := c.repo.Workflows
	rep := okReply(nil)
	start, end := c.page(rep, len(ws))
	out := []workflowJSON{}
	for _, w := range ws[start:end] {
		out = append(out, c.workflowJSON(w))
	}
	rep.body = map[string]any{"total_count": len(ws), "workflows": out}
	return rep
}

func (c *call) getWorkflow() *reply {
	w := c.repo.workflowByKey(c.r.PathValue("workflow"))
	if w == nil {
		return c.notFound()
	}
	return okReply(c.workflowJSON(w))
}

type headCommitJSON struct {
	ID        string `json:"id"`
	TreeID    string `json:"tree_id"`
	Message   string `json:"message"`
	Timestamp ts     `json:"timestamp"`
	Author    struct {
		Name  string `json:"name"`
		Email string `json:"email"`
	} `json:"author"`
	Committer struct {
		Name  string `json:"name"`
		Email string `json:"email"`
	} `json:"committer"`
}

type runJSON struct {
	ID              int64           `json:"id"`
	Name            string          `json:"name"`
	NodeID          string          `json:"node_id"`
	HeadBranch      string          `json:"head_branch"`
	HeadSHA         string          `json:"head_sha"`
	Path            string          `json:"path"`
	DisplayTitle    string          `json:"display_title"`
	RunNumber       int             `json:"run_number"`
	RunAttempt      int             `json:"run_attempt"`
	Event           string          `json:"event"`
	Status          string          `json:"status"`
	Conclusion      *string         `json:"conclusion"`
	WorkflowID      int64           `json:"workflow_id"`
	URL             string          `json:"url"`
	HTMLURL         string          `json:"html_url"`
	PullRequests    []struct{}      `json:"pull_requests"`
	CreatedAt       ts              `json:"created_at"`
	UpdatedAt       ts              `json:"updated_at"`
	RunStartedAt    ts              `json:"run_started_at"`
	Actor           userJSON        `json:"actor"`
	TriggeringActor userJSON        `json:"triggering_actor"`
	JobsURL         string          `json:"jobs_url"`
	LogsURL         string          `json:"logs_url"`
	CancelURL       string          `json:"cancel_url"`
	RerunURL        string          `json:"rerun_url"`
	WorkflowURL     string          `json:"workflow_url"`
	HeadCommit      *headCommitJSON `json:"head_commit"`
	Repository      repoJSON        `json:"repository"`
}

func (c *call) runJSON(x *run) runJSON {
	r := c.repo
	api := c.repoURL(r) + "/actions/runs/" + itoa64(x.ID)
	var wf *workflow
	for _, w := range r.Workflows {
		if w.ID == x.WorkflowID {
			wf = w
		}
	}
	if wf == nil {
		wf = &workflow{Name: "unknown"}
	}
	j := runJSON{
		ID: x.ID, Name: wf.Name, NodeID: nodeID("WorkflowRun", x.ID), HeadBranch: x.HeadBranch, HeadSHA: x.HeadSHA,
		Path: wf.Path, DisplayTitle: wf.Name, RunNumber: x.RunNumber, RunAttempt: 1, Event: x.Event, Status: x.Status,
		Conclusion: strp(x.Conclusion), WorkflowID: x.WorkflowID, URL: api,
		HTMLURL:      c.s.st.WebURL + "/" + r.fullName() + "/actions/runs/" + itoa64(x.ID),
		PullRequests: []struct{}{}, CreatedAt: ts(x.CreatedAt), UpdatedAt: ts(x.UpdatedAt), RunStartedAt: ts(x.RunStartedAt),
		Actor: c.userJSON(x.Actor), TriggeringActor: c.userJSON(x.Actor),
		JobsURL: api + "/jobs", LogsURL: api + "/logs", CancelURL: api + "/cancel", RerunURL: api + "/rerun",
		WorkflowURL: c.repoURL(r) + "/actions/workflows/" + itoa64(x.WorkflowID), Repository: c.repoJSON(r),
	}
	if o := r.Objects[x.HeadSHA]; o != nil && o.Type == "commit" {
		hc := &headCommitJSON{ID: x.HeadSHA, TreeID: o.Commit.Tree, Message: o.Commit.Message, Timestamp: ts(o.Commit.Committer.Date)}
		hc.Author.Name, hc.Author.Email = o.Commit.Author.Name, o.Commit.Author.Email
		hc.Committer.Name, hc.Committer.Email = o.Commit.Committer.Name, o.Commit.Committer.Email
		j.HeadCommit = hc
		j.DisplayTitle = strings.SplitN(o.Commit.Message, "\n", 2)[0]
	}
	return j
}

// listRuns lists runs newest first, filtered like GitHub: branch, event,
// actor, head_sha, and status (which also accepts a conclusion).
func (c *call) listRuns(workflowID int64) *reply {
	var rs []*run
	q := c.r.URL.Query()
	for _, x := range c.repo.Runs {
		if workflowID != 0 && x.WorkflowID != workflowID ||
			q.Get("branch") != "" && x.HeadBranch != q.Get("branch") ||
			q.Get("event") != "" && x.Event != q.Get("event") ||
			q.Get("actor") != "" && !strings.EqualFold(x.Actor, q.Get("actor")) ||
			q.Get("head_sha") != "" && x.HeadSHA != q.Get("head_sha") ||
			q.Get("status") != "" && x.Status != q.Get("status") && x.Conclusion != q.Get("status") {
			continue
		}
		rs = append(rs, x)
	}
	sort.SliceStable(rs, func(i, j int) bool {
		return rs[i].CreatedAt.After(rs[j].CreatedAt) || rs[i].CreatedAt.Equal(rs[j].CreatedAt) && rs[i].ID > rs[j].ID
	})
	rep := okReply(nil)
	start, end := c.page(rep, len(rs))
	out := []runJSON{}
	for _, x := range rs[start:end] {
		out = append(out, c.runJSON(x))
	}
	rep.body = map[string]any{"total_count": len(rs), "workflow_runs": out}
	return rep
}

func (c *call) listRepoRuns() *reply { return c.listRuns(0) }

func (c *call) listWorkflowRuns() *reply {
	w := c.repo.workflowByKey(c.r.PathValue("workflow"))
	if w == nil {
		return c.notFound()
	}
	return c.listRuns(w.ID)
}

func (c *call) runFromPath() *run {
	id, err := strconv.ParseInt(c.r.PathValue("run"), 10, 64)
	if err != nil {
		return nil
	}
	return c.repo.run(id)
}

func (c *call) getRun() *reply {
	x := c.runFromPath()
	if x == nil {
		return c.notFound()
	}
	return okReply(c.runJSON(x))
}

func (c *call) cancelRun() *reply {
	x := c.runFromPath()
	if x == nil {
		return c.notFound()
	}
	if x.Status == "completed" {
		return c.fail(http.StatusConflict, "Cannot cancel a workflow run that is completed.")
	}
	c.s.st.finishRun(x, "cancelled", c.now)
	return &reply{status: http.StatusAccepted, body: map[string]any{}}
}

// dispatch accepts a workflow_dispatch and queues a run. Like GitHub it
// checks the ref exists and, when the workflow file is present at that ref,
// that it declares the workflow_dispatch trigger.
func (c *call) dispatch() *reply {
	r := c.repo
	w := r.workflowByKey(c.r.PathValue("workflow"))
	if w == nil {
		return c.notFound()
	}
	var b struct {
		Ref    string         `json:"ref"`
		Inputs map[string]any `json:"inputs"`
	}
	if rep := c.decode(&b); rep != nil {
		return rep
	}
	if b.Ref == "" {
		return c.invalid("Invalid request.\n\n\"ref\" wasn't supplied.")
	}
	if len(b.Inputs) > 10 {
		return c.invalid("Invalid request.\n\nNo more than 10 properties are allowed; " + strconv.Itoa(len(b.Inputs)) + " were supplied.")
	}
	branch := strings.TrimPrefix(strings.TrimPrefix(b.Ref, "refs/heads/"), "refs/tags/")
	sha, ok := r.resolve(branch)
	if !ok {
		return c.invalid("No ref found for: " + b.Ref)
	}
	if w.State != "active" {
		return c.invalid("Cannot trigger a 'workflow_dispatch' on a disabled workflow")
	}
	if e, ok := r.Objects.lookup(r.Objects.commitTree(sha), w.Path); ok {
		if o := r.Objects[e.SHA]; o != nil && !strings.Contains(string(o.Data), "workflow_dispatch") {
			return c.invalid("Workflow does not have 'workflow_dispatch' trigger")
		}
	}
	x, _ := c.s.st.addRun(r, Run{Workflow: w.Path, HeadBranch: branch, HeadSHA: sha, Event: "workflow_dispatch",
		Status: "queued", Actor: c.login(), CreatedAt: c.now})
	x.Conclusion = ""
	x.Auto = c.s.st.Progression != nil
	r.Dispatches = append(r.Dispatches, Dispatch{Workflow: w.Path, Ref: b.Ref, Inputs: b.Inputs, RunID: x.ID, Actor: c.login(), At: c.now})
	c.s.log.Info("githubfake: workflow dispatched", "repo", r.fullName(), "workflow", w.Path, "ref", b.Ref, "run", x.ID)
	return noContent()
}

// finishRun completes a run with a conclusion.
func (st *state) finishRun(x *run, conclusion string, now time.Time) {
	if x.Status == "queued" {
		x.RunStartedAt = now
	}
	x.Status, x.Conclusion, x.UpdatedAt, x.Auto = "completed", conclusion, now, false
}

// progressRuns advances runs driven by RunProgression to where the clock
// says they are. It is called before each request, so a poller sees queued,
// then in_progress, then completed as the clock moves.
func (s *Server) progressRuns(now time.Time) {
	s.mu.RLock()
	prog := s.st.Progression
	pending := false
	if prog != nil {
		for _, r := range s.st.Repos {
			for _, x := range r.Runs {
				pending = pending || x.Auto
			}
		}
	}
	s.mu.RUnlock()
	if !pending {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	conclusion := prog.Conclusion
	if conclusion == "" {
		conclusion = "success"
	}
	for _, r := range s.st.Repos {
		for _, x := range r.Runs {
			if !x.Auto {
				continue
			}
			age := now.Sub(x.CreatedAt)
			switch {
			case age >= time.Duration(prog.CompleteAfter):
				s.st.finishRun(x, conclusion, now)
			case age >= time.Duration(prog.StartAfter) && x.Status == "queued":
				x.Status, x.RunStartedAt, x.UpdatedAt = "in_progress", now, now
			}
		}
	}
}
