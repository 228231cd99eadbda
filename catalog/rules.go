package catalog

import (
	"regexp"
	"strings"
)

// Backstage's naming rules (packages/catalog-model, KubernetesValidatorFunctions
// and DefaultNamespaceEntityPolicy), so a catalog valid there is valid here.
var (
	objectNameRe = regexp.MustCompile(`^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`)
	// Backstage's DNS labels allow single dashes only ("a--b" is invalid
	// there, though RFC 1123 allows it).
	dnsLabelRe = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)
	kindRe     = regexp.MustCompile(`^[a-zA-Z][a-z0-9A-Z]*$`)
	tagRe      = regexp.MustCompile(`^[a-z0-9:+#]+(?:-[a-z0-9:+#]+)*$`)
	versionRe  = regexp.MustCompile(`^[a-zA-Z0-9]{1,63}$`)
)

// validDNSSubdomain reports whether s is dot-separated DNS labels, at most
// 253 characters.
func validDNSSubdomain(s string) bool {
	if len(s) < 1 || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if !ValidNamespace(label) {
			return false
		}
	}
	return true
}

// validAPIVersion reports whether s is "[group/]version" as Backstage
// accepts it: a DNS-subdomain group, and a version of letters and digits.
func validAPIVersion(s string) bool {
	group, version, found := strings.Cut(s, "/")
	if !found {
		return versionRe.MatchString(s)
	}
	return validDNSSubdomain(group) && versionRe.MatchString(version)
}

// ValidName reports whether s is a valid entity name: 1–63 characters,
// alphanumerics with [-_.] inside.
func ValidName(s string) bool { return len(s) >= 1 && len(s) <= 63 && objectNameRe.MatchString(s) }

// ValidNamespace reports whether s is a valid namespace (a DNS label).
func ValidNamespace(s string) bool { return len(s) >= 1 && len(s) <= 63 && dnsLabelRe.MatchString(s) }

// ValidKind reports whether s is a valid kind name.
func ValidKind(s string) bool { return len(s) >= 1 && len(s) <= 63 && kindRe.MatchString(s) }

// ValidTag reports whether s is a valid tag.
func ValidTag(s string) bool { return len(s) >= 1 && len(s) <= 63 && tagRe.MatchString(s) }

// ValidKey reports whether s is a valid label or annotation key:
// "[prefix/]name" with a DNS-subdomain prefix of at most 253 characters.
func ValidKey(s string) bool {
	prefix, name, found := strings.Cut(s, "/")
	if !found {
		return ValidName(s)
	}
	return validDNSSubdomain(prefix) && ValidName(name)
}

// ValidLabelValue reports whether s is a valid label value (empty, or a name).
func ValidLabelValue(s string) bool { return s == "" || ValidName(s) }

// coreAPIVersions are the versions Backstage accepts for its core kinds.
var coreAPIVersions = map[string]bool{"backstage.io/v1alpha1": true, "backstage.io/v1beta1": true}

// templateAPIVersions are the scaffolder's versions; Gantry keeps templates
// but does not run them.
var templateAPIVersions = map[string]bool{
	"scaffolder.backstage.io/v1beta3": true,
	"backstage.io/v1beta2":            true, // the scaffolder's previous version
}

// remotesAPITypes are the API types that Backstage describes by spec.remotes
// (endpoints) instead of spec.definition.
var remotesAPITypes = map[string]bool{"mcp-server": true, "ai-model-server": true}

// locationRefAnnotations hold location references ("url:https://...",
// "dir:.", "file:/path"), which Backstage parses as type:target and
// refuses without a type.
var locationRefAnnotations = []string{
	AnnotationManagedByLocation,
	AnnotationManagedByOriginLocation,
	AnnotationSourceLocation,
	AnnotationTechDocsRef,
}

// fieldType is the JSON type a spec field must have.
type fieldType int

const (
	stringField fieldType = iota
	stringListField
)

