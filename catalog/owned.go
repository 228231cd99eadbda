package catalog

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// owned lists what an owner owns given the refs it owns directly: those,
// then the entities that name no owner and inherit it through an owned
// system or domain (each with Via set to that system or domain), without
// duplicates, each group in display order.
func (c *Catalog) owned(ctx context.Context, direct []Ref) ([]Summary, error) {
	out, err := c.summaries(ctx, direct)
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(out))
	for _, s := range out {
		seen[s.Ref] = true
	}
	holders, err := c.store.Entities(ctx, uniqueRefs(direct))
	if err != nil {
		return nil, err
	}
	// Breadth first: a domain's unowned systems, then their unowned parts,
	// each inheriting from the owned entity the chain started at.
	type holder struct {
		e   Entity
		via string
	}
	var queue []holder
	for _, h := range holders {
		if h.Is(KindSystem) || h.Is(KindDomain) {
			queue = append(queue, holder{h, h.Ref().String()})
		}
	}
	var inherited []Entity
	var via []string
	for depth := 0; len(queue) > 0 && depth < 3; depth++ {
		var next []holder
		for _, h := range queue {
			parts, err := c.store.Entities(ctx, h.e.RelationTargets(RelHasPart))
			if err != nil {
				return nil, err
			}
			for _, p := range parts {
				ref := p.Ref().String()
				if seen[ref] || len(p.RelationTargets(RelOwnedBy)) > 0 {
					continue
				}
				seen[ref] = true
				inherited = append(inherited, p)
				via = append(via, h.via)
				if p.Is(KindSystem) {
					next = append(next, holder{p, h.via})
				}
			}
		}
		queue = next
	}
	viaOf := make(map[string]string, len(inherited))
	for i := range inherited {
		viaOf[inherited[i].Ref().String()] = via[i]
	}
	sortMatches(inherited)
	for i := range inherited {
		s := summary(&inherited[i])
		s.Via = viaOf[s.Ref]
		out = append(out, s)
	}
	return out, nil
}

// holds lists the parts of a system or domain, sorted, those that name no
// owner with Via set to it.
func (c *Catalog) holds(ctx context.Context, e *Entity) ([]Summary, error) {
	parts, err := c.store.Entities(ctx, uniqueRefs(e.RelationTargets(RelHasPart)))
	if err != nil || len(parts) == 0 {
		return nil, err
	}
	sortMatches(parts)
	out := make([]Summary, len(parts))
	for i := range parts {
		out[i] = summary(&parts[i])
		if len(parts[i].RelationTargets(RelOwnedBy)) == 0 {
			out[i].Via = e.Ref().String()
		}
	}
	return out, nil
}

// referencedOwner answers for q when it names a group or user that
// entities reference as their owner but that the catalog does not hold:
// the answer is that reference, marked NotInCatalog, with what names it.
// It returns nil when q names no such owner.
func (c *Catalog) referencedOwner(ctx context.Context, q string) (*OwnerMatch, error) {
	var candidates []Ref
	name := q
	if strings.Contains(q, ":") {
		r, err := ParseRef(q, "group", DefaultNamespace)
		if err != nil {
			return nil, nil
		}
		candidates = append(candidates, r)
		name = q[strings.LastIndexAny(q, ":/")+1:]
	} else {
		ns := DefaultNamespace
		if i := strings.IndexByte(q, '/'); i >= 0 {
			ns, name = q[:i], q[i+1:]
		}
		if !ValidName(name) || !ValidNamespace(strings.ToLower(ns)) {
			return nil, nil
		}
		candidates = append(candidates, NewRef("group", ns, name), NewRef("user", ns, name))
	}
	for _, cand := range candidates {
		refs, err := c.ownedBy(ctx, cand)
		if err != nil {
			return nil, err
		}
		if len(refs) == 0 {
			continue
		}
		owns, err := c.owned(ctx, refs)
		if err != nil {
			return nil, err
		}
		kind := canonicalKind(cand.Kind)
		if kind == "" {
			kind = cand.Kind
		}
		return &OwnerMatch{
			Ref:          cand.String(),
			Kind:         kind,
			Title:        name,
			Owner:        &Owner{Ref: cand.String(), Kind: kind, DisplayName: name, Members: []Person{}},
			Links:        []Link{},
			Provenance:   fmt.Sprintf("not in the catalog: named as the owner of %d entit%s", len(refs), plural(len(refs), "y", "ies")),
			NotInCatalog: true,
			Owns:         owns,
		}, nil
	}
	return nil, nil
}

// ownedBy returns the refs of the entities whose owner is ref, whether or
// not ref is in the catalog.
func (c *Catalog) ownedBy(ctx context.Context, ref Ref) ([]Ref, error) {
	if er, ok := c.store.(EdgeReader); ok {
		rels, err := er.RelationsFrom(ctx, ref)
		if err != nil {
			return nil, err
		}
		var out []Ref
		for _, r := range rels {
			if r.Type == RelOwnerOf {
				out = append(out, r.Target)
			}
		}
		return out, nil
	}
	var out []Ref
	err := c.store.Scan(ctx, nil, true, func(e *Entity) error {
		for _, o := range e.RelationTargets(RelOwnedBy) {
			if o == ref {
				out = append(out, e.Ref())
			}
		}
		return nil
	})
	return out, err
}

// Empty reports whether the catalog holds no entity at all, so that a
// question that finds nothing can say the catalog was never synced rather
// than "nothing matches".
func (c *Catalog) Empty(ctx context.Context) (bool, error) {
	if cnt, ok := c.store.(interface {
		CountEntities(context.Context) (int, error)
	}); ok {
		n, err := cnt.CountEntities(ctx)
		return n == 0, err
	}
	errFound := errors.New("found")
	err := c.store.Scan(ctx, nil, false, func(*Entity) error { return errFound })
	if errors.Is(err, errFound) {
		return false, nil
	}
	return err == nil, err
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
