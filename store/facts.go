package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Facts are what providers read about entities (the github source: README,
// branch protection, open pull requests, ...) for scorecards to evaluate:
// one JSON object per entity and provider, with the time it was read.

// FactSet is one provider's facts about one entity. It is an alias of an
// unnamed struct type, so a consumer may declare the same alias in its own
// package (scorecards do not import store) and the types are identical.
type FactSet = struct {
	Facts  map[string]any
	ReadAt time.Time
}

// PutFacts records a provider's facts about an entity, replacing the
// provider's last ones. ref is an entity ref (compared lowercased).
func (db *DB) PutFacts(ctx context.Context, ref, provider string, facts map[string]any, readAt time.Time) error {
	if facts == nil {
		facts = map[string]any{}
	}
	body, err := json.Marshal(facts)
	if err != nil {
		return fmt.Errorf("encoding %s facts of %s: %w", provider, ref, err)
	}
	_, err = db.write.ExecContext(ctx, db.write.Rebind(`INSERT INTO facts (entity_ref, provider, facts, read_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (entity_ref, provider) DO UPDATE SET facts = excluded.facts, read_at = excluded.read_at`),
		noNUL(strings.ToLower(ref)), noNUL(provider), noNULJSON(string(body)), readAt.UnixMilli())
	if err != nil {
		return dbError(err, "recording %s facts of %s", provider, ref)
	}
	return nil
}

// DeleteFacts forgets a provider's facts about an entity; an empty
// provider forgets every provider's.
func (db *DB) DeleteFacts(ctx context.Context, ref, provider string) error {
	q, args := "DELETE FROM facts WHERE entity_ref = ?", []any{noNUL(strings.ToLower(ref))}
	if provider != "" {
		q += " AND provider = ?"
		args = append(args, noNUL(provider))
	}
	if _, err := db.write.ExecContext(ctx, db.write.Rebind(q), args...); err != nil {
		return dbError(err, "forgetting facts of %s", ref)
	}
	return nil
}

// Facts returns every provider's facts about an entity, by provider; an
// entity nothing is known of has an empty map.
func (db *DB) Facts(ctx context.Context, ref string) (map[string]FactSet, error) {
	all, err := db.selectFacts(ctx, "WHERE entity_ref = ?", strings.ToLower(ref))
	if err != nil {
		return nil, err
	}
	if out := all[strings.ToLower(ref)]; out != nil {
		return out, nil
	}
	return map[string]FactSet{}, nil
}

// AllFacts returns the facts of every entity, by ref then provider, in one
// read: what a scorecard run over the whole catalog needs. A provider
// other than "" restricts it to that provider's facts.
func (db *DB) AllFacts(ctx context.Context, provider string) (map[string]map[string]FactSet, error) {
	if provider != "" {
		return db.selectFacts(ctx, "WHERE provider = ?", provider)
	}
	return db.selectFacts(ctx, "")
}

func (db *DB) selectFacts(ctx context.Context, where string, args ...any) (map[string]map[string]FactSet, error) {
	rows, err := db.read.QueryxContext(ctx, db.read.Rebind("SELECT entity_ref, provider, facts, read_at FROM facts "+where+" ORDER BY entity_ref, provider"), noNULArgs(args)...)
	if err != nil {
		return nil, dbError(err, "reading facts")
	}
	defer rows.Close()
	out := map[string]map[string]FactSet{}
	for rows.Next() {
		var ref, provider, body string
		var readAt int64
		if err := rows.Scan(&ref, &provider, &body, &readAt); err != nil {
			return nil, dbError(err, "reading facts")
		}
		set := FactSet{ReadAt: time.UnixMilli(readAt).UTC()}
		if err := json.Unmarshal([]byte(body), &set.Facts); err != nil {
			return nil, fmt.Errorf("%s facts of %s: %w", provider, ref, err)
		}
		if out[ref] == nil {
			out[ref] = map[string]FactSet{}
		}
		out[ref][provider] = set
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(err, "reading facts")
	}
	return out, nil
}
