package catalog

import "context"

// Store is what the catalog's queries need from persistence. The store
// package implements it; tests may use any other implementation.
//
// Refs passed in are canonical (lowercased). Entities returned carry their
// Relations (both directions of every edge that starts at them) and Origin.
type Store interface {
	// Entity returns one entity. Errors: errkind.NotFound.
	Entity(ctx context.Context, ref Ref) (*Entity, error)
	// Entities returns the entities of refs that exist, in the order given;
	// missing refs are skipped.
	Entities(ctx context.Context, refs []Ref) ([]Entity, error)
	// EntitiesByName returns every entity whose metadata.name equals name,
	// case-insensitively, whatever its kind and namespace.
	EntitiesByName(ctx context.Context, name string) ([]Entity, error)
	// EntitiesByKey returns the entities indexed under a lookup key (see
	// LookupKeys); value is compared as given (keys are stored lowercased
	// where the key's doc says so).
	EntitiesByKey(ctx context.Context, key, value string) ([]Entity, error)
	// Search runs a full-text search over names, titles, descriptions, tags,
	// owner, system and link titles. Any text is accepted: the store quotes
	// it; it never reaches the engine's query syntax.
	Search(ctx context.Context, q SearchQuery) (SearchResult, error)
	// Scan calls fn with every entity of the given kinds (all kinds when
	// kinds is empty), in ref order, without relations unless withRelations.
	// fn must not retain e after returning; returning an error stops the
	// scan and is returned.
	Scan(ctx context.Context, kinds []string, withRelations bool, fn func(e *Entity) error) error
	// Refs returns every entity's ref, for "did you mean" suggestions.
	Refs(ctx context.Context) ([]Ref, error)
}

// EdgeReader is what a Store may also implement to read relations without
// their entity: RelationsFrom returns the relations that start at ref
// (every edge is stored in both directions, so these are also what points
// at ref), whether or not ref itself is in the catalog. WhoOwns uses it to
// answer for an owner that entities name but the catalog does not hold;
// without it, it scans the catalog.
type EdgeReader interface {
	RelationsFrom(ctx context.Context, ref Ref) ([]Relation, error)
}

// PartialReader is what a Store may also implement to read an entity with
// only its relations of some types: a system or a team of a large catalog
// has thousands of edges (hasPart, ownerOf), and WhoOwns needs one or two
// kinds of them from each entity around the one asked about. Without it,
// Entity is used.
type PartialReader interface {
	EntityWithRelations(ctx context.Context, ref Ref, types ...string) (*Entity, error)
}

// SearchQuery is a full-text search.
type SearchQuery struct {
	Text   string
	Kinds  []string // restrict to these kinds (case-insensitive); empty: all
	Limit  int      // default 10
	Offset int
}

// SearchResult is a page of ranked hits.
type SearchResult struct {
	Hits  []SearchHit
	Total int // hits in all (the store may cap the count, see Capped)
	// Capped reports that Total stopped counting at the store's cap.
	Capped bool
}

// SearchHit is one ranked match.
type SearchHit struct {
	Entity Entity
	// Snippet is the matching text with each matched word between single
	// asterisks (bold in Slack's mrkdwn), or the start of the description.
	Snippet string
	Rank    float64 // higher is better
}
