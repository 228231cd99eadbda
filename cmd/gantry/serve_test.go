package main

import (
	"bufio"
	"context"
	"io"
	"strings"
	"testing"
)

// TestServeLocalFlag: without Slack tokens on a loopback address, gantry
// serve is the playground; --local=false keeps it off (and says how Slack
// is connected). The URL is the first line either way.
func TestServeLocalFlag(t *testing.T) {
	t.Setenv("GANTRY_LOCAL_POSTGRES", "")
	for _, c := range []struct {
		args  []string
		local bool
	}{
		{nil, true},
		{[]string{"--local=false"}, false},
	} {
		cfg := writeConfig(t, "server:\n  listen: 127.0.0.1:0\n")
		ctx, cancel := context.WithCancel(context.Background())
		pr, pw := io.Pipe()
		cmd := newRootCommand(pw, io.Discard, func(string) string { return "" })
		cmd.SetArgs(append([]string{"serve", "--config", cfg}, c.args...))
		done := make(chan error, 1)
		go func() { err := cmd.ExecuteContext(ctx); pw.Close(); done <- err }()
		lines := bufio.NewScanner(pr)
		if !lines.Scan() {
			t.Fatalf("%v: nothing printed: %v", c.args, <-done)
		}
		first := lines.Text()
		for lines.Scan() && !strings.HasPrefix(lines.Text(), "Catalog synced") {
		}
		go io.Copy(io.Discard, pr)
		cancel()
		if err := <-done; err != nil {
			t.Errorf("%v: %v", c.args, err)
		}
		if !strings.HasPrefix(first, "Gantry is running: http://127.0.0.1:") || strings.Contains(first, "local Slack sandbox") != c.local {
			t.Errorf("%v: first line %q", c.args, first)
		}
	}
}
