package githubfake

// routes is the endpoint table. Each entry's name is both the ServeMux
// pattern and the call counter's key; perm is what a scoped token needs
// (GitHub's fine-grained permission names); doc is the anchor GitHub's error
// bodies link to.
func (s *Server) routes() {
	h := func(name, perm, doc string, fn func(*call) *reply) route {
		return route{name: name, perm: perm, doc: doc, h: fn}
	}
	for _, rt := range []route{
		{name: "GET /rate_limit", doc: "rate-limit/rate-limit#get-rate-limit-status-for-the-authenticated-user", auth: authOptional, free: true, h: (*call).getRateLimit},
		h("GET /user", "", "users/users#get-the-authenticated-user", (*call).getAuthUser),
		h("GET /users/{user}", "", "users/users#get-a-user", (*call).getUser),
		h("GET /orgs/{org}", "", "orgs/orgs#get-an-organization", (*call).getOrg),
		h("GET /orgs/{org}/members", "members=read", "orgs/members#list-organization-members", (*call).listOrgMembers),

		h("GET /orgs/{org}/repos", "metadata=read", "repos/repos#list-organization-repositories", (*call).listOrgRepos),
		h("GET /users/{user}/repos", "metadata=read", "repos/repos#list-repositories-for-a-user", (*call).listUserRepos),
		h("GET /user/repos", "metadata=read", "repos/repos#list-repositories-for-the-authenticated-user", (*call).listAuthUserRepos),
		h("POST /orgs/{org}/repos", "administration=write", "repos/repos#create-an-organization-repository", (*call).createOrgRepo),
		h("POST /user/repos", "administration=write", "repos/repos#create-a-repository-for-the-authenticated-user", (*call).createUserRepo),

		h("GET /orgs/{org}/teams", "members=read", "teams/teams#list-teams", (*call).listTeams),
		h("POST /orgs/{org}/teams", "members=write", "teams/teams#create-a-team", (*call).createTeam),
		h("GET /orgs/{org}/teams/{slug}", "members=read", "teams/teams#get-a-team-by-name", (*call).getTeam),
		h("GET /orgs/{org}/teams/{slug}/members", "members=read", "teams/members#list-team-members", (*call).listTeamMembers),
		h("PUT /orgs/{org}/teams/{slug}/memberships/{user}", "members=write", "teams/members#add-or-update-team-membership-for-a-user", (*call).putTeamMembership),
		h("GET /orgs/{org}/teams/{slug}/repos", "members=read", "teams/teams#list-team-repositories", (*call).listTeamRepos),

		{name: "GET /app", doc: "apps/apps#get-the-authenticated-app", auth: authJWT, h: (*call).getApp},
		{name: "GET /app/installations", doc: "apps/apps#list-installations-for-the-authenticated-app", auth: authJWT, h: (*call).listInstallations},
		{name: "GET /app/installations/{installation}", doc: "apps/apps#get-an-installation-for-the-authenticated-app", auth: authJWT, h: (*call).getInstallation},
		{name: "POST /app/installations/{installation}/access_tokens", doc: "apps/apps#create-an-installation-access-token-for-an-app", auth: authJWT, h: (*call).createInstallationToken},
		{name: "GET /orgs/{org}/installation", doc: "apps/apps#get-an-organization-installation-for-the-authenticated-app", auth: authJWT, h: (*call).findInstallation},
		{name: "GET /users/{user}/installation", doc: "apps/apps#get-a-user-installation-for-the-authenticated-app", auth: authJWT, h: (*call).findInstallation},
		h("GET /installation/repositories", "", "apps/installations#list-repositories-accessible-to-the-app-installation", (*call).listInstallationRepos),
	} {
		s.handle(rt)
	}

	// Team ↔ repository grants name a repository but live under /orgs, so
	// they resolve it (404 when invisible) without the /repositories/{id} twin.
	for _, rt := range []route{
		h("GET /orgs/{org}/teams/{slug}/repos/{owner}/{repo}", "members=read", "teams/teams#check-team-permissions-for-a-repository", (*call).checkTeamRepo),
		h("PUT /orgs/{org}/teams/{slug}/repos/{owner}/{repo}", "administration=write", "teams/teams#add-or-update-team-repository-permissions", (*call).putTeamRepo),
		h("DELETE /orgs/{org}/teams/{slug}/repos/{owner}/{repo}", "administration=write", "teams/teams#remove-a-repository-from-a-team", (*call).deleteTeamRepo),
	} {
		rt.repo = true
		s.handle(rt)
	}

	for _, rt := range []route{
		h("GET /repos/{owner}/{repo}", "metadata=read", "repos/repos#get-a-repository", (*call).getRepo),
		h("PATCH /repos/{owner}/{repo}", "administration=write", "repos/repos#update-a-repository", (*call).updateRepo),
		h("DELETE /repos/{owner}/{repo}", "administration=write", "repos/repos#delete-a-repository", (*call).deleteRepo),
		h("GET /repos/{owner}/{repo}/topics", "metadata=read", "repos/repos#get-all-repository-topics", (*call).getTopics),
		h("PUT /repos/{owner}/{repo}/topics", "administration=write", "repos/repos#replace-all-repository-topics", (*call).replaceTopics),
		h("POST /repos/{owner}/{repo}/generate", "administration=write", "repos/repos#create-a-repository-using-a-template", (*call).generateRepo),
		h("GET /repos/{owner}/{repo}/teams", "metadata=read", "repos/repos#list-repository-teams", (*call).listRepoTeams),
		{name: "GET /repos/{owner}/{repo}/installation", doc: "apps/apps#get-a-repository-installation-for-the-authenticated-app", auth: authJWT, h: (*call).findInstallation},

		h("GET /repos/{owner}/{repo}/branches", "contents=read", "branches/branches#list-branches", (*call).listBranches),
		h("GET /repos/{owner}/{repo}/branches/{branch}", "contents=read", "branches/branches#get-a-branch", (*call).getBranch),
		h("GET /repos/{owner}/{repo}/branches/{branch}/protection", "administration=read", "branches/branch-protection#get-branch-protection", (*call).getProtection),
		h("PUT /repos/{owner}/{repo}/branches/{branch}/protection", "administration=write", "branches/branch-protection#update-branch-protection", (*call).putProtection),
		h("DELETE /repos/{owner}/{repo}/branches/{branch}/protection", "administration=write", "branches/branch-protection#delete-branch-protection", (*call).deleteProtection),

		h("GET /repos/{owner}/{repo}/commits", "contents=read", "commits/commits#list-commits", (*call).listCommits),
		h("GET /repos/{owner}/{repo}/commits/{ref}", "contents=read", "commits/commits#get-a-commit", (*call).getCommit),
		h("GET /repos/{owner}/{repo}/contents", "contents=read", "repos/contents#get-repository-content", (*call).getContents),
		h("GET /repos/{owner}/{repo}/contents/{path...}", "contents=read", "repos/contents#get-repository-content", (*call).getContents),
		h("PUT /repos/{owner}/{repo}/contents/{path...}", "contents=write", "repos/contents#create-or-update-file-contents", (*call).putContents),
		h("DELETE /repos/{owner}/{repo}/contents/{path...}", "contents=write", "repos/contents#delete-a-file", (*call).deleteContents),

		h("GET /repos/{owner}/{repo}/git/blobs/{sha}", "contents=read", "git/blobs#get-a-blob", (*call).getBlob),
		h("POST /repos/{owner}/{repo}/git/blobs", "contents=write", "git/blobs#create-a-blob", (*call).createBlob),
		h("GET /repos/{owner}/{repo}/git/trees/{sha}", "contents=read", "git/trees#get-a-tree", (*call).getTree),
		h("POST /repos/{owner}/{repo}/git/trees", "contents=write", "git/trees#create-a-tree", (*call).createTree),
		h("GET /repos/{owner}/{repo}/git/commits/{sha}", "contents=read", "git/commits#get-a-commit-object", (*call).getGitCommit),
		h("POST /repos/{owner}/{repo}/git/commits", "contents=write", "git/commits#create-a-commit", (*call).createGitCommit),
		h("GET /repos/{owner}/{repo}/git/ref/{ref...}", "contents=read", "git/refs#get-a-reference", (*call).getRef),
		h("GET /repos/{owner}/{repo}/git/refs", "contents=read", "git/refs#list-matching-references", (*call).listRefs),
		h("GET /repos/{owner}/{repo}/git/refs/{ref...}", "contents=read", "git/refs#get-a-reference", (*call).listRefs),
		h("GET /repos/{owner}/{repo}/git/matching-refs/{ref...}", "contents=read", "git/refs#list-matching-references", (*call).matchingRefs),
		h("POST /repos/{owner}/{repo}/git/refs", "contents=write", "git/refs#create-a-reference", (*call).createRef),
		h("PATCH /repos/{owner}/{repo}/git/refs/{ref...}", "contents=write", "git/refs#update-a-reference", (*call).updateRef),
		h("DELETE /repos/{owner}/{repo}/git/refs/{ref...}", "contents=write", "git/refs#delete-a-reference", (*call).deleteRef),

		h("GET /repos/{owner}/{repo}/pulls", "pull_requests=read", "pulls/pulls#list-pull-requests", (*call).listPulls),
		h("POST /repos/{owner}/{repo}/pulls", "pull_requests=write", "pulls/pulls#create-a-pull-request", (*call).createPull),
		h("GET /repos/{owner}/{repo}/pulls/{number}", "pull_requests=read", "pulls/pulls#get-a-pull-request", (*call).getPull),
		h("PATCH /repos/{owner}/{repo}/pulls/{number}", "pull_requests=write", "pulls/pulls#update-a-pull-request", (*call).updatePull),
		h("PUT /repos/{owner}/{repo}/pulls/{number}/merge", "contents=write", "pulls/pulls#merge-a-pull-request", (*call).mergePull),

		h("GET /repos/{owner}/{repo}/actions/workflows", "actions=read", "actions/workflows#list-repository-workflows", (*call).listWorkflows),
		h("GET /repos/{owner}/{repo}/actions/workflows/{workflow}", "actions=read", "actions/workflows#get-a-workflow", (*call).getWorkflow),
		h("GET /repos/{owner}/{repo}/actions/workflows/{workflow}/runs", "actions=read", "actions/workflow-runs#list-workflow-runs-for-a-workflow", (*call).listWorkflowRuns),
		h("POST /repos/{owner}/{repo}/actions/workflows/{workflow}/dispatches", "actions=write", "actions/workflows#create-a-workflow-dispatch-event", (*call).dispatch),
		h("GET /repos/{owner}/{repo}/actions/runs", "actions=read", "actions/workflow-runs#list-workflow-runs-for-a-repository", (*call).listRepoRuns),
		h("GET /repos/{owner}/{repo}/actions/runs/{run}", "actions=read", "actions/workflow-runs#get-a-workflow-run", (*call).getRun),
		h("POST /repos/{owner}/{repo}/actions/runs/{run}/cancel", "actions=write", "actions/workflow-runs#cancel-a-workflow-run", (*call).cancelRun),
	} {
		s.repoRoute(rt)
	}
	s.mux.HandleFunc("/", s.notFoundRoute)
}
