// Command gantry is the Gantry binary: the server (gantry serve) and the
// command line over the same catalog. It only parses flags, loads the
// configuration and wires packages together; the work is done elsewhere.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/gantryhq/gantry/internal/errkind"
)

// Exit codes, documented in README.md.
const (
	exitOK          = 0
	exitFailure     = 1 // the command ran and found problems, or failed
	exitInvalid     = 2 // bad arguments or configuration
	exitUnavailable = 3 // the database (or another dependency) did not answer
	exitNotFound    = 4 // nothing matched
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := newRootCommand(os.Stdout, os.Stderr, os.Getenv).ExecuteContext(ctx)
	os.Exit(exitCodeTo(os.Stderr, err))
}

// exitCodeTo maps an error to the process exit status, printing it to w.
func exitCodeTo(w io.Writer, err error) int {
	if err == nil {
		return exitOK
	}
	var ex exitError
	if errors.As(err, &ex) {
		return ex.code
	}
	fmt.Fprintln(w, "gantry:", err)
	if strings.HasPrefix(err.Error(), "unknown command ") { // cobra's, for `gantry nope`
		return exitInvalid
	}
	switch errkind.Of(err) {
	case errkind.Invalid:
		return exitInvalid
	case errkind.Unavailable:
		return exitUnavailable
	case errkind.NotFound:
		return exitNotFound
	}
	return exitFailure
}

// exitError ends the command with a status after its output was printed.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }
