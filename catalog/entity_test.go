package catalog

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestEntityAccessors(t *testing.T) {
	e := Entity{
		Kind:     "component",
		Metadata: Metadata{Name: "checkout", Annotations: map[string]string{AnnotationOncall: "alice"}},
		Spec: map[string]any{
			"owner":     "team-a",
			"profile":   map[string]any{"email": "a@example.com", "n": int64(3)},
			"dependsOn": []any{"a", int64(2), "b"},
			"system":    "shop",
		},
		Relations: []Relation{
			{Type: RelDependsOn, Target: NewRef("component", "", "a")},
			{Type: RelOwnedBy, Target: NewRef("group", "", "team-a")},
			{Type: RelDependsOn, Target: NewRef("component", "", "b")},
		},
	}
	strs := []struct{ path, want string }{
		{"owner", "team-a"}, {"profile.email", "a@example.com"}, {"profile.n", ""}, {"profile.missing", ""},
		{"owner.x", ""}, {"nothing", ""}, {"", ""},
	}
	for _, c := range strs {
		if got := e.SpecString(c.path); got != c.want {
			t.Errorf("SpecString(%q) = %q, want %q", c.path, got, c.want)
		}
	}
	lists := []struct {
		field string
		want  []string
	}{
		{"dependsOn", []string{"a", "b"}}, {"system", []string{"shop"}}, {"profile", nil}, {"nothing", nil},
	}
	for _, c := range lists {
		if got := e.SpecStrings(c.field); !slices.Equal(got, c.want) {
			t.Errorf("SpecStrings(%q) = %q, want %q", c.field, got, c.want)
		}
	}
	if !e.Is(KindComponent) || e.Is(KindAPI) {
		t.Error("Is compares kinds case-insensitively")
	}
	if got := e.RelationTargets(RelDependsOn); len(got) != 2 || got[0].Name != "a" || got[1].Name != "b" {
		t.Errorf("RelationTargets = %v", got)
	}
	if e.Annotation(AnnotationOncall) != "alice" || e.Annotation("none") != "" || e.Title() != "checkout" {
		t.Error("Annotation or Title")
	}
	if (&Entity{}).SpecString("a") != "" || (&Entity{}).SpecStrings("a") != nil {
		t.Error("accessors of an entity without spec")
	}
}

func TestEntityJSONShape(t *testing.T) {
	e := Entity{APIVersion: "backstage.io/v1alpha1", Kind: "Component", Metadata: Metadata{Name: "a", Namespace: "default"},
		Relations: []Relation{{Type: RelOwnedBy, Target: NewRef("group", "", "team-a")}},
		Extra:     map[string]any{"status": "ok"}, Origin: Origin{File: "x.yaml", Line: 3}}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"a","namespace":"default"},"relations":[{"targetRef":"group:default/team-a","type":"ownedBy"}],"status":"ok"}`
	if string(b) != want {
		t.Errorf("JSON\n%s\nwant\n%s", b, want)
	}
	var back Entity
	if err := json.Unmarshal([]byte(`{"kind":"API","spec":{"x":1},"relations":[{"type":"ownedBy","targetRef":"bad"},{"type":"partOf","targetRef":"system:default/s"}]}`), &back); err != nil {
		t.Fatal(err)
	}
	if back.Kind != "API" || back.Spec["x"] != 1.0 || len(back.Relations) != 1 || back.Relations[0].Target != NewRef("system", "", "s") {
		t.Errorf("unmarshalled %+v", back)
	}
	for _, bad := range []string{`[]`, `{"kind": 3}`, `{"metadata": {"name": 3}}`, `{"metadata": []}`} {
		if err := json.Unmarshal([]byte(bad), &back); err == nil {
			t.Errorf("Unmarshal(%s) accepted", bad)
		}
	}
}

func TestProblemStrings(t *testing.T) {
	ps := Problems{
		{File: "catalog/team-a.yaml", Line: 12, Message: "spec.owner is required"},
		{File: "catalog/huge.yaml", Message: "file is 10.0 MB, over the 4.0 MB limit"},
	}
	if got := ps[0].Error(); got != "catalog/team-a.yaml:12: spec.owner is required" {
		t.Errorf("Problem.String = %q", got)
	}
	if got := ps[1].String(); got != "catalog/huge.yaml: file is 10.0 MB, over the 4.0 MB limit" {
		t.Errorf("Problem.String without a line = %q", got)
	}
	if got := ps.Error(); got != ps[0].String()+"\n"+ps[1].String() {
		t.Errorf("Problems.Error = %q", got)
	}
	if got := humanBytes(512) + "," + humanBytes(2048); got != "512 bytes,2.0 KB" {
		t.Errorf("humanBytes = %q", got)
	}
	if !strings.Contains(FieldError{Message: "m"}.Error(), "m") {
		t.Error("FieldError.Error")
	}
}
