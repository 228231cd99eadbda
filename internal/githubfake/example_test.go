package githubfake_test

import (
	"context"
	"fmt"

	"github.com/gantryhq/gantry/internal/githubfake"
)

// A test seeds the fake, points the real go-github client at it and checks
// both the answers and what the calls cost.
func Example() {
	fake, err := githubfake.New(&githubfake.Fixture{
		Orgs: []githubfake.Org{{Login: "acme", Teams: []githubfake.Team{
			{Slug: "payments", Members: []string{"alice"}, Repos: map[string]string{"checkout": "admin"}},
		}}},
		Repos: []githubfake.Repo{{Owner: "acme", Name: "checkout", Topics: []string{"team-payments"},
			Files: map[string]string{"catalog-info.yaml": "kind: Component\n"}}},
		Tokens: []githubfake.Token{{Token: "t0ken"}},
	})
	if err != nil {
		panic(err)
	}
	if err := fake.Start(); err != nil {
		panic(err)
	}
	defer fake.Close()

	gh := fake.Client("t0ken") // go-github with WithEnterpriseURLs(fake.URL()+"/api/v3/", ...)
	repos, _, err := gh.Repositories.ListByOrg(context.Background(), "acme", nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(repos[0].GetFullName(), repos[0].Topics)
	fmt.Println(githubfake.BlobSHA("kind: Component\n"))
	fmt.Println(fake.Calls().Route("GET /orgs/{org}/repos").OK, fake.RepoTeams("acme", "checkout"))
	// Output:
	// acme/checkout [team-payments]
	// 8524aaf14a12f0fb7346501e6d6ac86270ba0ab5
	// 1 map[payments:admin]
}
