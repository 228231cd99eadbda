package catalog

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

func TestValidName(t *testing.T) {
	cases := []struct {
		name string
		want bool
	}{
		{"a", true},
		{"A", true},
		{"9", true},
		{"my-service", true},
		{"My_Service.v2", true},
		{"a-_.b", true},
		{strings.Repeat("a", 63), true},
		{strings.Repeat("a", 64), false},
		{"", false},
		{"my service", false},
		{"-a", false},
		{"a-", false},
		{"_a", false},
		{"a.", false},
		{"a/b", false},
		{"a:b", false},
		{"é", false},
		{"a\n", false},
	}
	for _, c := range cases {
		if got := ValidName(c.name); got != c.want {
			t.Errorf("ValidName(%q) = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestValidNamespace(t *testing.T) {
	cases := []struct {
		ns   string
		want bool
	}{
		{"default", true},
		{"team-a", true},
		{"a1", true},
		{strings.Repeat("a", 63), true},
		{strings.Repeat("a", 64), false},
		{"", false},
		{"Team", false}, // DNS labels are lowercase
		{"a_b", false},
		{"a.b", false},
		{"-a", false},
		{"a-", false},
		{"a--b", false}, // Backstage allows single dashes only
	}
	for _, c := range cases {
		if got := ValidNamespace(c.ns); got != c.want {
			t.Errorf("ValidNamespace(%q) = %v, want %v", c.ns, got, c.want)
		}
	}
}

func TestValidTag(t *testing.T) {
	cases := []struct {
		tag  string
		want bool
	}{
		{"java", true},
		{"c++", true},
		{"c#", true},
		{"k8s:prod", true},
		{"data-pipeline", true},
		{strings.Repeat("a", 63), true},
		{strings.Repeat("a", 64), false},
		{"", false},
		{"Java", false},
		{"a--b", false},
		{"-a", false},
		{"a_b", false},
		{"a.b", false},
		{"a b", false},
	}
	for _, c := range cases {
		if got := ValidTag(c.tag); got != c.want {
			t.Errorf("ValidTag(%q) = %v, want %v", c.tag, got, c.want)
		}
	}
}

func TestValidKey(t *testing.T) {
	cases := []struct {
		key  string
		want bool
	}{
		{"tier", true},
		{"backstage.io/source-location", true},
		{"github.com/project-slug", true},
		{"jira/project-key", true},
		{"example.com/Custom_Key.v2", true},
		{strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "/x", true},
		{strings.Repeat("a.", 127) + "a/x", false}, // prefix over 253
		{"", false},
		{"/name", false},
		{"prefix/", false},
		{"a/b/c", false},
		{"Example.com/x", false}, // the prefix is a DNS subdomain
		{"a--b.io/x", false},
		{"a..b/x", false},
		{"has space", false},
		{"x/" + strings.Repeat("a", 64), false},
	}
	for _, c := range cases {
		if got := ValidKey(c.key); got != c.want {
			t.Errorf("ValidKey(%q) = %v, want %v", c.key, got, c.want)
		}
	}
}

func TestValidLabelValueAndKind(t *testing.T) {
	for v, want := range map[string]bool{"": true, "3": true, "gold": true, "a b": false, "-x": false, strings.Repeat("v", 64): false} {
		if got := ValidLabelValue(v); got != want {
			t.Errorf("ValidLabelValue(%q) = %v, want %v", v, got, want)
		}
	}
	for k, want := range map[string]bool{"Component": true, "AiResource": true, "x1": true, "": false, "1x": false, "My-Kind": false, "My Kind": false, strings.Repeat("K", 64): false} {
		if got := ValidKind(k); got != want {
			t.Errorf("ValidKind(%q) = %v, want %v", k, got, want)
		}
	}
}

// validSpecs are minimal valid specs of each core kind, with Backstage's
// required fields (owner aside, see rules.go).
func validSpecs() map[string]map[string]any {
	return map[string]map[string]any{
		KindComponent: {"type": "service", "lifecycle": "production"},
		KindAPI:       {"type": "openapi", "lifecycle": "production", "definition": "openapi: 3.0.0"},
		KindResource:  {"type": "database"},
		KindSystem:    {},
		KindDomain:    {"owner": "team-a"},
		KindGroup:     {"type": "team", "children": []any{}},
		KindUser:      {"memberOf": []any{}},
		KindLocation:  {"target": "./a.yaml"},
		KindTemplate:  {"type": "service"},
	}
}

func entityOf(kind string, spec map[string]any) *Entity {
	apiVersion := "backstage.io/v1alpha1"
	if kind == KindTemplate {
		apiVersion = "scaffolder.backstage.io/v1beta3"
	}
	return &Entity{APIVersion: apiVersion, Kind: kind, Metadata: Metadata{Name: "x"}, Spec: spec}
}

// messages returns the messages of problems, for failure output.
func messages(errs []FieldError) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = strings.Join(e.Path, ".") + ": " + e.Message
	}
	return out
}

// hasProblem reports whether errs holds a problem at path whose message
// contains substr.
func hasProblem(errs []FieldError, path, substr string) bool {
	for _, e := range errs {
		if strings.Join(e.Path, ".") == path && strings.Contains(e.Message, substr) {
			return true
		}
	}
	return false
}

func TestValidateMinimalSpecs(t *testing.T) {
	for kind, spec := range validSpecs() {
		if errs := Validate(entityOf(kind, spec)); len(errs) != 0 {
			t.Errorf("%s: %v", kind, messages(errs))
		}
	}
}

func TestValidateRequiredSpecFields(t *testing.T) {
	cases := []struct {
		kind, field string
		required    bool
	}{
		{KindComponent, "type", true},
		{KindComponent, "lifecycle", true},
		{KindComponent, "owner", false}, // inherited from the system (rules.go)
		{KindAPI, "type", true},
		{KindAPI, "lifecycle", true},
		{KindAPI, "definition", true},
		{KindAPI, "owner", false},
		{KindResource, "type", true},
		{KindResource, "owner", false},
		{KindSystem, "owner", false},
		{KindDomain, "owner", true},
		{KindGroup, "type", true},
		{KindGroup, "children", true},
		{KindUser, "memberOf", true},
	}
	for _, c := range cases {
		base := validSpecs()[c.kind]
		spec := maps.Clone(base)
		spec["owner"] = "team-a"
		delete(spec, c.field)
		errs := Validate(entityOf(c.kind, spec))
		got := hasProblem(errs, "spec."+c.field, "is required")
		if got != c.required {
			t.Errorf("%s without spec.%s: required=%v, want %v (%v)", c.kind, c.field, got, c.required, messages(errs))
		}
		if c.required && len(errs) != 1 {
			t.Errorf("%s without spec.%s: %d problems, want 1: %v", c.kind, c.field, len(errs), messages(errs))
		}
		// A null value is as absent.
		spec[c.field] = nil
		if got := hasProblem(Validate(entityOf(c.kind, spec)), "spec."+c.field, "is required"); got != c.required {
			t.Errorf("%s with spec.%s: null: required=%v, want %v", c.kind, c.field, got, c.required)
		}
	}
}

func TestValidateSpecAbsent(t *testing.T) {
	for kind := range validSpecs() {
		errs := Validate(entityOf(kind, nil))
		switch kind {
		case KindTemplate:
			if len(errs) != 0 {
				t.Errorf("Template without spec: %v", messages(errs))
			}
		case KindLocation:
			if !hasProblem(errs, "spec", "spec.target or spec.targets") {
				t.Errorf("Location without spec: %v", messages(errs))
			}
		default:
			if !hasProblem(errs, "spec", "spec is required for") {
				t.Errorf("%s without spec: %v", kind, messages(errs))
			}
		}
	}
	if errs := Validate(entityOf(KindAPI, nil)); !hasProblem(errs, "spec", "spec is required for an API") {
		t.Errorf("article: %v", messages(errs))
	}
	unknown := &Entity{APIVersion: "example.com/v1", Kind: "Widget", Metadata: Metadata{Name: "w"}}
	if errs := Validate(unknown); len(errs) != 0 {
		t.Errorf("unknown kind without spec: %v", messages(errs))
	}
}

func TestValidateLocation(t *testing.T) {
	cases := []struct {
		spec map[string]any
		ok   bool
	}{
		{map[string]any{"target": "./a.yaml"}, true},
		{map[string]any{"targets": []any{"./a.yaml", "./b.yaml"}}, true},
		{map[string]any{"type": "url", "target": "https://github.com/o/r/blob/main/catalog-info.yaml"}, true},
		{map[string]any{"type": "url"}, false},
		{map[string]any{"target": nil}, false},
		{map[string]any{"target": ""}, false},
		{map[string]any{"target": int64(3)}, false},
		{map[string]any{"targets": "./a.yaml"}, false},
		{map[string]any{"targets": []any{"./a.yaml", ""}}, false},
	}
	for _, c := range cases {
		errs := Validate(entityOf(KindLocation, c.spec))
		if (len(errs) == 0) != c.ok {
			t.Errorf("Location %v: ok=%v, want %v: %v", c.spec, len(errs) == 0, c.ok, messages(errs))
		}
	}
}

func TestValidateAPIVersionPolicy(t *testing.T) {
	cases := []struct {
		apiVersion, kind string
		ok               bool
	}{
		{"backstage.io/v1alpha1", "Component", true},
		{"backstage.io/v1beta1", "Component", true},
		{"backstage.io/v1beta1", "component", true}, // kinds match case-insensitively
		{"backstage.io/v1beta2", "Component", false},
		{"backstage.io/v2", "Group", false},
		{"example.com/v1alpha1", "Component", false},
		{"scaffolder.backstage.io/v1beta3", "Template", true},
		{"backstage.io/v1beta2", "Template", true}, // the scaffolder's previous version
		{"backstage.io/v1alpha1", "Template", true},
		{"backstage.io/v1beta3", "Template", false}, // no such version
		{"scaffolder.backstage.io/v1beta3", "Component", false},
		{"backstage.io/v1alpha1", "AiResource", true},
		{"backstage.io/v1alpha2", "AiResource", false}, // unknown version of backstage.io
		{"example.com/v1", "Widget", true},
		{"gantry.dev/v1", "Action", true},
		{"my-company.example.com/V1Beta1", "Widget", true},
		{"v1", "Widget", true}, // Backstage allows a version without a group
		{"example.com/", "Widget", false},
		{"/v1", "Widget", false},
		{"Example.com/v1", "Widget", false},
		{"example.com/v1/x", "Widget", false},
		{"example.com/v-1", "Widget", false},
		{"example..com/v1", "Widget", false},
	}
	for _, c := range cases {
		e := &Entity{APIVersion: c.apiVersion, Kind: c.kind, Metadata: Metadata{Name: "x"}, Spec: validSpecs()[canonicalKind(c.kind)]}
		if e.Spec == nil {
			e.Spec = map[string]any{}
		}
		errs := Validate(e)
		if (len(errs) == 0) != c.ok {
			t.Errorf("%s %s: ok=%v, want %v: %v", c.apiVersion, c.kind, len(errs) == 0, c.ok, messages(errs))
		}
		if !c.ok && !hasProblem(errs, "apiVersion", "apiVersion") {
			t.Errorf("%s %s: problem not at apiVersion: %v", c.apiVersion, c.kind, messages(errs))
		}
	}
}

func TestValidateEnvelope(t *testing.T) {
	cases := []struct {
		name string
		e    Entity
		path string
		msg  string
	}{
		{"no apiVersion", Entity{Kind: "Component", Metadata: Metadata{Name: "a"}}, "apiVersion", "apiVersion is required"},
		{"no kind", Entity{APIVersion: "backstage.io/v1alpha1", Metadata: Metadata{Name: "a"}}, "kind", "kind is required"},
		{"bad kind", Entity{APIVersion: "example.com/v1", Kind: "My-Kind", Metadata: Metadata{Name: "a"}}, "kind", "letters and digits"},
		{"no name", Entity{APIVersion: "example.com/v1", Kind: "Widget"}, "metadata.name", "metadata.name is required"},
		{"name with a space", Entity{APIVersion: "example.com/v1", Kind: "Widget", Metadata: Metadata{Name: "my service"}}, "metadata.name", "no spaces"},
		{"name too long", Entity{APIVersion: "example.com/v1", Kind: "Widget", Metadata: Metadata{Name: strings.Repeat("n", 64)}}, "metadata.name", "1-63 characters"},
		{"bad namespace", Entity{APIVersion: "example.com/v1", Kind: "Widget", Metadata: Metadata{Name: "a", Namespace: "Team_A"}}, "metadata.namespace", "is not valid"},
		{"bad tag", Entity{APIVersion: "example.com/v1", Kind: "Widget", Metadata: Metadata{Name: "a", Tags: []string{"ok", "Not OK"}}}, "metadata.tags.1", "not a valid tag"},
		{"bad label key", Entity{APIVersion: "example.com/v1", Kind: "Widget", Metadata: Metadata{Name: "a", Labels: map[string]string{"bad key": "v"}}}, "metadata.labels.bad key", "key \"bad key\" is not valid"},
		{"bad label value", Entity{APIVersion: "example.com/v1", Kind: "Widget", Metadata: Metadata{Name: "a", Labels: map[string]string{"tier": "gold plated"}}}, "metadata.labels.tier", "value \"gold plated\" is not valid"},
		{"bad annotation key", Entity{APIVersion: "example.com/v1", Kind: "Widget", Metadata: Metadata{Name: "a", Annotations: map[string]string{"a/b/c": "v"}}}, "metadata.annotations.a/b/c", "is not valid"},
		{"link without url", Entity{APIVersion: "example.com/v1", Kind: "Widget", Metadata: Metadata{Name: "a", Links: []Link{{Title: "t"}}}}, "metadata.links.0", "url is required"},
		{"source-location without type", Entity{APIVersion: "example.com/v1", Kind: "Widget", Metadata: Metadata{Name: "a", Annotations: map[string]string{AnnotationSourceLocation: "https://github.com/o/r/tree/main/"}}}, "metadata.annotations.backstage.io/source-location", "prefix it with url:"},
		{"techdocs-ref without type", Entity{APIVersion: "example.com/v1", Kind: "Widget", Metadata: Metadata{Name: "a", Annotations: map[string]string{AnnotationTechDocsRef: "docs"}}}, "metadata.annotations.backstage.io/techdocs-ref", "type:target"},
		{"managed-by-location empty target", Entity{APIVersion: "example.com/v1", Kind: "Widget", Metadata: Metadata{Name: "a", Annotations: map[string]string{AnnotationManagedByLocation: "url: "}}}, "metadata.annotations.backstage.io/managed-by-location", "type:target"},
	}
	for _, c := range cases {
		errs := Validate(&c.e)
		if !hasProblem(errs, c.path, c.msg) {
			t.Errorf("%s: want a problem at %s with %q, got %v", c.name, c.path, c.msg, messages(errs))
		}
	}
	good := Entity{APIVersion: "example.com/v1", Kind: "Widget", Metadata: Metadata{
		Name: "a", Namespace: "team-a", Tags: []string{"c++", "java"},
		Labels:      map[string]string{"example.com/tier": "3", "empty": ""},
		Annotations: map[string]string{AnnotationSourceLocation: "url:https://github.com/o/r/tree/main/", AnnotationTechDocsRef: "dir:.", AnnotationManagedByLocation: "file:/srv/catalog/a.yaml", "anything.io/x": "any value: at all"},
		Links:       []Link{{URL: "https://example.com"}},
	}}
	if errs := Validate(&good); len(errs) != 0 {
		t.Errorf("valid entity: %v", messages(errs))
	}
}

func TestValidateSpecTypesAndRefs(t *testing.T) {
	cases := []struct {
		name string
		kind string
		set  map[string]any
		path string
		msg  string // "" when valid
	}{
		{"owner as a list", KindComponent, map[string]any{"owner": []any{"a"}}, "spec.owner", "must be a string, not a list"},
		{"owner empty", KindComponent, map[string]any{"owner": ""}, "spec.owner", "must not be empty"},
		{"owner with an empty name", KindComponent, map[string]any{"owner": "group:"}, "spec.owner", "empty name"},
		{"owner with an empty namespace", KindComponent, map[string]any{"owner": "group:/x"}, "spec.owner", "empty namespace"},
		{"owner user ref", KindComponent, map[string]any{"owner": "user:dtuite"}, "", ""},
		{"owner namespaced", KindComponent, map[string]any{"owner": "group:roadiehq/engineering"}, "", ""},
		{"type as a number", KindComponent, map[string]any{"type": int64(3)}, "spec.type", "must be a string, not a number"},
		{"dependsOn as a string", KindComponent, map[string]any{"dependsOn": "component:a"}, "spec.dependsOn", "must be a list of strings, not a string"},
		{"dependsOn empty item", KindComponent, map[string]any{"dependsOn": []any{"a", ""}}, "spec.dependsOn.1", "non-empty string"},
		{"dependsOn number item", KindComponent, map[string]any{"dependsOn": []any{int64(1)}}, "spec.dependsOn.0", "non-empty string"},
		{"dependsOn bad ref", KindComponent, map[string]any{"dependsOn": []any{"resource:"}}, "spec.dependsOn.0", "empty name"},
		{"capitalised kinds", KindComponent, map[string]any{"dependsOn": []any{"Component:sample-service-2", "Resource:sample-s3-bucket"}}, "", ""},
		{"children as a mapping", KindGroup, map[string]any{"children": map[string]any{}}, "spec.children", "must be a list"},
		{"memberOf items", KindUser, map[string]any{"memberOf": []any{"team-a", "group:other/team-b"}}, "", ""},
		{"extra spec fields kept", KindComponent, map[string]any{"custom": map[string]any{"em": "user:dtuite"}}, "", ""},
		{"mcp-server API with remotes", KindAPI, map[string]any{"type": "mcp-server", "definition": nil, "remotes": []any{map[string]any{"type": "streamable-http", "url": "https://api.example.com/mcp/"}}}, "", ""},
		{"mcp-server API without remotes", KindAPI, map[string]any{"type": "mcp-server", "definition": nil}, "spec.remotes", "is required"},
		{"ai-model-server API with an empty remotes", KindAPI, map[string]any{"type": "ai-model-server", "definition": nil, "remotes": []any{}}, "spec.remotes", "non-empty list"},
		{"mcp-server API remote without url", KindAPI, map[string]any{"type": "mcp-server", "remotes": []any{map[string]any{"type": "sse"}}}, "spec.remotes.0", "url must be a non-empty string"},
	}
	for _, c := range cases {
		spec := validSpecs()[c.kind]
		maps.Copy(spec, c.set)
		errs := Validate(entityOf(c.kind, spec))
		if c.msg == "" {
			if len(errs) != 0 {
				t.Errorf("%s: %v", c.name, messages(errs))
			}
			continue
		}
		if !hasProblem(errs, c.path, c.msg) {
			t.Errorf("%s: want a problem at %s with %q, got %v", c.name, c.path, c.msg, messages(errs))
		}
	}
}

func TestCanonicalKindAndFields(t *testing.T) {
	for _, k := range []string{"component", "COMPONENT", "Component"} {
		if got := canonicalKind(k); got != KindComponent {
			t.Errorf("canonicalKind(%q) = %q", k, got)
		}
	}
	if got := canonicalKind("template"); got != KindTemplate {
		t.Errorf("canonicalKind(template) = %q", got)
	}
	if got := canonicalKind("Widget"); got != "" {
		t.Errorf("canonicalKind(Widget) = %q", got)
	}
	var names []string
	for _, f := range fieldsOf("Widget") {
		names = append(names, f.name)
	}
	if !slices.Equal(names, []string{"owner", "system"}) {
		t.Errorf("generic fields %v", names)
	}
}
