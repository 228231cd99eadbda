package catalog

import (
	"encoding/json"
	"strings"
)

// Core kinds, as Backstage spells them. Other kinds (Template, and kinds a
// company invents) are kept and treated generically.
const (
	KindComponent = "Component"
	KindAPI       = "API"
	KindResource  = "Resource"
	KindSystem    = "System"
	KindDomain    = "Domain"
	KindGroup     = "Group"
	KindUser      = "User"
	KindLocation  = "Location"
	KindTemplate  = "Template"
)

// Annotations that Backstage and Gantry give a meaning to.
const (
	AnnotationManagedByLocation       = "backstage.io/managed-by-location"
	AnnotationManagedByOriginLocation = "backstage.io/managed-by-origin-location"
	AnnotationSourceLocation          = "backstage.io/source-location"
	AnnotationTechDocsRef             = "backstage.io/techdocs-ref"
	AnnotationProjectSlug             = "github.com/project-slug"
	AnnotationSlackChannel            = "gantry.dev/slack-channel"
	AnnotationSlackUserID             = "gantry.dev/slack-user-id"
	AnnotationOncall                  = "gantry.dev/oncall"
	AnnotationInferred                = "gantry.dev/inferred"
	AnnotationInferredFrom            = "gantry.dev/inferred-from"
)

// Entity is one catalog entity in Backstage's model. Everything its authors
// wrote is kept: unknown metadata and top-level fields in Extra, the whole
// spec as a generic map, so a descriptor round-trips unchanged.
type Entity struct {
	APIVersion string
	Kind       string
	Metadata   Metadata
	Spec       map[string]any
	// Relations are derived by the catalog (never read from a descriptor):
	// the outgoing edges of this entity, in both directions of each pair.
	Relations []Relation
	// Extra holds top-level fields other than the four above (e.g. status).
	Extra map[string]any
	// Origin says where the entity was read. It is not part of the
	// descriptor and is not serialised with it.
	Origin Origin
}

// Metadata is an entity's metadata block.
type Metadata struct {
	Name        string
	Namespace   string
	Title       string
	Description string
	Labels      map[string]string
	Annotations map[string]string
	Tags        []string
	Links       []Link
	// Extra holds metadata fields Gantry does not interpret (uid, etag, ...).
	Extra map[string]any
}

// Link is an entry of metadata.links.
type Link struct {
	URL   string `json:"url"`
	Title string `json:"title,omitempty"`
	Icon  string `json:"icon,omitempty"`
	Type  string `json:"type,omitempty"`
}

// Relation is a directed, typed edge from the entity that carries it.
type Relation struct {
	Type   string `json:"type"`
	Target Ref    `json:"-"`
}

// Origin is where an entity was read from.
type Origin struct {
	Source string // the configured source's name
	File   string // the file as shown to people (a path, or org/repo:path)
	Line   int    // 1-based line of the document in File
	// Location is the managed-by-location value ("file:/abs/path" or
	// "url:https://..."), and OriginLocation the location that was
	// registered and led here.
	Location       string
	OriginLocation string
	// Flag is non-empty when this is the last good version of an entity
	// whose descriptor failed at the latest sync: the reason.
	Flag string
}

// Ref returns the entity's canonical reference.
func (e *Entity) Ref() Ref {
	return NewRef(e.Kind, e.Metadata.Namespace, e.Metadata.Name)
}

// Title returns metadata.title, else the name.
func (e *Entity) Title() string {
	if e.Metadata.Title != "" {
		return e.Metadata.Title
	}
	return e.Metadata.Name
}

// Annotation returns the value of an annotation, or "".
func (e *Entity) Annotation(key string) string { return e.Metadata.Annotations[key] }

// SpecString returns a string field of spec (a dotted path such as
// "profile.email"), or "" when absent or not a string.
func (e *Entity) SpecString(path string) string {
	var v any = e.Spec
	for _, part := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[part]
	}
	s, _ := v.(string)
	return s
}

