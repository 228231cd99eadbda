package store

import (
	"context"
	"slices"
	"testing"

	"github.com/gantryhq/gantry/catalog"
)

// TestSearchPrefix checks, on every engine, that the last word typed is a
// prefix of the words as written, not of their stems: "pay" finds
// payments, whose stem is "payment" while "pay" is stemmed "pai".
func TestSearchPrefix(t *testing.T) {
	for _, eng := range engines() {
		t.Run(eng.name, func(t *testing.T) {
			eng.ready(t)
			t.Run("words", func(t *testing.T) { testSearchPrefixWords(t, open(t, eng.fresh(t))) })
			t.Run("migrated", func(t *testing.T) { testSearchPrefixMigrated(t, eng.fresh(t)) })
		})
	}
}

// prefixCatalog is a group payments, a service whose name starts alike, one
// that only mentions payments, and words whose stems are shorter than
// their prefixes ("running" is stemmed "run").
func prefixCatalog(t *testing.T, db *DB) {
	apply(t, db, "s",
		describe(ent("Group", "payments", nil), "Payments", "Takes the money."),
		describe(ent("Component", "payroll", nil), "", "Runs the monthly pay run."),
		describe(ent("Component", "ledger", nil), "", "Records payments and refunds."),
		describe(ent("Component", "jobs", nil), "Running jobs", "Schedules batch work.", "cron"),
		describe(ent("Component", "unrelated", nil), "", "Nothing to see."),
	)
}

func testSearchPrefixWords(t *testing.T, db *DB) {
	prefixCatalog(t, db)
	cases := []struct {
		text  string
		kinds []string
		first string   // the best hit
		has   []string // among the hits
		not   []string // not among them
	}{
		{text: "pay", has: []string{"payments", "payroll", "ledger"}, not: []string{"jobs", "unrelated"}},
		{text: "Pay", has: []string{"payments", "payroll", "ledger"}},
		{text: "pa", has: []string{"payments", "payroll", "ledger"}, not: []string{"jobs"}},
		{text: "paym", first: "payments", has: []string{"ledger"}, not: []string{"payroll"}},
		{text: "payme", first: "payments", has: []string{"ledger"}, not: []string{"payroll"}},
		{text: "payment", first: "payments", has: []string{"ledger"}, not: []string{"payroll"}},
		{text: "payments", first: "payments", has: []string{"ledger"}, not: []string{"payroll"}},
		{text: "pay", kinds: []string{"group"}, first: "payments", not: []string{"payroll", "ledger"}},
		{text: "records pay", first: "ledger", not: []string{"payments", "payroll"}},
		{text: "running", first: "jobs", has: []string{"payroll"}}, // "Runs": run, stemmed
		// Odd text is still only words.
		{text: `paym"`, first: "payments"},
		{text: `"paym*"`, first: "payments"},
		{text: `NEAR(paym`, first: "payments"},
		{text: `'; drop table entities; -- pay`, has: []string{"payments"}},
		{text: `paym:*`, first: "payments"},
		{text: `x" OR "paym`, has: []string{"payments"}},
		{text: `pay*`, has: []string{"payments", "payroll"}},
	}
	for _, c := range cases {
		got := names(search(t, db, catalog.SearchQuery{Text: c.text, Kinds: c.kinds}).Hits)
		if c.first != "" && (len(got) == 0 || got[0] != c.first) {
			t.Errorf("Search(%q, %v) = %v, want %s first", c.text, c.kinds, got, c.first)
		}
		for _, n := range c.has {
			if !slices.Contains(got, n) {
				t.Errorf("Search(%q, %v) = %v, want %s among them", c.text, c.kinds, got, n)
			}
		}
		for _, n := range c.not {
			if slices.Contains(got, n) {
				t.Errorf("Search(%q, %v) = %v, want no %s", c.text, c.kinds, got, n)
			}
		}
	}
	// Names that start with the prefix rank above a description that
	// holds a word starting with it.
	got := names(search(t, db, catalog.SearchQuery{Text: "pay"}).Hits)
	if len(got) != 3 || got[2] != "ledger" {
		t.Errorf("Search(pay) = %v, want payments and payroll (by name) before ledger (by description)", got)
	}
	// On SQLite a prefix longer than a word's stem finds the word ("runn"
	// stands for running, stemmed run, so "Runs" is found too); PostgreSQL
	// matches stems only, there.
	if db.Dialect() == DialectSQLite {
		if got := names(search(t, db, catalog.SearchQuery{Text: "runn"}).Hits); len(got) == 0 || got[0] != "jobs" {
			t.Errorf("Search(runn) = %v, want jobs first", got)
		}
	}
	// Renamed, an entity is found by its new words only.
	apply(t, db, "s", describe(ent("Component", "jobs", nil), "Queued jobs", "Schedules batch work.", "cron"))
	if got := names(search(t, db, catalog.SearchQuery{Text: "runni"}).Hits); len(got) != 0 {
		t.Errorf("after the rename, runni finds %v", got)
	}
	if got := names(search(t, db, catalog.SearchQuery{Text: "queu"}).Hits); !slices.Equal(got, []string{"jobs"}) {
		t.Errorf("after the rename, queu finds %v", got)
	}
	if refs, err := db.Refs(context.Background()); err != nil || len(refs) != 5 {
		t.Errorf("the catalog changed: %d refs, %v", len(refs), err)
	}
}

// testSearchPrefixMigrated opens a database written before the unstemmed
// prefix index existed: the migration fills it from what is there.
func testSearchPrefixMigrated(t *testing.T, url string) {
	db := open(t, url)
	prefixCatalog(t, db)
	if db.Dialect() != DialectSQLite {
		t.Skip("PostgreSQL's 00004 changes nothing")
	}
	down := []string{
		"DROP TRIGGER entities_prefix_fts_update", "DROP TRIGGER entities_prefix_fts_delete",
		"DROP TRIGGER entities_prefix_fts_insert", "DROP TABLE entities_prefix_vocab", "DROP TABLE entities_prefix_fts",
		"DELETE FROM goose_db_version WHERE version_id = 4",
	}
	for _, q := range down {
		if _, err := db.write.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	db = open(t, url)
	for text, want := range map[string]string{"runn": "jobs", "paym": "payments", "cro": "jobs"} {
		if got := names(search(t, db, catalog.SearchQuery{Text: text}).Hits); len(got) == 0 || got[0] != want {
			t.Errorf("after migrating, Search(%q) = %v, want %s first", text, got, want)
		}
	}
}
