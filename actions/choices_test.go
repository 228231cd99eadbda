package actions_test

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/gantryhq/gantry/actions"
	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/internal/errkind"
	"github.com/gantryhq/gantry/internal/testdb"
)

// bigKind is a catalog store holding n components (svc-000000, …) made up
// as they are read, counting every entity it hands out, whichever method
// hands it out. It implements FirstOfKind, as store.DB does.
type bigKind struct {
	n    int
	read atomic.Int64
}

func (b *bigKind) component(i int) catalog.Entity {
	return catalog.Entity{APIVersion: "backstage.io/v1alpha1", Kind: "Component",
		Metadata: catalog.Metadata{Name: fmt.Sprintf("svc-%06d", i), Namespace: catalog.DefaultNamespace},
		Spec:     map[string]any{"type": "service", "owner": "group:default/team-a", "lifecycle": "production"}}
}

func (b *bigKind) index(r catalog.Ref) (int, bool) {
	var i int
	if r.Kind != "component" || r.Namespace != catalog.DefaultNamespace {
		return 0, false
	}
	if _, err := fmt.Sscanf(r.Name, "svc-%06d", &i); err != nil || i < 0 || i >= b.n {
		return 0, false
	}
	return i, true
}

func (b *bigKind) Entity(_ context.Context, r catalog.Ref) (*catalog.Entity, error) {
	i, ok := b.index(r)
	if !ok {
		return nil, errkind.New(errkind.NotFound, "no %s", r)
	}
	b.read.Add(1)
	e := b.component(i)
	return &e, nil
}

func (b *bigKind) Entities(_ context.Context, refs []catalog.Ref) ([]catalog.Entity, error) {
	var out []catalog.Entity
	for _, r := range refs {
		if i, ok := b.index(r); ok {
			out = append(out, b.component(i))
		}
	}
	b.read.Add(int64(len(out)))
	return out, nil
}

func (b *bigKind) EntitiesByName(context.Context, string) ([]catalog.Entity, error) { return nil, nil }
func (b *bigKind) EntitiesByKey(context.Context, string, string) ([]catalog.Entity, error) {
	return nil, nil
}

func (b *bigKind) Search(_ context.Context, q catalog.SearchQuery) (catalog.SearchResult, error) {
	var res catalog.SearchResult
	for i := q.Offset; i < b.n && len(res.Hits) < q.Limit; i++ {
		res.Hits = append(res.Hits, catalog.SearchHit{Entity: b.component(i)})
	}
	b.read.Add(int64(len(res.Hits)))
	res.Total = b.n
	return res, nil
}

func (b *bigKind) Scan(_ context.Context, kinds []string, _ bool, fn func(e *catalog.Entity) error) error {
	for i := range b.n {
		e := b.component(i)
		b.read.Add(1)
		if err := fn(&e); err != nil {
			return err
		}
	}
	return nil
}

func (b *bigKind) Refs(context.Context) ([]catalog.Ref, error) {
	b.read.Add(int64(b.n))
	out := make([]catalog.Ref, b.n)
	for i := range out {
		e := b.component(i)
		out[i] = e.Ref()
	}
	return out, nil
}

func (b *bigKind) FirstOfKind(_ context.Context, kind string, limit int) ([]catalog.Entity, error) {
	out := make([]catalog.Entity, 0, min(limit, b.n))
	for i := 0; i < b.n && len(out) < limit; i++ {
		out = append(out, b.component(i))
	}
	b.read.Add(int64(len(out)))
	return out, nil
}

// scanOnly hides FirstOfKind: a store that can only Scan.
type scanOnly struct{ catalog.Store }

const pickServiceAction = `apiVersion: gantry.dev/v1
kind: Action
metadata: {name: pick}
spec:
  inputs:
    - {name: service, type: entity, kind: Component}
  steps: [{id: go, uses: http.request, with: {url: "https://x.example/${{ inputs.service }}"}}]
`

