package catalogtest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

var (
	nameRe   = regexp.MustCompile(`^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`)
	tagRe    = regexp.MustCompile(`^[a-z0-9:+#]+(\-[a-z0-9:+#]+)*$`)
	weeklyRe = regexp.MustCompile(`^weekly from \d{4}-\d{2}-\d{2}: (.+)$`)
)

type entity struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name        string            `yaml:"name"`
		Description string            `yaml:"description"`
		Tags        []string          `yaml:"tags"`
		Annotations map[string]string `yaml:"annotations"`
	} `yaml:"metadata"`
	Spec map[string]any `yaml:"spec"`
	file string
}

func (e entity) ref() string { return strings.ToLower(e.Kind + ":default/" + e.Metadata.Name) }

// load reads the catalog rooted at path by following Location targets.
func load(t *testing.T, path string) []entity {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []entity
	dec := yaml.NewDecoder(f)
	for {
		var e entity
		if err := dec.Decode(&e); errors.Is(err, io.EOF) {
			return out
		} else if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		e.file = filepath.Base(path)
		out = append(out, e)
		if e.Kind == "Location" {
			for _, target := range strs(e.Spec["targets"]) {
				out = append(out, load(t, filepath.Join(filepath.Dir(path), target))...)
			}
		}
	}
}

func strs(v any) []string {
	var out []string
	if l, ok := v.([]any); ok {
		for _, x := range l {
			out = append(out, fmt.Sprint(x))
		}
	}
	return out
}

func str(m map[string]any, k string) string { s, _ := m[k].(string); return s }

