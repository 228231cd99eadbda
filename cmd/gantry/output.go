package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/internal/errkind"
)

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// entityListJSON is the contract of `search --json` and `query --json`.
type entityListJSON struct {
	Count    int                 `json:"count"`
	Entities []entitySummaryJSON `json:"entities"`
}

type entitySummaryJSON struct {
	Ref     string `json:"ref"`
	Kind    string `json:"kind"`
	Title   string `json:"title"`
	Owner   string `json:"owner"`
	Snippet string `json:"snippet,omitempty"`
}

func summarize(e *catalog.Entity) entitySummaryJSON {
	owner := ""
	if refs := e.RelationTargets(catalog.RelOwnedBy); len(refs) > 0 {
		owner = refs[0].String()
	} else if s := e.SpecString("owner"); s != "" {
		if r, err := catalog.ParseRef(s, "group", e.Metadata.Namespace); err == nil {
			owner = r.String()
		}
	}
	return entitySummaryJSON{Ref: e.Ref().String(), Kind: e.Kind, Title: e.Title(), Owner: owner}
}

// printEntityList writes entities one per line: ref, title, owner.
func printEntityList(w io.Writer, list entityListJSON, more string) {
	for _, e := range list.Entities {
		line := fmt.Sprintf("%-45s %s", e.Ref, e.Title)
		if e.Owner != "" {
			line += "  (owner " + e.Owner + ")"
		}
		fmt.Fprintln(w, strings.TrimRight(line, " "))
		if e.Snippet != "" {
			fmt.Fprintln(w, "    "+e.Snippet)
		}
	}
	if more != "" {
		fmt.Fprintln(w, more)
	}
}

// usageArgs wraps a cobra argument check so that a missing or extra argument is
// a usage error (exit 2), naming what the command takes.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, a []string) error {
		if err := check(cmd, a); err != nil {
			return errkind.New(errkind.Invalid, "%v; usage: %s", err, cmd.UseLine())
		}
		return nil
	}
}

// flagError makes an unknown or malformed flag a usage error (exit 2), as
// a missing argument is.
func flagError(cmd *cobra.Command, err error) error {
	return errkind.New(errkind.Invalid, "%v; usage: %s", err, cmd.UseLine())
}

// emptyCatalogHint says, on w, that the catalog holds nothing at all when
// that is why a question found nothing.
func emptyCatalogHint(ctx context.Context, w io.Writer, c *catalog.Catalog) {
	if empty, err := c.Empty(ctx); err == nil && empty {
		fmt.Fprintln(w, emptyCatalogMessage)
	}
}

const emptyCatalogMessage = "The catalog is empty: run `gantry catalog sync` to read the sources under catalog.sources in the config."
