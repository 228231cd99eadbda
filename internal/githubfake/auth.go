package githubfake

import (
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// credential extracts the secret from "Bearer x", "token x" or Basic auth
// (whose password is the token, as git clients send it).
func credential(r *http.Request) (scheme, secret string) {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	if h == "" {
		return "", ""
	}
	scheme, secret, _ = strings.Cut(h, " ")
	scheme = strings.ToLower(scheme)
	secret = strings.TrimSpace(secret)
	if scheme == "basic" {
		raw, err := base64.StdEncoding.DecodeString(secret)
		if err != nil {
			return scheme, ""
		}
		_, pass, _ := strings.Cut(string(raw), ":")
		return scheme, pass
	}
	return scheme, secret
}

func (c *call) badCredentials() *reply {
	return errReply(http.StatusUnauthorized, "Bad credentials", "https://docs.github.com/rest")
}

// authenticate resolves the caller. Tokens are looked up in the state; an
// expired installation token is as unknown as a wrong one, which is how
// GitHub answers it.
func (c *call) authenticate() *reply {
	if c.rt.auth == authJWT {
		return c.authenticateApp()
	}
	_, secret := credential(c.r)
	if secret == "" {
		if c.rt.auth == authOptional {
			return nil
		}
		return c.badCredentials()
	}
	tok := c.s.st.Tokens[secret]
	if tok == nil || (tok.ExpiresAt != nil && !c.now.Before(*tok.ExpiresAt)) {
		return c.badCredentials()
	}
	if tok.InstallationID != 0 && c.s.st.Installations[tok.InstallationID] == nil {
		return c.badCredentials() // the installation was removed
	}
	c.tok = tok
	return nil
}

// canSee reports whether the caller may know the repository exists.
// GitHub answers 404, not 403, for repositories outside a token's reach.
func (c *call) canSee(r *repo) bool {
	t := c.tok
	if c.app != nil { // an app sees repos where one of its installations does
		for _, in := range c.s.st.Installations {
			if in.AppID == c.app.ID && strings.EqualFold(in.Account, r.Owner) && (in.RepoIDs == nil || slices.Contains(in.RepoIDs, r.ID)) {
				return true
			}
		}
		return false
	}
	if t == nil {
		return !r.private()
	}
	if t.Account != "" && !strings.EqualFold(t.Account, r.Owner) {
		return false
	}
	if t.RepoIDs != nil && !slices.Contains(t.RepoIDs, r.ID) {
		return false
	}
	return true
}

// resolveRepo finds the route's repository. A renamed repository answers
// its old path with a redirect to /repositories/{id} (301 for reads, 307
// otherwise, so clients repeat the method and body); a deleted or invisible
// one is a plain 404.
func (c *call) resolveRepo() *reply {
	st := c.s.st
	if idStr := c.r.PathValue("id"); idStr != "" {
		id, _ := strconv.ParseInt(idStr, 10, 64)
		r := st.Repos[id]
		if r == nil || r.Deleted || !c.canSee(r) {
			return c.notFound()
		}
		c.repo = r
		return nil
	}
	owner, name := c.r.PathValue("owner"), c.r.PathValue("repo")
	if r := st.repoByName(owner, name); r != nil && c.canSee(r) {
		c.repo = r
		return nil
	}
	// Only /repos/... paths redirect; GitHub keeps nested org routes strict.
	if id, ok := st.Moved[key(owner, name)]; ok && strings.HasPrefix(c.r.URL.Path, "/repos/") {
		if r := st.Repos[id]; r != nil && !r.Deleted && c.canSee(r) {
			return c.redirectTo(r)
		}
	}
	return c.notFound()
}

func (c *call) redirectTo(r *repo) *reply {
	// Keep what follows /repos/{owner}/{repo}.
	rest := ""
	if parts := strings.SplitN(strings.TrimPrefix(c.r.URL.EscapedPath(), "/repos/"), "/", 3); len(parts) == 3 {
		rest = "/" + parts[2]
	}
	loc := c.api + "/repositories/" + itoa64(r.ID) + rest
	if c.r.URL.RawQuery != "" {
		loc += "?" + c.r.URL.RawQuery
	}
	status := http.StatusMovedPermanently
	msg := "Moved Permanently"
	if c.r.Method != http.MethodGet && c.r.Method != http.MethodHead {
		status, msg = http.StatusTemporaryRedirect, "Temporary Redirect"
	}
	return &reply{status: status, header: http.Header{"Location": {loc}}, body: map[string]string{
		"message": msg, "url": loc, "documentation_url": "https://docs.github.com/v3/#http-redirects",
	}}
}

func permRank(level string) int {
	switch level {
	case "read":
		return 1
	case "write":
		return 2
	case "admin":
		return 3
	}
	return 0
}

// hasPerm reports whether the caller holds permission name at level.
// Unscoped (classic) tokens may do what their user's role allows, all by
// default; metadata=read is implied, as GitHub grants it to every
// installation.
func (c *call) hasPerm(name, level string) bool {
	if c.tok == nil {
		return c.app == nil && level == "read"
	}
	if name == "metadata" && level == "read" {
		return true
	}
	if c.tok.Permissions == nil {
		return roleAllows(c.tok.Role, name, level)
	}
	return permRank(c.tok.Permissions[name]) >= permRank(level)
}

// roleAllows says whether a repository role ("" for admin) grants a
// permission: administration needs admin; other writes need write or more.
func roleAllows(role, name, level string) bool {
	switch {
	case role == "" || role == "admin":
		return true
	case name == "administration":
		return false
	case level == "read":
		return true
	}
	return role == "write" || role == "maintain"
}

// permitted checks the route's permission. GitHub names the missing one in
// X-Accepted-GitHub-Permissions so that the caller can tell which to ask for.
func (c *call) permitted() *reply {
	if c.rt.perm == "" || c.app != nil {
		return nil
	}
	name, level, _ := strings.Cut(c.rt.perm, "=")
	if c.hasPerm(name, level) {
		return nil
	}
	if c.tok == nil { // anonymous callers are told to sign in, not what to hold
		return c.fail(http.StatusUnauthorized, "Requires authentication")
	}
	if c.tok.Permissions == nil {
		// A classic token's user whose role falls short is not told what
		// exists: GitHub answers 404 (branch protection without admin, ...).
		return c.notFound()
	}
	rep := c.fail(http.StatusForbidden, "Resource not accessible by integration")
	rep.header = http.Header{"X-Accepted-Github-Permissions": {c.rt.perm}}
	return rep
}

// isAdmin tells whether the caller administers repositories, which decides
// whether branch protection binds it (GitHub lets admins through unless
// enforce_admins is on).
func (c *call) isAdmin() bool { return c.hasPerm("administration", "write") }

// login is the acting user's login.
func (c *call) login() string {
	if c.tok != nil {
		return c.tok.Login
	}
	return defaultBotLogin
}
