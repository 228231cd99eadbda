package actions

import (
	"context"
	"errors"
	"sort"
	"strings"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/internal/errkind"
)

// The choices of entity inputs. A catalog may hold a hundred thousand
// components, and Slack gives a form 3 seconds to open and a search 2.5 s
// to answer: neither may read the whole kind. The form reads at most
// MaxChoices+1 entities to decide between a static list and a search; a
// search reads pages of the catalog's full-text search (or, with nothing
// typed, the first entities of the kind in name order), applies the
// input's filter to each page, and stops at MaxChoices choices or after
// choiceReadBudget entities.

// MaxChoices is the most choices offered at once: Slack's static select
// holds 100 options, and an external select's answer as many.
const MaxChoices = 100

// choiceReadBudget bounds the entities one search of choices reads: with
// a filter that keeps few entities, a search shows what the first pages
// hold, and the person types more to narrow it.
const choiceReadBudget = 500

// Choice is one option of an entity input.
type Choice struct {
	Value string // the entity ref
	Label string
}

// chooser picks the choices of one entity input for one person.
type chooser struct {
	e      *Engine
	in     *Input
	filter interface {
		EvalBool(context.Context, map[string]any) (bool, error)
	}
	user map[string]any
	// owned lists the requester's entities of the kind when the input
	// offers only those (ownedByRequester); nil otherwise.
	owned []catalog.Ref
}

func (e *Engine) chooser(ctx context.Context, def *Action, input string, actor Actor) (*chooser, error) {
	in, ok := def.Input(input)
	if !ok || in.Type != TypeEntity {
		return nil, errkind.New(errkind.NotFound, "action %s has no entity input %q", def.Metadata.Name, input)
	}
	c := &chooser{e: e, in: in, user: actorVars(actor)}
	if in.Filter != "" {
		prg, err := entityFilterEnv(in.Filter)
		if err != nil {
			return nil, err
		}
		c.filter = prg
	}
	if in.OwnedByRequester {
		owned, err := e.ownedRefs(ctx, actor, in.EntityKind)
		if err != nil {
			return nil, err
		}
		c.owned = owned
	}
	return c, nil
}

