package scorecard

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/gantryhq/gantry/internal/errkind"
	"github.com/gantryhq/gantry/internal/expr"
)

// Template is text with ${{ expression }} placeholders, each a CEL
// expression over the variables of its environment (`entity`, and `facts`
// where facts are known), as action templates are written.
type Template struct {
	src   string
	parts []templatePart
}

type templatePart struct {
	text string
	prg  *expr.Program // nil for literal text
}

// ParseTemplate compiles src's placeholders in env. Errors are
// errkind.Invalid and say which placeholder is wrong.
func ParseTemplate(env *expr.Env, src string) (*Template, error) {
	t := &Template{src: src}
	rest := src
	for {
		i := strings.Index(rest, "${{")
		if i < 0 {
			if rest != "" {
				t.parts = append(t.parts, templatePart{text: rest})
			}
			return t, nil
		}
		if i > 0 {
			t.parts = append(t.parts, templatePart{text: rest[:i]})
		}
		j := strings.Index(rest[i:], "}}")
		if j < 0 {
			return nil, errkind.New(errkind.Invalid, "%q: a ${{ is not closed with }}", clipText(rest[i:], 40))
		}
		body := strings.TrimSpace(rest[i+3 : i+j])
		prg, err := env.Compile(body)
		if err != nil {
			return nil, errkind.New(errkind.Invalid, "${{ %s }}: %v", body, err)
		}
		t.parts = append(t.parts, templatePart{prg: prg})
		rest = rest[i+j+2:]
	}
}

// Source returns the template as written.
func (t *Template) Source() string { return t.src }

// Render evaluates the placeholders with vars; quote, when set, is applied
// to each value (to escape it for the language the text is in).
func (t *Template) Render(ctx context.Context, vars map[string]any, quote func(string) string) (string, error) {
	var b strings.Builder
	for _, p := range t.parts {
		if p.prg == nil {
			b.WriteString(p.text)
			continue
		}
		v, err := p.prg.Eval(ctx, vars)
		if err != nil {
			return "", fmt.Errorf("${{ %s }}: %w", p.prg.Source(), err)
		}
		s := stringify(v)
		if quote != nil {
			s = quote(s)
		}
		b.WriteString(s)
	}
	return b.String(), nil
}

// stringify writes a template value: strings as they are, numbers plainly,
// anything else as JSON.
func stringify(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// promQuote escapes a value placed in a PromQL string literal, so that a
// catalog value cannot end the literal and change the query.
func promQuote(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "'", `\'`, "\n", `\n`).Replace(s)
}

func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
