package scorecard

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/internal/expr"
)

// evaluator runs scorecards over a catalog. It reads; it records nothing.
type evaluator struct {
	cards   []*Scorecard
	store   catalog.Store
	facts   FactStore
	maxAge  map[string]time.Duration
	now     time.Time
	workers int
}

// refusals remembers the rules refused during one evaluation (over their
// cost limit, or failing on every entity), so each is reported once and a
// refused rule is not run again on the next 9,999 entities.
type refusals struct {
	mu       sync.Mutex
	refused  map[*Rule]string
	reported map[string]bool
	problems []string
	n        atomic.Int32 // how many rules are refused (a fast check)
}

func (r *refusals) refuse(rule *Rule, sc *Scorecard, why string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.refused[rule]; ok {
		return
	}
	r.refused[rule] = why
	r.n.Add(1)
	r.problems = append(r.problems, fmt.Sprintf("%s:%d: scorecard %s, rule %s is refused: %s", sc.File, rule.Line, sc.Name, rule.ID, why))
}

func (r *refusals) why(rule *Rule) (string, bool) {
	if r.n.Load() == 0 {
		return "", false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	why, ok := r.refused[rule]
	return why, ok
}

// report records a problem once per key.
func (r *refusals) report(key, problem string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.reported[key] {
		return
	}
	r.reported[key] = true
	r.problems = append(r.problems, problem)
}

// run evaluates every scorecard on every entity it applies to.
func (ev *evaluator) run(ctx context.Context) (*Evaluation, error) {
	out := &Evaluation{StartedAt: ev.now, Results: []EntityResult{}, Problems: []string{}, Scorecards: []string{}}
	if len(ev.cards) == 0 {
		return out, nil
	}
	ix, err := buildIndex(ctx, ev.store)
	if err != nil {
		return nil, fmt.Errorf("reading the catalog: %w", err)
	}
	stored := map[string]map[string]FactSet{}
	if ev.facts != nil {
		if stored, err = ev.facts.AllFacts(ctx, ""); err != nil {
			return nil, fmt.Errorf("reading facts: %w", err)
		}
	}
	workers := ev.workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ref := &refusals{refused: map[*Rule]string{}, reported: map[string]bool{}}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan *catalog.Entity, 4*workers)
	results := make([][]EntityResult, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for e := range jobs {
				results[w] = ev.entity(ctx, e, ix, stored[e.Ref().String()], ref, results[w])
			}
		}()
	}
	scanned := 0
	scanErr := ev.store.Scan(ctx, nil, ev.needsRelations(), func(e *catalog.Entity) error {
		scanned++
		cp := *e
		select {
		case jobs <- &cp:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	close(jobs)
	wg.Wait()
	if scanErr != nil {
		return nil, fmt.Errorf("reading the catalog: %w", scanErr)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, rs := range results {
		out.Results = append(out.Results, rs...)
	}
	sort.Slice(out.Results, func(i, j int) bool {
		a, b := &out.Results[i], &out.Results[j]
		if a.Scorecard != b.Scorecard {
			return a.Scorecard < b.Scorecard
		}
		return a.Entity < b.Entity
	})
	out.Entities = scanned
	for _, sc := range ev.cards {
		out.Scorecards = append(out.Scorecards, sc.Name)
	}
	out.Problems = append(out.Problems, ref.problems...)
	sort.Strings(out.Problems)
	return out, nil
}

// needsRelations reports whether an expression reads entity.relations,
// which the scan then loads.
func (ev *evaluator) needsRelations() bool {
	for _, sc := range ev.cards {
		if strings.Contains(sc.Filter, "relations") {
			return true
		}
		for _, r := range sc.Rules {
			if strings.Contains(r.Expression, "relations") {
				return true
			}
		}
	}
	return false
}

// entity evaluates the scorecards that apply to e and appends their results.
func (ev *evaluator) entity(ctx context.Context, e *catalog.Entity, ix *catalogIndex, stored map[string]FactSet, ref *refusals, out []EntityResult) []EntityResult {
	var vars map[string]any
	for _, sc := range ev.cards {
		if vars == nil {
			vars = map[string]any{"entity": e.Map()}
		}
		ok, err := sc.filter.EvalBool(ctx, vars)
		if err != nil && !expr.IsMissing(err) {
			ref.report("filter:"+sc.Name, fmt.Sprintf("%s:%d: scorecard %s: the filter fails on %s: %v", sc.File, sc.Line, sc.Name, e.Ref(), err))
		}
		if !ok {
			continue
		}
		if _, has := vars["facts"]; !has {
			vars["facts"] = factsFor(ix.catalogFacts(e), stored, ev.maxAge, ev.now)
		}
		out = append(out, ev.result(ctx, sc, e, ix, vars, ref))
	}
	return out
}

// result evaluates one scorecard's rules on one entity.
func (ev *evaluator) result(ctx context.Context, sc *Scorecard, e *catalog.Entity, ix *catalogIndex, vars map[string]any, ref *refusals) EntityResult {
	o := ix.ownerOf(e)
	res := EntityResult{Scorecard: sc.Name, Entity: e.Ref().String(), Title: e.Title(), Kind: e.Kind,
		Inferred: e.Annotation(catalog.AnnotationInferred) == "true", Rules: make([]RuleResult, len(sc.Rules))}
	if !o.Team.IsZero() {
		res.Team = o.Team.String()
	}
	cf, _ := vars["facts"].(map[string]any)
	if c, ok := cf[ProviderCatalog].(map[string]any); ok {
		res.Repo, _ = c["repo"].(string)
	}
	for i, r := range sc.Rules {
		res.Rules[i] = ev.rule(ctx, sc, r, e, vars, ref)
	}
	res.Level, res.Score = sc.outcome(res.Rules)
	res.LevelName = sc.LevelName(res.Level)
	return res
}

func (ev *evaluator) rule(ctx context.Context, sc *Scorecard, r *Rule, e *catalog.Entity, vars map[string]any, ref *refusals) RuleResult {
	rr := RuleResult{Rule: r.ID}
	if why, refused := ref.why(r); refused {
		rr.State, rr.Detail = StateError, "refused: "+why
		return rr
	}
	ok, err := r.prg.EvalBool(ctx, vars)
	switch {
	case err == nil && ok:
		rr.State = StatePass
	case err == nil:
		rr.State = StateFail
	case expr.IsMissing(err):
		facts, _ := vars["facts"].(map[string]any)
		rr.State, rr.Detail = StateUnknown, missingDetail(err.Error(), facts)
	case errors.Is(err, expr.ErrCostLimit):
		ref.refuse(r, sc, err.Error())
		rr.State, rr.Detail = StateError, "refused: "+err.Error()
	default:
		rr.State, rr.Detail = StateError, err.Error()
		ref.report("rule:"+sc.Name+":"+r.ID, fmt.Sprintf("%s:%d: scorecard %s, rule %s fails on %s (and maybe others): %v", sc.File, r.Line, sc.Name, r.ID, e.Ref(), err))
	}
	return rr
}
