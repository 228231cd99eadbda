package githubfake

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// fixtureEpoch is when undated fixture objects were made. A fixed date keeps
// commit SHAs identical from run to run, so tests may hard-code them.
func fixtureEpoch() time.Time { return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) }

const defaultBotLogin = "gantry-bot"

// seed loads a fixture into an empty state.
func (st *state) seed(f *Fixture) error {
	st.WebURL = strings.TrimRight(f.WebURL, "/")
	if st.WebURL == "" {
		st.WebURL = "https://github.com"
	}
	st.Limits = f.Limits
	if st.Limits.RateLimit <= 0 {
		st.Limits.RateLimit = 5000
	}
	if st.Limits.TreeEntries <= 0 {
		st.Limits.TreeEntries = 100000
	}
	if st.Limits.TreeBytes <= 0 {
		st.Limits.TreeBytes = 7 << 20
	}
	if st.Limits.TokenLifetime <= 0 {
		st.Limits.TokenLifetime = Duration(time.Hour)
	}
	st.Progression = f.RunProgression
	for _, u := range f.Users {
		if err := st.addAccount(u.Login, u.ID, "User", u.Name, u.Email, ""); err != nil {
			return err
		}
	}
	for _, o := range f.Orgs {
		if err := st.addAccount(o.Login, o.ID, "Organization", o.Name, "", o.Description); err != nil {
			return err
		}
		org := st.account(o.Login)
		for _, m := range o.Members {
			st.ensureUser(m)
			org.Members = append(org.Members, m)
		}
	}
	for i, r := range f.Repos {
		if _, err := st.addRepo(r); err != nil {
			return fmt.Errorf("repos[%d] %s/%s: %w", i, r.Owner, r.Name, err)
		}
	}
	for _, o := range f.Orgs {
		for _, t := range o.Teams {
			if err := st.addTeam(o.Login, t); err != nil {
				return fmt.Errorf("org %s team %s: %w", o.Login, t.Slug, err)
			}
		}
	}
	for i, t := range f.Tokens {
		if err := st.addToken(t); err != nil {
			return fmt.Errorf("tokens[%d]: %w", i, err)
		}
	}
	for _, a := range f.Apps {
		if err := st.addApp(a); err != nil {
			return fmt.Errorf("app %d: %w", a.ID, err)
		}
	}
	return nil
}

func (st *state) addAccount(login string, id int64, typ, name, email, desc string) error {
	if login == "" {
		return fmt.Errorf("an account needs a login")
	}
	if st.account(login) != nil {
		return fmt.Errorf("account %q is declared twice", login)
	}
	st.Accounts[strings.ToLower(login)] = &account{
		Login: login, ID: st.id(id), Type: typ, Name: name, Email: email,
		Description: desc, CreatedAt: fixtureEpoch(), Teams: map[string]*team{},
	}
	return nil
}

// ensureUser declares a user the first time a fixture mentions it, so that
// fixtures need not list every team member twice.
func (st *state) ensureUser(login string) *account {
	if a := st.account(login); a != nil {
		return a
	}
	_ = st.addAccount(login, 0, "User", "", "", "")
	return st.account(login)
}

func authorSig(login string, at time.Time) signature {
	if login == "" {
		login = defaultBotLogin
	}
	return signature{Name: login, Email: login + "@users.noreply.github.com", Date: at.UTC().Truncate(time.Second)}
}

// commit stores a commit object and returns its SHA.
func (r *repo) commit(tree string, parents []string, msg string, author signature) string {
	return r.Objects.put(&object{Type: "commit", Commit: &commitObj{
		Tree: tree, Parents: parents, Message: msg, Author: author, Committer: author,
	}})
}

