package actions

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/gantryhq/gantry/internal/errkind"
	"github.com/gantryhq/gantry/internal/expr"
)

// Templates: a string value may hold `${{ expression }}` parts, each a CEL
// expression over the variables below. A string that is exactly one
// expression takes the expression's type (a boolean, a number, a list); any
// other string is text with each part's value written in. `$${{` writes a
// literal `${{` (for GitHub workflow files committed by an action).
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
	cache map[string]*template
}

func newExprs() (*exprs, error) {
	env, err := expr.NewEnv(templateVars)
	if err != nil {
		return nil, err
	}
	return &exprs{env: env, cache: map[string]*template{}}, nil
}

// template is a parsed template string.
type template struct {
	src    string
	parts  []tmplPart
	single bool // the whole string is one expression
}

type tmplPart struct {
	lit  string
	src  string // the expression, when prog is set
	prog *expr.Program
}

const (
	openDelim   = "${{"
	closeDelim  = "}}"
	escapedOpen = "$${{"
)

// hasTemplate reports whether s holds a `${{` part.
func hasTemplate(s string) bool { return strings.Contains(s, openDelim) }

// template parses and compiles s. Errors are errkind.Invalid and quote the
// expression.
func (x *exprs) template(s string) (*template, error) {
	x.mu.Lock()
	t, ok := x.cache[s]
	x.mu.Unlock()
	if ok {
		return t, nil
	}
	t, err := x.parse(s)
	if err != nil {
		return nil, err
	}
	x.mu.Lock()
	if len(x.cache) > 10000 {
		x.cache = map[string]*template{}
	}
	x.cache[s] = t
	x.mu.Unlock()
	return t, nil
}

func (x *exprs) parse(s string) (*template, error) {
	t := &template{src: s}
	var lit strings.Builder
	rest := s
	for {
		i := strings.Index(rest, openDelim)
		if i < 0 {
			lit.WriteString(rest)
			break
		}
		if i > 0 && rest[i-1] == '$' { // $${{ … → a literal ${{
			lit.WriteString(rest[:i-1])
			lit.WriteString(openDelim)
			rest = rest[i+len(openDelim):]
			continue
		}
		lit.WriteString(rest[:i])
		body := rest[i+len(openDelim):]
		j := strings.Index(body, closeDelim)
		if j < 0 {
			return nil, errkind.New(errkind.Invalid, "%q: %s without a closing %s", clipText(s, 60), openDelim, closeDelim)
		}
		src := strings.TrimSpace(body[:j])
		prog, err := x.env.Compile(src)
		if err != nil {
			return nil, errkind.New(errkind.Invalid, "in ${{ %s }}: %v", clipText(src, 80), err)
		}
		if lit.Len() > 0 {
			t.parts = append(t.parts, tmplPart{lit: lit.String()})
			lit.Reset()
		}
		t.parts = append(t.parts, tmplPart{src: src, prog: prog})
		rest = body[j+len(closeDelim):]
	}
	if lit.Len() > 0 {
		t.parts = append(t.parts, tmplPart{lit: lit.String()})
	}
	t.single = len(t.parts) == 1 && t.parts[0].prog != nil
	return t, nil
}

// condition compiles an `if:` condition: a bare CEL expression, or one
// `${{ … }}` around it.
func (x *exprs) condition(s string) (*expr.Program, error) {
	src := strings.TrimSpace(s)
	if strings.HasPrefix(src, openDelim) && strings.HasSuffix(src, closeDelim) {
		src = strings.TrimSpace(src[len(openDelim) : len(src)-len(closeDelim)])
	}
	return x.env.Compile(src)
}

// sources returns the expressions of the template.
func (t *template) sources() []string {
	var out []string
	for _, p := range t.parts {
		if p.prog != nil {
			out = append(out, p.src)
		}
	}
	return out
}

// render evaluates the template.
func (t *template) render(ctx context.Context, vars map[string]any) (any, error) {
	if t.single {
		v, err := t.parts[0].prog.Eval(ctx, vars)
		if err != nil {
			return nil, fmt.Errorf("${{ %s }}: %w", clipText(t.parts[0].src, 80), err)
		}
		return normalize(v), nil
	}
	var b strings.Builder
	for _, p := range t.parts {
		if p.prog == nil {
			b.WriteString(p.lit)
			continue
		}
		v, err := p.prog.Eval(ctx, vars)
		if err != nil {
			return nil, fmt.Errorf("${{ %s }}: %w", clipText(p.src, 80), err)
		}
		b.WriteString(textOf(v))
	}
	return b.String(), nil
}

// textOf writes a value into text: strings as they are, whole numbers
// without a decimal point, lists and maps as JSON, null as nothing.
func textOf(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case uint64:
		return strconv.FormatUint(x, 10)
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return strconv.FormatInt(int64(x), 10)
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	b, err := json.Marshal(jsonable(v))
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// renderValue renders every template inside v (a string, or lists and maps
// of them).
func (x *exprs) renderValue(ctx context.Context, v any, vars map[string]any) (any, error) {
	switch val := v.(type) {
	case string:
		if !hasTemplate(val) {
			return val, nil
		}
		t, err := x.template(val)
		if err != nil {
			return nil, err
		}
		return t.render(ctx, vars)
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
			if hasTemplate(k) {
				r, err := x.renderValue(ctx, k, vars)
				if err != nil {
					return nil, err
				}
				rk = textOf(r)
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
			if !hasTemplate(val) {
				return nil
			}
			t, err := x.template(val)
			if err != nil {
				return err
			}
			out = append(out, t.sources()...)
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
