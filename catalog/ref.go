package catalog

import (
	"fmt"
	"strings"

	"github.com/gantryhq/gantry/internal/errkind"
)

// DefaultNamespace is the namespace of an entity or a reference that names
// none, as in Backstage.
const DefaultNamespace = "default"

// Ref names one entity: kind, namespace and name. Refs compare
// case-insensitively, so every Ref built by this package is lowercased; use
// an Entity's metadata for the spelling its authors chose.
type Ref struct {
	Kind      string
	Namespace string
	Name      string
}

// String returns the canonical form "kind:namespace/name".
func (r Ref) String() string {
	return r.Kind + ":" + r.Namespace + "/" + r.Name
}

// IsZero reports whether r names nothing.
func (r Ref) IsZero() bool { return r == Ref{} }

// Short returns the shortest unambiguous way to write r for a person:
// "name" in the default namespace, else "namespace/name"; the kind is left
// out because callers show it beside.
func (r Ref) Short() string {
	if r.Namespace == DefaultNamespace {
		return r.Name
	}
	return r.Namespace + "/" + r.Name
}

// NewRef builds a canonical (lowercased) Ref.
func NewRef(kind, namespace, name string) Ref {
	if namespace == "" {
		namespace = DefaultNamespace
	}
	return Ref{Kind: strings.ToLower(kind), Namespace: strings.ToLower(namespace), Name: strings.ToLower(name)}
}

// ParseRef parses "[kind:][namespace/]name". A missing kind takes
// defaultKind and a missing namespace takes defaultNamespace (or "default").
// It is an Invalid error when no kind can be determined or a part is empty.
func ParseRef(s, defaultKind, defaultNamespace string) (Ref, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Ref{}, errkind.New(errkind.Invalid, "empty entity reference")
	}
	kind, rest := defaultKind, s
	if i := strings.IndexByte(s, ':'); i >= 0 {
		// A colon after a slash belongs to the name ("ns/a:b" is odd but is a
		// name), matching Backstage's parser, which only splits a leading kind.
		if j := strings.IndexByte(s, '/'); j < 0 || i < j {
			kind, rest = s[:i], s[i+1:]
		}
	}
	ns, name := defaultNamespace, rest
	if j := strings.IndexByte(rest, '/'); j >= 0 {
		ns, name = rest[:j], rest[j+1:]
	}
	// Blanks around a part are not part of it ("component: foo").
	kind, ns, name = strings.TrimSpace(kind), strings.TrimSpace(ns), strings.TrimSpace(name)
	switch {
	case kind == "":
		return Ref{}, errkind.New(errkind.Invalid, "entity reference %q has no kind and none is implied here", s)
	case ns == "" && strings.Contains(rest, "/"):
		return Ref{}, errkind.New(errkind.Invalid, "entity reference %q has an empty namespace", s)
	case name == "":
		return Ref{}, errkind.New(errkind.Invalid, "entity reference %q has an empty name", s)
	case strings.ContainsAny(kind, ":/") || strings.Contains(ns, "/"):
		// Only a default can bring these: a ref written so would not read back.
		return Ref{}, errkind.New(errkind.Invalid, "entity reference %q: kind %q or namespace %q holds a separator", s, kind, ns)
	}
	return NewRef(kind, ns, name), nil
}

// MustParseRef is ParseRef for literals in tests and examples; it panics on
// a malformed reference.
func MustParseRef(s string) Ref {
	r, err := ParseRef(s, "", DefaultNamespace)
	if err != nil {
		panic(fmt.Sprintf("catalog.MustParseRef(%q): %v", s, err))
	}
	return r
}
