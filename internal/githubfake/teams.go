package githubfake

import (
	"slices"
	"sort"
	"strings"
)

// Teams: listing, members, and the team ↔ repository permission grants that
// ownership discovery reads and self-service actions write.

type teamJSON struct {
	ID                  int64      `json:"id"`
	NodeID              string     `json:"node_id"`
	URL                 string     `json:"url"`
	HTMLURL             string     `json:"html_url"`
	Name                string     `json:"name"`
	Slug                string     `json:"slug"`
	Description         *string    `json:"description"`
	Privacy             string     `json:"privacy"`
	NotificationSetting string     `json:"notification_setting"`
	Permission          string     `json:"permission"`
	Permissions         *permsJSON `json:"permissions,omitempty"`
	MembersURL          string     `json:"members_url"`
	RepositoriesURL     string     `json:"repositories_url"`
	Parent              *teamJSON  `json:"parent"`
	MembersCount        *int       `json:"members_count,omitempty"`
	ReposCount          *int       `json:"repos_count,omitempty"`
	Organization        *userJSON  `json:"organization,omitempty"`
}

func (c *call) teamJSON(org *account, t *team) teamJSON {
	u := c.api + "/organizations/" + itoa64(org.ID) + "/team/" + itoa64(t.ID)
	j := teamJSON{
		ID: t.ID, NodeID: nodeID("Team", t.ID), URL: u, HTMLURL: c.s.st.WebURL + "/orgs/" + org.Login + "/teams/" + t.Slug,
		Name: t.Name, Slug: t.Slug, Description: strp(t.Description), Privacy: t.Privacy,
		NotificationSetting: "notifications_enabled", Permission: t.Permission,
		MembersURL: u + "/members{/member}", RepositoriesURL: u + "/repos",
	}
	if p := org.Teams[t.Parent]; p != nil && t.Parent != t.Slug {
		pj := c.teamJSON(org, &team{ID: p.ID, Slug: p.Slug, Name: p.Name, Description: p.Description, Privacy: p.Privacy, Permission: p.Permission})
		j.Parent = &pj
	}
	return j
}

func permsFor(p string) *permsJSON {
	rank := map[string]int{"pull": 1, "triage": 2, "push": 3, "maintain": 4, "admin": 5}[p]
	return &permsJSON{Pull: rank >= 1, Triage: rank >= 2, Push: rank >= 3, Maintain: rank >= 4, Admin: rank >= 5}
}

// team returns the route's {org}/{team_slug}.
func (c *call) team() (*account, *team) {
	o := c.org()
	if o == nil {
		return nil, nil
	}
	return o, o.Teams[c.r.PathValue("slug")]
}

func sortedTeams(o *account) []*team {
	ts := make([]*team, 0, len(o.Teams))
	for _, t := range o.Teams {
		ts = append(ts, t)
	}
	sort.Slice(ts, func(i, j int) bool { return strings.ToLower(ts[i].Name) < strings.ToLower(ts[j].Name) })
	return ts
}

func (c *call) listTeams() *reply {
	o := c.org()
	if o == nil {
		return c.notFound()
	}
	ts := sortedTeams(o)
	rep := okReply(nil)
	start, end := c.page(rep, len(ts))
	out := []teamJSON{}
	for _, t := range ts[start:end] {
		out = append(out, c.teamJSON(o, t))
	}
	rep.body = out
	return rep
}

func (c *call) getTeam() *reply {
	o, t := c.team()
	if t == nil {
		return c.notFound()
	}
	j := c.teamJSON(o, t)
	mc, rc := len(t.Members)+len(t.Maintainers), len(t.Repos)
	j.MembersCount, j.ReposCount = &mc, &rc
	org := c.userJSON(o.Login)
	j.Organization = &org
	return okReply(j)
}

func (c *call) createTeam() *reply {
	o := c.org()
	if o == nil {
		return c.notFound()
	}
	var b struct {
		Name         string   `json:"name"`
		Description  string   `json:"description"`
		Maintainers  []string `json:"maintainers"`
		RepoNames    []string `json:"repo_names"`
		Privacy      string   `json:"privacy"`
		Permission   string   `json:"permission"`
		ParentTeamID int64    `json:"parent_team_id"`
	}
	if rep := c.decode(&b); rep != nil {
		return rep
	}
	if b.Name == "" {
		return c.invalid("Validation Failed", fieldError{Resource: "Team", Code: "missing_field", Field: "name"})
	}
	slug := slugify(b.Name)
	for _, t := range o.Teams {
		if t.Slug == slug || strings.EqualFold(t.Name, b.Name) {
			return c.invalid("Validation Failed", fieldError{Resource: "Team", Code: "custom", Field: "name", Message: "Name must be unique for this org"})
		}
	}
	parent := ""
	for _, t := range o.Teams {
		if b.ParentTeamID != 0 && t.ID == b.ParentTeamID {
			parent = t.Slug
		}
	}
	repos := map[string]string{}
	for _, full := range b.RepoNames {
		repos[full] = "pull"
	}
	if err := c.s.st.addTeam(o.Login, Team{Slug: slug, Name: b.Name, Description: b.Description, Privacy: b.Privacy,
		Permission: b.Permission, Parent: parent, Maintainers: b.Maintainers, Repos: repos}); err != nil {
		return c.invalid("Validation Failed", fieldError{Resource: "Team", Code: "custom", Message: err.Error()})
	}
	return createdReply(c.teamJSON(o, o.Teams[slug]))
}

