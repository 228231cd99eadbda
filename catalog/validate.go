package catalog

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Validate checks an entity against Backstage's rules: apiVersion and kind,
// names, namespace, labels, annotations, tags, links, and the spec fields of
// core kinds (required fields, types, references). Kinds Gantry does not
// know are accepted with whatever spec they carry. Each problem names the
// path of the field at fault.
func Validate(e *Entity) []FieldError {
	var errs []FieldError
	add := func(msg string, path ...string) { errs = append(errs, problemAt(msg, path...)) }

	switch {
	case e.APIVersion == "":
		add("apiVersion is required", "apiVersion")
	case !validAPIVersion(e.APIVersion):
		add(fmt.Sprintf("apiVersion %q is not of the form group/version (e.g. backstage.io/v1alpha1)", e.APIVersion), "apiVersion")
	}
	switch {
	case e.Kind == "":
		add("kind is required", "kind")
	case !ValidKind(e.Kind):
		add(fmt.Sprintf("kind %q must be letters and digits, starting with a letter", e.Kind), "kind")
	}
	if e.APIVersion != "" && e.Kind != "" {
		if msg := checkAPIVersion(e.APIVersion, e.Kind); msg != "" {
			add(msg, "apiVersion")
		}
	}
	errs = append(errs, validateMetadata(&e.Metadata)...)
	errs = append(errs, validateSpec(e)...)
	return errs
}

// checkAPIVersion applies Backstage's version policy: core kinds exist in
// backstage.io/v1alpha1 and v1beta1 only; other kinds may come from any
// group, but not from an unknown version of backstage.io.
func checkAPIVersion(apiVersion, kind string) string {
	core := canonicalKind(kind)
	switch {
	case core == KindTemplate:
		if !templateAPIVersions[apiVersion] && !coreAPIVersions[apiVersion] {
			return fmt.Sprintf("unknown apiVersion %q for kind Template (expected scaffolder.backstage.io/v1beta3)", apiVersion)
		}
	case core != "":
		if !coreAPIVersions[apiVersion] {
			return fmt.Sprintf("unknown apiVersion %q for kind %s (expected backstage.io/v1alpha1 or backstage.io/v1beta1)", apiVersion, core)
		}
	case strings.HasPrefix(apiVersion, "backstage.io/") && !coreAPIVersions[apiVersion]:
		return fmt.Sprintf("unknown apiVersion %q (backstage.io has v1alpha1 and v1beta1)", apiVersion)
	}
	return ""
}

func validateMetadata(md *Metadata) []FieldError {
	var errs []FieldError
	add := func(msg string, path ...string) { errs = append(errs, problemAt(msg, path...)) }
	switch {
	case md.Name == "":
		add("metadata.name is required", "metadata", "name")
	case !ValidName(md.Name):
		add(fmt.Sprintf("metadata.name %q is not a valid name: 1-63 characters, letters, digits and -_. inside, starting and ending with a letter or digit (no spaces)", md.Name), "metadata", "name")
	}
	if md.Namespace != "" && !ValidNamespace(md.Namespace) {
		add(fmt.Sprintf("metadata.namespace %q is not valid: lowercase letters, digits and -, at most 63 characters", md.Namespace), "metadata", "namespace")
	}
	for _, k := range sortedKeys(md.Labels) {
		if !ValidKey(k) {
			add(fmt.Sprintf("metadata.labels key %q is not valid: [prefix/]name with a DNS prefix", k), "metadata", "labels", k)
		}
		if v := md.Labels[k]; !ValidLabelValue(v) {
			add(fmt.Sprintf("metadata.labels.%s value %q is not valid: at most 63 letters, digits and -_.", k, v), "metadata", "labels", k)
		}
	}
	for _, k := range sortedKeys(md.Annotations) {
		if !ValidKey(k) {
			add(fmt.Sprintf("metadata.annotations key %q is not valid: [prefix/]name with a DNS prefix", k), "metadata", "annotations", k)
		}
	}
	for _, k := range locationRefAnnotations {
		if v, ok := md.Annotations[k]; ok {
			if msg := checkLocationRef(v); msg != "" {
				add(fmt.Sprintf("metadata.annotations.%s %q %s", k, v, msg), "metadata", "annotations", k)
			}
		}
	}
	if v := strings.TrimSpace(md.Annotations[AnnotationOncall]); v != "" {
		ns := md.Namespace
		if ns == "" {
			ns = DefaultNamespace
		}
		if _, err := ParseRotation(v, ns); err != nil {
			add("metadata.annotations."+err.Error(), "metadata", "annotations", AnnotationOncall)
		}
	}
	for i, t := range md.Tags {
		if !ValidTag(t) {
			add(fmt.Sprintf("metadata.tags[%d] %q is not a valid tag: lowercase letters, digits, +#: and single dashes, at most 63 characters", i, t), "metadata", "tags", strconv.Itoa(i))
		}
	}
	for i, l := range md.Links {
		if l.URL == "" {
			add(fmt.Sprintf("metadata.links[%d].url is required", i), "metadata", "links", strconv.Itoa(i))
		}
	}
	return errs
}