// ownedRefs returns the refs of the entities of kind that actor owns,
// directly or through one of their groups, without reading the entities.
func (e *Engine) ownedRefs(ctx context.Context, actor Actor, kind string) ([]catalog.Ref, error) {
	out := []catalog.Ref{}
	if actor.Ref == "" {
		return out, nil
	}
	ref, err := catalog.ParseRef(actor.Ref, "user", catalog.DefaultNamespace)
	if err != nil {
		return out, nil
	}
	// The store, not the catalog's Get: a person the catalog does not know
	// must not cost a "did you mean" over every ref.
	user, err := e.cat.Store().Entity(ctx, ref)
	if errkind.Is(err, errkind.NotFound) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	refs := user.RelationTargets(catalog.RelOwnerOf)
	groups, err := e.cat.Store().Entities(ctx, user.RelationTargets(catalog.RelMemberOf))
	if err != nil {
		return nil, err
	}
	for i := range groups {
		refs = append(refs, groups[i].RelationTargets(catalog.RelOwnerOf)...)
	}
	seen := map[catalog.Ref]bool{}
	for _, r := range refs {
		if strings.EqualFold(r.Kind, kind) && !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out, nil
}

// pick returns ent as a choice when it is one: of the kind, passing the
// filter.
func (c *chooser) pick(ctx context.Context, ent *catalog.Entity) (Choice, bool) {
	if !ent.Is(c.in.EntityKind) {
		return Choice{}, false
	}
	if c.filter != nil {
		ok, err := c.filter.EvalBool(ctx, map[string]any{"entity": ent.Map(), "user": c.user})
		if err != nil || !ok {
			return Choice{}, false
		}
	}
	label := ent.Title()
	if !strings.EqualFold(label, ent.Metadata.Name) {
		label += " (" + ent.Metadata.Name + ")"
	}
	return Choice{Value: ent.Ref().String(), Label: label}, true
}

var errEnough = errors.New("enough read")

// kindReader is what a catalog store may implement to read the first
// entities of a kind in one bounded query (store.DB does); without it,
// scanKind stops the store's Scan after max entities.
type kindReader interface {
	FirstOfKind(ctx context.Context, kind string, limit int) ([]catalog.Entity, error)
}

// scanKind calls fn with the entities of the input's kind in ref order,
// at most max of them; fn returning false stops early.
func (c *chooser) scanKind(ctx context.Context, max int, fn func(ent *catalog.Entity) bool) error {
	if kr, ok := c.e.cat.Store().(kindReader); ok {
		ents, err := kr.FirstOfKind(ctx, c.in.EntityKind, max)
		if err != nil {
			return err
		}
		for i := range ents {
			if !fn(&ents[i]) {
				return nil
			}
		}
		return nil
	}
	read := 0
	err := c.e.cat.Store().Scan(ctx, []string{c.in.EntityKind}, false, func(ent *catalog.Entity) error {
		read++
		if !fn(ent) || read >= max {
			return errEnough
		}
		return nil
	})
	if errors.Is(err, errEnough) {
		return nil
	}
	return err
}

// ownedEntities calls fn with the requester's entities of the kind, read
// in pages, at most max of them; fn returning false stops early.
func (c *chooser) ownedEntities(ctx context.Context, max int, fn func(ent *catalog.Entity) bool) error {
	refs := c.owned[:min(len(c.owned), max)]
	for len(refs) > 0 {
		page := refs[:min(len(refs), MaxChoices)]
		refs = refs[len(page):]
		ents, err := c.e.cat.Store().Entities(ctx, page)
		if err != nil {
			return err
		}
		for i := range ents {
			if !fn(&ents[i]) {
				return nil
			}
		}
	}
	return nil
}

func sortChoices(list []Choice) []Choice {
	sort.Slice(list, func(i, j int) bool {
		a, b := strings.ToLower(list[i].Label), strings.ToLower(list[j].Label)
		if a != b {
			return a < b
		}
		return list[i].Value < list[j].Value
	})
	return list
}

// FormChoices returns an entity input's choices for its form, sorted by
// label, when a static list can hold them: static is true when the kind
// (or the requester's own entities of it) has at most MaxChoices entities,
// which it learns by reading at most MaxChoices+1 of them, never the whole
// kind. Otherwise static is false and the form searches as the person
// types (SearchChoices). Errors: errkind.NotFound for an input that is not
// an entity input, and the catalog's.
func (e *Engine) FormChoices(ctx context.Context, def *Action, input string, actor Actor) (choices []Choice, static bool, err error) {
	c, err := e.chooser(ctx, def, input, actor)
	if err != nil {
		return nil, false, err
	}
	var read []catalog.Entity
	keep := func(ent *catalog.Entity) bool {
		read = append(read, *ent)
		return len(read) <= MaxChoices
	}
	if c.owned != nil {
		if len(c.owned) > MaxChoices {
			return nil, false, nil
		}
		err = c.ownedEntities(ctx, MaxChoices, keep)
	} else {
		err = c.scanKind(ctx, MaxChoices+1, keep)
	}
	if err != nil {
		return nil, false, err
	}
	if len(read) > MaxChoices {
		return nil, false, nil
	}
	out := []Choice{}
	for i := range read {
		if ch, ok := c.pick(ctx, &read[i]); ok {
			out = append(out, ch)
		}
	}
	return sortChoices(out), true, nil
}

// SearchChoices answers a search of an entity input's choices as the
// person types query: at most MaxChoices choices, sorted by label. The
// entities come from the catalog's full-text search (names, titles,
// descriptions, tags…; the last word typed matches as a prefix), or with
// nothing typed the first of the kind in name order, or the requester's
// own; the input's filter is applied to each page read, and the search
// stops after choiceReadBudget entities: it never reads the whole kind.
func (e *Engine) SearchChoices(ctx context.Context, def *Action, input string, actor Actor, query string) ([]Choice, error) {
	c, err := e.chooser(ctx, def, input, actor)
	if err != nil {
		return nil, err
	}
	q := strings.ToLower(strings.TrimSpace(query))
	out := []Choice{}
	seen := map[string]bool{}
	take := func(ent *catalog.Entity) bool {
		ch, ok := c.pick(ctx, ent)
		if ok && !seen[ch.Value] && (c.owned == nil || q == "" || strings.Contains(strings.ToLower(ch.Label+" "+ch.Value), q)) {
			seen[ch.Value] = true
			out = append(out, ch)
		}
		return len(out) < MaxChoices
	}
	switch {
	case c.owned != nil:
		err = c.ownedEntities(ctx, choiceReadBudget, take)
	case q == "":
		err = c.scanKind(ctx, choiceReadBudget, take)
	default:
		err = c.search(ctx, query, take)
	}
	if err != nil {
		return nil, err
	}
	return sortChoices(out), nil
}

// search reads the full-text search's hits of the kind, page by page,
// until fn has enough, the hits run out or the budget is spent.
func (c *chooser) search(ctx context.Context, query string, fn func(ent *catalog.Entity) bool) error {
	for offset := 0; offset < choiceReadBudget; offset += MaxChoices {
		res, err := c.e.cat.Store().Search(ctx, catalog.SearchQuery{Text: query, Kinds: []string{c.in.EntityKind}, Limit: MaxChoices, Offset: offset})
		if err != nil {
			return err
		}
		for i := range res.Hits {
			if !fn(&res.Hits[i].Entity) {
				return nil
			}
		}
		if len(res.Hits) < MaxChoices {
			return nil
		}
	}
	return nil
}
