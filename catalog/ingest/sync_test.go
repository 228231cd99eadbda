package ingest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeFiles writes name → content under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func component(name, owner string) string {
	return `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ` + name + `
spec:
  type: service
  lifecycle: production
  owner: ` + owner + `
`
}

const rootLocation = `apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: root
spec:
  targets:
    - ./a.yaml
    - ./b.yaml
`

func TestSyncDiff(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"all.yaml": rootLocation,
		"a.yaml":   component("alpha", "team-a") + "---\n" + component("beta", "team-a"),
		"b.yaml":   component("gamma", "team-b"),
	})
	st := newMemStore()
	s := NewSyncer(st, nil)
	src := NewFileSource("test", filepath.Join(dir, "all.yaml"))
	ctx := context.Background()

	res, err := s.Sync(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 4 || res.Updated != 0 || res.Removed != 0 || len(res.Problems) != 0 || res.Files != 3 {
		t.Fatalf("first sync: %+v", res)
	}
	e, ok := st.get("component:default/alpha")
	if !ok {
		t.Fatal("alpha not stored")
	}
	if got := e.entity.Metadata.Annotations["backstage.io/managed-by-location"]; got != "file:"+filepath.Join(dir, "a.yaml") {
		t.Errorf("managed-by-location = %q", got)
	}
	if got := e.entity.Metadata.Annotations["backstage.io/managed-by-origin-location"]; got != "file:"+filepath.Join(dir, "all.yaml") {
		t.Errorf("managed-by-origin-location = %q", got)
	}
	if e.entity.Origin.Source != "test" || e.entity.Origin.Line != 1 || !strings.HasSuffix(e.entity.Origin.File, "a.yaml") {
		t.Errorf("origin = %+v", e.entity.Origin)
	}

	// Nothing changed: nothing written, and the descriptor files (but the
	// Location, whose targets must be followed) are not even parsed.
	applies := st.applies
	res, err = s.Sync(ctx, src)
	if err != nil || res.Unchanged != 4 || res.Changed() || st.applies != applies {
		t.Fatalf("unchanged re-sync wrote: %+v (applies %d → %d) %v", res, applies, st.applies, err)
	}
	if res.Skipped != 2 {
		t.Errorf("skipped %d files, want a.yaml and b.yaml", res.Skipped)
	}

	// An update, a removal and an addition.
	writeFiles(t, dir, map[string]string{
		"a.yaml": component("alpha", "team-c") + "---\n" + component("delta", "team-a"),
	})
	res, err = s.Sync(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 1 || res.Updated != 1 || res.Removed != 1 || res.Unchanged != 2 {
		t.Fatalf("diff: %+v", res)
	}
	if _, ok := st.get("component:default/beta"); ok {
		t.Error("beta should be removed")
	}
}

func TestSyncKeepsEntitiesOfFailedFiles(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"all.yaml": rootLocation,
		"a.yaml":   component("alpha", "team-a") + "---\n" + component("beta", "team-a"),
		"b.yaml":   component("gamma", "team-b"),
	})
	st := newMemStore()
	s := NewSyncer(st, nil)
	src := NewFileSource("test", filepath.Join(dir, "all.yaml"))
	ctx := context.Background()
	if _, err := s.Sync(ctx, src); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name    string
		content string
		line    int
	}{
		{"invalid YAML", component("alpha", "team-a") + "---\nkind: [oops\n", 10},
		{"empty file", "", 1},
		{"binary garbage", "\x00\x01\x02\xff", 1},
		{"a name with a space", strings.Replace(component("beta", "team-a"), "name: beta", "name: be ta", 1), 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			writeFiles(t, dir, map[string]string{"a.yaml": c.content})
			res, err := s.Sync(ctx, src)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Problems) == 0 {
				t.Fatal("no problem reported")
			}
			p := res.Problems[0]
			if !strings.HasSuffix(p.File, "a.yaml") || p.Line != c.line {
				t.Errorf("problem %s: want a.yaml line %d", p, c.line)
			}
			for _, ref := range []string{"component:default/alpha", "component:default/beta", "component:default/gamma"} {
				if _, ok := st.get(ref); !ok {
					t.Errorf("%s lost after a broken file", ref)
				}
			}
			if res.Removed != 0 {
				t.Errorf("removed %d", res.Removed)
			}
			if b, _ := st.get("component:default/beta"); b.head.Flag == "" && c.name != "invalid YAML" {
				t.Errorf("beta kept but not flagged")
			}
		})
	}
	// Once fixed, the flags clear and the removed entity goes.
	writeFiles(t, dir, map[string]string{"a.yaml": component("alpha", "team-a")})
	res, err := s.Sync(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if res.Removed != 1 || len(res.Problems) != 0 {
		t.Fatalf("after fix: %+v", res)
	}
	if a, _ := st.get("component:default/alpha"); a.head.Flag != "" {
		t.Errorf("alpha still flagged: %q", a.head.Flag)
	}
}

func TestSyncBrokenLocationKeepsEverything(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"all.yaml": rootLocation,
		"a.yaml":   component("alpha", "team-a"),
		"b.yaml":   component("gamma", "team-b"),
	})
	st := newMemStore()
	s := NewSyncer(st, nil)
	src := NewFileSource("test", filepath.Join(dir, "all.yaml"))
	ctx := context.Background()
	if _, err := s.Sync(ctx, src); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, dir, map[string]string{"all.yaml": "kind: Location\n  bad: [\n"})
	res, err := s.Sync(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if res.Removed != 0 || st.count() != 3 || res.Kept != 3 {
		t.Fatalf("a broken root Location lost entities: %+v, stored %d", res, st.count())
	}
}

