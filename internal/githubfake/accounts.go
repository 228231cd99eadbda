package githubfake

import (
	"net/http"
	"slices"
	"strings"
)

// userJSON is GitHub's "simple user", embedded as owner, user, actor, ...
type userJSON struct {
	Login            string  `json:"login"`
	ID               int64   `json:"id"`
	NodeID           string  `json:"node_id"`
	AvatarURL        string  `json:"avatar_url"`
	GravatarID       string  `json:"gravatar_id"`
	URL              string  `json:"url"`
	HTMLURL          string  `json:"html_url"`
	FollowersURL     string  `json:"followers_url"`
	ReposURL         string  `json:"repos_url"`
	OrganizationsURL string  `json:"organizations_url"`
	Type             string  `json:"type"`
	SiteAdmin        bool    `json:"site_admin"`
	Name             *string `json:"name,omitempty"`
	Email            *string `json:"email,omitempty"`
	Description      *string `json:"description,omitempty"`
	CreatedAt        *ts     `json:"created_at,omitempty"`
	PublicRepos      *int    `json:"public_repos,omitempty"`
	RoleName         string  `json:"role_name,omitempty"`
}

func (c *call) userJSON(login string) userJSON {
	a := c.s.st.account(login)
	if a == nil { // a login the fixture never declared, e.g. an author
		a = &account{Login: login, Type: "User"}
		if strings.HasSuffix(login, "[bot]") {
			a.Type = "Bot"
		}
	}
	base := c.api + "/users/" + a.Login // GitHub links orgs under /users too
	kind := "User"
	if a.Type == "Organization" {
		kind = "Organization"
	}
	return userJSON{
		Login: a.Login, ID: a.ID, NodeID: nodeID(kind, a.ID),
		AvatarURL: "https://avatars.githubusercontent.com/u/" + itoa64(a.ID) + "?v=4",
		URL:       base, HTMLURL: c.s.st.WebURL + "/" + a.Login,
		FollowersURL: c.api + "/users/" + a.Login + "/followers",
		ReposURL:     base + "/repos", OrganizationsURL: c.api + "/users/" + a.Login + "/orgs",
		Type: a.Type,
	}
}

// fullUserJSON adds the profile fields GET /users/{user} and /orgs/{org} return.
func (c *call) fullUserJSON(a *account) userJSON {
	u := c.userJSON(a.Login)
	u.Name, u.Email, u.Description = strp(a.Name), strp(a.Email), strp(a.Description)
	created := ts(a.CreatedAt)
	u.CreatedAt = &created
	n := 0
	for _, r := range c.s.st.liveRepos() {
		if strings.EqualFold(r.Owner, a.Login) && !r.private() {
			n++
		}
	}
	u.PublicRepos = &n
	return u
}

func (c *call) getUser() *reply {
	a := c.s.st.account(c.r.PathValue("user"))
	if a == nil {
		return c.notFound()
	}
	return okReply(c.fullUserJSON(a))
}

func (c *call) getAuthUser() *reply {
	if c.tok == nil || c.tok.InstallationID != 0 {
		return c.fail(http.StatusForbidden, "Resource not accessible by integration")
	}
	a := c.s.st.account(c.tok.Login)
	if a == nil { // a bot login; never mutate state under the read lock
		a = &account{Login: c.tok.Login, Type: "Bot"}
	}
	return okReply(c.fullUserJSON(a))
}

func (c *call) getOrg() *reply {
	o := c.org()
	if o == nil {
		return c.notFound()
	}
	return okReply(c.fullUserJSON(o))
}

// org returns the route's {org}, or nil when it is not an organization.
func (c *call) org() *account {
	a := c.s.st.account(c.r.PathValue("org"))
	if a == nil || a.Type != "Organization" {
		return nil
	}
	return a
}

func (c *call) listOrgMembers() *reply {
	o := c.org()
	if o == nil {
		return c.notFound()
	}
	members := slices.Clone(o.Members)
	slices.SortFunc(members, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	rep := okReply(nil)
	start, end := c.page(rep, len(members))
	out := []userJSON{}
	for _, m := range members[start:end] {
		out = append(out, c.userJSON(m))
	}
	rep.body = out
	return rep
}

// memberOf reports whether login belongs to org (as member or via a team).
func (st *state) memberOf(login string, org *account) bool {
	if slices.ContainsFunc(org.Members, func(m string) bool { return strings.EqualFold(m, login) }) {
		return true
	}
	for _, t := range org.Teams {
		if slices.ContainsFunc(append(slices.Clone(t.Members), t.Maintainers...), func(m string) bool { return strings.EqualFold(m, login) }) {
			return true
		}
	}
	return false
}