func (c *call) listTeamMembers() *reply {
	_, t := c.team()
	if t == nil {
		return c.notFound()
	}
	var logins []string
	role := c.query("role")
	if role == "" || role == "all" || role == "member" {
		logins = append(logins, t.Members...)
	}
	if role == "" || role == "all" || role == "maintainer" {
		logins = append(logins, t.Maintainers...)
	}
	slices.SortFunc(logins, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	logins = slices.Compact(logins)
	rep := okReply(nil)
	start, end := c.page(rep, len(logins))
	out := []userJSON{}
	for _, l := range logins[start:end] {
		out = append(out, c.userJSON(l))
	}
	rep.body = out
	return rep
}

func (c *call) putTeamMembership() *reply {
	o, t := c.team()
	if t == nil {
		return c.notFound()
	}
	var b struct {
		Role string `json:"role"`
	}
	if rep := c.decode(&b); rep != nil {
		return rep
	}
	login := c.r.PathValue("user")
	if c.s.st.account(login) == nil {
		return c.notFound()
	}
	t.Members = slices.DeleteFunc(t.Members, func(m string) bool { return strings.EqualFold(m, login) })
	t.Maintainers = slices.DeleteFunc(t.Maintainers, func(m string) bool { return strings.EqualFold(m, login) })
	role := "member"
	if b.Role == "maintainer" {
		role = "maintainer"
		t.Maintainers = append(t.Maintainers, login)
	} else {
		t.Members = append(t.Members, login)
	}
	return okReply(map[string]string{"url": c.api + "/organizations/" + itoa64(o.ID) + "/team/" + itoa64(t.ID) + "/memberships/" + login,
		"role": role, "state": "active"})
}

func (c *call) listTeamRepos() *reply {
	_, t := c.team()
	if t == nil {
		return c.notFound()
	}
	var repos []*repo
	for id := range t.Repos {
		if r := c.s.st.Repos[id]; r != nil && !r.Deleted && c.canSee(r) {
			repos = append(repos, r)
		}
	}
	sort.Slice(repos, func(i, j int) bool { return repos[i].ID < repos[j].ID })
	rep := okReply(nil)
	start, end := c.page(rep, len(repos))
	out := []repoJSON{}
	for _, r := range repos[start:end] {
		j := c.repoJSON(r)
		j.Permissions, j.RoleName = permsFor(t.Repos[r.ID]), roleName(t.Repos[r.ID])
		out = append(out, j)
	}
	rep.body = out
	return rep
}

// roleName maps an API permission to the role name GitHub shows with it.
func roleName(p string) string {
	return map[string]string{"pull": "read", "triage": "triage", "push": "write", "maintain": "maintain", "admin": "admin"}[p]
}

// checkTeamRepo answers 204 when the team has access, or the repository with
// the team's permissions when asked for the repository media type.
func (c *call) checkTeamRepo() *reply {
	_, t := c.team()
	if t == nil {
		return c.notFound()
	}
	p, ok := t.Repos[c.repo.ID]
	if !ok {
		return c.notFound()
	}
	if strings.Contains(c.r.Header.Get("Accept"), "repository+json") {
		j := c.repoJSON(c.repo)
		j.Permissions, j.RoleName = permsFor(p), roleName(p)
		return okReply(j)
	}
	return noContent()
}

func (c *call) putTeamRepo() *reply {
	o, t := c.team()
	if t == nil {
		return c.notFound()
	}
	if !strings.EqualFold(c.repo.Owner, o.Login) {
		return c.invalid("Validation Failed", fieldError{Resource: "TeamRepository", Code: "custom", Field: "repository",
			Message: "The repository must be owned by the organization."})
	}
	var b struct {
		Permission string `json:"permission"`
	}
	if rep := c.decode(&b); rep != nil {
		return rep
	}
	if b.Permission == "" {
		b.Permission = t.Permission // GitHub falls back to the team's permission attribute
	}
	if !validPermission(b.Permission) {
		return c.invalid("Validation Failed", fieldError{Resource: "TeamRepository", Code: "invalid", Field: "permission",
			Message: "permission must be one of pull, triage, push, maintain, admin"})
	}
	t.Repos[c.repo.ID] = b.Permission
	return noContent()
}

func (c *call) deleteTeamRepo() *reply {
	_, t := c.team()
	if t == nil {
		return c.notFound()
	}
	delete(t.Repos, c.repo.ID)
	return noContent()
}

// listRepoTeams lists the teams with access to the repository, each with its
// permission on it.
func (c *call) listRepoTeams() *reply {
	o := c.s.st.account(c.repo.Owner)
	var ts []*team
	if o != nil {
		for _, t := range sortedTeams(o) {
			if _, ok := t.Repos[c.repo.ID]; ok {
				ts = append(ts, t)
			}
		}
	}
	rep := okReply(nil)
	start, end := c.page(rep, len(ts))
	out := []teamJSON{}
	for _, t := range ts[start:end] {
		j := c.teamJSON(o, t)
		j.Permission = t.Repos[c.repo.ID]
		j.Permissions = permsFor(j.Permission)
		out = append(out, j)
	}
	rep.body = out
	return rep
}