func TestSyncConflicts(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"all.yaml":   rootLocation,
		"a.yaml":     component("alpha", "team-a"),
		"b.yaml":     component("alpha", "team-b"),
		"other.yaml": component("gamma", "team-x"),
	})
	st := newMemStore()
	s := NewSyncer(st, nil)
	ctx := context.Background()

	res, err := s.Sync(ctx, NewFileSource("test", filepath.Join(dir, "all.yaml")))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Problems) != 1 || !strings.Contains(res.Problems[0].Message, "a.yaml") || !strings.HasSuffix(res.Problems[0].File, "b.yaml") {
		t.Fatalf("duplicate not reported naming both files: %v", res.Problems)
	}
	if a, _ := st.get("component:default/alpha"); a.entity.SpecString("owner") != "team-a" {
		t.Errorf("the first definition must win, got owner %q", a.entity.SpecString("owner"))
	}

	// The same ref from a second source: the first owner keeps it.
	writeFiles(t, dir, map[string]string{"other.yaml": component("alpha", "team-x")})
	res, err = s.Sync(ctx, NewFileSource("other", filepath.Join(dir, "other.yaml")))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Problems) != 1 || !strings.Contains(res.Problems[0].Message, "source test") || res.Added != 0 {
		t.Fatalf("cross-source conflict: %+v", res)
	}
	if a, _ := st.get("component:default/alpha"); a.source != "test" {
		t.Errorf("holder changed to %s", a.source)
	}

	// Moving an entity from one file to another is not a conflict.
	writeFiles(t, dir, map[string]string{
		"a.yaml": component("zeta", "team-a"),
		"b.yaml": component("alpha", "team-b"),
	})
	res, err = s.Sync(ctx, NewFileSource("test", filepath.Join(dir, "all.yaml")))
	if err != nil || len(res.Problems) != 0 {
		t.Fatalf("move: %+v %v", res, err)
	}
	if a, _ := st.get("component:default/alpha"); !strings.HasSuffix(a.head.File, "b.yaml") {
		t.Errorf("alpha did not move: %s", a.head.File)
	}
}

func TestLocationsCyclesAndMissingTargets(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"a.yaml": `apiVersion: backstage.io/v1alpha1
kind: Location
metadata: {name: a}
spec:
  targets: [./b.yaml, ./missing.yaml]
`,
		"b.yaml": `apiVersion: backstage.io/v1alpha1
kind: Location
metadata: {name: b}
spec:
  target: ./a.yaml
`,
		"c.yaml": `apiVersion: backstage.io/v1alpha1
kind: Location
metadata: {name: c}
spec:
  targets: [./sub/*.yaml, ../outside.yaml, https://example.com/x.yaml]
`,
		"sub/one.yaml": component("one", "team-a"),
		"sub/two.yaml": component("two", "team-a"),
	})
	v, err := Validate(context.Background(), []string{filepath.Join(dir, "a.yaml"), filepath.Join(dir, "c.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, p := range v.Problems {
		msgs = append(msgs, p.String())
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{"b.yaml:5: Location cycle:", "a.yaml:5: target ./missing.yaml: no such file", "c.yaml:5: target ../outside.yaml is outside"} {
		if !strings.Contains(all, want) {
			t.Errorf("missing %q in:\n%s", want, all)
		}
	}
	if v.Entities != 5 { // a, b, c and the two globbed components
		t.Errorf("entities = %d, want 5", v.Entities)
	}
	if len(v.Notes) != 1 || !strings.Contains(v.Notes[0].Message, "remote target") {
		t.Errorf("notes = %v", v.Notes)
	}
}

func TestSyncRunsOncePerSource(t *testing.T) {
	st := newMemStore()
	s := NewSyncer(st, nil)
	block := make(chan struct{})
	started := make(chan struct{})
	src := funcSource{name: "slow", walk: func(ctx context.Context, sink Sink) error {
		close(started)
		<-block
		return nil
	}}
	done := make(chan error)
	go func() { _, err := s.Sync(context.Background(), src); done <- err }()
	<-started
	if _, err := s.Sync(context.Background(), src); err == nil || !strings.Contains(err.Error(), "already running") {
		t.Fatalf("second concurrent sync: %v", err)
	}
	close(block)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

type funcSource struct {
	name string
	walk func(context.Context, Sink) error
}

func (f funcSource) Name() string { return f.name }
func (f funcSource) Walk(ctx context.Context, sink Sink) error {
	return f.walk(ctx, sink)
}

func TestMatchGlob(t *testing.T) {
	cases := []struct {
		pattern, name string
		want          bool
	}{
		{"**/catalog-info.yaml", "catalog-info.yaml", true},
		{"**/catalog-info.yaml", "a/b/catalog-info.yaml", true},
		{"services/*/catalog-info.yaml", "services/x/catalog-info.yaml", true},
		{"services/*/catalog-info.yaml", "services/x/y/catalog-info.yaml", false},
		{"*.yaml", "a/b.yaml", false},
		{"a/**", "a/b/c", true},
		{"[", "[", false},
	}
	for _, c := range cases {
		if got := MatchGlob(c.pattern, c.name); got != c.want {
			t.Errorf("MatchGlob(%q, %q) = %v", c.pattern, c.name, got)
		}
	}
}
