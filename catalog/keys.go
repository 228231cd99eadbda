package catalog

import (
	"net/url"
	"strings"
)

// Lookup keys: values other than its name by which an entity is found.
// The store indexes them; WhoOwns and the bot query them.
const (
	KeyRepo      = "repo"       // "org/repo", lowercased: from github.com/project-slug or a GitHub source location
	KeyEmail     = "email"      // spec.profile.email of a User or Group, lowercased
	KeySlackUser = "slack-user" // gantry.dev/slack-user-id of a User
)

// Key is one lookup key of an entity.
type Key struct {
	Name  string
	Value string
}

// LookupKeys returns the lookup keys of an entity, without duplicates.
func LookupKeys(e *Entity) []Key {
	var keys []Key
	seen := map[Key]bool{}
	add := func(name, value string) {
		k := Key{Name: name, Value: value}
		if value != "" && !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	if slug := e.Annotation(AnnotationProjectSlug); slug != "" {
		add(KeyRepo, strings.ToLower(strings.Trim(slug, "/ ")))
	}
	for _, loc := range []string{e.Annotation(AnnotationSourceLocation), e.Annotation(AnnotationManagedByLocation)} {
		add(KeyRepo, RepoFromLocation(loc))
	}
	if e.Is(KindUser) || e.Is(KindGroup) {
		add(KeyEmail, strings.ToLower(strings.TrimSpace(e.SpecString("profile.email"))))
	}
	if e.Is(KindUser) {
		add(KeySlackUser, strings.TrimSpace(e.Annotation(AnnotationSlackUserID)))
	}
	return keys
}

// RepoFromLocation returns "org/repo" (lowercased) for a location on a
// GitHub-like host ("url:https://github.com/org/repo/tree/main/x"), or "".
func RepoFromLocation(loc string) string {
	loc = strings.TrimPrefix(loc, "url:")
	if !strings.HasPrefix(loc, "https://") && !strings.HasPrefix(loc, "http://") {
		return ""
	}
	u, err := url.Parse(loc)
	if err != nil || u.Host == "" {
		return ""
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
		return ""
	}
	return strings.ToLower(parts[0] + "/" + strings.TrimSuffix(parts[1], ".git"))
}
