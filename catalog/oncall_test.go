package catalog

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/errkind"
)

func TestParseRotation(t *testing.T) {
	cases := []struct {
		value, ns string
		people    []string
		start     string
		err       string
	}{
		{"alice", "default", []string{"user:default/alice"}, "", ""},
		{"  user:ops/Bob ", "default", []string{"user:ops/bob"}, "", ""},
		{"carol", "team-ns", []string{"user:team-ns/carol"}, "", ""},
		{"weekly from 2026-01-05: alice, bob, carol", "default", []string{"user:default/alice", "user:default/bob", "user:default/carol"}, "2026-01-05", ""},
		{"Weekly From 2026-01-05: alice,,group:ops/sre,", "default", []string{"user:default/alice", "group:ops/sre"}, "2026-01-05", ""},
		{"", "default", nil, "", "empty entity reference"},
		{"alice, bob", "default", nil, "", "is not a user reference"},
		{"on call: alice", "default", nil, "", "is not a user reference"},
		{"weekly from 2026-01-05 alice", "default", nil, "", "is written"},
		{"weekly from 05/01/2026: alice", "default", nil, "", "is not YYYY-MM-DD"},
		{"weekly from 2026-02-30: alice", "default", nil, "", "is not YYYY-MM-DD"},
		{"weekly from 2026-01-05: ", "default", nil, "", "names nobody"},
		{"weekly from 2026-01-05: alice, bob smith", "default", nil, "", "is not a user reference"},
		{"weekly from 2026-01-05: user:", "default", nil, "", "empty name"},
	}
	for _, c := range cases {
		rot, err := ParseRotation(c.value, c.ns)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseRotation(%q) error = %v, want %q", c.value, err, c.err)
			} else if !errors.Is(err, errkind.Invalid) {
				t.Errorf("ParseRotation(%q) error %v is not errkind.Invalid", c.value, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseRotation(%q): %v", c.value, err)
			continue
		}
		var people []string
		for _, p := range rot.People {
			people = append(people, p.String())
		}
		if strings.Join(people, " ") != strings.Join(c.people, " ") {
			t.Errorf("ParseRotation(%q) people = %v, want %v", c.value, people, c.people)
		}
		if got := formatDate(rot.Start); got != c.start {
			t.Errorf("ParseRotation(%q) start = %q, want %q", c.value, got, c.start)
		}
	}
}

func formatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02")
}

func TestRotationAt(t *testing.T) {
	rot, err := ParseRotation("weekly from 2026-01-05: alice, bob, carol", "default")
	if err != nil {
		t.Fatal(err)
	}
	day := func(s string) time.Time {
		d, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	cases := []struct {
		at, who, until string
	}{
		{"2025-12-31T12:00:00Z", "", "2026-01-05T00:00:00Z"}, // before the start: nobody, until it starts
		{"2026-01-04T23:59:59Z", "", "2026-01-05T00:00:00Z"},
		{"2026-01-05T00:00:00Z", "alice", "2026-01-12T00:00:00Z"},
		{"2026-01-11T23:59:59Z", "alice", "2026-01-12T00:00:00Z"},
		{"2026-01-12T00:00:00Z", "bob", "2026-01-19T00:00:00Z"}, // the week boundary
		{"2026-01-19T09:30:00Z", "carol", "2026-01-26T00:00:00Z"},
		{"2026-01-26T00:00:00Z", "alice", "2026-02-02T00:00:00Z"},      // wraps around
		{"2026-01-12T00:30:00+01:00", "alice", "2026-01-12T00:00:00Z"}, // still Sunday in UTC
		{"2027-01-04T00:00:00Z", "bob", "2027-01-11T00:00:00Z"},        // 52 weeks on
	}
	for _, c := range cases {
		who, until := rot.At(day(c.at))
		if who.Name != c.who || !until.Equal(day(c.until)) {
			t.Errorf("At(%s) = %s until %s, want %s until %s", c.at, who.Name, until.Format(time.RFC3339), c.who, c.until)
		}
	}

	single, err := ParseRotation("alice", "default")
	if err != nil {
		t.Fatal(err)
	}
	if who, until := single.At(day("2030-01-01T00:00:00Z")); who.Name != "alice" || !until.IsZero() {
		t.Errorf("single person At = %v until %v", who, until)
	}
	if who, until := (Rotation{}).At(time.Now()); !who.IsZero() || !until.IsZero() {
		t.Errorf("empty rotation At = %v until %v", who, until)
	}
}

func TestRotationString(t *testing.T) {
	cases := map[string]string{
		"alice": "user:default/alice",
		"weekly from 2026-01-05: alice, user:ops/bob": "weekly from 2026-01-05: alice, ops/bob",
		"weekly from 2026-01-05: group:sre, alice":    "weekly from 2026-01-05: group:sre, alice",
	}
	for in, want := range cases {
		rot, err := ParseRotation(in, "default")
		if err != nil {
			t.Fatal(err)
		}
		if got := rot.String(); got != want {
			t.Errorf("String of %q = %q, want %q", in, got, want)
		}
		// What String writes reads back as the same rotation.
		back, err := ParseRotation(rot.String(), "default")
		if err != nil || back.String() != rot.String() || !back.Start.Equal(rot.Start) {
			t.Errorf("ParseRotation(%q) = %v, %v", rot.String(), back, err)
		}
	}
	if got := (Rotation{}).String(); got != "" {
		t.Errorf("empty rotation String = %q", got)
	}
}

// TestOncallAnnotationProblemsAtTheirLine: a malformed gantry.dev/oncall
// annotation is a problem pointing at the annotation's line; the entities
// of the same file with a valid one, or none, are read.
func TestOncallAnnotationProblemsAtTheirLine(t *testing.T) {
	data := `apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: sre
  annotations:
    gantry.dev/oncall: "weekly from 2027-13-04: alice, bob"
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: dba
  annotations:
    gantry.dev/slack-channel: "#dba"
    gantry.dev/oncall: Bad Person
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: web
  annotations:
    gantry.dev/oncall: "weekly from 2027-01-04: alice, bob"
spec: {type: team, children: []}
`
	p := ParseFile(testFile, []byte(data), ParseOptions{})
	got := problemStrings(p.Problems)
	want := []string{
		testFile + `:6: metadata.annotations.gantry.dev/oncall: start date "2027-13-04" is not YYYY-MM-DD`,
		testFile + `:15: metadata.annotations.gantry.dev/oncall: "Bad Person" is not a user reference`,
	}
	if len(got) != len(want) {
		t.Fatalf("problems %q", got)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %q, want %q…", got[i], want[i])
		}
	}
	if len(p.Entities) != 1 || p.Entities[0].Metadata.Name != "web" {
		t.Errorf("entities %+v", p.Entities)
	}
}
