package catalog

import "testing"

func TestEditDistance(t *testing.T) {
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
		if got := editDistance(c.a, c.b, c.max); got != c.want {
			t.Errorf("editDistance(%q, %q, %d) = %d, want %d", c.a, c.b, c.max, got, c.want)
		}
	}
}
