package githubfake

import (
	"fmt"
	"time"
)

// Go helpers that change the world behind the API's back, the way a push,
// a rename in the web UI or a CI system would. Each takes the write lock.

func (s *Server) write(fn func(st *state) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fn(s.st)
}

func (st *state) mustRepo(owner, name string) (*repo, error) {
	r := st.repoByName(owner, name)
	if r == nil {
		return nil, fmt.Errorf("githubfake: repo %s/%s not found", owner, name)
	}
	return r, nil
}

// PushFiles commits files (path → content) and removes deleted paths on
// branch, as a push would: the branch moves, pushed_at changes, open pull
// requests from the branch follow. A missing branch starts from the default
// branch; an empty repository gets its first commit. It returns the commit SHA.
func (s *Server) PushFiles(owner, repo, branch string, files map[string]string, deleted []string) (string, error) {
	return s.PushCommit(owner, repo, branch, Commit{Files: files, Deleted: deleted})
}

// PushCommit is PushFiles with a message, author and date (default: the
// server clock).
func (s *Server) PushCommit(owner, repo, branch string, c Commit) (string, error) {
	now := s.clockNow()
	var sha string
	err := s.write(func(st *state) error {
		r, err := st.mustRepo(owner, repo)
		if err != nil {
			return err
		}
		if branch == "" {
			branch = r.DefaultBranch
		}
		head := r.head(branch)
		if head == "" && !r.empty() {
			head = r.head(r.DefaultBranch)
		}
		base := ""
		var parents []string
		if head != "" {
			base, parents = r.Objects.commitTree(head), []string{head}
		}
		if c.Message == "" {
			c.Message = "Update files"
		}
		at := now
		if !c.Date.IsZero() {
			at = c.Date
		}
		tree := r.Objects.applyFiles(base, c.Files, c.Deleted)
		if r.empty() {
			r.DefaultBranch = branch
		}
		sha = r.commit(tree, parents, c.Message, authorSig(c.Author, at))
		st.setRef(r, "refs/heads/"+branch, sha, at.UTC().Truncate(time.Second))
		return nil
	})
	return sha, err
}

// RenameRepo renames a repository; the old name then answers 301 (307 for
// writes) to /repositories/{id}.
func (s *Server) RenameRepo(owner, name, newName string) error {
	return s.write(func(st *state) error {
		r, err := st.mustRepo(owner, name)
		if err != nil {
			return err
		}
		return st.renameRepo(r, newName)
	})
}

// DeleteRepo deletes a repository; its paths and id answer 404 afterwards.
func (s *Server) DeleteRepo(owner, name string) error {
	return s.write(func(st *state) error {
		r, err := st.mustRepo(owner, name)
		if err != nil {
			return err
		}
		st.deleteRepo(r)
		return nil
	})
}

// AddRepo adds a repository declared like a fixture entry and returns its id.
func (s *Server) AddRepo(r Repo) (int64, error) {
	var id int64
	err := s.write(func(st *state) error {
		x, err := st.addRepo(r)
		if err != nil {
			return fmt.Errorf("githubfake: add repo %s/%s: %w", r.Owner, r.Name, err)
		}
		id = x.ID
		return nil
	})
	return id, err
}

// SetTopics replaces a repository's topics.
func (s *Server) SetTopics(owner, name string, topics []string) error {
	now := s.clockNow()
	return s.write(func(st *state) error {
		r, err := st.mustRepo(owner, name)
		if err != nil {
			return err
		}
		r.Topics, r.UpdatedAt = normalizeTopics(topics), now
		return nil
	})
}

// SetArchived archives or unarchives a repository.
func (s *Server) SetArchived(owner, name string, archived bool) error {
	now := s.clockNow()
	return s.write(func(st *state) error {
		r, err := st.mustRepo(owner, name)
		if err != nil {
			return err
		}
		r.Archived, r.UpdatedAt = archived, now
		return nil
	})
}

// SetProtection sets a branch's protection rule; nil removes it.
func (s *Server) SetProtection(owner, repo, branch string, p *Protection) error {
	return s.write(func(st *state) error {
		r, err := st.mustRepo(owner, repo)
		if err != nil {
			return err
		}
		if r.head(branch) == "" {
			return fmt.Errorf("githubfake: %s/%s has no branch %q", owner, repo, branch)
		}
		if p == nil {
			delete(r.Protections, branch)
			return nil
		}
		cp := *p
		r.Protections[branch] = &cp
		return nil
	})
}

