package store

import (
	"encoding/binary"
	"math"
)

// ftsWeight weighs column c of entities_fts (name, title, description,
// tags, owner, system, links): what an entity is called counts most, what
// it is about least. PostgreSQL's A/B/C weights follow the same grouping.
func ftsWeight(c int) float64 {
	switch c {
	case 0, 1: // name, title
		return 10
	case 3, 4, 5: // tags, owner, system
		return 4
	default: // description, links
		return 2
	}
}

// BM25's usual constants.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// rankMatchinfo is gantry_rank(matchinfo(entities_fts, 'pcnalx')): the
// column-weighted BM25 score of one row, higher is better. FTS4 has no
// built-in ranking; this is the function SQLite's FTS4 documentation
// sketches, with FTS5's floor on the IDF of very common words.
func rankMatchinfo(mi []byte) float64 {
	u := func(i int) float64 {
		if 4*i+4 > len(mi) {
			return 0
		}
		return float64(binary.NativeEndian.Uint32(mi[4*i:]))
	}
	phrases, cols := int(u(0)), int(u(1))
	if 4*(3+2*cols+3*cols*phrases) > len(mi) {
		return 0
	}
	docs := u(2)
	avgOff, lenOff, hitOff := 3, 3+cols, 3+2*cols
	var score float64
	for p := range phrases {
		for c := range cols {
			x := hitOff + 3*(c+p*cols)
			tf, withHits := u(x), u(x+2)
			if tf == 0 {
				continue
			}
			idf := math.Max(1e-6, math.Log((docs-withHits+0.5)/(withHits+0.5)))
			avg := math.Max(1, u(avgOff+c))
			norm := 1 - bm25B + bm25B*u(lenOff+c)/avg
			score += ftsWeight(c) * idf * tf * (bm25K1 + 1) / (tf + bm25K1*norm)
		}
	}
	return score
}
