package catalog_test

import (
	"context"
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/catalog/ingest"
	"github.com/gantryhq/gantry/internal/errkind"
	"github.com/gantryhq/gantry/internal/expr"
	"github.com/gantryhq/gantry/internal/testdb"
	"github.com/gantryhq/gantry/store"
)

// examplesDir is the repository's examples folder.
func examplesDir(t testing.TB) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "examples")
}

// fixedNow is a Wednesday: the payments rotation (weekly from 2025-01-06:
// priya, marco, fatima, tomas) is in its 99th week, so fatima is on call
// until Monday 30 November.
var fixedNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// exampleCatalog syncs the example organisation into a fresh database of
// the engine and returns a Catalog over it; the database closes with t.
func exampleCatalog(t *testing.T, eng testdb.Engine) *catalog.Catalog {
	t.Helper()
	url := eng.URL(t)
	ctx := context.Background()
	db, err := store.Open(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	res, err := ingest.NewSyncer(db, nil).Sync(ctx, ingest.NewFileSource("examples", filepath.Join(examplesDir(t), "catalog", "all.yaml")))
	if err != nil || len(res.Problems) > 0 {
		t.Fatalf("sync: %v %v", err, res.Problems)
	}
	cat, err := catalog.New(db, catalog.WithClock(func() time.Time { return fixedNow }))
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// onEachEngine runs f against the example catalog on SQLite and, when
// GANTRY_TEST_POSTGRES is set, on PostgreSQL.
func onEachEngine(t *testing.T, f func(t *testing.T, cat *catalog.Catalog)) {
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) { f(t, exampleCatalog(t, eng)) })
	}
}

func TestWhoOwns(t *testing.T) {
	onEachEngine(t, func(t *testing.T, cat *catalog.Catalog) {
		{
			ctx := context.Background()
			ans, err := cat.WhoOwns(ctx, "checkout")
			if err != nil {
				t.Fatal(err)
			}
			if len(ans.Matches) != 1 {
				t.Fatalf("matches = %d", len(ans.Matches))
			}
			m := ans.Matches[0]
			if m.Ref != "component:default/checkout" || m.Owner == nil || m.Owner.Ref != "group:default/payments" || !m.Owner.Known {
				t.Fatalf("checkout: %+v", m)
			}
			if m.Owner.SlackChannel != "#team-payments" || m.Owner.DisplayName != "Payments" || len(m.Owner.Members) != 4 {
				t.Errorf("owner: %+v", m.Owner)
			}
			for _, p := range m.Owner.Members {
				if p.Email == "" || p.SlackUserID == "" {
					t.Errorf("member without email or slack id: %+v", p)
				}
			}
			if m.Oncall == nil || m.Oncall.Ref != "user:default/fatima" || m.Oncall.Until == nil || !m.Oncall.Until.Equal(time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("on-call: %+v", m.Oncall)
			}
			if m.OwnedVia != nil || m.System != "system:default/payments-platform" || m.Domain != "domain:default/commerce" {
				t.Errorf("system/domain: via=%v %s %s", m.OwnedVia, m.System, m.Domain)
			}
			if m.Repo != "bramble/checkout" || !strings.HasPrefix(m.Provenance, "declared in ") || len(m.Links) == 0 {
				t.Errorf("code/provenance/links: %q %q %v", m.Repo, m.Provenance, m.Links)
			}

			cases := []struct {
				q, wantRef, wantOwner, wantVia string
			}{
				{"ledger", "component:default/ledger", "group:default/payments", "system:default/payments-platform"},
				{"component:default/checkout", "component:default/checkout", "group:default/payments", ""},
				{"CHECKOUT", "component:default/checkout", "group:default/payments", ""},
				{"bramble/checkout", "component:default/checkout", "group:default/payments", ""},
				{"https://github.com/bramble/checkout", "component:default/checkout", "group:default/payments", ""},
				{"payments", "group:default/payments", "group:default/payments", ""},
				{"priya@bramble.example", "user:default/priya", "group:default/payments", ""},
			}
			for _, c := range cases {
				ans, err := cat.WhoOwns(ctx, c.q)
				if err != nil || len(ans.Matches) == 0 {
					t.Errorf("%q: %v, %d matches", c.q, err, len(ans.Matches))
					continue
				}
				m := ans.Matches[0]
				via := ""
				if m.OwnedVia != nil {
					via = *m.OwnedVia
				}
				if m.Ref != c.wantRef || m.Owner == nil || m.Owner.Ref != c.wantOwner || via != c.wantVia {
					t.Errorf("%q: got %s owner %+v via %q", c.q, m.Ref, m.Owner, via)
				}
			}

			group, _ := cat.WhoOwns(ctx, "payments")
			if owns := group.Matches[0].Owns; len(owns) < 5 || owns[0].Kind != "Component" {
				t.Errorf("payments owns: %v", owns)
			}
			orphan, _ := cat.WhoOwns(ctx, "sales-export-cron")
			if len(orphan.Matches) != 1 || orphan.Matches[0].Owner != nil {
				t.Errorf("orphan: %+v", orphan.Matches)
			}
			missing, err := cat.WhoOwns(ctx, "chekout")
			if err != nil || len(missing.Matches) != 0 || len(missing.Suggestions) == 0 || missing.Suggestions[0] != "component:default/checkout" {
				t.Errorf("suggestions: %+v %v", missing, err)
			}
			for _, q := range []string{"", strings.Repeat("x", 5000)} {
				if _, err := cat.WhoOwns(ctx, q); !errors.Is(err, errkind.Invalid) {
					t.Errorf("WhoOwns(%d chars) = %v, want Invalid", len(q), err)
				}
			}
			for _, q := range []string{`'; drop table entities; --`, "🙂", "a:b:c/d/e", "NEAR(", "*"} {
				if _, err := cat.WhoOwns(ctx, q); err != nil {
					t.Errorf("WhoOwns(%q) = %v", q, err)
				}
			}
		}
	})
}

