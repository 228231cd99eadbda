package githubfake

import (
	"bytes"
	"testing"

	"github.com/google/go-github/v60/github"
)

func TestSnapshotRestore(t *testing.T) {
	s := start(t, testFixture())
	gh := s.Client(adminToken)
	c := ctx(t)
	must[*github.Repository](t)(gh.Repositories.CreateFromTemplate(c, "acme", "service-template", &github.TemplateRepoRequest{Name: github.String("orders"), Owner: github.String("acme")}))
	if _, err := gh.Teams.AddTeamRepoBySlug(c, "acme", "platform", "acme", "orders", &github.TeamAddTeamRepoOptions{Permission: "admin"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PushFiles("acme", "orders", "main", map[string]string{"bin/data": "\x00\x01\xff"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.RenameRepo("acme", "checkout", "checkout-svc"); err != nil {
		t.Fatal(err)
	}
	snap, err := s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}

	s2 := start(t, nil)
	if err := s2.Restore(snap); err != nil {
		t.Fatal(err)
	}
	again, _ := s2.Snapshot()
	if !bytes.Equal(snap, again) {
		t.Error("a restored world snapshots differently")
	}
	gh2 := s2.Client(adminToken)
	r := must[*github.Repository](t)(gh2.Repositories.Get(c, "acme", "checkout")) // the redirect survives
	if r.GetName() != "checkout-svc" {
		t.Errorf("redirected to %s", r.GetName())
	}
	if got, _ := s2.File("acme", "orders", "main", "bin/data"); got != "\x00\x01\xff" {
		t.Errorf("binary file = %q", got)
	}
	h1, _ := s.BranchHead("acme", "orders", "main")
	h2, _ := s2.BranchHead("acme", "orders", "main")
	if h1 != h2 {
		t.Errorf("heads %s vs %s", h1, h2)
	}
	if s2.RepoTeams("acme", "orders")["platform"] != "admin" {
		t.Error("team grant lost")
	}
	if info, _ := s2.Repo("acme", "orders"); info.Template != "acme/service-template" {
		t.Errorf("template = %q", info.Template)
	}
	// Writes keep working on the restored world, ids do not collide.
	created := must[*github.Repository](t)(gh2.Repositories.Create(c, "acme", &github.Repository{Name: github.String("fresh")}))
	if old, _ := s.Repo("acme", "orders"); created.GetID() <= old.ID {
		t.Errorf("new id %d not after %d", created.GetID(), old.ID)
	}
	if err := s2.Restore([]byte(`{"version":99}`)); err == nil {
		t.Error("restore accepted an unknown version")
	}
}
