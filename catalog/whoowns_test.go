package catalog_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/catalog/ingest"
	"github.com/gantryhq/gantry/internal/testdb"
	"github.com/gantryhq/gantry/store"
)

// inheritance is a catalog in which ownership flows down: the group
// "domain-team" owns only the domain "payments"; the system "ledger" (in
// that domain) and the component "posting" (in that system) name no owner.
// The group "platform" owns the system "infra", whose component "gateway"
// names no owner, and whose component "metrics" is owned by "sre". "reports" is owned by a team that is not in the catalog.
// "sre" has a rotation that starts after the test's clock.
const inheritance = `apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: domain-team}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: platform}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: sre
  annotations:
    gantry.dev/oncall: "weekly from 2027-01-04: alice, bob"
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: alice}
spec: {memberOf: [sre]}
---
apiVersion: backstage.io/v1alpha1
kind: Domain
metadata: {name: payments}
spec: {owner: domain-team}
---
apiVersion: backstage.io/v1alpha1
kind: System
metadata: {name: ledger}
spec: {domain: payments}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: posting}
spec: {type: service, lifecycle: production, system: ledger}
---
apiVersion: backstage.io/v1alpha1
kind: System
metadata: {name: infra}
spec: {owner: platform}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: gateway}
spec: {type: service, lifecycle: production, system: infra}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: metrics}
spec: {type: service, lifecycle: production, system: infra, owner: sre}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: pager}
spec: {type: service, lifecycle: production, owner: sre}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: reports}
spec: {type: service, lifecycle: production, owner: group:default/ghost-team}
`

// now is before sre's rotation starts.
var now = time.Date(2026, 12, 30, 9, 0, 0, 0, time.UTC)

func inheritanceCatalog(t *testing.T, eng testdb.Engine) *catalog.Catalog {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, eng.URL(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cat, err := catalog.New(db, catalog.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	if empty, err := cat.Empty(ctx); err != nil || !empty {
		t.Fatalf("a fresh catalog: Empty = %v, %v", empty, err)
	}
	file := filepath.Join(t.TempDir(), "catalog.yaml")
	if err := os.WriteFile(file, []byte(inheritance), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := ingest.NewSyncer(db, nil).Sync(ctx, ingest.NewFileSource("test", file))
	if err != nil || len(res.Problems) > 0 {
		t.Fatalf("sync: %v %v", err, res.Problems)
	}
	if empty, err := cat.Empty(ctx); err != nil || empty {
		t.Fatalf("after a sync: Empty = %v, %v", empty, err)
	}
	return cat
}

func TestWhoOwnsInheritsFromTheDomain(t *testing.T) {
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			cat := inheritanceCatalog(t, eng)
			ctx := context.Background()
			for _, c := range []struct{ q, owner, via, domain string }{
				{"posting", "group:default/domain-team", "domain:default/payments", "domain:default/payments"},
				{"ledger", "group:default/domain-team", "domain:default/payments", "domain:default/payments"},
				{"gateway", "group:default/platform", "system:default/infra", ""},
			} {
				ans, err := cat.WhoOwns(ctx, c.q)
				if err != nil || len(ans.Matches) != 1 {
					t.Fatalf("%s: %v %+v", c.q, err, ans)
				}
				m := ans.Matches[0]
				if m.Owner == nil || m.Owner.Ref != c.owner || !m.Owner.Known || m.OwnedVia == nil || *m.OwnedVia != c.via || m.Domain != c.domain {
					t.Errorf("%s: owner %+v via %v domain %q", c.q, m.Owner, m.OwnedVia, m.Domain)
				}
			}
		})
	}
}

