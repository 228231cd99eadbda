package errkind

import (
	"errors"
	"io"
	"testing"
)

func TestKinds(t *testing.T) {
	err := New(NotFound, "no entity named %q: %w", "x", io.EOF)
	if !errors.Is(err, NotFound) || errors.Is(err, Invalid) {
		t.Fatalf("kind not matched: %v", err)
	}
	if !errors.Is(err, io.EOF) {
		t.Fatalf("cause lost")
	}
	if got, want := err.Error(), `no entity named "x": EOF`; got != want {
		t.Fatalf("message %q, want %q", got, want)
	}
	wrapped := Wrap(Unavailable, io.ErrUnexpectedEOF)
	if Of(wrapped) != Unavailable || wrapped.Error() != io.ErrUnexpectedEOF.Error() {
		t.Fatalf("wrap: %v %v", Of(wrapped), wrapped)
	}
	if Of(io.EOF) != "" || Wrap(Invalid, nil) != nil {
		t.Fatal("plain errors carry no kind")
	}
}