// addRepo creates a repository with its history from a fixture entry.
func (st *state) addRepo(fr Repo) (*repo, error) {
	owner := st.account(fr.Owner)
	if owner == nil {
		return nil, fmt.Errorf("owner %q is not a declared user or org", fr.Owner)
	}
	if fr.Name == "" {
		return nil, fmt.Errorf("a repo needs a name")
	}
	if st.repoByName(fr.Owner, fr.Name) != nil {
		return nil, fmt.Errorf("name already exists on this account")
	}
	r := &repo{
		ID: st.id(fr.ID), Owner: owner.Login, Name: fr.Name, Description: fr.Description,
		Homepage: fr.Homepage, Language: fr.Language, Topics: slices.Clone(fr.Topics),
		Visibility: fr.Visibility, Archived: fr.Archived, IsTemplate: fr.IsTemplate, Fork: fr.Fork,
		DefaultBranch: fr.DefaultBranch, CreatedAt: fr.CreatedAt,
		Refs: map[string]string{}, Protections: map[string]*Protection{}, Objects: objectStore{},
	}
	if r.Visibility == "" {
		r.Visibility = "public"
		if fr.Private {
			r.Visibility = "private"
		}
	}
	if r.DefaultBranch == "" {
		r.DefaultBranch = "main"
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = fixtureEpoch()
	}
	r.CreatedAt = r.CreatedAt.UTC().Truncate(time.Second)
	last, err := st.buildHistory(r, fr)
	if err != nil {
		return nil, err
	}
	r.PushedAt = pick(fr.PushedAt, last)
	r.UpdatedAt = pick(fr.UpdatedAt, r.PushedAt)
	st.Repos[r.ID] = r
	st.byName[key(r.Owner, r.Name)] = r.ID
	delete(st.Moved, key(r.Owner, r.Name)) // a new repo takes over an old name's redirect
	for i, p := range fr.Pulls {
		if _, err := st.addPull(r, p); err != nil {
			return nil, fmt.Errorf("pulls[%d]: %w", i, err)
		}
	}
	for _, w := range fr.Workflows {
		st.addWorkflow(r, w)
	}
	for i, x := range fr.Runs {
		if _, err := st.addRun(r, x); err != nil {
			return nil, fmt.Errorf("runs[%d]: %w", i, err)
		}
	}
	return r, nil
}

func pick(t, fallback time.Time) time.Time {
	if t.IsZero() {
		return fallback
	}
	return t.UTC().Truncate(time.Second)
}

