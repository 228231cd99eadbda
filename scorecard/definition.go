package scorecard

import (
	"sort"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/gantryhq/gantry/internal/errkind"
	"github.com/gantryhq/gantry/internal/expr"
)

// What a definition file declares.
const (
	APIVersion = "gantry.dev/v1"
	Kind       = "Scorecard"
)

// Scorecard is one standard, as a definition file declares it.
type Scorecard struct {
	Name        string `json:"name"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	// Filter chooses the entities the scorecard applies to (CEL over
	// `entity`); empty means every Component.
	Filter string  `json:"filter,omitempty"`
	Levels []Level `json:"levels"`
	Rules  []*Rule `json:"rules"`
	// Digest is when and where the digest is posted; nil when the scorecard posts none.
	Digest *DigestSchedule `json:"digest,omitempty"`
	// File and Line say where the definition was read.
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`

	filter *expr.Program
}

// DefaultFilter applies a scorecard without a filter to every Component.
const DefaultFilter = `entity.kind == "Component"`

// Level is one step of a scorecard, lowest first.
type Level struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Emoji is shown before the level's name in Slack (":first_place_medal:");
	// by default the top three levels get medals.
	Emoji string `json:"emoji,omitempty"`
}

// Rule is one check of a scorecard.
type Rule struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	// Level is the name of the level the rule belongs to: an entity reaches
	// a level when it passes every rule of that level and of those below.
	Level string `json:"level"`
	// Expression is CEL over `entity` and `facts`, true when the rule passes.
	Expression string `json:"expression"`
	// Weight counts the rule in the score (default 1).
	Weight float64 `json:"weight"`
	Fix    Fix     `json:"fix"`
	Line   int     `json:"line,omitempty"`

	level int
	prg   *expr.Program
}

// Fix tells how to make a failing rule pass.
type Fix struct {
	// Hint is a sentence for the team ("Add a CODEOWNERS file naming your
	// team").
	Hint string `json:"hint,omitempty"`
	// URL points at a guide.
	URL string `json:"url,omitempty"`
	// Action names a self-service action that fixes it; the digest's "Fix"
	// button starts it. ActionLine is where it is named.
	Action     string `json:"action,omitempty"`
	ActionLine int    `json:"-"`
	// With prefills the action's inputs, templated per entity
	// (${{ entity.metadata.name }}).
	With map[string]string `json:"with,omitempty"`
	// WithLines are the lines of With's keys.
	WithLines map[string]int `json:"-"`

	with map[string]*expr.Template
}

// DigestSchedule says when a scorecard's digest is posted and where.
type DigestSchedule struct {
	// Schedule is a cron expression (five fields, or @weekly) read in
	// TimeZone: "0 9 * * 1" is Mondays at 09:00.
	Schedule string `json:"schedule"`
	// TimeZone is an IANA zone name (default UTC).
	TimeZone string `json:"timeZone,omitempty"`
	// Channel is "owner" (default): each team's own channel
	// (gantry.dev/slack-channel on its Group); or one channel for every
	// team's digest.
	Channel string `json:"channel,omitempty"`
	// Fallback is where the digest of a team without a channel goes (and
	// services nobody owns); default scorecards.fallback_channel.
	Fallback string `json:"fallback,omitempty"`

	sched    cron.Schedule
	location *time.Location
}

// ChannelOwner is DigestSchedule.Channel's default: each team's own channel.
const ChannelOwner = "owner"

// Levels' default emoji, from the top.
var defaultLevelEmoji = []string{":first_place_medal:", ":second_place_medal:", ":third_place_medal:"}

// DisplayTitle is the title, else the name.
func (s *Scorecard) DisplayTitle() string {
	if s.Title != "" {
		return s.Title
	}
	return s.Name
}

// LevelName returns the name of level i, or "" below the first.
func (s *Scorecard) LevelName(i int) string {
	if i < 0 || i >= len(s.Levels) {
		return ""
	}
	return s.Levels[i].Name
}

// LevelEmoji returns level i's emoji (":heavy_minus_sign:" below the first).
func (s *Scorecard) LevelEmoji(i int) string {
	if i < 0 || i >= len(s.Levels) {
		return ":heavy_minus_sign:"
	}
	if e := s.Levels[i].Emoji; e != "" {
		return e
	}
	if top := len(s.Levels) - 1 - i; top < len(defaultLevelEmoji) {
		return defaultLevelEmoji[top]
	}
	return ":white_circle:"
}

