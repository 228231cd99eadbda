package fuzzy

import "testing"

func TestDistance(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"checkout", "checkout", 0},
		{"checkout", "chekout", 1},   // deletion
		{"checkout", "checkouts", 1}, // insertion
		{"checkout", "chackout", 1},  // substitution
		{"checkout", "chekcout", 1},  // adjacent transposition
		{"stpes", "steps", 1},
		{"", "abc", 3},
		{"abc", "", 3},
		{"café", "cafe", 1}, // runes, not bytes
	}
	for _, c := range cases {
		if got := Distance(c.a, c.b); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestDistanceAtMost(t *testing.T) {
	cases := []struct {
		a, b string
		max  int
		want int
	}{
		{"checkout", "checkout", 3, 0},
		{"checkout", "chekout", 3, 1},   // deletion
		{"checkout", "checkouts", 3, 1}, // insertion
		{"checkout", "chackout", 3, 1},  // substitution
		{"checkout", "chekcout", 3, 1},  // adjacent transposition
		{"", "abc", 5, 3},
		{"abc", "", 5, 3},
		{"payments", "shipping", 2, 3}, // over max: max+1
		{"café", "cafe", 2, 1},         // runes, not bytes
	}
	for _, c := range cases {
		if got := DistanceAtMost(c.a, c.b, c.max); got != c.want {
			t.Errorf("DistanceAtMost(%q, %q, %d) = %d, want %d", c.a, c.b, c.max, got, c.want)
		}
	}
}

func TestNearest(t *testing.T) {
	known := []string{"apiVersion", "kind", "metadata", "spec", "steps"}
	cases := []struct {
		word, want string
	}{
		{"stpes", "steps"},           // a swap
		{"Kind", "kind"},             // case is ignored; the candidate is returned as written
		{"apiversion", "apiVersion"}, // likewise
		{"metdata", "metadata"},      // one edit in seven letters
		{"spex", "spec"},             // one edit in four letters
		{"kid", "kind"},              // one edit in three letters
		{"mtdt", ""},                 // four edits from metadata: too many
		{"xyz", ""},                  // nothing near
		{"", ""},
	}
	for _, c := range cases {
		if got := Nearest(c.word, known); got != c.want {
			t.Errorf("Nearest(%q) = %q, want %q", c.word, got, c.want)
		}
	}
	if got := Nearest("abc", []string{"abd", "abe"}); got != "abd" {
		t.Errorf("a tie: %q, want the first candidate", got)
	}
}
