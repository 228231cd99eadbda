package scorecard

import (
	"context"
	"testing"

	"github.com/gantryhq/gantry/internal/expr"
)

// A catalog value placed in a PromQL string cannot end the string and
// change the query.
func TestTemplateQuotesForPromQL(t *testing.T) {
	env, err := expr.NewEnv([]string{"entity"})
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := env.CompileTemplate(`sum(errors{service="${{ entity.name }}"}) / ${{ entity.n }}`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := tpl.Render(context.Background(), map[string]any{"entity": map[string]any{"name": `x"} or vector(1) #\`, "n": int64(2)}}, promQuote)
	if err != nil {
		t.Fatal(err)
	}
	if want := `sum(errors{service="x\"} or vector(1) #\\"}) / 2`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if _, err := env.CompileTemplate("a ${{ entity.name"); err == nil {
		t.Error("an unclosed placeholder was accepted")
	}
	if _, err := env.CompileTemplate("a ${{ entity.name + }}"); err == nil {
		t.Error("a broken placeholder was accepted")
	}
}
