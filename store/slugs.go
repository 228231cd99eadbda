package store

import (
	"context"
	"slices"
	"strings"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/catalog/ingest"
)

// EntitiesBySlug returns, for each repository named ("owner/name",
// compared lowercased), the entities whose github.com/project-slug
// annotation names it (ref and source), in ref order: what a github source attaches a
// repository's facts to besides the entities it holds itself. Repositories
// no entity names are absent. It reads the lookup keys the store indexes
// (catalog.KeyRepo), one query per inChunk repositories, and keeps the
// entities whose slug is the repository (a repo key may also come from a
// source location).
func (db *DB) EntitiesBySlug(ctx context.Context, repos []string) (map[string][]ingest.SlugMatch, error) {
	keys := make([]string, 0, len(repos))
	for _, r := range repos {
		if r = slugKey(r); r != "" {
			keys = append(keys, noNUL(r))
		}
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	slug := "coalesce(json_extract(e.body, '$.metadata.annotations.\"" + catalog.AnnotationProjectSlug + "\"'), '')"
	if db.dialect == DialectPostgres {
		slug = "coalesce(e.body->'metadata'->'annotations'->>'" + catalog.AnnotationProjectSlug + "', '')"
	}
	out := map[string][]ingest.SlugMatch{}
	for chunk := range slices.Chunk(keys, inChunk) {
		var rows []struct {
			Repo   string `db:"value"`
			Ref    string `db:"ref"`
			Source string `db:"source"`
			Slug   string `db:"slug"`
		}
		q := "SELECT k.value, e.ref, e.source, " + slug + ` AS slug FROM entity_keys k JOIN entities e ON e.ref = k.ref
			WHERE k.key = ? AND k.value IN (?) ORDER BY e.ref`
		if err := db.selectIn(ctx, &rows, q, catalog.KeyRepo, chunk); err != nil {
			return nil, dbError(err, "looking up the entities of %d repositories by project slug", len(repos))
		}
		for _, r := range rows {
			if slugKey(r.Slug) == r.Repo {
				out[r.Repo] = append(out[r.Repo], ingest.SlugMatch{Ref: r.Ref, Source: r.Source})
			}
		}
	}
	return out, nil
}

// slugKey is a project slug as the lookup keys hold it (catalog.LookupKeys).
func slugKey(s string) string {
	return strings.ToLower(strings.Trim(s, "/ "))
}