// choicesEngine is an engine whose catalog is store (runs on SQLite).
func choicesEngine(t testing.TB, store catalog.Store) *actions.Engine {
	t.Helper()
	e := newEnv(t, enginesSQLite())
	cat, err := catalog.New(store)
	if err != nil {
		t.Fatal(err)
	}
	en, err := actions.NewEngine(actions.Options{Store: e.db, Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	return en
}

// TestFormChoicesReadLittle: the form of an entity input learns whether
// the kind fits a static list from 101 entities at most, whatever the
// kind's size; a search reads a bounded number too.
func TestFormChoicesReadLittle(t *testing.T) {
	def := parseAction(t, pickServiceAction)
	for _, tc := range []struct {
		n          int
		static     bool
		choices    int
		hideReader bool
	}{
		{n: 100, static: true, choices: 100},
		{n: 101, static: false},
		{n: 100_000, static: false},
		{n: 100_000, static: false, hideReader: true},
	} {
		t.Run(fmt.Sprintf("%d-scan=%v", tc.n, tc.hideReader), func(t *testing.T) {
			big := &bigKind{n: tc.n}
			var store catalog.Store = big
			if tc.hideReader {
				store = scanOnly{big}
			}
			en := choicesEngine(t, store)
			ctx := context.Background()
			choices, static, err := en.FormChoices(ctx, def, "service", priya)
			if err != nil || static != tc.static || len(choices) != tc.choices {
				t.Fatalf("form choices: %v static=%v (want %v), %d choices (want %d)", err, static, tc.static, len(choices), tc.choices)
			}
			if got := big.read.Load(); got > actions.MaxChoices+1 {
				t.Fatalf("the form read %d entities of %d, want at most %d", got, tc.n, actions.MaxChoices+1)
			}
			if static && (choices[0].Value != "component:default/svc-000000" || choices[0].Label != "svc-000000") {
				t.Fatalf("first choice %+v", choices[0])
			}
			big.read.Store(0)
			found, err := en.SearchChoices(ctx, def, "service", priya, "")
			if err != nil || len(found) != min(tc.n, actions.MaxChoices) {
				t.Fatalf("search with nothing typed: %v, %d choices", err, len(found))
			}
			if got := big.read.Load(); got > 500 {
				t.Fatalf("a search read %d entities", got)
			}
			big.read.Store(0)
			found, err = en.SearchChoices(ctx, def, "service", priya, "svc")
			if err != nil || len(found) != min(tc.n, actions.MaxChoices) {
				t.Fatalf("search for svc: %v, %d choices", err, len(found))
			}
			if got := big.read.Load(); got > 500 {
				t.Fatalf("a search read %d entities", got)
			}
		})
	}
}

// BenchmarkFormChoices opens an entity input's form over a kind of
// 100,000 components and reports the entities read per form (at most 101).
//
//	go test -tags sqlite_fts5 -run XXX -bench Form -benchmem ./actions/
func BenchmarkFormChoices(b *testing.B) {
	def := parseAction(b, pickServiceAction)
	big := &bigKind{n: 100_000}
	en := choicesEngine(b, big)
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		if _, static, err := en.FormChoices(ctx, def, "service", priya); err != nil || static {
			b.Fatalf("form choices: %v static=%v", err, static)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(big.read.Load())/float64(b.N), "entities-read/op")
}

// TestFormChoicesOnStores: the stores' own FirstOfKind, on both engines.
func TestFormChoicesOnStores(t *testing.T) {
	def := parseAction(t, `apiVersion: gantry.dev/v1
kind: Action
metadata: {name: pick-team}
spec:
  inputs: [{name: owner, type: entity, kind: Group, filter: 'entity.spec.type == "team"'}]
  steps: [{id: go, uses: http.request, with: {url: "https://x.example/${{ inputs.owner }}"}}]
`)
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			e := newEnv(t, eng)
			en := e.engine(nil, nil)
			groups, static, err := en.FormChoices(e.ctx, def, "owner", priya)
			has := func(ref string) bool {
				return slices.ContainsFunc(groups, func(c actions.Choice) bool { return c.Value == ref })
			}
			if err != nil || !static || !has("group:default/payments") || has("group:default/engineering") {
				t.Fatalf("owner choices: %v static=%v %+v", err, static, groups)
			}
		})
	}
}