func TestWhoOwnsAGroupListsWhatItOwnsThroughItsSystemsAndDomains(t *testing.T) {
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			cat := inheritanceCatalog(t, eng)
			for q, want := range map[string][]catalog.Summary{
				"domain-team": {
					{Ref: "domain:default/payments", Kind: "Domain", Title: "payments"},
					{Ref: "component:default/posting", Kind: "Component", Title: "posting", Via: "domain:default/payments"},
					{Ref: "system:default/ledger", Kind: "System", Title: "ledger", Via: "domain:default/payments"},
				},
				"platform": {
					{Ref: "system:default/infra", Kind: "System", Title: "infra"},
					{Ref: "component:default/gateway", Kind: "Component", Title: "gateway", Via: "system:default/infra"},
				},
			} {
				ans, err := cat.WhoOwns(context.Background(), q)
				if err != nil || len(ans.Matches) != 1 {
					t.Fatalf("%s: %v %+v", q, err, ans)
				}
				if got := ans.Matches[0].Owns; !equalSummaries(got, want) {
					t.Errorf("%s owns %+v, want %+v", q, got, want)
				}
			}
		})
	}
}

func equalSummaries(a, b []catalog.Summary) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestWhoOwnsAnOwnerNotInTheCatalog: a name that entities use as their
// owner but that the catalog does not hold is an answer (what names it),
// not "nothing matches".
func TestWhoOwnsAnOwnerNotInTheCatalog(t *testing.T) {
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			cat := inheritanceCatalog(t, eng)
			for _, q := range []string{"ghost-team", "Ghost-Team", "group:default/ghost-team", "default/ghost-team"} {
				ans, err := cat.WhoOwns(context.Background(), q)
				if err != nil || len(ans.Matches) != 1 {
					t.Fatalf("%s: %v %+v", q, err, ans)
				}
				m := ans.Matches[0]
				if m.Ref != "group:default/ghost-team" || m.Kind != "Group" || !m.NotInCatalog || m.Owner == nil || m.Owner.Known ||
					len(m.Owns) != 1 || m.Owns[0].Ref != "component:default/reports" || !strings.Contains(m.Provenance, "not in the catalog") {
					t.Errorf("%s: %+v", q, m)
				}
			}
			if ans, _ := cat.WhoOwns(context.Background(), "ghost-tem"); len(ans.Matches) != 0 {
				t.Errorf("a name nothing uses matched: %+v", ans.Matches)
			}
		})
	}
}

// TestWhoOwnsARotationThatHasNotStarted: before its start date a rotation
// puts nobody on call, and says when it starts.
func TestWhoOwnsARotationThatHasNotStarted(t *testing.T) {
	cat := inheritanceCatalog(t, testdb.Engines()[0])
	ans, err := cat.WhoOwns(context.Background(), "pager")
	if err != nil || len(ans.Matches) != 1 {
		t.Fatalf("%v %+v", err, ans)
	}
	oc := ans.Matches[0].Oncall
	if oc == nil || oc.Ref != "" || oc.Until != nil || oc.Starts == nil || !oc.Starts.Equal(time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC)) || oc.From != "group:default/sre" {
		t.Errorf("on-call before the start: %+v", oc)
	}
}

// TestWhoOwnsASystemListsWhatItHolds: the answer for a system or domain
// lists its parts, marking those that name no owner as owned through it.
func TestWhoOwnsASystemListsWhatItHolds(t *testing.T) {
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			cat := inheritanceCatalog(t, eng)
			for q, want := range map[string][]catalog.Summary{
				"system:default/infra": {
					{Ref: "component:default/gateway", Kind: "Component", Title: "gateway", Via: "system:default/infra"},
					{Ref: "component:default/metrics", Kind: "Component", Title: "metrics"},
				},
				"payments": {{Ref: "system:default/ledger", Kind: "System", Title: "ledger", Via: "domain:default/payments"}},
				"ledger":   {{Ref: "component:default/posting", Kind: "Component", Title: "posting", Via: "system:default/ledger"}},
			} {
				ans, err := cat.WhoOwns(context.Background(), q)
				if err != nil || len(ans.Matches) != 1 {
					t.Fatalf("%s: %v %+v", q, err, ans)
				}
				if got := ans.Matches[0].Holds; !equalSummaries(got, want) {
					t.Errorf("%s holds %+v, want %+v", q, got, want)
				}
			}
			ans, err := cat.WhoOwns(context.Background(), "gateway")
			if err != nil || len(ans.Matches) != 1 || ans.Matches[0].Holds != nil {
				t.Errorf("a component holds something: %v %+v", err, ans)
			}
		})
	}
}