// SpecStrings returns a string-list field of spec; non-string items are
// skipped. A single string is returned as a one-item list.
func (e *Entity) SpecStrings(field string) []string {
	switch v := e.Spec[field].(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, item := range v {
			if s, ok := item.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// Is reports whether the entity is of kind k, compared case-insensitively.
func (e *Entity) Is(k string) bool { return strings.EqualFold(e.Kind, k) }

// RelationTargets returns the targets of the entity's relations of one type.
func (e *Entity) RelationTargets(typ string) []Ref {
	var out []Ref
	for _, r := range e.Relations {
		if r.Type == typ {
			out = append(out, r.Target)
		}
	}
	return out
}

// MarshalJSON writes the entity in Backstage's JSON shape, with relations as
// {type, targetRef} and extra fields inline.
func (e Entity) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, 5+len(e.Extra))
	for k, v := range e.Extra {
		m[k] = v
	}
	m["apiVersion"] = e.APIVersion
	m["kind"] = e.Kind
	m["metadata"] = e.Metadata
	if e.Spec != nil {
		m["spec"] = e.Spec
	}
	if len(e.Relations) > 0 {
		rels := make([]map[string]string, len(e.Relations))
		for i, r := range e.Relations {
			rels[i] = map[string]string{"type": r.Type, "targetRef": r.Target.String()}
		}
		m["relations"] = rels
	}
	return json.Marshal(m)
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (e *Entity) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	*e = Entity{}
	for k, v := range raw {
		var err error
		switch k {
		case "apiVersion":
			err = json.Unmarshal(v, &e.APIVersion)
		case "kind":
			err = json.Unmarshal(v, &e.Kind)
		case "metadata":
			err = json.Unmarshal(v, &e.Metadata)
		case "spec":
			err = json.Unmarshal(v, &e.Spec)
		case "relations":
			var rels []struct{ Type, TargetRef string }
			if err = json.Unmarshal(v, &rels); err == nil {
				for _, r := range rels {
					target, perr := ParseRef(r.TargetRef, "", DefaultNamespace)
					if perr == nil {
						e.Relations = append(e.Relations, Relation{Type: r.Type, Target: target})
					}
				}
			}
		default:
			if e.Extra == nil {
				e.Extra = map[string]any{}
			}
			var x any
			err = json.Unmarshal(v, &x)
			e.Extra[k] = x
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// MarshalJSON writes metadata with its extra fields inline.
func (m Metadata) MarshalJSON() ([]byte, error) {
	out := make(map[string]any, 8+len(m.Extra))
	for k, v := range m.Extra {
		out[k] = v
	}
	out["name"] = m.Name
	set := func(k, v string) {
		if v != "" {
			out[k] = v
		}
	}
	set("namespace", m.Namespace)
	set("title", m.Title)
	set("description", m.Description)
	if m.Labels != nil {
		out["labels"] = m.Labels
	}
	if m.Annotations != nil {
		out["annotations"] = m.Annotations
	}
	if m.Tags != nil {
		out["tags"] = m.Tags
	}
	if m.Links != nil {
		out["links"] = m.Links
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (m *Metadata) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	*m = Metadata{}
	for k, v := range raw {
		var err error
		switch k {
		case "name":
			err = json.Unmarshal(v, &m.Name)
		case "namespace":
			err = json.Unmarshal(v, &m.Namespace)
		case "title":
			err = json.Unmarshal(v, &m.Title)
		case "description":
			err = json.Unmarshal(v, &m.Description)
		case "labels":
			err = json.Unmarshal(v, &m.Labels)
		case "annotations":
			err = json.Unmarshal(v, &m.Annotations)
		case "tags":
			err = json.Unmarshal(v, &m.Tags)
		case "links":
			err = json.Unmarshal(v, &m.Links)
		default:
			if m.Extra == nil {
				m.Extra = map[string]any{}
			}
			var x any
			err = json.Unmarshal(v, &x)
			m.Extra[k] = x
		}
		if err != nil {
			return err
		}
	}
	return nil
}
