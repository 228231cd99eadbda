// Package errkind declares the few kinds of failure that Gantry's packages
// share, so that each caller can react to a kind without parsing messages:
// the bot turns a kind into a sentence for the user, the CLI into an exit
// code, and the logs into a field.
//
// Errors are built with New (or Wrap) and tested with errors.Is against a
// Kind:
//
//	return errkind.New(errkind.NotFound, "no entity named %q", name)
//	if errors.Is(err, errkind.NotFound) { ... }
package errkind

import (
	"errors"
	"fmt"
)

// Kind classifies an error. It is itself an error so that errors.Is works
// against it.
type Kind string

const (
	// Invalid: the caller's input is wrong and retrying it unchanged fails again.
	Invalid Kind = "invalid"
	// NotFound: the thing asked for does not exist.
	NotFound Kind = "not_found"
	// Forbidden: the caller may not do this.
	Forbidden Kind = "forbidden"
	// Conflict: the request clashes with the current state (a duplicate, a
	// stale version, a decision already taken).
	Conflict Kind = "conflict"
	// Unavailable: a dependency is down or limited; retrying later may work.
	Unavailable Kind = "unavailable"
)

func (k Kind) Error() string { return string(k) }

// Error is an error of a Kind. Its message is the sentence meant for the
// person who reads it; the kind is not repeated in it.
type Error struct {
	Kind Kind
	Msg  string // the whole sentence, cause included when New wrapped one
	Err  error  // the cause, if any, for errors.Is and errors.As
}

func (e *Error) Error() string {
	if e.Msg == "" && e.Err != nil {
		return e.Err.Error()
	}
	return e.Msg
}

// Is reports whether target is this error's Kind.
func (e *Error) Is(target error) bool {
	k, ok := target.(Kind)
	return ok && k == e.Kind
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error of kind k with a formatted message. A %w verb in
// format wraps its argument as the cause.
func New(k Kind, format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	return &Error{Kind: k, Msg: err.Error(), Err: errors.Unwrap(err)}
}

// Wrap gives err the kind k, keeping its message. It returns nil for nil.
func Wrap(k Kind, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Kind: k, Err: err}
}

// Of returns the kind of err, or "" when err carries none.
func Of(err error) Kind {
	for _, k := range []Kind{Invalid, NotFound, Forbidden, Conflict, Unavailable} {
		if errors.Is(err, k) {
			return k
		}
	}
	return ""
}

// Is reports whether err is of kind k; a shorthand for errors.Is(err, k).
func Is(err error, k Kind) bool { return errors.Is(err, k) }
