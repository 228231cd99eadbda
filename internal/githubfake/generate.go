package githubfake

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// GenerateOptions shape a generated organization. Fractions are shares of
// the generated repositories; each repository falls in at most one of the
// catalog, CODEOWNERS and topic groups (in that order), so a test can tell
// which discovery path found it.
type GenerateOptions struct {
	Teams              []string // team slugs; default team-alpha … team-hotel
	MembersPerTeam     int      // default 3
	CatalogFraction    float64  // repos declaring catalog-info.yaml
	CatalogPaths       []string // where; repo i uses CatalogPaths[i%len]; default "catalog-info.yaml"
	CodeownersFraction float64  // repos with .github/CODEOWNERS naming their team
	TopicFraction      float64  // repos with a team-<name> topic
	BigRepoFiles       int      // when > 0, one extra repo "monorepo" with this many files
	ArchivedFraction   float64
	PrivateFraction    float64
	WorkflowFraction   float64 // repos with .github/workflows/ci.yml and one completed run
	ProtectedFraction  float64 // repos whose default branch is protected
	Seed               uint64
}

// DefaultGenerateOptions is a plausible mid-size company: half the repos in
// the catalog, a fifth found through CODEOWNERS, a fifth through topics,
// the rest orphaned, and one 5,000-file monorepo.
func DefaultGenerateOptions() GenerateOptions {
	return GenerateOptions{
		CatalogFraction: 0.5, CatalogPaths: []string{"catalog-info.yaml"}, CodeownersFraction: 0.2,
		TopicFraction: 0.2, BigRepoFiles: 5000, ArchivedFraction: 0.05, PrivateFraction: 0.3,
		WorkflowFraction: 0.6, ProtectedFraction: 0.4, Seed: 1,
	}
}

// GenerateOrg returns a fixture with one organization holding n repositories
// named svc-0001 … (plus "monorepo" when BigRepoFiles > 0), teams owning
// them (each repo is granted to its owning team with push, and the team's
// first member is a maintainer), deterministic for a given Seed. Append
// tokens or apps to the result before passing it to New.
func GenerateOrg(org string, n int, opts GenerateOptions) *Fixture {
	teams := opts.Teams
	if len(teams) == 0 {
		teams = []string{"team-alpha", "team-bravo", "team-charlie", "team-delta", "team-echo", "team-foxtrot", "team-golf", "team-hotel"}
	}
	members := opts.MembersPerTeam
	if members <= 0 {
		members = 3
	}
	paths := opts.CatalogPaths
	if len(paths) == 0 {
		paths = []string{"catalog-info.yaml"}
	}
	rng := rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15))
	f := &Fixture{Orgs: []Org{{Login: org, Name: strings.ToUpper(org[:1]) + org[1:]}}}
	o := &f.Orgs[0]
	for _, slug := range teams {
		t := Team{Slug: slug, Name: slug, Repos: map[string]string{}}
		for m := range members {
			login := fmt.Sprintf("%s-dev%d", strings.TrimPrefix(slug, "team-"), m+1)
			if m == 0 {
				t.Maintainers = append(t.Maintainers, login)
			} else {
				t.Members = append(t.Members, login)
			}
			o.Members = append(o.Members, login)
		}
		o.Teams = append(o.Teams, t)
	}
	base := fixtureEpoch()
	for i := range n {
		name := fmt.Sprintf("svc-%04d", i+1)
		team := teams[i%len(teams)]
		created := base.Add(time.Duration(i) * time.Hour)
		r := Repo{Owner: org, Name: name, Description: fmt.Sprintf("Service %d of %s", i+1, org),
			Language: "Go", CreatedAt: created,
			Files: map[string]string{
				"README.md": "# " + name + "\n",
				"go.mod":    "module example.com/" + org + "/" + name + "\n\ngo 1.22\n",
				"main.go":   "package main\n\nfunc main() {}\n",
			},
		}
		u := rng.Float64()
		switch {
		case u < opts.CatalogFraction:
			r.Files[paths[i%len(paths)]] = catalogInfo(org, name, team)
		case u < opts.CatalogFraction+opts.CodeownersFraction:
			r.CODEOWNERS = "* @" + org + "/" + team + "\n"
		case u < opts.CatalogFraction+opts.CodeownersFraction+opts.TopicFraction:
			r.Topics = append(r.Topics, team)
		}
		r.Topics = append(r.Topics, "service")
		if rng.Float64() < opts.PrivateFraction {
			r.Visibility = "private"
		}
		if rng.Float64() < opts.WorkflowFraction {
			r.Files[".github/workflows/ci.yml"] = "name: ci\non: [push, workflow_dispatch]\njobs: {}\n"
			r.Runs = []Run{{Workflow: ".github/workflows/ci.yml", CreatedAt: created.Add(2 * time.Minute)}}
		}
		if rng.Float64() < opts.ProtectedFraction {
			r.Branches = []Branch{{Name: "main", Protection: &Protection{
				RequiredPullRequestReviews: &ReviewRules{RequiredApprovingReviewCount: 1},
			}}}
		}
		r.Archived = rng.Float64() < opts.ArchivedFraction
		f.Repos = append(f.Repos, r)
		o.Teams[i%len(teams)].Repos[name] = "push"
	}
	if opts.BigRepoFiles > 0 {
		f.Repos = append(f.Repos, bigRepo(org, teams[0], opts.BigRepoFiles, base.Add(time.Duration(n)*time.Hour)))
		o.Teams[0].Repos["monorepo"] = "admin"
	}
	return f
}

func catalogInfo(org, name, team string) string {
	return fmt.Sprintf(`apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: %s
  description: Service %s
  annotations:
    github.com/project-slug: %s/%s
spec:
  type: service
  lifecycle: production
  owner: group:default/%s
`, name, name, org, name, team)
}

// bigRepo is a monorepo with files spread over 50 directories and a catalog
// file at the root, for tree truncation and budget tests.
func bigRepo(org, team string, files int, created time.Time) Repo {
	r := Repo{Owner: org, Name: "monorepo", Description: "Everything else", Language: "Go", CreatedAt: created,
		Files: map[string]string{"catalog-info.yaml": catalogInfo(org, "monorepo", team)}}
	for i := range files - 1 {
		r.Files[fmt.Sprintf("pkg/dir%02d/file%05d.go", i%50, i)] = fmt.Sprintf("package dir%02d\n\nconst N%d = %d\n", i%50, i, i)
	}
	return r
}
