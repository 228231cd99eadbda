package githubfake

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// GitHub App authentication: an RS256 JWT signed with the app's private key
// (iss = app id) buys installation tokens, which then act like any token
// with the installation's permissions and repository selection.

func parsePublicKey(pemText string) (*rsa.PublicKey, error) {
	k, err := jwt.ParseRSAPublicKeyFromPEM([]byte(pemText))
	if err != nil {
		return nil, fmt.Errorf("app public key: %w", err)
	}
	return k, nil
}

func (c *call) jwtError(msg string) *reply {
	return errReply(http.StatusUnauthorized, msg, "https://docs.github.com/rest")
}

// authenticateApp verifies the bearer JWT against the public key of the app
// named by its iss claim, with GitHub's rules: RS256, iat not in the future
// (60 s of drift allowed), exp in the future and at most 10 minutes out.
func (c *call) authenticateApp() *reply {
	scheme, raw := credential(c.r)
	if scheme != "bearer" || strings.Count(raw, ".") != 2 {
		return c.jwtError("A JSON web token could not be decoded")
	}
	var claims jwt.MapClaims
	var found *app
	unknownApp := false
	_, err := jwt.ParseWithClaims(raw, &claims, func(t *jwt.Token) (any, error) {
		id, ok := issuerID(claims["iss"])
		if !ok {
			return nil, fmt.Errorf("iss claim missing")
		}
		found = c.s.st.Apps[id]
		if found == nil {
			unknownApp = true
			return nil, fmt.Errorf("app %d unknown", id)
		}
		return parsePublicKey(found.PublicKeyPEM)
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithTimeFunc(func() time.Time { return c.now }),
		jwt.WithLeeway(60*time.Second), jwt.WithExpirationRequired(), jwt.WithIssuedAt())
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return c.jwtError("'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires")
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return c.jwtError("'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued")
	case unknownApp:
		return c.jwtError("Integration not found")
	case err != nil:
		return c.jwtError("A JSON web token could not be decoded")
	}
	if exp, err := claims.GetExpirationTime(); err == nil && exp != nil && exp.Sub(c.now) > 10*time.Minute+60*time.Second {
		return c.jwtError("'Expiration time' claim ('exp') is too far in the future")
	}
	c.app = found
	return nil
}

// issuerID reads iss, which GitHub accepts as a number or a numeric string.
func issuerID(v any) (int64, bool) {
	switch x := v.(type) {
	case float64:
		return int64(x), true
	case json.Number:
		n, err := x.Int64()
		return n, err == nil
	case string:
		var n int64
		_, err := fmt.Sscan(x, &n)
		return n, err == nil
	}
	return 0, false
}

type appJSON struct {
	ID          int64             `json:"id"`
	Slug        string            `json:"slug"`
	NodeID      string            `json:"node_id"`
	Owner       userJSON          `json:"owner"`
	Name        string            `json:"name"`
	Description *string           `json:"description"`
	ExternalURL string            `json:"external_url"`
	HTMLURL     string            `json:"html_url"`
	CreatedAt   ts                `json:"created_at"`
	UpdatedAt   ts                `json:"updated_at"`
	Permissions map[string]string `json:"permissions"`
	Events      []string          `json:"events"`
}

func (c *call) getApp() *reply {
	a := c.app
	owner := a.Owner
	if owner == "" {
		owner = defaultBotLogin
	}
	perms := map[string]string{}
	for _, in := range c.s.st.Installations {
		if in.AppID == a.ID {
			maps.Copy(perms, in.Permissions)
		}
	}
	return okReply(appJSON{ID: a.ID, Slug: a.Slug, NodeID: nodeID("App", a.ID), Owner: c.userJSON(owner), Name: a.Name,
		ExternalURL: c.s.st.WebURL, HTMLURL: c.s.st.WebURL + "/apps/" + a.Slug, CreatedAt: ts(a.CreatedAt),
		UpdatedAt: ts(a.CreatedAt), Permissions: perms, Events: []string{}})
}

