// Package expr is Gantry's one expression language: CEL (cel.dev/cel-go),
// used for catalog queries, scorecard rules, action conditions and
// templates. CEL is typed, side-effect free and sandboxed: an expression can
// read the variables it is given and call pure functions, never run a
// command or touch the network. Because expressions come from any Slack
// user, every evaluation is bounded by a cost limit.
package expr

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/ext"

	"github.com/gantryhq/gantry/internal/errkind"
)

// Limits of one expression. The cost unit is CEL's: roughly one per
// operation, plus one per element a function walks.
const (
	MaxLength        = 4000
	DefaultCostLimit = 100_000
	maxRecursion     = 64
)

// ErrCostLimit is returned (wrapped) when an evaluation exceeds its budget.
var ErrCostLimit = errors.New("expression exceeded its cost limit")

// Env declares the variables expressions may use; each is dynamically typed
// (a map, list, string, number, bool or null).
type Env struct {
	env       *cel.Env
	costLimit uint64
}

// Option tunes an Env.
type Option func(*Env)

// WithCostLimit sets the cost limit of each evaluation.
func WithCostLimit(n uint64) Option { return func(e *Env) { e.costLimit = n } }

// NewEnv returns an environment with the given top-level variables.
func NewEnv(vars []string, opts ...Option) (*Env, error) {
	envOpts := []cel.EnvOption{
		ext.Strings(), ext.Lists(), ext.Sets(), ext.Math(),
		cel.OptionalTypes(),
		cel.CrossTypeNumericComparisons(true),
		cel.DefaultUTCTimeZone(true),
		cel.ParserRecursionLimit(maxRecursion),
		cel.ParserExpressionSizeLimit(MaxLength),
	}
	for _, v := range vars {
		envOpts = append(envOpts, cel.Variable(v, cel.DynType))
	}
	ce, err := cel.NewEnv(envOpts...)
	if err != nil {
		return nil, fmt.Errorf("expression environment: %w", err)
	}
	e := &Env{env: ce, costLimit: DefaultCostLimit}
	for _, o := range opts {
		o(e)
	}
	return e, nil
}

// Program is a compiled expression, safe for concurrent use.
type Program struct {
	src       string
	prg       cel.Program
	costLimit uint64
}

// Source returns the expression as written.
func (p *Program) Source() string { return p.src }

// Compile parses and checks src. A bad expression is an errkind.Invalid
// error that gives the line and column: "1:12: undeclared reference to 'x'".
func (e *Env) Compile(src string) (*Program, error) {
	if strings.TrimSpace(src) == "" {
		return nil, errkind.New(errkind.Invalid, "the expression is empty")
	}
	if len(src) > MaxLength {
		return nil, errkind.New(errkind.Invalid, "the expression is %d characters long; the limit is %d", len(src), MaxLength)
	}
	ast, iss := e.env.Compile(src)
	if iss != nil && iss.Err() != nil {
		return nil, errkind.New(errkind.Invalid, "%s", describeIssues(iss))
	}
	prg, err := e.env.Program(ast,
		cel.CostLimit(e.costLimit),
		cel.InterruptCheckFrequency(100),
	)
	if err != nil {
		return nil, errkind.New(errkind.Invalid, "%v", err)
	}
	return &Program{src: src, prg: prg, costLimit: e.costLimit}, nil
}

// describeIssues renders CEL's issues as "line:column: message" lines.
func describeIssues(iss *cel.Issues) string {
	var lines []string
	for _, e := range iss.Errors() {
		loc := e.Location
		lines = append(lines, fmt.Sprintf("%d:%d: %s", loc.Line(), loc.Column()+1, e.Message))
	}
	if len(lines) == 0 {
		return iss.Err().Error()
	}
	return strings.Join(lines, "; ")
}

// Eval evaluates the program with the given variables and returns the
// result as a plain Go value.
func (p *Program) Eval(ctx context.Context, vars map[string]any) (any, error) {
	v, err := p.evalVal(ctx, vars)
	if err != nil {
		return nil, err
	}
	return toNative(v), nil
}

// EvalBool evaluates a condition. A result that is not a boolean is an
// errkind.Invalid error.
func (p *Program) EvalBool(ctx context.Context, vars map[string]any) (bool, error) {
	v, err := p.evalVal(ctx, vars)
	if err != nil {
		return false, err
	}
	b, ok := v.(types.Bool)
	if !ok {
		return false, errkind.New(errkind.Invalid, "%q gives %s, not true or false", p.src, v.Type().TypeName())
	}
	return bool(b), nil
}

func (p *Program) evalVal(ctx context.Context, vars map[string]any) (ref.Val, error) {
	act, err := cel.NewActivation(vars)
	if err != nil {
		return nil, err
	}
	v, _, err := p.prg.ContextEval(ctx, act)
	if err != nil {
		msg := err.Error()
		if strings.Contains(msg, "cost limit exceeded") || strings.Contains(msg, "actual cost limit") {
			return nil, errkind.Wrap(errkind.Invalid, fmt.Errorf("%w of %d: simplify it or narrow what it walks", ErrCostLimit, p.costLimit))
		}
		return nil, &EvalError{Msg: msg, Missing: isMissing(msg)}
	}
	return v, nil
}

// EvalError is a runtime failure of an expression, such as reading a field
// that is absent.
type EvalError struct {
	Msg string
	// Missing is true when the failure is a missing key or field: scorecards
	// count such a rule as "unknown" rather than "failed".
	Missing bool
}

func (e *EvalError) Error() string { return e.Msg }

// IsMissing reports whether err is an evaluation that failed because a key
// it read is absent.
func IsMissing(err error) bool {
	var ee *EvalError
	return errors.As(err, &ee) && ee.Missing
}

func isMissing(msg string) bool {
	return strings.Contains(msg, "no such key") || strings.Contains(msg, "no such attribute") || strings.Contains(msg, "no such field")
}

// toNative converts a CEL value to plain Go values (maps, lists, scalars).
func toNative(v ref.Val) any {
	switch v := v.(type) {
	case types.Null:
		return nil
	case types.Bool:
		return bool(v)
	case types.Int:
		return int64(v)
	case types.Uint:
		return uint64(v)
	case types.Double:
		return float64(v)
	case types.String:
		return string(v)
	}
	if native, err := v.ConvertToNative(anyType); err == nil {
		return native
	}
	return v.Value()
}
