package githubfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
)

// Branches and classic branch protection.

type branchShortJSON struct {
	Name   string `json:"name"`
	Commit shaURL `json:"commit"`
	// Protected is what GitHub lists; protection details need the full form.
	Protected bool `json:"protected"`
}

func (c *call) listBranches() *reply {
	r := c.repo
	var names []string
	for _, b := range r.branchNames() {
		protected := r.protected(b)
		if q := c.query("protected"); q == "true" && !protected || q == "false" && protected {
			continue
		}
		names = append(names, b)
	}
	rep := okReply(nil)
	start, end := c.page(rep, len(names))
	out := []branchShortJSON{}
	for _, b := range names[start:end] {
		sha := r.head(b)
		protected := r.protected(b)
		out = append(out, branchShortJSON{Name: b, Commit: shaURL{SHA: sha, URL: c.repoURL(r) + "/commits/" + sha}, Protected: protected})
	}
	rep.body = out
	return rep
}

type branchJSON struct {
	Name   string         `json:"name"`
	Commit repoCommitJSON `json:"commit"`
	Links  struct {
		Self string `json:"self"`
		HTML string `json:"html"`
	} `json:"_links"`
	Protected  bool `json:"protected"`
	Protection struct {
		Enabled              bool `json:"enabled"`
		RequiredStatusChecks struct {
			EnforcementLevel string   `json:"enforcement_level"`
			Contexts         []string `json:"contexts"`
		} `json:"required_status_checks"`
	} `json:"protection"`
	ProtectionURL string `json:"protection_url"`
}

// protected says whether GitHub shows a branch protected: by a classic
// protection rule or a ruleset.
func (r *repo) protected(branch string) bool {
	_, classic := r.Protections[branch]
	return classic || r.RuleBranches[branch]
}

func (c *call) branchNotFound() *reply { return c.fail(http.StatusNotFound, "Branch not found") }

func (c *call) getBranch() *reply {
	r := c.repo
	name := c.r.PathValue("branch")
	sha := r.head(name)
	if sha == "" {
		return c.branchNotFound()
	}
	j := branchJSON{Name: name, Commit: c.repoCommitJSON(sha, false),
		ProtectionURL: c.repoURL(r) + "/branches/" + escapePath(name) + "/protection"}
	j.Links.Self = c.repoURL(r) + "/branches/" + escapePath(name)
	j.Links.HTML = c.s.st.WebURL + "/" + r.fullName() + "/tree/" + name
	j.Protection.RequiredStatusChecks.EnforcementLevel = "off"
	j.Protection.RequiredStatusChecks.Contexts = []string{}
	if r.RuleBranches[name] {
		j.Protected, j.Protection.Enabled = true, true
	}
	if p := r.Protections[name]; p != nil {
		j.Protected, j.Protection.Enabled = true, true
		if p.RequiredStatusChecks != nil {
			j.Protection.RequiredStatusChecks.EnforcementLevel = "non_admins"
			if p.EnforceAdmins {
				j.Protection.RequiredStatusChecks.EnforcementLevel = "everyone"
			}
			j.Protection.RequiredStatusChecks.Contexts = slices.Clone(p.RequiredStatusChecks.Contexts)
		}
	}
	return okReply(j)
}

type enabledJSON struct {
	URL     string `json:"url,omitempty"`
	Enabled bool   `json:"enabled"`
}

type checkJSON struct {
	Context string `json:"context"`
	AppID   *int64 `json:"app_id"`
}

type statusChecksJSON struct {
	URL         string      `json:"url"`
	Strict      bool        `json:"strict"`
	Contexts    []string    `json:"contexts"`
	Checks      []checkJSON `json:"checks"`
	ContextsURL string      `json:"contexts_url"`
}

type reviewsJSON struct {
	URL                          string `json:"url"`
	DismissStaleReviews          bool   `json:"dismiss_stale_reviews"`
	RequireCodeOwnerReviews      bool   `json:"require_code_owner_reviews"`
	RequiredApprovingReviewCount int    `json:"required_approving_review_count"`
	RequireLastPushApproval      bool   `json:"require_last_push_approval"`
}

type restrictionsJSON struct {
	URL   string     `json:"url"`
	Users []userJSON `json:"users"`
	Teams []teamJSON `json:"teams"`
	Apps  []struct{} `json:"apps"`
}

