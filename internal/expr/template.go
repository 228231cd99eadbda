package expr

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/gantryhq/gantry/internal/errkind"
)

// Templates are text with `${{ expression }}` parts, each an expression
// over the variables of an Env, as action definitions, scorecard fixes and
// Prometheus queries write them. A template that is exactly one part is
// that expression: Eval gives its value with its type (a boolean, a
// number, a list). Any other template is text with each part's value
// written in. `$${{` writes a literal `${{` (for a GitHub workflow file
// that an action commits).
const (
	openDelim  = "${{"
	closeDelim = "}}"
)

// HasTemplate reports whether s holds a `${{` part.
func HasTemplate(s string) bool { return strings.Contains(s, openDelim) }

// Template is a compiled template, safe for concurrent use.
type Template struct {
	src    string
	parts  []templatePart
	single bool // the whole template is one expression
}

type templatePart struct {
	lit string   // literal text, when prg is nil
	prg *Program // an expression
}

// CompileTemplate compiles the parts of src. A part that does not compile,
// or is not closed, is an errkind.Invalid error quoting it.
func (e *Env) CompileTemplate(src string) (*Template, error) {
	t := &Template{src: src}
	var lit strings.Builder
	rest := src
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
			return nil, errkind.New(errkind.Invalid, "%q: %s without a closing %s", clip(src, 60), openDelim, closeDelim)
		}
		expr := strings.TrimSpace(body[:j])
		prg, err := e.Compile(expr)
		if err != nil {
			return nil, errkind.New(errkind.Invalid, "in %s %s %s: %v", openDelim, clip(expr, 80), closeDelim, err)
		}
		if lit.Len() > 0 {
			t.parts = append(t.parts, templatePart{lit: lit.String()})
			lit.Reset()
		}
		t.parts = append(t.parts, templatePart{prg: prg})
		rest = body[j+len(closeDelim):]
	}
	if lit.Len() > 0 {
		t.parts = append(t.parts, templatePart{lit: lit.String()})
	}
	t.single = len(t.parts) == 1 && t.parts[0].prg != nil
	return t, nil
}

// CompileCondition compiles a condition: a bare expression, or one
// `${{ … }}` around it.
func (e *Env) CompileCondition(s string) (*Program, error) {
	src := strings.TrimSpace(s)
	if strings.HasPrefix(src, openDelim) && strings.HasSuffix(src, closeDelim) {
		src = strings.TrimSpace(src[len(openDelim) : len(src)-len(closeDelim)])
	}
	return e.Compile(src)
}

// Source returns the template as written.
func (t *Template) Source() string { return t.src }

// Expressions returns the source of each part, in order.
func (t *Template) Expressions() []string {
	var out []string
	for _, p := range t.parts {
		if p.prg != nil {
			out = append(out, p.prg.Source())
		}
	}
	return out
}

// Eval evaluates the template: the value of its expression when the
// template is exactly one, as Program.Eval gives it; the text otherwise.
func (t *Template) Eval(ctx context.Context, vars map[string]any) (any, error) {
	if t.single {
		return t.parts[0].eval(ctx, vars)
	}
	return t.Render(ctx, vars, nil)
}

// Render evaluates the template as text (see Text); quote, when set,
// escapes each part's value for the language the text is in (a PromQL
// string, say).
func (t *Template) Render(ctx context.Context, vars map[string]any, quote func(string) string) (string, error) {
	var b strings.Builder
	for _, p := range t.parts {
		if p.prg == nil {
			b.WriteString(p.lit)
			continue
		}
		v, err := p.eval(ctx, vars)
		if err != nil {
			return "", err
		}
		s := Text(v)
		if quote != nil {
			s = quote(s)
		}
		b.WriteString(s)
	}
	return b.String(), nil
}

func (p templatePart) eval(ctx context.Context, vars map[string]any) (any, error) {
	v, err := p.prg.Eval(ctx, vars)
	if err != nil {
		return nil, fmt.Errorf("%s %s %s: %w", openDelim, clip(p.prg.Source(), 80), closeDelim, err)
	}
	return v, nil
}

// Text writes a value into text: strings as they are, whole numbers
// without a decimal point, lists and maps as JSON, null as nothing.
func Text(v any) string {
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
	b, err := json.Marshal(JSONable(v))
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// JSONable gives maps with keys of any type (as YAML decodes them) text
// keys, so that the value can be written as JSON.
func JSONable(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = JSONable(e)
		}
		return m
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = JSONable(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = JSONable(e)
		}
		return l
	}
	return v
}

// clip shortens s to n characters for a message.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