func TestSearchAndQuery(t *testing.T) {
	onEachEngine(t, func(t *testing.T, cat *catalog.Catalog) {
		{
			ctx := context.Background()
			res, err := cat.Search(ctx, catalog.SearchQuery{Text: "which service sends email"})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Hits) == 0 || res.Hits[0].Entity.Metadata.Name != "notification-service" {
				t.Fatalf("email search: %+v", res.Hits)
			}
			if !strings.Contains(res.Hits[0].Snippet, "*") {
				t.Errorf("snippet without highlight: %q", res.Hits[0].Snippet)
			}
			for _, q := range []string{`"`, `*`, `NEAR(`, `'; drop table entities; --`, strings.Repeat("é", 5000), "🙂 checkout"} {
				if _, err := cat.Search(ctx, catalog.SearchQuery{Text: q}); err != nil {
					t.Errorf("Search(%.20q) = %v", q, err)
				}
			}
			if _, err := cat.Search(ctx, catalog.SearchQuery{Text: "   "}); !errors.Is(err, errkind.Invalid) {
				t.Errorf("empty search: %v", err)
			}

			q, err := cat.Query(ctx, `entity.kind == "Component" && !has(entity.spec.owner)`, 0)
			if err != nil {
				t.Fatal(err)
			}
			if q.Count != 4 {
				t.Errorf("components without owner = %d, want 4", q.Count)
			}
			q, err = cat.Query(ctx, `"payments" in entity.metadata.tags || entity.relations.exists(r, r.type == "ownedBy" && r.targetRef == "group:default/payments")`, 3)
			if err != nil || q.Count < 5 || len(q.Entities) != 3 {
				t.Errorf("relation query: count %d, %d returned, %v", q.Count, len(q.Entities), err)
			}
			_, err = cat.Query(ctx, `entity.kind == `, 0)
			if !errors.Is(err, errkind.Invalid) || !strings.HasPrefix(err.Error(), "1:") {
				t.Errorf("bad expression: %v", err)
			}
			_, err = cat.Query(ctx, `[1,2,3,4,5,6,7,8,9,10].all(a, [1,2,3,4,5,6,7,8,9,10].all(b, [1,2,3,4,5,6,7,8,9,10].all(c, [1,2,3,4,5,6,7,8,9,10].all(d, [1,2,3,4,5,6,7,8,9,10].all(e, a+b+c+d+e > 0)))))`, 0)
			if !errors.Is(err, expr.ErrCostLimit) {
				t.Errorf("expensive expression: %v", err)
			}

			e, err := cat.Get(ctx, "checkout")
			if err != nil || e.Ref().String() != "component:default/checkout" || len(e.Relations) == 0 {
				t.Errorf("Get: %v %v", e, err)
			}
			if _, err := cat.Get(ctx, "component:default/nope"); !errors.Is(err, errkind.NotFound) {
				t.Errorf("Get missing: %v", err)
			}
		}
	})
}
