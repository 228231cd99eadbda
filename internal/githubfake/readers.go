package githubfake

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"time"
)

// Readers let a test check what API writes did without going through the
// API (and its rate limit). Each returns copies, never live state.

// RepoInfo describes a repository as it is now.
type RepoInfo struct {
	ID            int64
	Owner         string
	Name          string
	FullName      string
	Description   string
	Homepage      string
	Language      string
	Topics        []string
	Visibility    string
	Private       bool
	Archived      bool
	IsTemplate    bool
	Fork          bool
	DefaultBranch string
	Template      string            // "owner/name" it was generated from
	Branches      map[string]string // name → head SHA
	CreatedAt     time.Time
	UpdatedAt     time.Time
	PushedAt      time.Time
}

// CommitInfo describes one commit.
type CommitInfo struct {
	SHA     string
	Tree    string
	Parents []string
	Message string
	Author  string
	Email   string
	Date    time.Time
}

func (s *Server) read(fn func(st *state) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return fn(s.st)
}

func (st *state) info(r *repo) RepoInfo {
	in := RepoInfo{ID: r.ID, Owner: r.Owner, Name: r.Name, FullName: r.fullName(), Description: r.Description,
		Homepage: r.Homepage, Language: r.Language, Topics: slices.Clone(r.Topics), Visibility: r.Visibility,
		Private: r.private(), Archived: r.Archived, IsTemplate: r.IsTemplate, Fork: r.Fork,
		DefaultBranch: r.DefaultBranch, Branches: map[string]string{},
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, PushedAt: r.PushedAt}
	for _, b := range r.branchNames() {
		in.Branches[b] = r.head(b)
	}
	if t := st.Repos[r.TemplateID]; t != nil {
		in.Template = t.fullName()
	}
	return in
}

// Repo returns a live repository by owner and name.
func (s *Server) Repo(owner, name string) (RepoInfo, bool) {
	var in RepoInfo
	err := s.read(func(st *state) error {
		r, err := st.mustRepo(owner, name)
		if err == nil {
			in = st.info(r)
		}
		return err
	})
	return in, err == nil
}

// Repos lists the live repositories of an owner ("" for all), by id.
func (s *Server) Repos(owner string) []RepoInfo {
	var out []RepoInfo
	_ = s.read(func(st *state) error {
		for _, r := range st.liveRepos() {
			if owner == "" || key(r.Owner, "") == key(owner, "") {
				out = append(out, st.info(r))
			}
		}
		return nil
	})
	return out
}

// File returns a file's content at a ref (branch, tag or SHA; "" for the
// default branch).
func (s *Server) File(owner, repo, ref, path string) (string, bool) {
	var content string
	err := s.read(func(st *state) error {
		r, err := st.mustRepo(owner, repo)
		if err != nil {
			return err
		}
		sha, ok := r.resolve(ref)
		if !ok {
			return fmt.Errorf("no ref %q", ref)
		}
		e, ok := r.Objects.lookup(r.Objects.commitTree(sha), path)
		if !ok || e.Type != "blob" {
			return fmt.Errorf("no file %q", path)
		}
		content = string(r.Objects[e.SHA].Data)
		return nil
	})
	return content, err == nil
}

// Files returns every file at a ref as path → content.
func (s *Server) Files(owner, repo, ref string) (map[string]string, error) {
	out := map[string]string{}
	err := s.read(func(st *state) error {
		r, err := st.mustRepo(owner, repo)
		if err != nil {
			return err
		}
		if r.empty() {
			return nil
		}
		sha, ok := r.resolve(ref)
		if !ok {
			return fmt.Errorf("githubfake: %s/%s has no ref %q", owner, repo, ref)
		}
		for p, l := range r.Objects.flatten(r.Objects.commitTree(sha)) {
			if o := r.Objects[l.SHA]; o != nil && o.Type == "blob" {
				out[p] = string(o.Data)
			}
		}
		return nil
	})
	return out, err
}

// BranchHead returns the SHA a branch points at.
func (s *Server) BranchHead(owner, repo, branch string) (string, bool) {
	var sha string
	_ = s.read(func(st *state) error {
		if r := st.repoByName(owner, repo); r != nil {
			sha = r.head(branch)
		}
		return nil
	})
	return sha, sha != ""
}

