package actions

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gantryhq/gantry/internal/errkind"
	"github.com/gantryhq/gantry/internal/expr"
)

// StepRunner does one kind of step. Run must be idempotent: called again
// for the same run and step (after a crash, or by "Retry"), it must not
// repeat an effect that already happened. StepContext.Memo and SaveMemo
// keep what an attempt started, and the run id keys what it creates.
type StepRunner interface {
	Run(ctx context.Context, sc *StepContext) (map[string]any, error)
}

// Preflighter is a StepRunner that can check, before a run is created,
// that its step will not clash with what exists (a repository name that
// is taken): the form then shows the problem on the field.
type Preflighter interface {
	Preflight(ctx context.Context, sc *StepContext) error
}

// StepFunc adapts a function to a StepRunner.
type StepFunc func(ctx context.Context, sc *StepContext) (map[string]any, error)

// Run implements StepRunner.
func (f StepFunc) Run(ctx context.Context, sc *StepContext) (map[string]any, error) {
	return f(ctx, sc)
}

// FieldError is a step's failure that concerns one of its `with` fields
// ("name already exists"): when that field comes from one input, the
// person sees the message on that input.
type FieldError struct {
	Field   string // the with field
	Message string
	Err     error
}

func (e *FieldError) Error() string { return e.Message }
func (e *FieldError) Unwrap() error { return e.Err }

// Is makes a FieldError an errkind.Conflict.
func (e *FieldError) Is(target error) bool { return target == errkind.Conflict }

// Secret is something only the requester may read (a password): it is sent
// to them in a direct message and nowhere else, never stored or logged.
type Secret struct {
	Title  string        // "Credentials for database orders"
	Fields []SecretField // shown as label: value
	Note   string        // how to use it
}

// SecretField is one line of a Secret.
type SecretField struct {
	Label string
	Value string
	// Sensitive values are registered for redaction everywhere else.
	Sensitive bool
}

// StepContext is what a step runs with.
type StepContext struct {
	RunID     string
	StepID    string
	Uses      string
	Requester Actor
	// With holds the step's rendered `with` values.
	With With
	// Memo is what earlier attempts of this step recorded (SaveMemo).
	Memo map[string]any
	Log  *slog.Logger

	now      func() time.Time
	sleep    func(ctx context.Context, d time.Duration) error
	saveMemo func(ctx context.Context, memo map[string]any) error
	deliver  func(ctx context.Context, s Secret) error
	redact   func(value string)
}

// Now is the engine's clock.
func (sc *StepContext) Now() time.Time { return sc.now() }

// Sleep waits d on the engine's clock, or until ctx ends.
func (sc *StepContext) Sleep(ctx context.Context, d time.Duration) error { return sc.sleep(ctx, d) }

// SaveMemo records what the step is about to do or has done, before and
// after an effect, so that the next attempt can tell. It must hold no
// secret.
func (sc *StepContext) SaveMemo(ctx context.Context, memo map[string]any) error {
	sc.Memo = memo
	if sc.saveMemo == nil {
		return nil
	}
	return sc.saveMemo(ctx, memo)
}

// MemoString returns a memo value as text.
func (sc *StepContext) MemoString(key string) string {
	s, _ := sc.Memo[key].(string)
	return s
}

// DeliverSecret sends s to the requester, and only to them, in a direct
// message. Its sensitive values are redacted from everything else.
func (sc *StepContext) DeliverSecret(ctx context.Context, s Secret) error {
	for _, f := range s.Fields {
		if f.Sensitive {
			sc.Redact(f.Value)
		}
	}
	if sc.deliver == nil {
		return errkind.New(errkind.Unavailable, "there is no way to send the requester a direct message (Slack is not configured)")
	}
	return sc.deliver(ctx, s)
}

// Redact registers a value that must never appear in the audit trail,
// outputs, errors or logs.
func (sc *StepContext) Redact(value string) {
	if sc.redact != nil {
		sc.redact(value)
	}
}

// With is a step's rendered `with` values, with typed getters that explain
// a wrong type.
type With map[string]any

func (w With) text(k string) string {
	switch v := w[k].(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		return expr.Text(v)
	}
}