type protectionJSON struct {
	URL                            string            `json:"url"`
	RequiredStatusChecks           *statusChecksJSON `json:"required_status_checks,omitempty"`
	RequiredPullRequestReviews     *reviewsJSON      `json:"required_pull_request_reviews,omitempty"`
	Restrictions                   *restrictionsJSON `json:"restrictions,omitempty"`
	RequiredSignatures             enabledJSON       `json:"required_signatures"`
	EnforceAdmins                  enabledJSON       `json:"enforce_admins"`
	RequiredLinearHistory          enabledJSON       `json:"required_linear_history"`
	AllowForcePushes               enabledJSON       `json:"allow_force_pushes"`
	AllowDeletions                 enabledJSON       `json:"allow_deletions"`
	BlockCreations                 enabledJSON       `json:"block_creations"`
	RequiredConversationResolution enabledJSON       `json:"required_conversation_resolution"`
	LockBranch                     enabledJSON       `json:"lock_branch"`
	AllowForkSyncing               enabledJSON       `json:"allow_fork_syncing"`
}

func (c *call) protectionJSON(branch string, p *Protection) protectionJSON {
	u := c.repoURL(c.repo) + "/branches/" + escapePath(branch) + "/protection"
	j := protectionJSON{
		URL:                            u,
		RequiredSignatures:             enabledJSON{URL: u + "/required_signatures"},
		EnforceAdmins:                  enabledJSON{URL: u + "/enforce_admins", Enabled: p.EnforceAdmins},
		RequiredLinearHistory:          enabledJSON{Enabled: p.RequiredLinearHistory},
		AllowForcePushes:               enabledJSON{Enabled: p.AllowForcePushes},
		AllowDeletions:                 enabledJSON{Enabled: p.AllowDeletions},
		BlockCreations:                 enabledJSON{Enabled: p.BlockCreations},
		RequiredConversationResolution: enabledJSON{Enabled: p.RequiredConversationResolution},
		LockBranch:                     enabledJSON{Enabled: p.LockBranch},
	}
	if sc := p.RequiredStatusChecks; sc != nil {
		j.RequiredStatusChecks = &statusChecksJSON{URL: u + "/required_status_checks", Strict: sc.Strict,
			Contexts: nonNil(sc.Contexts), Checks: []checkJSON{}, ContextsURL: u + "/required_status_checks/contexts"}
		for _, ctx := range sc.Contexts {
			j.RequiredStatusChecks.Checks = append(j.RequiredStatusChecks.Checks, checkJSON{Context: ctx})
		}
	}
	if rv := p.RequiredPullRequestReviews; rv != nil {
		j.RequiredPullRequestReviews = &reviewsJSON{URL: u + "/required_pull_request_reviews",
			DismissStaleReviews: rv.DismissStaleReviews, RequireCodeOwnerReviews: rv.RequireCodeOwnerReviews,
			RequiredApprovingReviewCount: rv.RequiredApprovingReviewCount, RequireLastPushApproval: rv.RequireLastPushApproval}
	}
	if rs := p.Restrictions; rs != nil {
		j.Restrictions = &restrictionsJSON{URL: u + "/restrictions", Users: []userJSON{}, Teams: []teamJSON{}, Apps: []struct{}{}}
		for _, login := range rs.Users {
			j.Restrictions.Users = append(j.Restrictions.Users, c.userJSON(login))
		}
		if org := c.s.st.account(c.repo.Owner); org != nil {
			for _, slug := range rs.Teams {
				if t := org.Teams[slug]; t != nil {
					j.Restrictions.Teams = append(j.Restrictions.Teams, c.teamJSON(org, t))
				}
			}
		}
	}
	return j
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return slices.Clone(s)
}

func (c *call) getProtection() *reply {
	branch := c.r.PathValue("branch")
	if c.repo.head(branch) == "" {
		return c.branchNotFound()
	}
	p := c.repo.Protections[branch]
	if p == nil {
		return c.fail(http.StatusNotFound, "Branch not protected")
	}
	return okReply(c.protectionJSON(branch, p))
}

