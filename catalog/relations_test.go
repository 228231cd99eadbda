package catalog

import (
	"slices"
	"testing"
)

// edgeStrings renders edges as "source type target" for comparison.
func edgeStrings(edges []Edge) []string {
	out := make([]string, len(edges))
	for i, e := range edges {
		out[i] = e.Source.String() + " " + e.Type + " " + e.Target.String()
	}
	slices.Sort(out)
	return out
}

func TestEdges(t *testing.T) {
	cases := []struct {
		name string
		e    Entity
		want []string
	}{
		{"component", Entity{Kind: "Component", Metadata: Metadata{Name: "checkout", Namespace: "shop"}, Spec: map[string]any{
			"type": "service", "lifecycle": "production",
			"owner":          "team-a",
			"system":         "payments",
			"subcomponentOf": "platform",
			"providesApis":   []any{"checkout-api"},
			"consumesApis":   []any{"api:default/stripe"},
			"dependsOn":      []any{"Resource:db", "cart"},
			"dependencyOf":   []any{"frontend"},
		}}, []string{
			"api:default/stripe apiConsumedBy component:shop/checkout",
			"api:shop/checkout-api apiProvidedBy component:shop/checkout",
			"component:shop/cart dependencyOf component:shop/checkout",
			"component:shop/checkout consumesApi api:default/stripe",
			"component:shop/checkout dependencyOf component:shop/frontend",
			"component:shop/checkout dependsOn component:shop/cart",
			"component:shop/checkout dependsOn resource:shop/db",
			"component:shop/checkout ownedBy group:shop/team-a",
			"component:shop/checkout partOf component:shop/platform",
			"component:shop/checkout partOf system:shop/payments",
			"component:shop/checkout providesApi api:shop/checkout-api",
			"component:shop/frontend dependsOn component:shop/checkout",
			"component:shop/platform hasPart component:shop/checkout",
			"group:shop/team-a ownerOf component:shop/checkout",
			"resource:shop/db dependencyOf component:shop/checkout",
			"system:shop/payments hasPart component:shop/checkout",
		}},
		{"api", Entity{Kind: "API", Metadata: Metadata{Name: "petstore"}, Spec: map[string]any{"owner": "user:alice", "system": "pets"}}, []string{
			"api:default/petstore ownedBy user:default/alice",
			"api:default/petstore partOf system:default/pets",
			"system:default/pets hasPart api:default/petstore",
			"user:default/alice ownerOf api:default/petstore",
		}},
		{"resource", Entity{Kind: "Resource", Metadata: Metadata{Name: "db"}, Spec: map[string]any{"owner": "team-a", "system": "pets", "dependsOn": []any{"resource:disk"}, "dependencyOf": []any{"api-server"}}}, []string{
			"component:default/api-server dependsOn resource:default/db",
			"group:default/team-a ownerOf resource:default/db",
			"resource:default/db dependencyOf component:default/api-server",
			"resource:default/db dependsOn resource:default/disk",
			"resource:default/db ownedBy group:default/team-a",
			"resource:default/db partOf system:default/pets",
			"resource:default/disk dependencyOf resource:default/db",
			"system:default/pets hasPart resource:default/db",
		}},
		{"system", Entity{Kind: "System", Metadata: Metadata{Name: "pets"}, Spec: map[string]any{"owner": "team-a", "domain": "animals"}}, []string{
			"domain:default/animals hasPart system:default/pets",
			"group:default/team-a ownerOf system:default/pets",
			"system:default/pets ownedBy group:default/team-a",
			"system:default/pets partOf domain:default/animals",
		}},
		{"domain", Entity{Kind: "Domain", Metadata: Metadata{Name: "animals"}, Spec: map[string]any{"owner": "team-a", "subdomainOf": "life"}}, []string{
			"domain:default/animals ownedBy group:default/team-a",
			"domain:default/animals partOf domain:default/life",
			"domain:default/life hasPart domain:default/animals",
			"group:default/team-a ownerOf domain:default/animals",
		}},
		{"group", Entity{Kind: "Group", Metadata: Metadata{Name: "team-a"}, Spec: map[string]any{"type": "team", "parent": "eng", "children": []any{"team-a1"}, "members": []any{"alice"}}}, []string{
			"group:default/eng parentOf group:default/team-a",
			"group:default/team-a childOf group:default/eng",
			"group:default/team-a hasMember user:default/alice",
			"group:default/team-a parentOf group:default/team-a1",
			"group:default/team-a1 childOf group:default/team-a",
			"user:default/alice memberOf group:default/team-a",
		}},
		{"user", Entity{Kind: "User", Metadata: Metadata{Name: "alice", Namespace: "people"}, Spec: map[string]any{"memberOf": []any{"team-a", "group:default/all"}}}, []string{
			"group:default/all hasMember user:people/alice",
			"group:people/team-a hasMember user:people/alice",
			"user:people/alice memberOf group:default/all",
			"user:people/alice memberOf group:people/team-a",
		}},
		{"location has none", Entity{Kind: "Location", Metadata: Metadata{Name: "root"}, Spec: map[string]any{"target": "./a.yaml", "owner": "team-a"}}, nil},
		{"unknown kind with an owner", Entity{Kind: "AiResource", Metadata: Metadata{Name: "skill"}, Spec: map[string]any{"owner": "backstage/maintainers", "system": "backstage"}}, []string{
			"airesource:default/skill ownedBy group:backstage/maintainers",
			"airesource:default/skill partOf system:default/backstage",
			"group:backstage/maintainers ownerOf airesource:default/skill",
			"system:default/backstage hasPart airesource:default/skill",
		}},
		{"malformed refs skipped, duplicates once", Entity{Kind: "Component", Metadata: Metadata{Name: "c"}, Spec: map[string]any{"owner": "group:", "dependsOn": []any{"a", "component:a", "", 3}}}, []string{
			"component:default/a dependencyOf component:default/c",
			"component:default/c dependsOn component:default/a",
		}},
	}
	for _, c := range cases {
		got := edgeStrings(Edges(&c.e))
		want := slices.Clone(c.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, want)
		}
	}
}

func TestInverseRelation(t *testing.T) {
	pairs := [][2]string{
		{RelOwnedBy, RelOwnerOf}, {RelDependsOn, RelDependencyOf}, {RelProvidesAPI, RelAPIProvidedBy},
		{RelConsumesAPI, RelAPIConsumedBy}, {RelPartOf, RelHasPart}, {RelMemberOf, RelHasMember}, {RelParentOf, RelChildOf},
	}
	for _, p := range pairs {
		if InverseRelation(p[0]) != p[1] || InverseRelation(p[1]) != p[0] {
			t.Errorf("%s and %s are not each other's inverse", p[0], p[1])
		}
	}
	if InverseRelation("likes") != "" {
		t.Error("unknown relation has an inverse")
	}
	// Every relation a spec field emits has an inverse.
	for kind, fields := range kindSchemas {
		for _, f := range fields {
			if f.relation != "" && InverseRelation(f.relation) == "" {
				t.Errorf("%s spec.%s: relation %s has no inverse", kind, f.name, f.relation)
			}
		}
	}
}
