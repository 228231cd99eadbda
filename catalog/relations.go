package catalog

// Relation types, as Backstage names them. Each is derived in both
// directions: an entity with spec.owner gets ownedBy, its owner ownerOf.
const (
	RelOwnedBy       = "ownedBy"
	RelOwnerOf       = "ownerOf"
	RelDependsOn     = "dependsOn"
	RelDependencyOf  = "dependencyOf"
	RelProvidesAPI   = "providesApi"
	RelAPIProvidedBy = "apiProvidedBy"
	RelConsumesAPI   = "consumesApi"
	RelAPIConsumedBy = "apiConsumedBy"
	RelPartOf        = "partOf"
	RelHasPart       = "hasPart"
	RelMemberOf      = "memberOf"
	RelHasMember     = "hasMember"
	RelParentOf      = "parentOf"
	RelChildOf       = "childOf"
)

// inverse maps each relation type to its opposite.
var inverse = map[string]string{
	RelOwnedBy: RelOwnerOf, RelOwnerOf: RelOwnedBy,
	RelDependsOn: RelDependencyOf, RelDependencyOf: RelDependsOn,
	RelProvidesAPI: RelAPIProvidedBy, RelAPIProvidedBy: RelProvidesAPI,
	RelConsumesAPI: RelAPIConsumedBy, RelAPIConsumedBy: RelConsumesAPI,
	RelPartOf: RelHasPart, RelHasPart: RelPartOf,
	RelMemberOf: RelHasMember, RelHasMember: RelMemberOf,
	RelParentOf: RelChildOf, RelChildOf: RelParentOf,
}

// InverseRelation returns the opposite of a relation type ("" if unknown).
func InverseRelation(typ string) string { return inverse[typ] }

// Edge is one directed relation between two entities.
type Edge struct {
	Source Ref
	Type   string
	Target Ref
}

// Edges returns the relations an entity's spec declares, each in both
// directions: for a Component owned by team-a, the pair
// (component ownedBy team-a) and (team-a ownerOf component). Malformed
// references are skipped here; Validate reports them.
func Edges(e *Entity) []Edge {
	self := e.Ref()
	var out []Edge
	seen := map[Edge]bool{}
	add := func(ed Edge) {
		if !seen[ed] {
			seen[ed] = true
			out = append(out, ed)
		}
	}
	for _, f := range fieldsOf(e.Kind) {
		if f.relation == "" {
			continue
		}
		for _, s := range e.SpecStrings(f.name) {
			target, err := ParseRef(s, f.refKind, self.Namespace)
			if err != nil {
				continue
			}
			add(Edge{Source: self, Type: f.relation, Target: target})
			add(Edge{Source: target, Type: inverse[f.relation], Target: self})
		}
	}
	return out
}