// putProtection replaces the rule. GitHub insists that the four main keys
// are present (null switches them off), so a client that forgets one fails
// here as it would there.
func (c *call) putProtection() *reply {
	branch := c.r.PathValue("branch")
	if c.repo.head(branch) == "" {
		return c.branchNotFound()
	}
	var raw map[string]json.RawMessage
	if rep := c.decode(&raw); rep != nil {
		return rep
	}
	for _, k := range []string{"required_status_checks", "enforce_admins", "required_pull_request_reviews", "restrictions"} {
		if _, ok := raw[k]; !ok {
			return c.invalid(fmt.Sprintf("Invalid request.\n\n%q wasn't supplied.", k))
		}
	}
	p, rep := c.parseProtection(raw)
	if rep != nil {
		return rep
	}
	c.repo.Protections[branch] = p
	return okReply(c.protectionJSON(branch, p))
}

func (c *call) parseProtection(raw map[string]json.RawMessage) (*Protection, *reply) {
	var b struct {
		RequiredStatusChecks *struct {
			Strict   bool        `json:"strict"`
			Contexts []string    `json:"contexts"`
			Checks   []checkJSON `json:"checks"`
		} `json:"required_status_checks"`
		EnforceAdmins              *bool         `json:"enforce_admins"`
		RequiredPullRequestReviews *ReviewRules  `json:"required_pull_request_reviews"`
		Restrictions               *Restrictions `json:"restrictions"`
		RequiredLinearHistory      bool          `json:"required_linear_history"`
		AllowForcePushes           *bool         `json:"allow_force_pushes"`
		AllowDeletions             bool          `json:"allow_deletions"`
		BlockCreations             bool          `json:"block_creations"`
		RequiredConversation       bool          `json:"required_conversation_resolution"`
		LockBranch                 bool          `json:"lock_branch"`
	}
	data, _ := json.Marshal(raw)
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, c.invalid("Invalid request.\n\n" + err.Error())
	}
	p := &Protection{
		EnforceAdmins: b.EnforceAdmins != nil && *b.EnforceAdmins, RequiredLinearHistory: b.RequiredLinearHistory,
		AllowForcePushes: b.AllowForcePushes != nil && *b.AllowForcePushes, AllowDeletions: b.AllowDeletions,
		BlockCreations: b.BlockCreations, RequiredConversationResolution: b.RequiredConversation, LockBranch: b.LockBranch,
		RequiredPullRequestReviews: b.RequiredPullRequestReviews, Restrictions: b.Restrictions,
	}
	if sc := b.RequiredStatusChecks; sc != nil {
		ctxs := slices.Clone(sc.Contexts)
		if len(sc.Checks) > 0 { // checks supersede contexts
			ctxs = nil
			for _, ch := range sc.Checks {
				ctxs = append(ctxs, ch.Context)
			}
		}
		p.RequiredStatusChecks = &StatusChecks{Strict: sc.Strict, Contexts: nonNil(ctxs)}
	}
	if rv := p.RequiredPullRequestReviews; rv != nil && (rv.RequiredApprovingReviewCount < 0 || rv.RequiredApprovingReviewCount > 6) {
		return nil, c.invalid("Invalid request.\n\nrequired_approving_review_count must be between 0 and 6.")
	}
	if p.Restrictions != nil {
		if o := c.s.st.account(c.repo.Owner); o == nil || o.Type != "Organization" {
			return nil, c.invalid("Only organization repositories can have users and team restrictions")
		}
	}
	known := map[string]bool{"required_status_checks": true, "enforce_admins": true, "required_pull_request_reviews": true,
		"restrictions": true, "required_linear_history": true, "allow_force_pushes": true, "allow_deletions": true,
		"block_creations": true, "required_conversation_resolution": true, "lock_branch": true}
	for k, v := range raw {
		if !known[k] {
			if p.Extra == nil {
				p.Extra = map[string]any{}
			}
			var x any
			_ = json.Unmarshal(v, &x)
			p.Extra[k] = x
		}
	}
	return p, nil
}

func (c *call) deleteProtection() *reply {
	branch := c.r.PathValue("branch")
	if c.repo.head(branch) == "" {
		return c.branchNotFound()
	}
	if c.repo.Protections[branch] == nil {
		return c.fail(http.StatusNotFound, "Branch not protected")
	}
	delete(c.repo.Protections, branch)
	return noContent()
}
