package expr

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/errkind"
)

func TestTemplate(t *testing.T) {
	env, err := NewEnv([]string{"inputs"})
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]any{"inputs": map[string]any{"name": "checkout", "n": int64(3), "tags": []any{"a", "b"}, "ratio": 2.5}}
	cases := []struct {
		src  string
		want any
	}{
		{"plain text", "plain text"},
		{"${{ inputs.n }}", int64(3)},                                                               // one expression keeps its type
		{"${{ inputs.tags }}", []any{"a", "b"}},                                                     // a list too
		{"${{ inputs.n > 2 }}", true},                                                               // and a boolean
		{"svc-${{ inputs.name }}-${{ inputs.n }}", "svc-checkout-3"},                                // text otherwise
		{"tags: ${{ inputs.tags }}", `tags: ["a","b"]`},                                             // lists as JSON
		{"${{ inputs.ratio }}x and ${{ 4.0 }}", "2.5x and 4"},                                       // whole numbers without a point
		{"run: echo $${{ github.sha }} ${{ inputs.name }}", "run: echo ${{ github.sha }} checkout"}, // $${{ is a literal
	}
	for _, c := range cases {
		tpl, err := env.CompileTemplate(c.src)
		if err != nil {
			t.Fatalf("%s: %v", c.src, err)
		}
		got, err := tpl.Eval(context.Background(), vars)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s = %#v, %v; want %#v", c.src, got, err, c.want)
		}
		if tpl.Source() != c.src {
			t.Errorf("Source() = %q", tpl.Source())
		}
	}
	tpl, _ := env.CompileTemplate("a ${{ inputs.name }} b ${{inputs.n}}")
	if got := tpl.Expressions(); !reflect.DeepEqual(got, []string{"inputs.name", "inputs.n"}) {
		t.Errorf("Expressions() = %q", got)
	}
	if got, _ := tpl.Render(context.Background(), vars, strings.ToUpper); got != "a CHECKOUT b 3" {
		t.Errorf("Render with quote = %q", got)
	}
	if _, err := tpl.Eval(context.Background(), map[string]any{"inputs": map[string]any{}}); err == nil || !strings.HasPrefix(err.Error(), "${{ inputs.name }}: ") {
		t.Errorf("a failing part: %v", err)
	}
}

func TestTemplateErrors(t *testing.T) {
	env, _ := NewEnv([]string{"inputs"})
	for src, want := range map[string]string{
		"a ${{ inputs.name":      `"a ${{ inputs.name": ${{ without a closing }}`,
		"a ${{ inputs.name + }}": "in ${{ inputs.name + }}: ",
		"${{ nope }}":            "in ${{ nope }}: ",
	} {
		_, err := env.CompileTemplate(src)
		if !errkind.Is(err, errkind.Invalid) || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: %v, want an Invalid error starting %q", src, err, want)
		}
	}
}

func TestCompileCondition(t *testing.T) {
	env, _ := NewEnv([]string{"inputs"})
	vars := map[string]any{"inputs": map[string]any{"db": true}}
	for _, src := range []string{"inputs.db", "${{ inputs.db }}", "  ${{inputs.db}} "} {
		p, err := env.CompileCondition(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if ok, err := p.EvalBool(context.Background(), vars); !ok || err != nil {
			t.Errorf("%s = %v, %v", src, ok, err)
		}
	}
}

func TestText(t *testing.T) {
	cases := []struct {
		v    any
		want string
	}{
		{nil, ""}, {"x", "x"}, {true, "true"}, {int64(-4), "-4"}, {7, "7"}, {uint64(9), "9"},
		{3.0, "3"}, {0.25, "0.25"}, {1e20, "1e+20"},
		{map[any]any{"k": []any{1, "b"}}, `{"k":[1,"b"]}`}, // YAML's maps, as JSON
	}
	for _, c := range cases {
		if got := Text(c.v); got != c.want {
			t.Errorf("Text(%#v) = %q, want %q", c.v, got, c.want)
		}
	}
}
