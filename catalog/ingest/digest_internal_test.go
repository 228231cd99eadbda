package ingest

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// reparseRegexp is the definition mustReparse's byte scan follows.
var reparseRegexp = regexp.MustCompile(`(?i)kind["']?\s*:\s*["']?location\b|\$(text|json|yaml)\b`)

// TestMustReparseAgreesWithTheRegexp: the byte scan answers as the regexp
// does, on chosen cases and on random ASCII made of the words that matter.
func TestMustReparseAgreesWithTheRegexp(t *testing.T) {
	cases := []string{
		"", "l", "k", "$", "location", "kind", "kind:", "kind: Location", "kind: LoCaTiOn\n", `"kind": "location"`, "'kind' : 'Location'",
		"kind: Component\nmetadata:\n  name: x\n", "description: $text: ./README.md", "x: {$json: a.json}", "$YAML", "$texts", "$text_",
		"price: $5", "kind:Location", "kind:\n\tlocation", "allocation: high", "kind: Locations", "kind: Location_x", "KIND : location", "mankind: location",
		"backstage.io/source-location: url:https://x", "kind: Component # location", "kind::location", "kind  \"location",
	}
	pieces := []string{"kind", "KIND", "Kind", ":", " ", "\t", "\n", "\"", "'", "location", "Location", "LOCATIONS", "$", "text", "json", "yaml", "x", "_", "-", "1"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(8) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		cases = append(cases, b.String())
	}
	for _, in := range cases {
		if got, want := mustReparse([]byte(in)), reparseRegexp.MatchString(in); got != want {
			t.Fatalf("%q: mustReparse %v, regexp %v", in, got, want)
		}
	}
}

func BenchmarkMustReparse(b *testing.B) {
	data := []byte("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: checkout\n  description: Takes payments\n" +
		"  annotations:\n    backstage.io/source-location: url:https://github.com/acme/checkout\nspec:\n  type: service\n  lifecycle: production\n  owner: payments\n")
	for b.Loop() {
		mustReparse(data)
	}
}