func TestGenerate(t *testing.T) {
	dir := t.TempDir()
	st, err := Generate(dir, GenOptions{Entities: 2000, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	wantFiles := []string{"all.yaml", "part-0000.yaml", "part-0001.yaml", "part-0002.yaml", "part-0003.yaml"}
	for _, f := range wantFiles {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing file: %v", err)
		}
	}
	if st.Files != len(wantFiles) || st.Root != filepath.Join(dir, "all.yaml") {
		t.Errorf("Files, Root = %d, %q; want %d, all.yaml in %s", st.Files, st.Root, len(wantFiles), dir)
	}
	ents := load(t, st.Root)
	checkCounts(t, st, ents)
	byRef := checkNames(t, ents)
	checkRefs(t, ents, byRef)
	checkSample(t, st.Query, byRef)
}

func checkCounts(t *testing.T, st GenStats, ents []entity) {
	t.Helper()
	got, perFile, sum := map[string]int{}, map[string]int{}, 0
	for _, e := range ents {
		got[e.Kind]++
		perFile[e.file]++
	}
	for kind, n := range st.Kinds {
		sum += n
		if got[kind] != n {
			t.Errorf("%s: stats say %d, files hold %d", kind, n, got[kind])
		}
	}
	if sum != st.Total || st.Total != 2001 || len(ents) != st.Total {
		t.Errorf("total: stats %d, sum of kinds %d, files %d; want 2001 (2000 + root Location)", st.Total, sum, len(ents))
	}
	for kind, share := range map[string]int{"Group": 20, "User": 60, "System": 40, "API": 200} {
		if got[kind] != share {
			t.Errorf("%s: %d, want %d", kind, got[kind], share)
		}
	}
	for f, n := range perFile {
		if n > 500 {
			t.Errorf("%s holds %d entities, want at most 500", f, n)
		}
	}
}

// checkNames checks names and tags against Backstage's rules and that no
// two entities share a name, even across kinds; it returns them by ref.
func checkNames(t *testing.T, ents []entity) map[string]entity {
	t.Helper()
	byRef, names := map[string]entity{}, map[string]string{}
	for _, e := range ents {
		n := e.Metadata.Name
		if len(n) > 63 || !nameRe.MatchString(n) {
			t.Errorf("%s: invalid name %q", e.Kind, n)
		}
		if prev, dup := names[strings.ToLower(n)]; dup {
			t.Errorf("name %q used by %s and %s", n, prev, e.Kind)
		}
		names[strings.ToLower(n)] = e.Kind
		byRef[e.ref()] = e
		for _, tag := range e.Metadata.Tags {
			if len(tag) > 63 || !tagRe.MatchString(tag) {
				t.Errorf("%s: invalid tag %q", n, tag)
			}
		}
		if e.APIVersion != "backstage.io/v1alpha1" {
			t.Errorf("%s: apiVersion %q", n, e.APIVersion)
		}
	}
	return byRef
}

func checkRefs(t *testing.T, ents []entity, byRef map[string]entity) {
	t.Helper()
	resolve := func(e entity, field, kind, ref string) {
		if !strings.Contains(ref, ":") {
			ref = kind + ":" + ref
		}
		if !strings.Contains(ref, "/") {
			ref = strings.Replace(ref, ":", ":default/", 1)
		}
		if _, ok := byRef[strings.ToLower(ref)]; !ok {
			t.Errorf("%s %s: %s points at nothing: %q", e.Kind, e.Metadata.Name, field, ref)
		}
	}
	for _, e := range ents {
		for field, kind := range map[string]string{"owner": "group", "system": "system", "domain": "domain", "parent": "group"} {
			if v := str(e.Spec, field); v != "" {
				resolve(e, field, kind, v)
			}
		}
		for field, kind := range map[string]string{"dependsOn": "", "providesApis": "api", "consumesApis": "api",
			"memberOf": "group", "members": "user", "children": "group"} {
			for _, v := range strs(e.Spec[field]) {
				resolve(e, field, kind, v)
			}
		}
		if oc := e.Metadata.Annotations["gantry.dev/oncall"]; oc != "" {
			refs := []string{oc}
			if m := weeklyRe.FindStringSubmatch(oc); m != nil {
				refs = strings.Split(m[1], ", ")
			}
			for _, r := range refs {
				resolve(e, "gantry.dev/oncall", "user", r)
			}
		}
		if e.Kind == "Component" && (str(e.Spec, "owner") == "" || str(e.Spec, "system") == "" || len(strs(e.Spec["dependsOn"])) < 2) {
			t.Errorf("component %s lacks owner, system or two dependencies", e.Metadata.Name)
		}
	}
}

func checkSample(t *testing.T, q Sample, byRef map[string]entity) {
	t.Helper()
	comp, ok := byRef["component:default/"+q.Component]
	if !ok {
		t.Fatalf("sample component %q not generated", q.Component)
	}
	if got := str(comp.Spec, "owner"); got != "group:default/"+q.Owner {
		t.Errorf("sample owner %q, component says %q", q.Owner, got)
	}
	if got := str(comp.Spec, "system"); got != q.System {
		t.Errorf("sample system %q, component says %q", q.System, got)
	}
	if got := str(byRef["system:default/"+q.System].Spec, "domain"); got != q.Domain {
		t.Errorf("sample domain %q, system says %q", q.Domain, got)
	}
	if !strings.Contains(strings.Join(strs(comp.Spec["dependsOn"]), " "), "component:"+q.Dependency) {
		t.Errorf("sample dependency %q not in %v", q.Dependency, comp.Spec["dependsOn"])
	}
	if !strings.Contains(strings.Join(strs(byRef["group:default/"+q.Owner].Spec["members"]), " "), q.Member) {
		t.Errorf("sample member %q not a member of %s", q.Member, q.Owner)
	}
	if _, ok := byRef["api:default/"+q.API]; !ok {
		t.Errorf("sample API %q not generated", q.API)
	}
	if q.Word == "" || !strings.Contains(comp.Metadata.Description, q.Word) {
		t.Errorf("sample word %q not in %q", q.Word, comp.Metadata.Description)
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	gen := func(seed int64) map[string][]byte {
		dir := t.TempDir()
		if _, err := Generate(dir, GenOptions{Entities: 2000, Seed: seed, EntitiesPerFile: 300}); err != nil {
			t.Fatal(err)
		}
		files := map[string][]byte{}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, de := range entries {
			b, err := os.ReadFile(filepath.Join(dir, de.Name()))
			if err != nil {
				t.Fatal(err)
			}
			files[de.Name()] = b
		}
		return files
	}
	a, b, other := gen(42), gen(42), gen(43)
	if len(a) != 8 || len(a) != len(b) {
		t.Fatalf("got %d and %d files, want 8 (all.yaml + 7 parts of 300)", len(a), len(b))
	}
	same := true
	for name, content := range a {
		if !bytes.Equal(content, b[name]) {
			t.Errorf("%s differs between two runs with the same seed", name)
		}
		same = same && bytes.Equal(content, other[name])
	}
	if same {
		t.Error("seeds 42 and 43 gave identical catalogs")
	}
}

func TestGenerateRejectsBadOptions(t *testing.T) {
	for _, opts := range []GenOptions{{Entities: MinEntities - 1}, {Entities: 1000, EntitiesPerFile: -1}} {
		if _, err := Generate(t.TempDir(), opts); err == nil {
			t.Errorf("Generate(%+v) succeeded, want an error", opts)
		}
	}
}

// BenchmarkGenerate100k reports how long writing the 100,000-entity
// benchmark catalog takes: go test -run '^$' -bench Generate ./internal/catalogtest/
func BenchmarkGenerate100k(b *testing.B) {
	dir := b.TempDir()
	for b.Loop() {
		if _, err := Generate(dir, GenOptions{Entities: 100000, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}
