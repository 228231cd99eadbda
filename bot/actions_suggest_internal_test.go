package bot

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/gantryhq/gantry/actions"
	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/catalog/ingest"
	"github.com/gantryhq/gantry/store"
)

// TestActionChoicesPastOneHundred: with more than 100 systems in the
// catalog, the form searches them as the person types (external_select),
// and the search answers from the catalog; a long enum answers too.
// (slackfake does not send block_suggestion envelopes, so the options
// function is called as the router would.)
func TestActionChoicesPastOneHundred(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "gantry.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var yaml strings.Builder
	for i := range 120 {
		fmt.Fprintf(&yaml, "---\napiVersion: backstage.io/v1alpha1\nkind: System\nmetadata: {name: system-%03d, title: System %03d}\nspec: {owner: group:default/payments}\n", i, i)
	}
	extra := filepath.Join(t.TempDir(), "systems.yaml")
	if err := os.WriteFile(extra, []byte(yaml.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	syncer := ingest.NewSyncer(db, nil)
	for _, src := range []ingest.Source{ingest.NewFileSource("examples", filepath.Join("..", "examples", "catalog", "all.yaml")), ingest.NewFileSource("many", extra)} {
		if res, err := syncer.Sync(ctx, src); err != nil || len(res.Problems) > 0 {
			t.Fatalf("sync: %v %v", err, res.Problems)
		}
	}
	cat, _ := catalog.New(db)
	eng, err := actions.NewEngine(actions.Options{Store: db, Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	set, probs, err := actions.Load([]string{filepath.Join("..", "examples", "actions")}, actions.LoadOptions{Secrets: []string{"INCIDENT_WEBHOOK_URL"}})
	if err != nil || len(probs) > 0 {
		t.Fatal(err, probs)
	}
	g := &actionsGlue{eng: eng, set: set}
	def, _ := set.Get("create-service")
	f, err := g.form(ctx, actions.Actor{SlackID: "U0PAY0001", Ref: "user:default/priya"}, def, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !f.External["system"] || f.External["owner"] || len(f.Choices["owner"]) != 5 {
		t.Fatalf("external %v, %d owner choices", f.External, len(f.Choices["owner"]))
	}
	view := ActionModal(f)
	var sys *slack.SelectBlockElement
	for _, b := range view.Blocks.BlockSet {
		if in, ok := b.(*slack.InputBlock); ok && in.BlockID == "system" {
			sys, _ = in.Element.(*slack.SelectBlockElement)
		}
	}
	if sys == nil || sys.Type != slack.OptTypeExternal || sys.ActionID != actionChoice {
		t.Fatalf("system input: %+v", sys)
	}

	ask := func(input, typed string) []*slack.OptionBlockObject {
		r := &Request{Text: typed, View: &slack.View{PrivateMetadata: view.PrivateMetadata},
			Interaction: &slack.InteractionCallback{BlockID: input}, User: User{ID: "U0PAY0001"}}
		opts, err := g.suggest(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		return opts
	}
	if opts := ask("system", "system 11"); len(opts) != 10 || opts[0].Value != "system:default/system-110" {
		t.Fatalf("typed 'system 11': %d options, first %+v", len(opts), opts[0])
	}
	if opts := ask("system", ""); len(opts) != 100 {
		t.Fatalf("nothing typed: %d options, want the first 100", len(opts))
	}
	if opts := ask("visibility", "intern"); len(opts) != 1 || opts[0].Value != "internal" {
		t.Fatalf("enum search: %+v", opts)
	}
	if _, err := g.suggest(ctx, &Request{Text: "x", View: &slack.View{PrivateMetadata: "{}"}}); err == nil {
		t.Fatal("a stray options request was answered")
	}
}
