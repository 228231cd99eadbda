package expr

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/errkind"
)

func TestCompileAndEval(t *testing.T) {
	env, err := NewEnv([]string{"entity", "facts"})
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]any{
		"entity": map[string]any{"kind": "Component", "metadata": map[string]any{"tags": []any{"java", "web"}}, "spec": map[string]any{"replicas": int64(3)}},
		"facts":  map[string]any{"prometheus": map[string]any{"errors_per_day": float64(150)}},
	}
	cases := []struct {
		src  string
		want bool
	}{
		{`entity.kind == "Component"`, true},
		{`"java" in entity.metadata.tags`, true},
		{`!has(entity.spec.owner)`, true},
		{`entity.spec.replicas == 3.0`, true},
		{`facts.prometheus.errors_per_day > 100`, true},
		{`entity.metadata.tags.exists(t, t.startsWith("we"))`, true},
	}
	for _, c := range cases {
		p, err := env.Compile(c.src)
		if err != nil {
			t.Fatalf("%s: %v", c.src, err)
		}
		got, err := p.EvalBool(context.Background(), vars)
		if err != nil || got != c.want {
			t.Errorf("%s = %v, %v; want %v", c.src, got, err, c.want)
		}
	}
}

func TestErrors(t *testing.T) {
	env, _ := NewEnv([]string{"entity"})
	_, err := env.Compile(`entity.kind == `)
	if !errors.Is(err, errkind.Invalid) || !strings.HasPrefix(err.Error(), "1:") {
		t.Fatalf("syntax error without a position: %v", err)
	}
	_, err = env.Compile(`nope.kind == "x"`)
	if err == nil || !strings.Contains(err.Error(), "1:1") {
		t.Fatalf("undeclared variable: %v", err)
	}
	p, _ := env.Compile(`entity.spec.owner == "x"`)
	_, err = p.EvalBool(context.Background(), map[string]any{"entity": map[string]any{"spec": map[string]any{}}})
	if !IsMissing(err) {
		t.Fatalf("missing key not recognised: %v", err)
	}
	p, _ = env.Compile(`entity.kind`)
	if _, err := p.EvalBool(context.Background(), map[string]any{"entity": map[string]any{"kind": "x"}}); !errors.Is(err, errkind.Invalid) {
		t.Fatalf("non-boolean condition accepted: %v", err)
	}
}

func TestCostLimit(t *testing.T) {
	env, _ := NewEnv([]string{"entity"}, WithCostLimit(1000))
	p, err := env.Compile(`[1,2,3,4,5,6,7,8,9,10].all(a, [1,2,3,4,5,6,7,8,9,10].all(b, [1,2,3,4,5,6,7,8,9,10].all(c, a+b+c > 0)))`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.EvalBool(context.Background(), map[string]any{"entity": map[string]any{}})
	if !errors.Is(err, ErrCostLimit) {
		t.Fatalf("cost limit not enforced: %v", err)
	}
}

func FuzzCompile(f *testing.F) {
	for _, s := range []string{`entity.kind == "Component"`, `!has(entity.spec.owner)`, `"java" in entity.metadata.tags`, `((((`, `entity.metadata.name.matches("^a.*")`} {
		f.Add(s)
	}
	env, err := NewEnv([]string{"entity"})
	if err != nil {
		f.Fatal(err)
	}
	vars := map[string]any{"entity": map[string]any{"kind": "Component", "metadata": map[string]any{"name": "a", "tags": []any{"x"}}, "spec": map[string]any{}}}
	f.Fuzz(func(t *testing.T, src string) {
		p, err := env.Compile(src)
		if err != nil {
			return
		}
		_, _ = p.Eval(context.Background(), vars) // must not panic or hang
	})
}
