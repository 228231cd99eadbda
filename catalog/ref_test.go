package catalog

import (
	"errors"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/errkind"
)

func TestParseRef(t *testing.T) {
	cases := []struct {
		in, defKind, defNS string
		want               Ref
		err                string
	}{
		{"foo", "group", "", Ref{"group", "default", "foo"}, ""},
		{"foo", "group", "team-ns", Ref{"group", "team-ns", "foo"}, ""},
		{"user:dtuite", "group", "", Ref{"user", "default", "dtuite"}, ""},
		{"group:roadiehq/engineering", "group", "default", Ref{"group", "roadiehq", "engineering"}, ""},
		{"roadiehq/engineering", "group", "default", Ref{"group", "roadiehq", "engineering"}, ""},
		{"Component:sample-service-2", "component", "", Ref{"component", "default", "sample-service-2"}, ""},
		{"Resource:Default/My-Bucket", "component", "", Ref{"resource", "default", "my-bucket"}, ""},
		{"  api:petstore  ", "", "", Ref{"api", "default", "petstore"}, ""},
		{"component: ns / foo", "", "", Ref{"component", "ns", "foo"}, ""},
		{"foo", " group ", " ", Ref{"group", "default", "foo"}, ""},
		{"component: ", "", "", Ref{}, "empty name"},
		{"foo", "a/b", "", Ref{}, "holds a separator"},
		{"foo", "group", "a/b", Ref{}, "holds a separator"},
		// As Backstage's parser: a colon after the first slash is part of the name.
		{"ns/a:b", "group", "", Ref{"group", "ns", "a:b"}, ""},
		{"component:ns/a/b", "", "", Ref{"component", "ns", "a/b"}, ""},
		{"", "group", "", Ref{}, "empty entity reference"},
		{"   ", "group", "", Ref{}, "empty entity reference"},
		{"foo", "", "", Ref{}, "has no kind"},
		{":foo", "group", "", Ref{}, "has no kind"},
		{"group:", "", "", Ref{}, "empty name"},
		{"group:ns/", "", "", Ref{}, "empty name"},
		{"group:/foo", "", "", Ref{}, "empty namespace"},
		{"/foo", "group", "", Ref{}, "empty namespace"},
	}
	for _, c := range cases {
		got, err := ParseRef(c.in, c.defKind, c.defNS)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseRef(%q) error = %v, want %q", c.in, err, c.err)
			}
			if !errors.Is(err, errkind.Invalid) {
				t.Errorf("ParseRef(%q) error %v is not errkind.Invalid", c.in, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseRef(%q, %q, %q) = %+v, %v; want %+v", c.in, c.defKind, c.defNS, got, err, c.want)
		}
		// The canonical form parses back to the same ref.
		if back, err := ParseRef(got.String(), "", ""); err != nil || back != got {
			t.Errorf("ParseRef(%q) = %+v, %v; want %+v", got.String(), back, err, got)
		}
	}
}

func TestRefStringShortZero(t *testing.T) {
	cases := []struct {
		ref        Ref
		str, short string
		isZero     bool
	}{
		{NewRef("Component", "", "Checkout"), "component:default/checkout", "checkout", false},
		{NewRef("group", "Payments", "team-a"), "group:payments/team-a", "payments/team-a", false},
		{Ref{}, ":/", "/", true},
	}
	for _, c := range cases {
		if got := c.ref.String(); got != c.str {
			t.Errorf("%+v.String() = %q, want %q", c.ref, got, c.str)
		}
		if got := c.ref.Short(); got != c.short {
			t.Errorf("%+v.Short() = %q, want %q", c.ref, got, c.short)
		}
		if got := c.ref.IsZero(); got != c.isZero {
			t.Errorf("%+v.IsZero() = %v", c.ref, got)
		}
	}
	e := Entity{Kind: "API", Metadata: Metadata{Name: "Petstore"}}
	if got := e.Ref(); got != (Ref{"api", "default", "petstore"}) {
		t.Errorf("Entity.Ref() = %+v", got)
	}
}

func TestMustParseRef(t *testing.T) {
	if got := MustParseRef("user:default/alice"); got != (Ref{"user", "default", "alice"}) {
		t.Errorf("MustParseRef = %+v", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("MustParseRef of a ref without a kind did not panic")
		}
	}()
	MustParseRef("alice")
}
