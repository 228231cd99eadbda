package catalog_test

import (
	"context"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/catalog/ingest"
	"github.com/gantryhq/gantry/internal/errkind"
	"github.com/gantryhq/gantry/store"
)

// peopleNow is a Wednesday in the payments rotation's 99th week: fatima is
// on call for payments until Monday 30 November, tomas for payment-gateway
// (weekly from 2025-02-03: fatima, tomas).
var peopleNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// bramble syncs the example organisation into a fresh SQLite file.
func bramble(t *testing.T) *catalog.Catalog {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "examples", "catalog", "all.yaml")
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "people.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	res, err := ingest.NewSyncer(db, nil).Sync(ctx, ingest.NewFileSource("examples", root))
	if err != nil || len(res.Problems) > 0 {
		t.Fatalf("sync: %v %v", err, res.Problems)
	}
	cat, err := catalog.New(db, catalog.WithClock(func() time.Time { return peopleNow }))
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

func TestUserBySlackIDAndEmail(t *testing.T) {
	cat := bramble(t)
	ctx := context.Background()
	cases := []struct {
		name    string
		find    func() (*catalog.Entity, error)
		wantRef string
		wantErr errkind.Kind
	}{
		{"slack id", func() (*catalog.Entity, error) { return cat.UserBySlackID(ctx, "U0PAY0001") }, "user:default/priya", ""},
		{"slack id with spaces", func() (*catalog.Entity, error) { return cat.UserBySlackID(ctx, " U0PLT0001 ") }, "user:default/alice", ""},
		{"unknown slack id", func() (*catalog.Entity, error) { return cat.UserBySlackID(ctx, "U999") }, "", errkind.NotFound},
		{"empty slack id", func() (*catalog.Entity, error) { return cat.UserBySlackID(ctx, "") }, "", errkind.Invalid},
		{"email of a user without slack id", func() (*catalog.Entity, error) { return cat.UserByEmail(ctx, "lena@bramble.example") }, "user:default/lena", ""},
		{"email in capitals", func() (*catalog.Entity, error) { return cat.UserByEmail(ctx, "ZOE@Bramble.Example") }, "user:default/zoe", ""},
		{"a group's email is not a user", func() (*catalog.Entity, error) { return cat.UserByEmail(ctx, "team-payments@bramble.example") }, "", errkind.NotFound},
		{"not an email", func() (*catalog.Entity, error) { return cat.UserByEmail(ctx, "lena") }, "", errkind.Invalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, err := c.find()
			if c.wantErr != "" {
				if !errkind.Is(err, c.wantErr) || e != nil {
					t.Fatalf("got %v, %v; want a %s error", e, err, c.wantErr)
				}
				return
			}
			if err != nil || e.Ref().String() != c.wantRef {
				t.Fatalf("got %v, %v; want %s", e, err, c.wantRef)
			}
		})
	}
}

