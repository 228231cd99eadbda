package catalog

import (
	"slices"
	"testing"
)

func TestLookupKeys(t *testing.T) {
	cases := []struct {
		name string
		e    Entity
		want []Key
	}{
		{"project slug", Entity{Kind: "Component", Metadata: Metadata{Annotations: map[string]string{AnnotationProjectSlug: " RoadieHQ/Sample-Service/ "}}},
			[]Key{{KeyRepo, "roadiehq/sample-service"}}},
		{"source location, same repo once", Entity{Kind: "Component", Metadata: Metadata{Annotations: map[string]string{
			AnnotationProjectSlug:    "roadiehq/sample-service",
			AnnotationSourceLocation: "url:https://github.com/RoadieHQ/sample-service/tree/main/",
		}}}, []Key{{KeyRepo, "roadiehq/sample-service"}}},
		{"source and managed-by locations", Entity{Kind: "API", Metadata: Metadata{Annotations: map[string]string{
			AnnotationSourceLocation:    "url:https://github.com/acme/api-specs.git",
			AnnotationManagedByLocation: "url:https://github.com/acme/catalog/blob/main/catalog-info.yaml",
		}}}, []Key{{KeyRepo, "acme/api-specs"}, {KeyRepo, "acme/catalog"}}},
		{"file location gives nothing", Entity{Kind: "Component", Metadata: Metadata{Annotations: map[string]string{AnnotationManagedByLocation: "file:/srv/catalog/a.yaml"}}}, nil},
		{"user email and slack id", Entity{Kind: "User", Metadata: Metadata{Annotations: map[string]string{AnnotationSlackUserID: " U024BE7LH "}},
			Spec: map[string]any{"profile": map[string]any{"email": " Alice@Example.com"}}},
			[]Key{{KeyEmail, "alice@example.com"}, {KeySlackUser, "U024BE7LH"}}},
		{"group email, no slack key", Entity{Kind: "Group", Metadata: Metadata{Annotations: map[string]string{AnnotationSlackUserID: "U1"}},
			Spec: map[string]any{"profile": map[string]any{"email": "team-a@example.com"}}},
			[]Key{{KeyEmail, "team-a@example.com"}}},
		{"component email ignored", Entity{Kind: "Component", Spec: map[string]any{"profile": map[string]any{"email": "x@example.com"}}}, nil},
		{"email of the wrong type", Entity{Kind: "User", Spec: map[string]any{"profile": map[string]any{"email": int64(3)}}}, nil},
	}
	for _, c := range cases {
		if got := LookupKeys(&c.e); !slices.Equal(got, c.want) {
			t.Errorf("%s: LookupKeys = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestRepoFromLocation(t *testing.T) {
	cases := map[string]string{
		"url:https://github.com/Org/Repo/tree/main/x": "org/repo",
		"https://github.com/org/repo":                 "org/repo",
		"url:https://github.example.com/org/repo.git": "org/repo",
		"url:http://github.com/org/repo/":             "org/repo",
		"url:https://github.com/org":                  "",
		"url:https://github.com/":                     "",
		"file:/srv/catalog/a.yaml":                    "",
		"dir:.":                                       "",
		"":                                            "",
		"url:https://%zz/org/repo":                    "",
		"url:https:///org/repo":                       "",
	}
	for in, want := range cases {
		if got := RepoFromLocation(in); got != want {
			t.Errorf("RepoFromLocation(%q) = %q, want %q", in, got, want)
		}
	}
}