func validateSpec(e *Entity) []FieldError {
	var errs []FieldError
	add := func(msg string, path ...string) { errs = append(errs, problemAt(msg, path...)) }
	core := canonicalKind(e.Kind)
	if e.Spec == nil {
		if core != "" && core != KindTemplate && core != KindLocation {
			add(fmt.Sprintf("spec is required for %s", article(core)), "spec")
		}
		if core == KindLocation {
			add("a Location needs spec.target or spec.targets", "spec")
		}
		return errs
	}
	if core == KindTemplate {
		return errs // kept, not run: its spec is the scaffolder's business
	}
	ns := e.Metadata.Namespace
	if ns == "" {
		ns = DefaultNamespace
	}
	fields := fieldsOf(e.Kind)
	if typ, _ := e.Spec["type"].(string); core == KindAPI && remotesAPITypes[typ] {
		fields = apiRemotesFields(fields)
		errs = append(errs, validateRemotes(e.Spec["remotes"])...)
	}
	for _, f := range fields {
		v, present := e.Spec[f.name]
		path := []string{"spec", f.name}
		if !present || v == nil {
			if f.required {
				add(fmt.Sprintf("spec.%s is required for %s", f.name, article(core)), path...)
			}
			continue
		}
		switch f.typ {
		case stringField:
			s, ok := v.(string)
			if !ok {
				add(fmt.Sprintf("spec.%s must be a string, not %s", f.name, typeName(v)), path...)
				continue
			}
			if s == "" {
				add(fmt.Sprintf("spec.%s must not be empty", f.name), path...)
				continue
			}
			if f.refKind != "" {
				if _, err := ParseRef(s, f.refKind, ns); err != nil {
					add(fmt.Sprintf("spec.%s: %v", f.name, err), path...)
				}
			}
		case stringListField:
			list, ok := v.([]any)
			if !ok {
				add(fmt.Sprintf("spec.%s must be a list of strings, not %s", f.name, typeName(v)), path...)
				continue
			}
			for i, item := range list {
				ipath := append(path[:2:2], strconv.Itoa(i))
				s, ok := item.(string)
				if !ok || s == "" {
					add(fmt.Sprintf("spec.%s[%d] must be a non-empty string", f.name, i), ipath...)
					continue
				}
				if f.refKind != "" {
					if _, err := ParseRef(s, f.refKind, ns); err != nil {
						add(fmt.Sprintf("spec.%s[%d]: %v", f.name, i, err), ipath...)
					}
				}
			}
		}
	}
	if core == KindLocation && e.Spec["target"] == nil && e.Spec["targets"] == nil {
		add("a Location needs spec.target or spec.targets", "spec")
	}
	return errs
}

// article returns the kind with its indefinite article ("an API").
func article(kind string) string {
	if strings.ContainsRune("AEIOU", rune(kind[0])) {
		return "an " + kind
	}
	return "a " + kind
}

// apiRemotesFields are the fields of an API described by remotes: the same,
// without spec.definition.
func apiRemotesFields(fields []specField) []specField {
	out := make([]specField, 0, len(fields))
	for _, f := range fields {
		if f.name != "definition" {
			out = append(out, f)
		}
	}
	return out
}

// validateRemotes checks spec.remotes of an mcp-server or ai-model-server
// API: a non-empty list of {type, url}.
func validateRemotes(v any) []FieldError {
	list, ok := v.([]any)
	switch {
	case v == nil:
		return []FieldError{problemAt("spec.remotes is required for an API of this type (a list of {type, url})", "spec", "remotes")}
	case !ok || len(list) == 0:
		return []FieldError{problemAt("spec.remotes must be a non-empty list of {type, url}", "spec", "remotes")}
	}
	var errs []FieldError
	for i, item := range list {
		m, _ := item.(map[string]any)
		for _, key := range []string{"type", "url"} {
			if s, _ := m[key].(string); s == "" {
				errs = append(errs, problemAt(fmt.Sprintf("spec.remotes[%d].%s must be a non-empty string", i, key), "spec", "remotes", strconv.Itoa(i)))
			}
		}
	}
	return errs
}

// checkLocationRef checks a location reference as Backstage's
// parseLocationRef does; it returns what is wrong, or "".
func checkLocationRef(s string) string {
	typ, target, found := strings.Cut(s, ":")
	typ, target = strings.TrimSpace(typ), strings.TrimSpace(target)
	switch {
	case !found || typ == "" || target == "":
		return "is not a location reference: write type:target, e.g. url:https://host/path"
	case typ == "http" || typ == "https":
		return "is not a location reference: prefix it with url: (url:" + s + ")"
	}
	return ""
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
