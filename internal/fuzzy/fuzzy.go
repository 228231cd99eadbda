// Package fuzzy says how far apart two words are, for "did you mean": a
// mistyped command, field, action or entity name.
package fuzzy

import (
	"math"
	"strings"
	"unicode/utf8"
)

// Distance is the optimal string alignment distance between a and b, in
// runes: the insertions, deletions, substitutions and swaps of neighbours
// that turn one into the other ("stpes" is one from "steps").
func Distance(a, b string) int { return DistanceAtMost(a, b, math.MaxInt-1) }

// DistanceAtMost is Distance, or a value above max as soon as the distance
// is certain to exceed it (cheaper when most candidates are far off).
func DistanceAtMost(a, b string, max int) int {
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

// Nearest returns the candidate closest to word, ignoring case, or "" when
// none is close enough to be a typo of it: at most one edit for every
// three letters of word. Of candidates equally close, the first wins.
func Nearest(word string, candidates []string) string {
	word = strings.ToLower(word)
	best, bestD := "", 1+utf8.RuneCountInString(word)/3
	for _, c := range candidates {
		if d := DistanceAtMost(word, strings.ToLower(c), bestD); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}
