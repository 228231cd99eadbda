package actions

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/internal/expr"
)

// FieldErrors are messages about a form's inputs, by input name.
type FieldErrors map[string]string

var slackUserRe = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`)

// CheckInputs checks what a person entered in the form (raw values, as
// Slack sends them: text, the chosen option's value, "true" for a ticked
// box, a user id) and returns the typed values, one for every input
// (defaults filled in), or a message for each input that is wrong. It does
// no I/O: it is what the form's ack says. Submit checks again, with the
// catalog, on the server.
func CheckInputs(a *Action, raw map[string]string) (map[string]any, FieldErrors) {
	values := make(map[string]any, len(a.Spec.Inputs))
	errs := FieldErrors{}
	for i := range a.Spec.Inputs {
		in := &a.Spec.Inputs[i]
		s, given := raw[in.Name]
		if !given || strings.TrimSpace(s) == "" {
			switch {
			case in.Type == TypeBoolean:
				values[in.Name] = s == "true" || (!given && in.Default == true)
			case in.Required:
				errs[in.Name] = "This field is required."
			case in.Default != nil && !given:
				values[in.Name], _ = coerceInput(in, in.Default)
			default:
				values[in.Name] = zeroValue(in)
			}
			continue
		}
		v, msg := coerceInput(in, s)
		if msg != "" {
			errs[in.Name] = msg
			continue
		}
		values[in.Name] = v
	}
	return values, errs
}

func zeroValue(in *Input) any {
	switch in.Type {
	case TypeBoolean:
		return false
	case TypeNumber:
		return nil
	}
	return ""
}

// coerceInput turns one value into the input's type, or says what is
// wrong with it in a sentence for the person filling the form.
func coerceInput(in *Input, raw any) (any, string) {
	switch in.Type {
	case TypeBoolean:
		switch v := raw.(type) {
		case bool:
			return v, ""
		case string:
			if b, err := strconv.ParseBool(v); err == nil {
				return b, ""
			}
		}
		return nil, "Must be true or false."
	case TypeNumber:
		var f float64
		switch v := raw.(type) {
		case float64:
			f = v
		case string:
			n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
				return nil, "Enter a number."
			}
			f = n
		default:
			return nil, "Enter a number."
		}
		if in.Integer && f != math.Trunc(f) {
			return nil, "Enter a whole number."
		}
		if in.Min != nil && f < *in.Min {
			return nil, fmt.Sprintf("Enter %s or more.", expr.Text(*in.Min))
		}
		if in.Max != nil && f > *in.Max {
			return nil, fmt.Sprintf("Enter %s or less.", expr.Text(*in.Max))
		}
		return f, ""
	}
	s, ok := raw.(string)
	if !ok {
		return nil, "Must be text."
	}
	switch in.Type {
	case TypeString, TypeText:
		return s, checkText(in, s)
	case TypeEnum:
		for _, o := range in.Options {
			if o.Value == s {
				return s, ""
			}
		}
		return nil, "Choose one of the options."
	case TypeEntity:
		r, err := catalog.ParseRef(s, strings.ToLower(in.EntityKind), catalog.DefaultNamespace)
		if err != nil || !strings.EqualFold(r.Kind, in.EntityKind) {
			return nil, fmt.Sprintf("Choose a %s from the list.", strings.ToLower(in.EntityKind))
		}
		return r.String(), ""
	case TypeUser:
		if !slackUserRe.MatchString(s) {
			return nil, "Choose a person."
		}
		return s, ""
	}
	return nil, "This input's type is unknown."
}

func checkText(in *Input, s string) string {
	n := utf8.RuneCountInString(s)
	if in.MinLength != nil && n < *in.MinLength {
		return fmt.Sprintf("Use at least %d characters.", *in.MinLength)
	}
	if in.MaxLength != nil && n > *in.MaxLength {
		return fmt.Sprintf("Use at most %d characters (this is %d).", *in.MaxLength, n)
	}
	if in.Type == TypeString && strings.ContainsAny(s, "\n\r") {
		return "Use one line."
	}
	if in.pattern != nil && !in.pattern.MatchString(s) {
		if in.PatternMessage != "" {
			return in.PatternMessage
		}
		return fmt.Sprintf("Doesn't match the expected format %s.", in.Pattern)
	}
	return ""
}

// entityFilterEnv compiles an entity input's filter, a CEL expression over
// `entity` (the catalog shape) and `user` (the requester).
func entityFilterEnv(src string) (*expr.Program, error) {
	env, err := expr.NewEnv([]string{"entity", "user"})
	if err != nil {
		return nil, err
	}
	return env.Compile(src)
}
