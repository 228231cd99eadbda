package catalog

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gantryhq/gantry/internal/errkind"
	"github.com/gantryhq/gantry/internal/expr"
)

// Catalog answers the questions of discovery (who owns X, what does Y,
// which entities match Z) over a Store. It is safe for concurrent use.
type Catalog struct {
	store Store
	now   func() time.Time
	exprs *expr.Env
}

// Option tunes a Catalog.
type Option func(*Catalog)

// WithClock sets the clock used to resolve on-call rotations.
func WithClock(now func() time.Time) Option { return func(c *Catalog) { c.now = now } }

// New returns a Catalog over store.
func New(store Store, opts ...Option) (*Catalog, error) {
	env, err := expr.NewEnv([]string{"entity"})
	if err != nil {
		return nil, err
	}
	c := &Catalog{store: store, now: time.Now, exprs: env}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// Store returns the store the catalog reads.
func (c *Catalog) Store() Store { return c.store }

// Get returns the entity named by ref, written "[kind:][namespace/]name".
// Without a kind, the name must be unambiguous. Errors: errkind.NotFound
// (with suggestions in the message), errkind.Conflict when ambiguous.
func (c *Catalog) Get(ctx context.Context, ref string) (*Entity, error) {
	ref = strings.TrimSpace(ref)
	if strings.Contains(ref, ":") {
		r, err := ParseRef(ref, "", DefaultNamespace)
		if err != nil {
			return nil, err
		}
		e, err := c.store.Entity(ctx, r)
		if err != nil {
			return nil, c.notFound(ctx, err, ref)
		}
		return e, nil
	}
	ns, name := "", ref
	if i := strings.IndexByte(ref, '/'); i >= 0 {
		ns, name = strings.ToLower(ref[:i]), ref[i+1:]
	}
	found, err := c.store.EntitiesByName(ctx, name)
	if err != nil {
		return nil, err
	}
	var matches []Entity
	for _, e := range found {
		if ns == "" || strings.EqualFold(e.Metadata.Namespace, ns) {
			matches = append(matches, e)
		}
	}
	switch len(matches) {
	case 0:
		return nil, c.notFound(ctx, errkind.New(errkind.NotFound, "no entity named %q", ref), ref)
	case 1:
		return &matches[0], nil
	}
	refs := make([]string, len(matches))
	for i, m := range matches {
		refs[i] = m.Ref().String()
	}
	return nil, errkind.New(errkind.Conflict, "%q names %d entities; say which: %s", ref, len(matches), strings.Join(refs, ", "))
}

// notFound adds "did you mean" suggestions to a NotFound error.
func (c *Catalog) notFound(ctx context.Context, err error, q string) error {
	if !errkind.Is(err, errkind.NotFound) {
		return err
	}
	sugg, serr := c.Suggest(ctx, q, 5)
	if serr != nil || len(sugg) == 0 {
		return errkind.New(errkind.NotFound, "no entity %q", q)
	}
	names := make([]string, len(sugg))
	for i, s := range sugg {
		names[i] = s.String()
	}
	return errkind.New(errkind.NotFound, "no entity %q; did you mean %s?", q, strings.Join(names, ", "))
}

// Search runs a full-text search. Any text is accepted.
func (c *Catalog) Search(ctx context.Context, q SearchQuery) (SearchResult, error) {
	if strings.TrimSpace(q.Text) == "" {
		return SearchResult{}, errkind.New(errkind.Invalid, "say what to search for, e.g. \"payments\" or \"sends email\"")
	}
	if q.Limit <= 0 {
		q.Limit = 10
	}
	res, err := c.store.Search(ctx, q)
	if err != nil {
		return SearchResult{}, fmt.Errorf("search %q: %w", q.Text, err)
	}
	return res, nil
}
