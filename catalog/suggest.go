package catalog

import (
	"context"
	"sort"
	"strings"

	"github.com/gantryhq/gantry/internal/fuzzy"
)

// Suggest returns up to n entities whose names are close to q ("did you
// mean"): names containing q or contained in it, then names within a few
// typos, nearest first.
func (c *Catalog) Suggest(ctx context.Context, q string, n int) ([]Ref, error) {
	q = strings.ToLower(strings.TrimSpace(q))
	if i := strings.LastIndexAny(q, ":/"); i >= 0 {
		q = q[i+1:]
	}
	if q == "" {
		return nil, nil
	}
	refs, err := c.store.Refs(ctx)
	if err != nil {
		return nil, err
	}
	type scored struct {
		ref   Ref
		score int
	}
	maxDist := 1 + len(q)/4
	var hits []scored
	for _, r := range refs {
		if r.Kind == "location" {
			continue
		}
		name := r.Name
		var score int
		switch {
		case name == q:
			score = 0
		case strings.HasPrefix(name, q) || strings.HasPrefix(q, name):
			score = 1 + abs(len(name)-len(q))/4
		case strings.Contains(name, q) || (len(name) >= 4 && strings.Contains(q, name)):
			score = 2 + abs(len(name)-len(q))/4
		default:
			if abs(len(name)-len(q)) > maxDist {
				continue
			}
			d := fuzzy.DistanceAtMost(q, name, maxDist)
			if d > maxDist {
				continue
			}
			score = 1 + d*2
		}
		hits = append(hits, scored{r, score})
	}
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].score != hits[j].score {
			return hits[i].score < hits[j].score
		}
		if ki, kj := kindRank(hits[i].ref.Kind), kindRank(hits[j].ref.Kind); ki != kj {
			return ki < kj
		}
		return hits[i].ref.String() < hits[j].ref.String()
	})
	out := make([]Ref, 0, n)
	for _, h := range hits {
		if len(out) == n {
			break
		}
		out = append(out, h.ref)
	}
	return out, nil
}

// kindRank orders kinds for display: what people ask about most first.
func kindRank(kind string) int {
	switch kind {
	case "component":
		return 0
	case "api", "resource":
		return 1
	case "system", "domain":
		return 2
	case "group":
		return 3
	case "user":
		return 4
	}
	return 5
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