// AddToken adds a credential.
func (s *Server) AddToken(t Token) error {
	return s.write(func(st *state) error { return st.addToken(t) })
}

// AddTeam adds a team to an organization.
func (s *Server) AddTeam(org string, t Team) error {
	return s.write(func(st *state) error { return st.addTeam(org, t) })
}

// SetTeamRepo grants (or with permission "" revokes) a team's access to a
// repository.
func (s *Server) SetTeamRepo(org, slug, owner, repo, permission string) error {
	return s.write(func(st *state) error {
		o := st.account(org)
		if o == nil || o.Teams[slug] == nil {
			return fmt.Errorf("githubfake: team %s/%s not found", org, slug)
		}
		r, err := st.mustRepo(owner, repo)
		if err != nil {
			return err
		}
		if permission == "" {
			delete(o.Teams[slug].Repos, r.ID)
			return nil
		}
		if !validPermission(permission) {
			return fmt.Errorf("githubfake: permission %q is not one of pull, triage, push, maintain, admin", permission)
		}
		o.Teams[slug].Repos[r.ID] = permission
		return nil
	})
}

// AddPull opens (or records) a pull request and returns its number.
func (s *Server) AddPull(owner, repo string, p Pull) (int, error) {
	if p.CreatedAt.IsZero() {
		p.CreatedAt = s.clockNow()
	}
	var n int
	err := s.write(func(st *state) error {
		r, err := st.mustRepo(owner, repo)
		if err != nil {
			return err
		}
		x, err := st.addPull(r, p)
		if err != nil {
			return fmt.Errorf("githubfake: %w", err)
		}
		n = x.Number
		return nil
	})
	return n, err
}

// MergePull merges an open pull request with a merge commit and returns its SHA.
func (s *Server) MergePull(owner, repo string, number int) (string, error) {
	now := s.clockNow()
	var sha string
	err := s.write(func(st *state) error {
		r, err := st.mustRepo(owner, repo)
		if err != nil {
			return err
		}
		p := r.pull(number)
		if p == nil || p.State != "open" {
			return fmt.Errorf("githubfake: %s/%s has no open pull #%d", owner, repo, number)
		}
		sha, err = st.mergePull(r, p, fmt.Sprintf("Merge pull request #%d from %s/%s", number, r.Owner, p.Head), authorSig(p.User, now), now)
		return err
	})
	return sha, err
}

// AddWorkflowRun records a workflow run (completed/success unless said
// otherwise) and returns its id.
func (s *Server) AddWorkflowRun(owner, repo string, run Run) (int64, error) {
	if run.CreatedAt.IsZero() {
		run.CreatedAt = s.clockNow()
	}
	var id int64
	err := s.write(func(st *state) error {
		r, err := st.mustRepo(owner, repo)
		if err != nil {
			return err
		}
		x, err := st.addRun(r, run)
		if err != nil {
			return fmt.Errorf("githubfake: %w", err)
		}
		id = x.ID
		return nil
	})
	return id, err
}

// StartRun moves a queued run to in_progress.
func (s *Server) StartRun(owner, repo string, runID int64) error {
	now := s.clockNow()
	return s.withRun(owner, repo, runID, func(st *state, x *run) error {
		if x.Status != "queued" {
			return fmt.Errorf("githubfake: run %d is %s, not queued", runID, x.Status)
		}
		x.Status, x.RunStartedAt, x.UpdatedAt = "in_progress", now, now
		return nil
	})
}

// CompleteRun completes a run with a conclusion (success, failure,
// cancelled, ...).
func (s *Server) CompleteRun(owner, repo string, runID int64, conclusion string) error {
	now := s.clockNow()
	return s.withRun(owner, repo, runID, func(st *state, x *run) error {
		st.finishRun(x, conclusion, now)
		return nil
	})
}

func (s *Server) withRun(owner, repo string, runID int64, fn func(*state, *run) error) error {
	return s.write(func(st *state) error {
		r, err := st.mustRepo(owner, repo)
		if err != nil {
			return err
		}
		x := r.run(runID)
		if x == nil {
			return fmt.Errorf("githubfake: %s/%s has no run %d", owner, repo, runID)
		}
		return fn(st, x)
	})
}