// Commits lists first-parent history from a ref, newest first.
func (s *Server) Commits(owner, repo, ref string) ([]CommitInfo, error) {
	var out []CommitInfo
	err := s.read(func(st *state) error {
		r, err := st.mustRepo(owner, repo)
		if err != nil {
			return err
		}
		sha, ok := r.resolve(ref)
		if !ok {
			return fmt.Errorf("githubfake: %s/%s has no ref %q", owner, repo, ref)
		}
		for _, c := range r.Objects.firstParents(sha) {
			co := r.Objects[c].Commit
			out = append(out, CommitInfo{SHA: c, Tree: co.Tree, Parents: slices.Clone(co.Parents), Message: co.Message,
				Author: co.Author.Name, Email: co.Author.Email, Date: co.Author.Date})
		}
		return nil
	})
	return out, err
}

// Protection returns a branch's protection rule.
func (s *Server) Protection(owner, repo, branch string) (*Protection, bool) {
	var p *Protection
	_ = s.read(func(st *state) error {
		if r := st.repoByName(owner, repo); r != nil && r.Protections[branch] != nil {
			cp := *r.Protections[branch]
			p = &cp
		}
		return nil
	})
	return p, p != nil
}

// RepoTeams returns the teams with access to a repository: slug → permission.
func (s *Server) RepoTeams(owner, repo string) map[string]string {
	out := map[string]string{}
	_ = s.read(func(st *state) error {
		r := st.repoByName(owner, repo)
		o := st.account(owner)
		if r == nil || o == nil {
			return nil
		}
		for slug, t := range o.Teams {
			if p, ok := t.Repos[r.ID]; ok {
				out[slug] = p
			}
		}
		return nil
	})
	return out
}

// TeamRepos returns a team's grants: "owner/name" → permission.
func (s *Server) TeamRepos(org, slug string) map[string]string {
	out := map[string]string{}
	_ = s.read(func(st *state) error {
		o := st.account(org)
		if o == nil || o.Teams[slug] == nil {
			return nil
		}
		for id, p := range o.Teams[slug].Repos {
			if r := st.Repos[id]; r != nil && !r.Deleted {
				out[r.fullName()] = p
			}
		}
		return nil
	})
	return out
}

// TeamMembers returns a team's members and maintainers, sorted.
func (s *Server) TeamMembers(org, slug string) []string {
	var out []string
	_ = s.read(func(st *state) error {
		if o := st.account(org); o != nil && o.Teams[slug] != nil {
			out = append(slices.Clone(o.Teams[slug].Members), o.Teams[slug].Maintainers...)
		}
		return nil
	})
	sort.Strings(out)
	return out
}

// Dispatches lists the accepted workflow_dispatch events of a repository.
func (s *Server) Dispatches(owner, repo string) []Dispatch {
	var out []Dispatch
	_ = s.read(func(st *state) error {
		if r := st.repoByName(owner, repo); r != nil {
			for _, d := range r.Dispatches {
				d.Inputs = maps.Clone(d.Inputs)
				out = append(out, d)
			}
		}
		return nil
	})
	return out
}

// Pulls lists a repository's pull requests in number order.
func (s *Server) Pulls(owner, repo string) []Pull {
	var out []Pull
	_ = s.read(func(st *state) error {
		if r := st.repoByName(owner, repo); r != nil {
			for _, p := range r.Pulls {
				out = append(out, Pull{Number: p.Number, Title: p.Title, Body: p.Body, State: p.State, User: p.User,
					Head: p.Head, Base: p.Base, Draft: p.Draft, CreatedAt: p.CreatedAt, ClosedAt: p.ClosedAt, MergedAt: p.MergedAt})
			}
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out
}

// Runs lists a repository's workflow runs, oldest first.
func (s *Server) Runs(owner, repo string) []Run {
	var out []Run
	_ = s.read(func(st *state) error {
		r := st.repoByName(owner, repo)
		if r == nil {
			return nil
		}
		for _, x := range r.Runs {
			wf := ""
			for _, w := range r.Workflows {
				if w.ID == x.WorkflowID {
					wf = w.Path
				}
			}
			out = append(out, Run{ID: x.ID, Workflow: wf, HeadBranch: x.HeadBranch, HeadSHA: x.HeadSHA, Event: x.Event,
				Status: x.Status, Conclusion: x.Conclusion, RunNumber: x.RunNumber, Actor: x.Actor,
				CreatedAt: x.CreatedAt, UpdatedAt: x.UpdatedAt})
		}
		return nil
	})
	return out
}
