package actions

import (
	"context"
	"strings"
)

// Location is a repository descriptor to register in the catalog.
type Location struct {
	Repo  string // owner/name
	Path  string
	Ref   string // "" for the default branch
	RunID string
	By    string
}

// Registrar adds a descriptor to the catalog and syncs it at once, so the
// entities it declares can be found when Register returns. It returns
// their refs. internal/app adapts catalog/ingest's Registrar to it.
type Registrar interface {
	Register(ctx context.Context, l Location) (refs []string, target string, err error)
}

// CatalogSteps returns catalog.register over r.
func CatalogSteps(r Registrar) map[string]StepRunner {
	return map[string]StepRunner{UsesCatalogRegister: StepFunc(func(ctx context.Context, sc *StepContext) (map[string]any, error) {
		owner, name, err := sc.With.Repo("repo")
		if err != nil {
			return nil, err
		}
		p, err := sc.With.String("path", false)
		if err != nil {
			return nil, err
		}
		ref, err := sc.With.String("ref", false)
		if err != nil {
			return nil, err
		}
		loc := Location{Repo: owner + "/" + name, Path: strings.TrimPrefix(orDefault(p, "catalog-info.yaml"), "/"), Ref: ref,
			RunID: sc.RunID, By: sc.Requester.String()}
		refs, target, err := r.Register(ctx, loc)
		if err != nil {
			return nil, err
		}
		list := make([]any, len(refs))
		for i, ref := range refs {
			list[i] = ref
		}
		out := map[string]any{"location": target, "entities": list, "entity": ""}
		if len(refs) > 0 {
			out["entity"] = refs[0]
		}
		return out, nil
	})}
}