// buildHistory writes the initial commit and each branch's commits, and
// returns the date of the latest commit (the repo's creation when empty).
func (st *state) buildHistory(r *repo, fr Repo) (time.Time, error) {
	clock := r.CreatedAt
	latest := r.CreatedAt
	first := true
	next := func(c Commit) time.Time {
		switch {
		case !c.Date.IsZero():
			clock = c.Date.UTC().Truncate(time.Second)
		case !first: // undated commits follow each other a minute apart
			clock = clock.Add(time.Minute)
		}
		first = false
		latest = maxTime(latest, clock)
		return clock
	}
	files := map[string]string{}
	for k, v := range fr.Files {
		files[k] = v
	}
	if fr.CODEOWNERS != "" {
		files[".github/CODEOWNERS"] = fr.CODEOWNERS
	}
	apply := func(head string, c Commit) string {
		base := ""
		var parents []string
		if head != "" {
			base, parents = r.Objects.commitTree(head), []string{head}
		}
		tree := r.Objects.applyFiles(base, c.Files, c.Deleted)
		msg := c.Message
		if msg == "" {
			msg = "Update files"
		}
		return r.commit(tree, parents, msg, authorSig(c.Author, next(c)))
	}
	head := ""
	if len(files) > 0 {
		head = apply("", Commit{Message: "Initial commit", Files: files})
	}
	var defBranch *Branch
	for i := range fr.Branches {
		if fr.Branches[i].Name == r.DefaultBranch {
			defBranch = &fr.Branches[i]
		}
	}
	if defBranch != nil {
		for _, c := range defBranch.Commits {
			head = apply(head, c)
		}
	}
	if head != "" {
		r.Refs["refs/heads/"+r.DefaultBranch] = head
	}
	for _, b := range fr.Branches {
		if b.Name == "" {
			return latest, fmt.Errorf("a branch needs a name")
		}
		if b.Name != r.DefaultBranch {
			from := b.From
			if from == "" {
				from = r.DefaultBranch
			}
			h := r.head(from)
			if h == "" && len(b.Commits) == 0 {
				return latest, fmt.Errorf("branch %s: start %q has no commits", b.Name, from)
			}
			for _, c := range b.Commits {
				h = apply(h, c)
			}
			r.Refs["refs/heads/"+b.Name] = h
		}
		if b.Ruleset {
			if r.RuleBranches == nil {
				r.RuleBranches = map[string]bool{}
			}
			r.RuleBranches[b.Name] = true
		}
		if b.Protection != nil {
			p := *b.Protection
			r.Protections[b.Name] = &p
		}
	}
	return latest, nil
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// addTeam declares an org team and its repo grants.
func (st *state) addTeam(org string, t Team) error {
	o := st.account(org)
	if o == nil || o.Type != "Organization" {
		return fmt.Errorf("%q is not an organization", org)
	}
	if t.Slug == "" {
		t.Slug = slugify(t.Name)
	}
	if t.Slug == "" {
		return fmt.Errorf("a team needs a slug or a name")
	}
	if _, ok := o.Teams[t.Slug]; ok {
		return fmt.Errorf("team %q is declared twice", t.Slug)
	}
	tm := &team{
		ID: st.id(t.ID), Slug: t.Slug, Name: t.Name, Description: t.Description,
		Privacy: t.Privacy, Permission: t.Permission, Parent: t.Parent,
		Members: slices.Clone(t.Members), Maintainers: slices.Clone(t.Maintainers),
		Repos: map[int64]string{},
	}
	if tm.Name == "" {
		tm.Name = t.Slug
	}
	if tm.Privacy == "" {
		tm.Privacy = "closed"
	}
	if tm.Permission == "" {
		tm.Permission = "pull"
	}
	for _, m := range append(slices.Clone(t.Members), t.Maintainers...) {
		st.ensureUser(m)
	}
	for name, perm := range t.Repos {
		owner, rn := org, name
		if o2, n2, ok := strings.Cut(name, "/"); ok {
			owner, rn = o2, n2
		}
		r := st.repoByName(owner, rn)
		if r == nil {
			return fmt.Errorf("repo %q is not declared", name)
		}
		if !validPermission(perm) {
			return fmt.Errorf("repo %q: permission %q is not one of pull, triage, push, maintain, admin", name, perm)
		}
		tm.Repos[r.ID] = perm
	}
	o.Teams[tm.Slug] = tm
	return nil
}

func validPermission(p string) bool {
	switch p {
	case "pull", "triage", "push", "maintain", "admin":
		return true
	}
	return false
}

// slugify makes a team slug from a name the way GitHub does: lower case,
// runs of other characters collapsed into one dash.
func slugify(name string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(name) {
		if (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' {
			b.WriteRune(c)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimRight(b.String(), "-")
}

func (st *state) addToken(t Token) error {
	if t.Token == "" {
		return fmt.Errorf("a token needs a value")
	}
	if t.Login == "" {
		t.Login = defaultBotLogin
	}
	st.ensureUser(t.Login)
	switch t.Role {
	case "", "read", "triage", "write", "maintain", "admin":
	default:
		return fmt.Errorf("token role %q: want read, triage, write, maintain or admin", t.Role)
	}
	tok := &token{Token: t.Token, Login: t.Login, Permissions: t.Permissions, Role: t.Role, ExpiresAt: t.ExpiresAt}
	if t.Repos != nil {
		tok.RepoIDs = []int64{}
	}
	for _, full := range t.Repos {
		o, n, _ := strings.Cut(full, "/")
		r := st.repoByName(o, n)
		if r == nil {
			return fmt.Errorf("token repo %q is not declared", full)
		}
		tok.RepoIDs = append(tok.RepoIDs, r.ID)
	}
	st.Tokens[t.Token] = tok
	return nil
}

func (st *state) addApp(a App) error {
	if a.ID == 0 || a.PublicKeyPEM == "" {
		return fmt.Errorf("an app needs an id and a public_key_pem")
	}
	if _, err := parsePublicKey(a.PublicKeyPEM); err != nil {
		return err
	}
	ap := &app{ID: st.id(a.ID), Slug: a.Slug, Name: a.Name, Owner: a.Owner, PublicKeyPEM: a.PublicKeyPEM, CreatedAt: fixtureEpoch()}
	if ap.Slug == "" {
		ap.Slug = fmt.Sprintf("app-%d", a.ID)
	}
	if ap.Name == "" {
		ap.Name = ap.Slug
	}
	st.Apps[ap.ID] = ap
	for _, in := range a.Installations {
		acc := st.account(in.Account)
		if acc == nil {
			return fmt.Errorf("installation %d: account %q is not declared", in.ID, in.Account)
		}
		inst := &installation{ID: st.id(in.ID), AppID: ap.ID, Account: acc.Login, Permissions: in.Permissions, CreatedAt: fixtureEpoch()}
		if inst.Permissions == nil {
			inst.Permissions = map[string]string{"metadata": "read", "contents": "read"}
		}
		if in.Repos != nil {
			inst.RepoIDs = []int64{}
		}
		for _, name := range in.Repos {
			o, n := acc.Login, name
			if o2, n2, ok := strings.Cut(name, "/"); ok {
				o, n = o2, n2
			}
			r := st.repoByName(o, n)
			if r == nil {
				return fmt.Errorf("installation %d: repo %q is not declared", in.ID, name)
			}
			inst.RepoIDs = append(inst.RepoIDs, r.ID)
		}
		st.Installations[inst.ID] = inst
	}
	return nil
}

// addPull declares a pull request, filling in what GitHub would.
func (st *state) addPull(r *repo, p Pull) (*pull, error) {
	if p.Base == "" {
		p.Base = r.DefaultBranch
	}
	if p.Number == 0 {
		p.Number = r.nextPullNumber()
	} else if r.pull(p.Number) != nil {
		return nil, fmt.Errorf("pull #%d exists", p.Number)
	}
	if p.State == "" {
		p.State = "open"
	}
	if p.User == "" {
		p.User = defaultBotLogin
	}
	st.ensureUser(p.User)
	at := pick(p.CreatedAt, r.PushedAt)
	pr := &pull{
		ID: st.id(0), Number: p.Number, Title: p.Title, Body: p.Body, State: p.State, User: p.User,
		Head: p.Head, Base: p.Base, HeadSHA: r.head(p.Head), BaseSHA: r.head(p.Base), Draft: p.Draft,
		CreatedAt: at, UpdatedAt: at, ClosedAt: p.ClosedAt, MergedAt: p.MergedAt,
	}
	if pr.State == "closed" && pr.ClosedAt == nil {
		pr.ClosedAt = &at
	}
	r.Pulls = append(r.Pulls, pr)
	return pr, nil
}

func (st *state) addWorkflow(r *repo, w Workflow) *workflow {
	if !strings.Contains(w.Path, "/") {
		w.Path = ".github/workflows/" + w.Path
	}
	if x := r.workflowByKey(w.Path); x != nil {
		return x
	}
	wf := &workflow{ID: st.id(w.ID), Name: w.Name, Path: w.Path, State: w.State, CreatedAt: r.CreatedAt, UpdatedAt: r.CreatedAt, NextRun: 1}
	if wf.Name == "" {
		wf.Name = strings.TrimSuffix(strings.TrimSuffix(lastSegment(w.Path), ".yml"), ".yaml")
	}
	if wf.State == "" {
		wf.State = "active"
	}
	r.Workflows = append(r.Workflows, wf)
	return wf
}

// addRun declares a workflow run with GitHub's defaults.
func (st *state) addRun(r *repo, x Run) (*run, error) {
	if x.Workflow == "" {
		return nil, fmt.Errorf("a run needs a workflow")
	}
	wf := r.workflowByKey(x.Workflow)
	if wf == nil {
		wf = st.addWorkflow(r, Workflow{Path: x.Workflow})
	}
	if x.HeadBranch == "" {
		x.HeadBranch = r.DefaultBranch
	}
	if x.HeadSHA == "" {
		x.HeadSHA = r.head(x.HeadBranch)
	}
	if x.Event == "" {
		x.Event = "push"
	}
	if x.Status == "" {
		x.Status = "completed"
	}
	if x.Status == "completed" && x.Conclusion == "" {
		x.Conclusion = "success"
	}
	if x.RunNumber == 0 {
		x.RunNumber = wf.NextRun
	}
	wf.NextRun = max(wf.NextRun, x.RunNumber+1)
	created := pick(x.CreatedAt, r.PushedAt)
	ru := &run{
		ID: st.id(x.ID), WorkflowID: wf.ID, HeadBranch: x.HeadBranch, HeadSHA: x.HeadSHA, Event: x.Event,
		Status: x.Status, Conclusion: x.Conclusion, RunNumber: x.RunNumber, Actor: x.Actor,
		CreatedAt: created, UpdatedAt: pick(x.UpdatedAt, created), RunStartedAt: created,
	}
	if ru.Actor == "" {
		ru.Actor = defaultBotLogin
	}
	st.ensureUser(ru.Actor)
	r.Runs = append(r.Runs, ru)
	return ru, nil
}
