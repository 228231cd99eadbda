package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/gantryhq/gantry/catalog"
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
