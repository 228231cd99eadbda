//go:build !sqlite_fts5 && !fts5

package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/errkind"
)

// TestMain stands in for the whole suite when the tests were built without
// FTS5: it checks that Open refuses SQLite and says how to build, then
// fails once with that sentence instead of once per test.
func TestMain(m *testing.M) {
	db, err := Open(context.Background(), "sqlite::memory:", nil)
	if err == nil {
		// This SQLite has FTS5 anyway (a system library, say).
		db.Close()
		os.Exit(m.Run())
	}
	if !errors.Is(err, errkind.Unavailable) || !strings.Contains(err.Error(), "go build -tags sqlite_fts5 ./cmd/gantry") {
		fmt.Fprintf(os.Stderr, "store: Open without FTS5 gave %v; want errkind.Unavailable saying how to build\n", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "store: the tests need SQLite's FTS5: run them with `make test` or `go test -tags sqlite_fts5 ./store/...`\n(Open says: %v)\n", err)
	os.Exit(1)
}