// Rule returns the rule with id, or nil.
func (s *Scorecard) Rule(id string) *Rule {
	for _, r := range s.Rules {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// LevelIndex is the index of the rule's level.
func (r *Rule) LevelIndex() int { return r.level }

// DisplayTitle is the title, else the id.
func (r *Rule) DisplayTitle() string {
	if r.Title != "" {
		return r.Title
	}
	return r.ID
}

// Next returns the first time the digest is due after t.
func (d *DigestSchedule) Next(t time.Time) time.Time { return d.sched.Next(t) }

// Location is the digest's time zone.
func (d *DigestSchedule) Location() *time.Location {
	if d.location == nil {
		return time.UTC
	}
	return d.location
}

// Period returns the period current at t: the latest scheduled time at or
// before t, and the next one (when it ends). ok is false when the
// schedule has not fired within the year before t.
func (d *DigestSchedule) Period(t time.Time) (start, end time.Time, ok bool) {
	for _, back := range []time.Duration{8 * 24 * time.Hour, 32 * 24 * time.Hour, 367 * 24 * time.Hour} {
		var last time.Time
		for at := d.sched.Next(t.Add(-back)); !at.IsZero() && !at.After(t); at = d.sched.Next(at) {
			last = at
		}
		if !last.IsZero() {
			return last, d.sched.Next(last), true
		}
	}
	return time.Time{}, time.Time{}, false
}

// Previous returns the period before the one starting at start.
func (d *DigestSchedule) Previous(start time.Time) (time.Time, bool) {
	p, _, ok := d.Period(start.Add(-time.Second))
	return p, ok
}

// parseSchedule reads a cron schedule in a time zone.
func parseSchedule(spec, tz string) (cron.Schedule, *time.Location, error) {
	loc := time.UTC
	if tz != "" {
		l, err := time.LoadLocation(tz)
		if err != nil {
			return nil, nil, errkind.New(errkind.Invalid, "timeZone %q is not a time zone name such as Europe/Paris or America/New_York", tz)
		}
		loc = l
	}
	spec = strings.TrimSpace(spec)
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		return nil, nil, errkind.New(errkind.Invalid, "schedule %q: give the zone in timeZone, not in the schedule", spec)
	}
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, nil, errkind.New(errkind.Invalid, "schedule %q is not a cron expression (\"0 9 * * 1\" is Mondays at 09:00): %v", spec, err)
	}
	if s, ok := sched.(*cron.SpecSchedule); ok {
		s.Location = loc
	} else {
		return nil, nil, errkind.New(errkind.Invalid, "schedule %q: a digest needs calendar times (\"0 9 * * 1\", @weekly), not an interval", spec)
	}
	return sched, loc, nil
}

// Set is a loaded set of scorecards, by name.
type Set struct {
	list   []*Scorecard
	byName map[string]*Scorecard
}

// NewSet returns a set of scorecards, sorted by name.
func NewSet(list []*Scorecard) *Set {
	s := &Set{list: append([]*Scorecard(nil), list...), byName: map[string]*Scorecard{}}
	sort.Slice(s.list, func(i, j int) bool { return s.list[i].Name < s.list[j].Name })
	for _, sc := range s.list {
		s.byName[sc.Name] = sc
	}
	return s
}

// All returns the scorecards, sorted by name.
func (s *Set) All() []*Scorecard {
	if s == nil {
		return nil
	}
	return s.list
}

// Get returns a scorecard by name. Errors: errkind.NotFound, naming those
// that exist.
func (s *Set) Get(name string) (*Scorecard, error) {
	if s != nil {
		if sc, ok := s.byName[strings.TrimSpace(name)]; ok {
			return sc, nil
		}
	}
	var names []string
	for _, sc := range s.All() {
		names = append(names, sc.Name)
	}
	if len(names) == 0 {
		return nil, errkind.New(errkind.NotFound, "no scorecard %q: none is defined (scorecards.paths in gantry.yaml)", name)
	}
	return nil, errkind.New(errkind.NotFound, "no scorecard %q (defined: %s)", name, strings.Join(names, ", "))
}
