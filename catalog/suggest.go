package catalog

import (
	"context"
	"sort"
	"strings"
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
			d := editDistance(q, name, maxDist)
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

// editDistance is the optimal-string-alignment distance between a and b
// (insertions, deletions, substitutions and adjacent transpositions), or a
// value above max as soon as it is certain to exceed it.
func editDistance(a, b string, max int) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > max {
			return max + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
