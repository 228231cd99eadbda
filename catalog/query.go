package catalog

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gantryhq/gantry/internal/errkind"
	"github.com/gantryhq/gantry/internal/expr"
)

// QueryResult is the outcome of a Query.
type QueryResult struct {
	Count    int      // entities that matched
	Entities []Entity // the first Limit of them, in ref order
}

// Query returns the entities for which a CEL expression over `entity` is
// true, e.g. `entity.kind == "Component" && !has(entity.spec.owner)`.
// An entity on which the expression fails (a missing field, a type
// mismatch) does not match. A bad expression is an errkind.Invalid error
// with its position; one that exceeds the cost limit on any entity stops
// the query with an errkind.Invalid error.
func (c *Catalog) Query(ctx context.Context, src string, limit int) (QueryResult, error) {
	prg, err := c.exprs.Compile(src)
	if err != nil {
		return QueryResult{}, err
	}
	return c.Filter(ctx, prg, limit, nil)
}

// Filter is Query for an already compiled program over `entity` plus any
// extra variables vars(e) returns (scorecards add `facts`). vars may be nil.
func (c *Catalog) Filter(ctx context.Context, prg *expr.Program, limit int, vars func(e *Entity) map[string]any) (QueryResult, error) {
	if limit <= 0 {
		limit = 50
	}
	var res QueryResult
	withRelations := strings.Contains(prg.Source(), "relations")
	err := c.store.Scan(ctx, nil, withRelations, func(e *Entity) error {
		in := map[string]any{"entity": e.Map()}
		if vars != nil {
			for k, v := range vars(e) {
				in[k] = v
			}
		}
		ok, err := prg.EvalBool(ctx, in)
		if err != nil {
			if errors.Is(err, expr.ErrCostLimit) {
				return err
			}
			if errkind.Is(err, errkind.Invalid) && !expr.IsMissing(err) {
				return fmt.Errorf("on %s: %w", e.Ref(), err)
			}
			return nil
		}
		if ok {
			res.Count++
			if len(res.Entities) < limit {
				res.Entities = append(res.Entities, *e)
			}
		}
		return nil
	})
	return res, err
}

// Map returns the entity as CEL and templates see it: Backstage's JSON
// shape (apiVersion, kind, metadata, spec, relations) as plain maps.
func (e *Entity) Map() map[string]any {
	md := make(map[string]any, 8+len(e.Metadata.Extra))
	for k, v := range e.Metadata.Extra {
		md[k] = v
	}
	md["name"] = e.Metadata.Name
	md["namespace"] = e.Metadata.Namespace
	if e.Metadata.Title != "" {
		md["title"] = e.Metadata.Title
	}
	if e.Metadata.Description != "" {
		md["description"] = e.Metadata.Description
	}
	md["labels"] = orEmpty(e.Metadata.Labels)
	md["annotations"] = orEmpty(e.Metadata.Annotations)
	tags := make([]any, len(e.Metadata.Tags))
	for i, t := range e.Metadata.Tags {
		tags[i] = t
	}
	md["tags"] = tags
	links := make([]any, len(e.Metadata.Links))
	for i, l := range e.Metadata.Links {
		links[i] = map[string]any{"url": l.URL, "title": l.Title, "icon": l.Icon, "type": l.Type}
	}
	md["links"] = links
	rels := make([]any, len(e.Relations))
	for i, r := range e.Relations {
		rels[i] = map[string]any{"type": r.Type, "targetRef": r.Target.String()}
	}
	m := map[string]any{
		"apiVersion": e.APIVersion,
		"kind":       e.Kind,
		"metadata":   md,
		"relations":  rels,
		"ref":        e.Ref().String(),
	}
	if e.Spec != nil {
		m["spec"] = e.Spec
	} else {
		m["spec"] = map[string]any{}
	}
	return m
}

func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
