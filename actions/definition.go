package actions

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/gantryhq/gantry/internal/errkind"
)

// APIVersion and Kind identify an Action document.
const (
	APIVersion = "gantry.dev/v1"
	Kind       = "Action"
)

// Action is one self-service action, as a definition file declares it. Its
// JSON form is also the snapshot a run keeps, so that editing the file does
// not change a run already started.
type Action struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Metadata   Metadata `json:"metadata"`
	Spec       Spec     `json:"spec"`
	// File and Line say where the definition was read.
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	// lines locates fields ("metadata.name", "spec.approval.required",
	// "spec.output.links[0].url"), for problems.
	lines map[string]int
}

// LineOf returns the line of a field by its path ("spec.command"), or the
// line of the closest enclosing field that has one ("spec.output" for
// "spec.output.text"), or the document's.
func (a *Action) LineOf(path string) int {
	for p := path; p != ""; {
		if l := a.lines[p]; l > 0 {
			return l
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return a.Line
}

// Metadata names an action.
type Metadata struct {
	Name        string `json:"name"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
}

// Spec is what an action asks, who approves it, and what it does.
type Spec struct {
	// Command is a slash command bound to the action ("/create-service");
	// every action can also be run with "/gantry run <name>".
	Command  string   `json:"command,omitempty"`
	Allowed  Allowed  `json:"allowed"`
	Inputs   []Input  `json:"inputs,omitempty"`
	Approval Approval `json:"approval"`
	Steps    []Step   `json:"steps"`
	Output   Output   `json:"output"`
}

// Allowed says who may start the action: anyone matching one of the
// criteria. With none set, everyone may.
type Allowed struct {
	Everyone bool     `json:"everyone,omitempty"`
	Groups   []string `json:"groups,omitempty"` // group refs: members (and sub-groups' members)
	Users    []string `json:"users,omitempty"`  // user refs
	// OwnersOf names an entity input: the owners of the entity chosen there
	// (the owning user, or members of the owning group) may run it.
	OwnersOf string `json:"ownersOf,omitempty"`
	Line     int    `json:"line,omitempty"`
}

// Open reports whether anyone may start the action.
func (a Allowed) Open() bool {
	return a.Everyone || (len(a.Groups) == 0 && len(a.Users) == 0 && a.OwnersOf == "")
}

// Input types.
const (
	TypeString  = "string"  // one line of text
	TypeText    = "text"    // several lines
	TypeNumber  = "number"  // a number, optionally an integer
	TypeBoolean = "boolean" // a checkbox
	TypeEnum    = "enum"    // one of static options
	TypeEntity  = "entity"  // one entity of the catalog
	TypeUser    = "user"    // a Slack user
)

var inputTypes = []string{TypeString, TypeText, TypeNumber, TypeBoolean, TypeEnum, TypeEntity, TypeUser}

// Input is one field of the action's form.
type Input struct {
	Name        string `json:"name"`
	Title       string `json:"title,omitempty"`
	Type        string `json:"type"`
	Required    bool   `json:"required,omitempty"`
	Default     any    `json:"default,omitempty"`
	Help        string `json:"help,omitempty"`
	Placeholder string `json:"placeholder,omitempty"`
	// string and text
	Pattern        string `json:"pattern,omitempty"`
	PatternMessage string `json:"patternMessage,omitempty"`
	MinLength      *int   `json:"minLength,omitempty"`
	MaxLength      *int   `json:"maxLength,omitempty"`
	// number
	Min     *float64 `json:"min,omitempty"`
	Max     *float64 `json:"max,omitempty"`
	Integer bool     `json:"integer,omitempty"`
	// enum
	Options []Option `json:"options,omitempty"`
	// entity: the kind to choose from, an optional CEL filter over
	// `entity` and `user`, and whether to offer only what the requester
	// owns (directly or through a team).
	EntityKind       string `json:"kind,omitempty"`
	Filter           string `json:"filter,omitempty"`
	OwnedByRequester bool   `json:"ownedByRequester,omitempty"`

	Line    int `json:"line,omitempty"`
	pattern *regexp.Regexp
}

// Label is what the form shows for the input.
func (in *Input) Label() string {
	if in.Title != "" {
		return in.Title
	}
	return strings.ReplaceAll(in.Name, "_", " ")
}

// Option is one choice of an enum input.
type Option struct {
	Value string `json:"value"`
	Label string `json:"label,omitempty"`
}

// Text is what a person reads for the option.
func (o Option) Text() string {
	if o.Label != "" {
		return o.Label
	}
	return o.Value
}

// Approval modes.
const (
	ModeAny = "any" // Required approvals from any of the approvers
	ModeAll = "all" // Required approvals from each group, and every listed user
)

// DefaultApprovalExpiry is how long an approval request stays open when
// the action does not say.
const DefaultApprovalExpiry = 72 * time.Hour

// Approval is who must approve a run before it executes. An Approval with
// neither groups nor users needs none.
type Approval struct {
	Groups   []string `json:"groups,omitempty"` // group refs
	Users    []string `json:"users,omitempty"`  // user refs
	Required int      `json:"required,omitempty"`
	Mode     string   `json:"mode,omitempty"`
	// Expires is a duration ("72h"); past it, the request can no longer
	// be decided.
	Expires string `json:"expires,omitempty"`
	// Channel is where the request is posted ("#team-platform"); "dm" sends
	// it to each approver directly. Default: the first group's
	// gantry.dev/slack-channel, else DMs.
	Channel string `json:"channel,omitempty"`
	Line    int    `json:"line,omitempty"`
}

// Needed reports whether runs wait for approval.
func (a Approval) Needed() bool { return len(a.Groups)+len(a.Users) > 0 }

// Count is the number of approvals required (per group in "all" mode).
func (a Approval) Count() int { return max(a.Required, 1) }

// Expiry returns how long a request stays open.
func (a Approval) Expiry() time.Duration {
	if d, err := time.ParseDuration(a.Expires); err == nil && d > 0 {
		return d
	}
	return DefaultApprovalExpiry
}

// Step is one thing the action does.
type Step struct {
	ID   string         `json:"id"`
	Name string         `json:"name,omitempty"`
	Uses string         `json:"uses"`
	With map[string]any `json:"with,omitempty"`
	If   string         `json:"if,omitempty"`
	Line int            `json:"line,omitempty"`
	// IfLine locates the condition, for problems.
	IfLine int `json:"-"`
	// WithLines locates each with field, for problems.
	WithLines map[string]int `json:"-"`
	// SkipWhy is what people are told when the step is skipped, set by
	// Gantry where it turns a step off (the local sandbox); by default,
	// that its condition is false (SkipReason).
	SkipWhy string `json:"skipWhy,omitempty"`
}

// SkipReason says why the step is skipped when it is: SkipWhy, or that
// its condition is false.
func (s *Step) SkipReason() string {
	if s.SkipWhy != "" {
		return s.SkipWhy
	}
	return "its condition is false (if: " + strings.Join(strings.Fields(s.If), " ") + ")"
}

// SkippedText is how a skipped step is described wherever it is shown
// (Slack's progress and plan, `gantry runs show`): "skipped: <reason>".
func SkippedText(reason string) string {
	if reason == "" {
		reason = "its condition is false"
	}
	return "skipped: " + reason
}

// Title is what progress messages call the step.
func (s *Step) Title() string {
	if s.Name != "" {
		return s.Name
	}
	if sc, ok := stepSchemas[s.Uses]; ok {
		return sc.Title
	}
	return s.ID
}

// Output is what the requester sees when the run succeeds.
type Output struct {
	Text  string `json:"text,omitempty"`
	Links []Link `json:"links,omitempty"`
}

// Link is a titled URL.
type Link struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

// Title is what people read for the action.
func (a *Action) Title() string {
	if a.Metadata.Title != "" {
		return a.Metadata.Title
	}
	return a.Metadata.Name
}

// Input returns the input called name.
func (a *Action) Input(name string) (*Input, bool) {
	for i := range a.Spec.Inputs {
		if a.Spec.Inputs[i].Name == name {
			return &a.Spec.Inputs[i], true
		}
	}
	return nil, false
}

// prepare compiles what validation already checked (input patterns), for
// a definition decoded from a run's snapshot.
func (a *Action) prepare() error {
	for i := range a.Spec.Inputs {
		in := &a.Spec.Inputs[i]
		if in.Pattern == "" {
			continue
		}
		re, err := regexp.Compile(in.Pattern)
		if err != nil {
			return fmt.Errorf("input %s: pattern: %w", in.Name, err)
		}
		in.pattern = re
	}
	return nil
}

// snapshot encodes the definition for a run.
func (a *Action) snapshot() (json.RawMessage, error) {
	return json.Marshal(a)
}

// DecodeSnapshot reads the definition a run keeps.
func DecodeSnapshot(raw []byte) (*Action, error) {
	var a Action
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, fmt.Errorf("reading the action a run keeps: %w", err)
	}
	if err := a.prepare(); err != nil {
		return nil, err
	}
	return &a, nil
}

// Set is the loaded actions, by name and by command.
type Set struct {
	byName    map[string]*Action
	byCommand map[string]*Action
	names     []string
}

// NewSet indexes actions (which must be valid: unique names and commands).
func NewSet(list []*Action) *Set {
	s := &Set{byName: map[string]*Action{}, byCommand: map[string]*Action{}}
	for _, a := range list {
		s.byName[a.Metadata.Name] = a
		if a.Spec.Command != "" {
			s.byCommand[a.Spec.Command] = a
		}
		s.names = append(s.names, a.Metadata.Name)
	}
	sort.Strings(s.names)
	return s
}

// Get returns the action called name. Errors: errkind.NotFound, naming the
// actions there are.
func (s *Set) Get(name string) (*Action, error) {
	if a, ok := s.byName[strings.ToLower(strings.TrimSpace(name))]; ok {
		return a, nil
	}
	if len(s.names) == 0 {
		return nil, errkind.New(errkind.NotFound, "there is no action %q: no action is configured (actions.paths in gantry.yaml)", name)
	}
	return nil, errkind.New(errkind.NotFound, "there is no action %q; there are: %s", name, strings.Join(s.names, ", "))
}

// ByCommand returns the action bound to a slash command.
func (s *Set) ByCommand(cmd string) (*Action, bool) {
	a, ok := s.byCommand[strings.ToLower(cmd)]
	return a, ok
}

// All returns every action, by name.
func (s *Set) All() []*Action {
	out := make([]*Action, 0, len(s.names))
	for _, n := range s.names {
		out = append(out, s.byName[n])
	}
	return out
}
