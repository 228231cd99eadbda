package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/testdb"
)

// TestSandboxState keeps the playground's snapshots: absent at first,
// saved, replaced, kept across a reopen of the same database, and reset.
func TestSandboxState(t *testing.T) {
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			ctx := context.Background()
			db := openEngine(t, eng)
			if _, ok, err := db.SandboxState(ctx, "slack"); err != nil || ok {
				t.Fatalf("fresh database: ok=%v err=%v", ok, err)
			}
			big := `{"messages":"` + strings.Repeat("x", 1<<20) + `"}`
			if err := db.SaveSandboxState(ctx, "slack", []byte(`{"v":1}`)); err != nil {
				t.Fatal(err)
			}
			if err := db.SaveSandboxState(ctx, "github", []byte(big)); err != nil {
				t.Fatal(err)
			}
			if err := db.SaveSandboxState(ctx, "slack", []byte(`{"v":2,"text":"café \\u0000"}`)); err != nil {
				t.Fatal(err)
			}
			got, ok, err := db.SandboxState(ctx, "slack")
			if err != nil || !ok || string(got) != `{"v":2,"text":"café \\u0000"}` {
				t.Fatalf("slack: %q %v %v", got, ok, err)
			}
			if got, ok, err := db.SandboxState(ctx, "github"); err != nil || !ok || string(got) != big {
				t.Fatalf("github: %d bytes, %v %v", len(got), ok, err)
			}
			if err := db.DeleteSandboxState(ctx); err != nil {
				t.Fatal(err)
			}
			if _, ok, err := db.SandboxState(ctx, "github"); err != nil || ok {
				t.Fatalf("after reset: ok=%v err=%v", ok, err)
			}
		})
	}
}