func TestProfile(t *testing.T) {
	cat := bramble(t)
	ctx := context.Background()

	t.Run("on call for the team and for an owned component", func(t *testing.T) {
		p, err := cat.Profile(ctx, catalog.MustParseRef("user:default/fatima"))
		if err != nil {
			t.Fatal(err)
		}
		if p.User.DisplayName != "Fatima Okafor" || p.User.SlackUserID != "U0PAY0003" {
			t.Errorf("user = %+v", p.User)
		}
		if len(p.Teams) != 1 || p.Teams[0].Ref != "group:default/payments" || p.Teams[0].SlackChannel != "#team-payments" || p.Teams[0].Members != 4 {
			t.Fatalf("teams = %+v", p.Teams)
		}
		oc := p.Teams[0].Oncall
		if oc == nil || oc.Ref != "user:default/fatima" || oc.Until == nil || !oc.Until.Equal(time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("payments on-call = %+v", oc)
		}
		refs := make([]string, len(p.Owns))
		for i, s := range p.Owns {
			refs[i] = s.Ref
		}
		for _, want := range []string{"component:default/checkout", "component:default/payment-gateway"} {
			if !slices.Contains(refs, want) {
				t.Errorf("owns %v, missing %s", refs, want)
			}
		}
		if p.Owns[0].Kind != "Component" {
			t.Errorf("components should come first: %v", refs)
		}
		// payments names fatima this week; payment-gateway's own rotation
		// (weekly from 2025-02-03: fatima, tomas) is in week 94: fatima too.
		duties := make([]string, len(p.OnCall))
		for i, d := range p.OnCall {
			duties[i] = d.Ref
		}
		if !slices.Equal(duties, []string{"group:default/payments", "component:default/payment-gateway"}) {
			t.Errorf("on call for %v", duties)
		}
	})

	t.Run("two teams, no slack id", func(t *testing.T) {
		p, err := cat.Profile(ctx, catalog.MustParseRef("user:default/omar"))
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Teams) != 2 || p.Teams[0].Ref != "group:default/search" || p.Teams[1].Ref != "group:default/storefront" {
			t.Fatalf("teams = %+v", p.Teams)
		}
		if p.Teams[0].Oncall == nil || p.Teams[0].Oncall.Ref != "user:default/raj" {
			t.Errorf("search on-call = %+v", p.Teams[0].Oncall)
		}
		if len(p.OnCall) != 0 {
			t.Errorf("omar is on call for %+v", p.OnCall)
		}
	})

	t.Run("a team without a channel", func(t *testing.T) {
		p, err := cat.Profile(ctx, catalog.MustParseRef("user:default/zoe"))
		if err != nil {
			t.Fatal(err)
		}
		if p.User.SlackUserID != "" || p.User.Email != "zoe@bramble.example" {
			t.Errorf("user = %+v", p.User)
		}
		if len(p.Teams) != 1 || p.Teams[0].SlackChannel != "" || p.Teams[0].Oncall == nil {
			t.Errorf("teams = %+v", p.Teams)
		}
	})

	t.Run("errors", func(t *testing.T) {
		if _, err := cat.Profile(ctx, catalog.MustParseRef("user:default/nobody")); !errkind.Is(err, errkind.NotFound) {
			t.Errorf("unknown user: %v", err)
		}
		if _, err := cat.Profile(ctx, catalog.MustParseRef("group:default/payments")); !errkind.Is(err, errkind.Invalid) {
			t.Errorf("a group: %v", err)
		}
	})
}

func TestTeamsByChannel(t *testing.T) {
	cat := bramble(t)
	ctx := context.Background()
	cases := []struct {
		in   []string
		want []string
	}{
		{[]string{"#team-payments"}, []string{"group:default/payments"}},
		{[]string{"TEAM-PAYMENTS"}, []string{"group:default/payments"}},
		{[]string{"C0123", "team-search"}, []string{"group:default/search"}},
		{[]string{"#random"}, nil},
		{[]string{"", " "}, nil},
	}
	for _, c := range cases {
		got, err := cat.TeamsByChannel(ctx, c.in...)
		if err != nil {
			t.Fatal(err)
		}
		var refs []string
		for _, e := range got {
			refs = append(refs, e.Ref().String())
		}
		if !slices.Equal(refs, c.want) {
			t.Errorf("TeamsByChannel(%q) = %v, want %v", c.in, refs, c.want)
		}
	}
}

func TestIsMember(t *testing.T) {
	cat := bramble(t)
	ctx := context.Background()
	ref := catalog.MustParseRef
	cases := []struct {
		user, group string
		want        bool
	}{
		{"user:default/alice", "group:default/platform", true},
		{"user:default/alice", "group:default/payments", false},
		{"user:default/alice", "group:default/engineering", true}, // platform is a child of engineering
		{"user:default/alice", "group:default/bramble", true},     // and engineering of bramble
		{"user:default/rosa", "group:default/engineering", true},
		{"user:default/rosa", "group:default/platform", false},
	}
	for _, c := range cases {
		got, err := cat.IsMember(ctx, ref(c.user), ref(c.group))
		if err != nil || got != c.want {
			t.Errorf("IsMember(%s, %s) = %v, %v; want %v", c.user, c.group, got, err, c.want)
		}
	}
	if ok, err := cat.IsMember(ctx, ref("user:default/alice"), ref("group:default/admins")); ok || !errkind.Is(err, errkind.NotFound) {
		t.Errorf("unknown group: %v, %v; want a NotFound error", ok, err)
	}
}
