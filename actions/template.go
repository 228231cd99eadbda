package actions

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/gantryhq/gantry/internal/expr"
)

// Templates: a string value may hold `${{ expression }}` parts, each a CEL
// expression over the variables below (expr.Template says how they are
// written and rendered).
//
// Expressions are CEL (package internal/expr): they read variables and call
// pure functions, bounded in cost. Nothing in a template can run a command,
// read a file or reach the network.

// Variables templates and conditions may use.
const (
	varInputs   = "inputs"   // the form's values, by input name
	varUser     = "user"     // the requester: slackId, ref, name, email
	varEntities = "entities" // entity inputs' entities (catalog shape), by input name
	varSteps    = "steps"    // steps.<id>.outputs.<name>
	varSecrets  = "secrets"  // secrets.<NAME>: the environment variables listed in actions.secrets
	varRun      = "run"      // id, action, url
)

var templateVars = []string{varInputs, varUser, varEntities, varSteps, varSecrets, varRun}

// exprs compiles templates and conditions once and keeps them.
type exprs struct {
	env   *expr.Env
	mu    sync.Mutex
	cache map[string]*expr.Template
}

func newExprs() (*exprs, error) {
	env, err := expr.NewEnv(templateVars)
	if err != nil {
		return nil, err
	}
	return &exprs{env: env, cache: map[string]*expr.Template{}}, nil
}

// template compiles s, once. Errors are errkind.Invalid and quote the
// expression.
func (x *exprs) template(s string) (*expr.Template, error) {
	x.mu.Lock()
	t, ok := x.cache[s]
	x.mu.Unlock()
	if ok {
		return t, nil
	}
	t, err := x.env.CompileTemplate(s)
	if err != nil {
		return nil, err
	}
	x.mu.Lock()
	if len(x.cache) > 10000 {
		x.cache = map[string]*expr.Template{}
	}
	x.cache[s] = t
	x.mu.Unlock()
	return t, nil
}

// condition compiles an `if:` condition: a bare CEL expression, or one
// `${{ … }}` around it.
func (x *exprs) condition(s string) (*expr.Program, error) { return x.env.CompileCondition(s) }

// render evaluates a template: a template that is one expression keeps
// its value's type, made JSON-shaped as a run's snapshot reads back.
func render(ctx context.Context, t *expr.Template, vars map[string]any) (any, error) {
	v, err := t.Eval(ctx, vars)
	if err != nil {
		return nil, err
	}
	if s, ok := v.(string); ok {
		return s, nil
	}
	return normalize(v), nil
}

// renderValue renders every template inside v (a string, or lists and maps
// of them).
func (x *exprs) renderValue(ctx context.Context, v any, vars map[string]any) (any, error) {
	switch val := v.(type) {
	case string:
		if !expr.HasTemplate(val) {
			return val, nil
		}
		t, err := x.template(val)
		if err != nil {
			return nil, err
		}
		return render(ctx, t, vars)
	case []any:
		out := make([]any, len(val))
		for i, e := range val {
			r, err := x.renderValue(ctx, e, vars)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(val))
		keys := make([]string, 0, len(val))
		for k := range val {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			rk := k
			if expr.HasTemplate(k) {
				r, err := x.renderValue(ctx, k, vars)
				if err != nil {
					return nil, err
				}
				rk = expr.Text(r)
			}
			r, err := x.renderValue(ctx, val[k], vars)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", rk, err)
			}
			out[rk] = r
		}
		return out, nil
	}
	return v, nil
}

// templateSources returns every expression inside v.
func (x *exprs) templateSources(v any) ([]string, error) {
	var out []string
	var walk func(any) error
	walk = func(v any) error {
		switch val := v.(type) {
		case string:
			if !expr.HasTemplate(val) {
				return nil
			}
			t, err := x.template(val)
			if err != nil {
				return err
			}
			out = append(out, t.Expressions()...)
		case []any:
			for _, e := range val {
				if err := walk(e); err != nil {
					return err
				}
			}
		case map[string]any:
			for k, e := range val {
				if err := walk(k); err != nil {
					return err
				}
				if err := walk(e); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return out, walk(v)
}

var (
	inputRefRe  = regexp.MustCompile(`\binputs\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)`)
	entityRefRe = regexp.MustCompile(`\bentities\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)`)
	stepRefRe   = regexp.MustCompile(`\bsteps\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)(?:\s*\.\s*outputs\s*\.\s*([A-Za-z_][A-Za-z0-9_]*))?`)
	secretRefRe = regexp.MustCompile(`\bsecrets\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)`)
)

// refsIn returns the names an expression reads after prefix (inputs.X).
func refsIn(re *regexp.Regexp, src string) []string {
	var out []string
	for _, m := range re.FindAllStringSubmatch(src, -1) {
		out = append(out, m[1])
	}
	return out
}

// readsSecrets reports whether any of the expressions reads secrets.
func readsSecrets(srcs []string) bool {
	for _, s := range srcs {
		if strings.Contains(s, varSecrets) {
			return true
		}
	}
	return false
}

func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
