package catalog

import (
	"fmt"
	"strings"
	"time"

	"github.com/gantryhq/gantry/internal/errkind"
)

// Rotation is the value of the gantry.dev/oncall annotation: either one
// person, or a weekly rotation written
//
//	weekly from 2026-01-05: alice, bob, carol
//
// where the person on call changes every seven days at 00:00 UTC of the
// start date's weekday, in list order.
type Rotation struct {
	People []Ref
	Start  time.Time // zero for a single person
}

// ParseRotation parses an oncall annotation; bare names are users in
// namespace ns.
func ParseRotation(value, ns string) (Rotation, error) {
	value = strings.TrimSpace(value)
	const prefix = "weekly from "
	weekly := len(value) >= len(prefix) && strings.EqualFold(value[:len(prefix)], prefix)
	if !weekly {
		r, err := parsePerson(value, ns)
		if err != nil {
			return Rotation{}, errkind.New(errkind.Invalid, "%s: %v (write a user, or \"weekly from YYYY-MM-DD: alice, bob\")", AnnotationOncall, err)
		}
		return Rotation{People: []Ref{r}}, nil
	}
	rest := value[len(prefix):]
	date, list, ok := strings.Cut(rest, ":")
	if !ok {
		return Rotation{}, errkind.New(errkind.Invalid, "%s: a weekly rotation is written \"weekly from YYYY-MM-DD: alice, bob\"", AnnotationOncall)
	}
	start, err := time.Parse("2006-01-02", strings.TrimSpace(date))
	if err != nil {
		return Rotation{}, errkind.New(errkind.Invalid, "%s: start date %q is not YYYY-MM-DD", AnnotationOncall, strings.TrimSpace(date))
	}
	rot := Rotation{Start: start}
	for _, name := range strings.Split(list, ",") {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		r, err := parsePerson(name, ns)
		if err != nil {
			return Rotation{}, errkind.New(errkind.Invalid, "%s: %v", AnnotationOncall, err)
		}
		rot.People = append(rot.People, r)
	}
	if len(rot.People) == 0 {
		return Rotation{}, errkind.New(errkind.Invalid, "%s: the rotation names nobody", AnnotationOncall)
	}
	return rot, nil
}

// At returns who is on call at t, and until when (zero for a single person).
// Before its start date a rotation puts nobody on call: At returns the zero
// Ref, and the start date as the time that answer holds until (the first
// person in the list takes over then).
func (r Rotation) At(t time.Time) (Ref, time.Time) {
	if len(r.People) == 0 {
		return Ref{}, time.Time{}
	}
	if r.Start.IsZero() {
		return r.People[0], time.Time{}
	}
	const week = 7 * 24 * time.Hour
	if t.Before(r.Start) {
		return Ref{}, r.Start
	}
	n := int64(t.Sub(r.Start) / week)
	return r.People[n%int64(len(r.People))], r.Start.Add(time.Duration(n+1) * week)
}

// parsePerson parses one person of a rotation: a reference whose parts are
// valid names, so that a sentence or a list is not taken for a user.
func parsePerson(s, ns string) (Ref, error) {
	r, err := ParseRef(s, "user", ns)
	if err != nil {
		return Ref{}, err
	}
	if !ValidKind(r.Kind) || !ValidNamespace(r.Namespace) || !ValidName(r.Name) {
		return Ref{}, errkind.New(errkind.Invalid, "%q is not a user reference ([user:][namespace/]name)", s)
	}
	return r, nil
}

func (r Rotation) String() string {
	if r.Start.IsZero() {
		if len(r.People) == 0 {
			return ""
		}
		return r.People[0].String()
	}
	names := make([]string, len(r.People))
	for i, p := range r.People {
		names[i] = p.Short() // bare names are users: others keep their kind
		if p.Kind != "user" {
			names[i] = p.Kind + ":" + names[i]
		}
	}
	return fmt.Sprintf("weekly from %s: %s", r.Start.Format("2006-01-02"), strings.Join(names, ", "))
}