type installationJSON struct {
	ID                  int64             `json:"id"`
	Account             userJSON          `json:"account"`
	RepositorySelection string            `json:"repository_selection"`
	AccessTokensURL     string            `json:"access_tokens_url"`
	RepositoriesURL     string            `json:"repositories_url"`
	HTMLURL             string            `json:"html_url"`
	AppID               int64             `json:"app_id"`
	AppSlug             string            `json:"app_slug"`
	TargetID            int64             `json:"target_id"`
	TargetType          string            `json:"target_type"`
	Permissions         map[string]string `json:"permissions"`
	Events              []string          `json:"events"`
	CreatedAt           ts                `json:"created_at"`
	UpdatedAt           ts                `json:"updated_at"`
}

func (c *call) installationJSON(in *installation) installationJSON {
	acc := c.userJSON(in.Account)
	sel := "all"
	if in.RepoIDs != nil {
		sel = "selected"
	}
	slug := ""
	if a := c.s.st.Apps[in.AppID]; a != nil {
		slug = a.Slug
	}
	return installationJSON{ID: in.ID, Account: acc, RepositorySelection: sel,
		AccessTokensURL: c.api + "/app/installations/" + itoa64(in.ID) + "/access_tokens",
		RepositoriesURL: c.api + "/installation/repositories",
		HTMLURL:         c.s.st.WebURL + "/organizations/" + in.Account + "/settings/installations/" + itoa64(in.ID),
		AppID:           in.AppID, AppSlug: slug, TargetID: acc.ID, TargetType: acc.Type, Permissions: in.Permissions,
		Events: []string{}, CreatedAt: ts(in.CreatedAt), UpdatedAt: ts(in.CreatedAt)}
}

func (c *call) appInstallations() []*installation {
	var out []*installation
	for _, in := range c.s.st.Installations {
		if in.AppID == c.app.ID {
			out = append(out, in)
		}
	}
	slices.SortFunc(out, func(a, b *installation) int { return int(a.ID - b.ID) })
	return out
}

func (c *call) listInstallations() *reply {
	ins := c.appInstallations()
	rep := okReply(nil)
	start, end := c.page(rep, len(ins))
	out := []installationJSON{}
	for _, in := range ins[start:end] {
		out = append(out, c.installationJSON(in))
	}
	rep.body = out
	return rep
}

func (c *call) installationFromPath() *installation {
	var id int64
	if _, err := fmt.Sscan(c.r.PathValue("installation"), &id); err != nil {
		return nil
	}
	in := c.s.st.Installations[id]
	if in == nil || in.AppID != c.app.ID {
		return nil
	}
	return in
}

func (c *call) getInstallation() *reply {
	in := c.installationFromPath()
	if in == nil {
		return c.notFound()
	}
	return okReply(c.installationJSON(in))
}

// findInstallation answers GET /orgs/{org}/installation, /users/{user}/installation
// and /repos/{owner}/{repo}/installation for the calling app.
func (c *call) findInstallation() *reply {
	account := c.r.PathValue("org") + c.r.PathValue("user")
	if account == "" {
		account = c.r.PathValue("owner")
	}
	for _, in := range c.appInstallations() {
		if strings.EqualFold(in.Account, account) {
			if name := c.r.PathValue("repo"); name != "" {
				r := c.s.st.repoByName(account, name)
				if r == nil || in.RepoIDs != nil && !slices.Contains(in.RepoIDs, r.ID) {
					continue
				}
			}
			return okReply(c.installationJSON(in))
		}
	}
	return c.notFound()
}