// String returns a text field; a required one must not be empty.
func (w With) String(k string, required bool) (string, error) {
	v, ok := w[k]
	if !ok || v == nil {
		if required {
			return "", errkind.New(errkind.Invalid, "with.%s is required", k)
		}
		return "", nil
	}
	switch x := v.(type) {
	case string:
		x = strings.TrimSpace(x)
		if x == "" && required {
			return "", errkind.New(errkind.Invalid, "with.%s is empty", k)
		}
		return x, nil
	case float64, bool, int64:
		return expr.Text(x), nil
	}
	return "", errkind.New(errkind.Invalid, "with.%s must be text", k)
}

func (w With) boolean(k string) bool {
	b, _ := w.Bool(k)
	return b
}

// Bool returns a boolean field (false when absent).
func (w With) Bool(k string) (bool, error) {
	switch x := w[k].(type) {
	case nil:
		return false, nil
	case bool:
		return x, nil
	case string:
		b, err := strconv.ParseBool(strings.TrimSpace(x))
		if err == nil || strings.TrimSpace(x) == "" {
			return b, nil
		}
	}
	return false, errkind.New(errkind.Invalid, "with.%s must be true or false", k)
}

func (w With) intOr(k string, def int) int {
	n, err := w.Int(k, def)
	if err != nil {
		return def
	}
	return n
}

// Int returns a whole-number field, def when absent.
func (w With) Int(k string, def int) (int, error) {
	switch x := w[k].(type) {
	case nil:
		return def, nil
	case float64:
		if x == float64(int(x)) {
			return int(x), nil
		}
	case int64:
		return int(x), nil
	case string:
		if n, err := strconv.Atoi(strings.TrimSpace(x)); err == nil {
			return n, nil
		}
	}
	return 0, errkind.New(errkind.Invalid, "with.%s must be a whole number", k)
}

// Strings returns a list field (a single text counts as a list of one;
// empty items are dropped).
func (w With) Strings(k string) ([]string, error) {
	switch x := w[k].(type) {
	case nil:
		return nil, nil
	case string:
		if strings.TrimSpace(x) == "" {
			return nil, nil
		}
		return []string{strings.TrimSpace(x)}, nil
	case []any:
		var out []string
		for _, e := range x {
			s := strings.TrimSpace(expr.Text(e))
			if s != "" {
				out = append(out, s)
			}
		}
		return out, nil
	}
	return nil, errkind.New(errkind.Invalid, "with.%s must be a list", k)
}

// Map returns a mapping field with text values.
func (w With) Map(k string) (map[string]string, error) {
	switch x := w[k].(type) {
	case nil:
		return nil, nil
	case map[string]any:
		out := make(map[string]string, len(x))
		for key, v := range x {
			out[key] = expr.Text(v)
		}
		return out, nil
	}
	return nil, errkind.New(errkind.Invalid, "with.%s must be a mapping", k)
}

func (w With) mapKeys(k string) []string {
	m, _ := w[k].(map[string]any)
	out := make([]string, 0, len(m))
	for key := range m {
		out = append(out, key)
	}
	sort.Strings(out)
	return out
}

// Duration returns a duration field, def when absent.
func (w With) Duration(k string, def time.Duration) (time.Duration, error) {
	s := w.text(k)
	if s == "" {
		return def, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, errkind.New(errkind.Invalid, "with.%s must be a duration such as 30m, not %q", k, s)
	}
	return d, nil
}

// Repo reads an "owner/name" field.
func (w With) Repo(k string) (owner, name string, err error) {
	s, err := w.String(k, true)
	if err != nil {
		return "", "", err
	}
	s = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(s, "https://github.com/"), "github.com/"), ".git")
	owner, name, ok := strings.Cut(s, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return "", "", errkind.New(errkind.Invalid, "with.%s must be owner/name, not %q", k, s)
	}
	return owner, name, nil
}

// redactURL hides a URL's password and query, which may hold tokens.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	if u.RawQuery != "" {
		u.RawQuery = "…"
	}
	return u.String()
}

// errorText is a failure as people read it: errkind sentences as they are,
// others with their chain.
func errorText(err error) string {
	var fe *FieldError
	if errors.As(err, &fe) {
		return fe.Message
	}
	return err.Error()
}