// specField describes one spec field of a core kind: its type, whether it
// is required, and, for references, the relation it yields.
type specField struct {
	name     string
	typ      fieldType
	required bool
	// For reference fields: the kind a bare name defaults to and the
	// relation type emitted from this entity to the target.
	refKind  string
	relation string
}

// kindSchemas are Backstage's JSON schemas of the core kinds, reduced to
// what Gantry checks and derives relations from. Unknown kinds get
// genericFields: they are owned and belong to systems like any other.
//
// One deliberate difference: spec.owner is optional on Components, APIs,
// Resources and Systems, because Gantry inherits ownership from the system
// and then the domain ("owned via system:default/payments"), and an entity
// with no owner at all is better shown (and scored) than dropped.
var kindSchemas = map[string][]specField{
	KindComponent: {
		{name: "type", required: true},
		{name: "lifecycle", required: true},
		{name: "owner", refKind: "group", relation: RelOwnedBy},
		{name: "system", refKind: "system", relation: RelPartOf},
		{name: "subcomponentOf", refKind: "component", relation: RelPartOf},
		{name: "providesApis", typ: stringListField, refKind: "api", relation: RelProvidesAPI},
		{name: "consumesApis", typ: stringListField, refKind: "api", relation: RelConsumesAPI},
		{name: "dependsOn", typ: stringListField, refKind: "component", relation: RelDependsOn},
		{name: "dependencyOf", typ: stringListField, refKind: "component", relation: RelDependencyOf},
	},
	KindAPI: {
		{name: "type", required: true},
		{name: "lifecycle", required: true},
		{name: "owner", refKind: "group", relation: RelOwnedBy},
		{name: "definition", required: true},
		{name: "system", refKind: "system", relation: RelPartOf},
	},
	KindResource: {
		{name: "type", required: true},
		{name: "owner", refKind: "group", relation: RelOwnedBy},
		{name: "system", refKind: "system", relation: RelPartOf},
		{name: "dependsOn", typ: stringListField, refKind: "component", relation: RelDependsOn},
		{name: "dependencyOf", typ: stringListField, refKind: "component", relation: RelDependencyOf},
	},
	KindSystem: {
		{name: "owner", refKind: "group", relation: RelOwnedBy},
		{name: "domain", refKind: "domain", relation: RelPartOf},
	},
	KindDomain: {
		{name: "owner", required: true, refKind: "group", relation: RelOwnedBy},
		{name: "subdomainOf", refKind: "domain", relation: RelPartOf},
	},
	KindGroup: {
		{name: "type", required: true},
		{name: "children", typ: stringListField, required: true, refKind: "group", relation: RelParentOf},
		{name: "parent", refKind: "group", relation: RelChildOf},
		{name: "members", typ: stringListField, refKind: "user", relation: RelHasMember},
	},
	KindUser: {
		{name: "memberOf", typ: stringListField, required: true, refKind: "group", relation: RelMemberOf},
	},
	KindLocation: {
		{name: "type"},
		{name: "target"},
		{name: "targets", typ: stringListField},
	},
}

// genericFields apply to kinds Gantry does not know: an owner and a system
// are common enough to be worth relating, but neither is required.
var genericFields = []specField{
	{name: "owner", refKind: "group", relation: RelOwnedBy},
	{name: "system", refKind: "system", relation: RelPartOf},
}

// canonicalKind returns the core kind spelled as Backstage does, matching
// case-insensitively, or "" for a kind that is not core.
func canonicalKind(kind string) string {
	for k := range kindSchemas {
		if strings.EqualFold(k, kind) {
			return k
		}
	}
	if strings.EqualFold(kind, KindTemplate) {
		return KindTemplate
	}
	return ""
}

// fieldsOf returns the spec fields checked for a kind.
func fieldsOf(kind string) []specField {
	if f, ok := kindSchemas[canonicalKind(kind)]; ok {
		return f
	}
	return genericFields
}