// createInstallationToken issues a token for an installation, optionally
// narrowed to some repositories and permissions, never widened.
func (c *call) createInstallationToken() *reply {
	in := c.installationFromPath()
	if in == nil {
		return c.notFound()
	}
	var b struct {
		Repositories  []string          `json:"repositories"`
		RepositoryIDs []int64           `json:"repository_ids"`
		Permissions   map[string]string `json:"permissions"`
	}
	if rep := c.decode(&b); rep != nil {
		return rep
	}
	perms := maps.Clone(in.Permissions)
	if b.Permissions != nil {
		for k, v := range b.Permissions {
			if permRank(in.Permissions[k]) < permRank(v) {
				return c.invalid("The permissions requested are not granted to this installation.")
			}
		}
		perms = maps.Clone(b.Permissions)
	}
	repoIDs := slices.Clone(in.RepoIDs)
	if len(b.Repositories) > 0 || len(b.RepositoryIDs) > 0 {
		repoIDs = []int64{}
		for _, name := range b.Repositories {
			r := c.s.st.repoByName(in.Account, name)
			if r == nil {
				return c.invalid("There is at least one repository that does not exist or is not accessible to the parent installation.")
			}
			repoIDs = append(repoIDs, r.ID)
		}
		for _, id := range b.RepositoryIDs {
			if r := c.s.st.Repos[id]; r == nil || r.Deleted || !strings.EqualFold(r.Owner, in.Account) {
				return c.invalid("There is at least one repository that does not exist or is not accessible to the parent installation.")
			}
			repoIDs = append(repoIDs, id)
		}
		for _, id := range repoIDs {
			if in.RepoIDs != nil && !slices.Contains(in.RepoIDs, id) {
				return c.invalid("There is at least one repository that does not exist or is not accessible to the parent installation.")
			}
		}
	}
	c.s.st.pruneTokens(c.now)
	exp := c.now.Add(time.Duration(c.s.st.Limits.TokenLifetime))
	a := c.s.st.Apps[in.AppID]
	tok := &token{Token: "ghs_" + randomToken(36), Login: a.Slug + "[bot]", Permissions: perms, RepoIDs: repoIDs,
		Account: in.Account, ExpiresAt: &exp, InstallationID: in.ID}
	c.s.st.Tokens[tok.Token] = tok
	body := map[string]any{"token": tok.Token, "expires_at": ts(exp), "permissions": perms,
		"repository_selection": map[bool]string{true: "selected", false: "all"}[repoIDs != nil]}
	if repoIDs != nil {
		c.tok = tok // render repositories as the new token sees them
		var rs []repoJSON
		for _, id := range repoIDs {
			if r := c.s.st.Repos[id]; r != nil {
				rs = append(rs, c.repoJSON(r))
			}
		}
		c.tok = nil
		body["repositories"] = rs
	}
	c.s.log.Info("githubfake: installation token issued", "installation", in.ID, "expires_at", exp)
	return createdReply(body)
}

// pruneTokens forgets installation tokens that expired over an hour ago, so
// a long playground session does not grow without bound.
func (st *state) pruneTokens(now time.Time) {
	for k, t := range st.Tokens {
		if t.InstallationID != 0 && t.ExpiresAt != nil && now.Sub(*t.ExpiresAt) > time.Hour {
			delete(st.Tokens, k)
		}
	}
}

func randomToken(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// listInstallationRepos answers GET /installation/repositories for an
// installation token.
func (c *call) listInstallationRepos() *reply {
	if c.tok == nil || c.tok.InstallationID == 0 {
		return c.fail(http.StatusForbidden, "You must authenticate with an installation access token in order to list repositories for an installation.")
	}
	var rs []*repo
	for _, r := range c.s.st.liveRepos() {
		if c.canSee(r) {
			rs = append(rs, r)
		}
	}
	rep := okReply(nil)
	start, end := c.page(rep, len(rs))
	out := []repoJSON{}
	for _, r := range rs[start:end] {
		out = append(out, c.repoJSON(r))
	}
	sel := "all"
	if c.tok.RepoIDs != nil {
		sel = "selected"
	}
	rep.body = map[string]any{"total_count": len(rs), "repository_selection": sel, "repositories": out}
	return rep
}
