package ingest

import (
	"path"
	"strings"
)

// MatchGlob reports whether a slash-separated path matches a pattern in
// which "**" matches any number of directories (including none) and the
// other metacharacters are path.Match's: "*", "?", "[...]".
// A malformed pattern matches nothing.
func MatchGlob(pattern, name string) bool {
	return matchParts(strings.Split(pattern, "/"), strings.Split(name, "/"))
}

func matchParts(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			rest := pat[1:]
			for i := 0; i <= len(name); i++ {
				if matchParts(rest, name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		ok, err := path.Match(pat[0], name[0])
		if err != nil || !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}

// ValidGlob reports whether a pattern is well formed.
func ValidGlob(pattern string) bool {
	for _, part := range strings.Split(pattern, "/") {
		if part == "**" {
			continue
		}
		if _, err := path.Match(part, ""); err != nil {
			return false
		}
	}
	return true
}

// hasMeta reports whether s holds glob metacharacters.
func hasMeta(s string) bool { return strings.ContainsAny(s, "*?[") }
