package actions

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/internal/fuzzy"
	"github.com/gantryhq/gantry/internal/slackfake/blocklimits"
)

var (
	actionNameRe = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	commandRe    = regexp.MustCompile(`^/[a-z0-9][a-z0-9_-]{0,31}$`)
	identRe      = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
	secretNameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	// reservedCommands belong to Gantry itself.
	reservedCommands = map[string]bool{"/gantry": true, "/whoowns": true}
	channelIDRe      = regexp.MustCompile(`^[CG][A-Z0-9]+$`)
)

// maxInputs keeps a form within Slack's 100 blocks per modal, with room for
// a header and notes.
const maxInputs = 40

// Validate checks parsed actions as a whole: names and commands unique,
// inputs coherent, approvals readable, steps known with their fields,
// every template and condition compiling and reading only inputs that
// exist, earlier steps' declared outputs and configured secrets. It returns
// the valid actions and the problems of the others.
func Validate(list []*Action, opts LoadOptions) ([]*Action, []catalog.Problem) {
	x, err := newExprs()
	if err != nil {
		return nil, []catalog.Problem{{Message: err.Error()}}
	}
	v := &validator{x: x, secrets: map[string]bool{}}
	for _, s := range opts.Secrets {
		v.secrets[s] = true
	}
	names := map[string]*Action{}
	commands := map[string]*Action{}
	var valid []*Action
	var problems []catalog.Problem
	for _, a := range list {
		v.probs = nil
		v.a = a
		v.action()
		if first, dup := names[a.Metadata.Name]; dup && a.Metadata.Name != "" {
			v.fail(a.LineOf("metadata.name"), "action %q is already defined at %s:%d", a.Metadata.Name, first.File, first.LineOf("metadata.name"))
		} else if a.Metadata.Name != "" {
			names[a.Metadata.Name] = a
		}
		if c := a.Spec.Command; c != "" {
			if first, dup := commands[c]; dup {
				v.fail(a.LineOf("spec.command"), "spec.command %s is already bound to action %q (%s:%d)", c, first.Metadata.Name, first.File, first.LineOf("spec.command"))
			} else {
				commands[c] = a
			}
		}
		if len(v.probs) == 0 {
			if err := a.prepare(); err != nil {
				v.fail(a.Line, "%v", err)
			}
		}
		if len(v.probs) == 0 {
			valid = append(valid, a)
		}
		problems = append(problems, v.probs...)
	}
	return valid, problems
}

type validator struct {
	x       *exprs
	secrets map[string]bool
	a       *Action
	probs   []catalog.Problem
}

func (v *validator) fail(line int, format string, args ...any) {
	v.probs = append(v.probs, catalog.Problem{File: v.a.File, Line: line, Message: fmt.Sprintf(format, args...)})
}

func (v *validator) action() {
	a := v.a
	switch {
	case a.Metadata.Name == "":
		v.fail(a.LineOf("metadata.name"), "metadata.name is required")
	case !actionNameRe.MatchString(a.Metadata.Name):
		v.fail(a.LineOf("metadata.name"), "metadata.name %q: use 1-63 lowercase letters, digits and dashes, starting and ending with a letter or digit", a.Metadata.Name)
	}
	if c := a.Spec.Command; c != "" {
		switch {
		case !commandRe.MatchString(c):
			v.fail(a.LineOf("spec.command"), "spec.command %q: a slash command is / then up to 32 lowercase letters, digits, - and _", c)
		case reservedCommands[c]:
			v.fail(a.LineOf("spec.command"), "spec.command %s is Gantry's own command; choose another", c)
		}
	}
	v.inputs()
	v.allowed()
	v.approval()
	v.steps()
	v.output()
}

func (v *validator) inputs() {
	in := v.a.Spec.Inputs
	if len(in) > maxInputs {
		v.fail(in[maxInputs].Line, "an action has at most %d inputs (a Slack form holds 100 blocks)", maxInputs)
	}
	seen := map[string]bool{}
	for i := range in {
		p := &in[i]
		switch {
		case p.Name == "":
			v.fail(v.a.LineOf(fmt.Sprintf("spec.inputs[%d].name", i)), "inputs[%d].name is required", i)
			continue
		case !identRe.MatchString(p.Name):
			v.fail(v.a.LineOf(fmt.Sprintf("spec.inputs[%d].name", i)), "input name %q: use lowercase letters, digits and _, starting with a letter (templates read it as inputs.%s)", p.Name, p.Name)
		case seen[p.Name]:
			v.fail(v.a.LineOf(fmt.Sprintf("spec.inputs[%d].name", i)), "input %q is defined twice", p.Name)
		}
		seen[p.Name] = true
		if !slices.Contains(inputTypes, p.Type) {
			v.fail(v.a.LineOf(fmt.Sprintf("spec.inputs[%d].type", i)), "input %s: type %q is not one of %s", p.Name, p.Type, strings.Join(inputTypes, ", "))
			continue
		}
		v.input(i, p)
	}
}

func (v *validator) input(i int, p *Input) {
	// at locates the first of fields the input has (or the input).
	at := func(fields ...string) int {
		for _, f := range fields {
			if l, ok := v.a.lines[fmt.Sprintf("spec.inputs[%d].%s", i, f)]; ok {
				return l
			}
		}
		return v.a.LineOf(fmt.Sprintf("spec.inputs[%d].%s", i, fields[0]))
	}
	if len([]rune(p.Label())) > blocklimits.MaxLabel {
		v.fail(at("title"), "input %s: title is too long", p.Name)
	}
	if len([]rune(p.Placeholder)) > blocklimits.MaxPlaceholder {
		v.fail(at("placeholder"), "input %s: placeholder is over %d characters", p.Name, blocklimits.MaxPlaceholder)
	}
	textual := p.Type == TypeString || p.Type == TypeText
	if !textual && (p.Pattern != "" || p.MinLength != nil || p.MaxLength != nil) {
		v.fail(at("pattern", "minLength", "maxLength"), "input %s: pattern, minLength and maxLength apply to string and text inputs only", p.Name)
	}
	if p.Pattern != "" {
		re, err := regexp.Compile(p.Pattern)
		if err != nil {
			v.fail(at("pattern"), "input %s: pattern %q is not a valid regular expression: %v", p.Name, p.Pattern, err)
		} else {
			if !strings.HasPrefix(p.Pattern, "^") || !strings.HasSuffix(p.Pattern, "$") {
				v.fail(at("pattern"), "input %s: pattern %q must be anchored (^…$), or it accepts anything that merely contains a match", p.Name, p.Pattern)
			}
			p.pattern = re
		}
	}
	if p.MinLength != nil && (*p.MinLength < 0 || *p.MinLength > blocklimits.MaxInputLength) {
		v.fail(at("minLength"), "input %s: minLength must be between 0 and %d", p.Name, blocklimits.MaxInputLength)
	}
	if p.MaxLength != nil && (*p.MaxLength < 1 || *p.MaxLength > blocklimits.MaxInputLength) {
		v.fail(at("maxLength"), "input %s: maxLength must be between 1 and %d", p.Name, blocklimits.MaxInputLength)
	}
	if p.MinLength != nil && p.MaxLength != nil && *p.MinLength > *p.MaxLength {
		v.fail(at("minLength"), "input %s: minLength is above maxLength", p.Name)
	}
	if p.Type != TypeNumber && (p.Min != nil || p.Max != nil || p.Integer) {
		v.fail(at("min", "max", "integer"), "input %s: min, max and integer apply to number inputs only", p.Name)
	}
	if p.Min != nil && p.Max != nil && *p.Min > *p.Max {
		v.fail(at("min"), "input %s: min is above max", p.Name)
	}
	if p.Type != TypeEnum && len(p.Options) > 0 {
		v.fail(at("options"), "input %s: options apply to enum inputs only", p.Name)
	}
	if p.Type == TypeEnum {
		v.enum(p, at("options"))
	}
	if p.Type != TypeEntity && (p.EntityKind != "" || p.Filter != "" || p.OwnedByRequester) {
		v.fail(at("kind", "filter", "ownedByRequester"), "input %s: kind, filter and ownedByRequester apply to entity inputs only", p.Name)
	}
	if p.Type == TypeEntity {
		if p.EntityKind == "" {
			v.fail(at("type"), "input %s: an entity input needs a kind (Group, System, Component, Template, …)", p.Name)
		} else if !catalog.ValidKind(p.EntityKind) {
			v.fail(at("kind"), "input %s: kind %q is not a kind", p.Name, p.EntityKind)
		}
		if p.Filter != "" {
			if _, err := entityFilterEnv(p.Filter); err != nil {
				v.fail(at("filter"), "input %s: filter: %v", p.Name, err)
			}
		}
	}
	if p.Default != nil {
		if _, msg := coerceInput(p, p.Default); msg != "" {
			v.fail(at("default"), "input %s: default %v: %s", p.Name, p.Default, msg)
		}
	}
}

func (v *validator) enum(p *Input, line int) {
	if len(p.Options) == 0 {
		v.fail(line, "input %s: an enum needs options", p.Name)
	}
	if len(p.Options) > blocklimits.MaxOptions {
		v.fail(line, "input %s: at most %d options (use an entity input for long lists)", p.Name, blocklimits.MaxOptions)
	}
	seen := map[string]bool{}
	for _, o := range p.Options {
		switch {
		case o.Value == "":
			v.fail(line, "input %s: an option has no value", p.Name)
		case len(o.Value) > blocklimits.MaxOptionValue:
			v.fail(line, "input %s: option %q is over %d characters", p.Name, clipText(o.Value, 20), blocklimits.MaxOptionValue)
		case seen[o.Value]:
			v.fail(line, "input %s: option %q is listed twice", p.Name, o.Value)
		}
		if len([]rune(o.Text())) > blocklimits.MaxOptionText {
			v.fail(line, "input %s: option label %q is over %d characters", p.Name, clipText(o.Text(), 20), blocklimits.MaxOptionText)
		}
		seen[o.Value] = true
	}
}

// refs checks the refs of the list field at path, each problem on its
// item's line.
func (v *validator) refs(path string, list []string, kind string) {
	for i, s := range list {
		line := v.a.LineOf(fmt.Sprintf("%s[%d]", path, i))
		r, err := catalog.ParseRef(s, kind, catalog.DefaultNamespace)
		if err != nil {
			v.fail(line, "%s: %q: %v", path, s, err)
			continue
		}
		if !strings.EqualFold(r.Kind, kind) {
			v.fail(line, "%s: %q is a %s, not a %s", path, s, r.Kind, kind)
		}
	}
}

func (v *validator) allowed() {
	al := v.a.Spec.Allowed
	v.refs("spec.allowed.groups", al.Groups, "group")
	v.refs("spec.allowed.users", al.Users, "user")
	if al.OwnersOf != "" {
		line := v.a.LineOf("spec.allowed.ownersOf")
		in, ok := v.a.Input(al.OwnersOf)
		switch {
		case !ok:
			v.fail(line, "spec.allowed.ownersOf: there is no input %q", al.OwnersOf)
		case in.Type != TypeEntity:
			v.fail(line, "spec.allowed.ownersOf: input %q must be an entity input", al.OwnersOf)
		case !in.Required:
			v.fail(line, "spec.allowed.ownersOf: input %q must be required", al.OwnersOf)
		}
	}
}

func orLine(l, def int) int {
	if l > 0 {
		return l
	}
	return def
}

func (v *validator) approval() {
	ap := v.a.Spec.Approval
	at := v.a.LineOf
	v.refs("spec.approval.groups", ap.Groups, "group")
	v.refs("spec.approval.users", ap.Users, "user")
	if !ap.Needed() {
		if ap.Mode != "" || ap.Required != 0 || ap.Expires != "" || ap.Channel != "" {
			v.fail(orLine(ap.Line, v.a.LineOf("spec.approval")), "spec.approval names no approvers (groups or users): say who approves, or write approval: none")
		}
		return
	}
	switch ap.Mode {
	case "", ModeAny, ModeAll:
	default:
		v.fail(at("spec.approval.mode"), "spec.approval.mode must be any or all, not %q", ap.Mode)
	}
	if ap.Mode != ModeAll && len(ap.Groups) == 0 {
		switch n := ap.Count(); {
		case n > len(ap.Users):
			v.fail(at("spec.approval.required"), "spec.approval.required is %d but only %d user(s) may approve", n, len(ap.Users))
		case n == len(ap.Users) && v.approverMayStart():
			v.fail(at("spec.approval.required"), "spec.approval.required is %d and only %d user(s) may approve, who may also start the action: "+
				"when one of them asks, the others are too few, since nobody approves their own request (lower required, add approvers, or narrow spec.allowed)", n, len(ap.Users))
		}
	}
	if ap.Expires != "" {
		d, err := time.ParseDuration(ap.Expires)
		if err != nil || d <= 0 || d > 30*24*time.Hour {
			v.fail(at("spec.approval.expires"), "spec.approval.expires must be a duration up to 720h (30 days), such as 72h, not %q", ap.Expires)
		}
	}
	if c := ap.Channel; c != "" && c != "dm" && !strings.HasPrefix(c, "#") && !channelIDRe.MatchString(c) {
		v.fail(at("spec.approval.channel"), "spec.approval.channel must be #name, a channel id, or dm, not %q", c)
	}
}

// approverMayStart reports whether, as far as the file says, one of the
// listed approvers may start the action (it is open to everyone, or
// spec.allowed.users names them); group membership is the catalog's, and
// Submit checks it when a request is made.
func (v *validator) approverMayStart() bool {
	al := v.a.Spec.Allowed
	if al.Open() {
		return true
	}
	for _, u := range v.a.Spec.Approval.Users {
		for _, w := range al.Users {
			ru, err1 := catalog.ParseRef(u, "user", catalog.DefaultNamespace)
			rw, err2 := catalog.ParseRef(w, "user", catalog.DefaultNamespace)
			if err1 == nil && err2 == nil && ru == rw {
				return true
			}
		}
	}
	return false
}

// stepInfo is what later steps may read of an earlier one.
type stepInfo struct {
	schema Schema
}

func (v *validator) steps() {
	steps := v.a.Spec.Steps
	if len(steps) == 0 {
		return // Parse said spec.steps is required
	}
	earlier := map[string]stepInfo{}
	for i := range steps {
		s := &steps[i]
		at := func(field string) int { return v.a.LineOf(fmt.Sprintf("spec.steps[%d].%s", i, field)) }
		switch {
		case s.ID == "":
			v.fail(s.Line, "steps[%d].id is required", i)
		case !identRe.MatchString(s.ID):
			v.fail(at("id"), "step id %q: use lowercase letters, digits and _, starting with a letter (templates read it as steps.%s)", s.ID, s.ID)
		}
		if _, dup := earlier[s.ID]; dup {
			v.fail(at("id"), "step id %q is used twice", s.ID)
		}
		schema, known := stepSchemas[s.Uses]
		if !known {
			names := make([]string, 0, len(stepSchemas))
			for n := range stepSchemas {
				names = append(names, n)
			}
			msg := fmt.Sprintf("step %s: uses %q is not a step Gantry has", s.ID, s.Uses)
			if near := fuzzy.Nearest(s.Uses, names); near != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", near)
			}
			v.fail(at("uses"), "%s", msg)
		} else {
			v.with(s, at("with"), schema, earlier)
		}
		if s.If != "" {
			line := orLine(s.IfLine, s.Line)
			prog, err := v.x.condition(s.If)
			if err != nil {
				v.fail(line, "step %s: if: %v", s.ID, err)
			} else {
				v.reads(line, "step "+s.ID+": if", []string{prog.Source()}, earlier)
			}
		}
		earlier[s.ID] = stepInfo{schema: schema}
	}
}

// with checks a step's with fields; withLine locates its with (or the
// step, when it has none).
func (v *validator) with(s *Step, withLine int, schema Schema, earlier map[string]stepInfo) {
	for _, f := range schema.Fields {
		if _, ok := s.With[f.Name]; f.Required && !ok {
			v.fail(withLine, "step %s (%s): with.%s is required (%s)", s.ID, s.Uses, f.Name, f.Help)
		}
	}
	for k, val := range s.With {
		line := orLine(s.WithLines[k], s.Line)
		f, ok := schema.field(k)
		if !ok {
			msg := fmt.Sprintf("step %s (%s): unknown field with.%s; it takes %s", s.ID, s.Uses, k, strings.Join(schema.fieldNames(), ", "))
			if near := fuzzy.Nearest(k, schema.fieldNames()); near != "" {
				msg = fmt.Sprintf("step %s (%s): unknown field with.%s (did you mean %s?)", s.ID, s.Uses, k, near)
			}
			v.fail(line, "%s", msg)
			continue
		}
		if msg := checkLiteral(f, val); msg != "" {
			v.fail(line, "step %s: with.%s %s", s.ID, k, msg)
		}
		srcs, err := v.x.templateSources(val)
		if err != nil {
			v.fail(line, "step %s: with.%s: %v", s.ID, k, err)
			continue
		}
		v.reads(line, fmt.Sprintf("step %s: with.%s", s.ID, k), srcs, earlier)
	}
}

// reads checks what expressions read: inputs that exist, entity inputs,
// earlier steps and their declared outputs, configured secrets.
func (v *validator) reads(line int, where string, srcs []string, earlier map[string]stepInfo) {
	for _, src := range srcs {
		for _, name := range refsIn(inputRefRe, src) {
			if _, ok := v.a.Input(name); !ok {
				v.fail(line, "%s reads inputs.%s, but there is no input %q", where, name, name)
			}
		}
		for _, name := range refsIn(entityRefRe, src) {
			if in, ok := v.a.Input(name); !ok || in.Type != TypeEntity {
				v.fail(line, "%s reads entities.%s, but %q is not an entity input", where, name, name)
			}
		}
		for _, m := range stepRefRe.FindAllStringSubmatch(src, -1) {
			info, ok := earlier[m[1]]
			switch {
			case !ok && v.stepExists(m[1]):
				v.fail(line, "%s reads steps.%s, which runs later", where, m[1])
			case !ok:
				v.fail(line, "%s reads steps.%s, but there is no such step", where, m[1])
			case m[2] != "" && info.schema.Uses != "" && !info.schema.hasOutput(m[2]):
				names := make([]string, len(info.schema.Outputs))
				for i, o := range info.schema.Outputs {
					names[i] = o.Name
				}
				v.fail(line, "%s reads steps.%s.outputs.%s, but %s has no output %q (it has %s)", where, m[1], m[2], info.schema.Uses, m[2], strings.Join(names, ", "))
			}
		}
		for _, name := range refsIn(secretRefRe, src) {
			switch {
			case !secretNameRe.MatchString(name):
				v.fail(line, "%s reads secrets.%s, which is not an environment variable name", where, name)
			case !v.secrets[name]:
				v.fail(line, "%s reads secrets.%s, which is not listed in actions.secrets in gantry.yaml", where, name)
			}
		}
	}
}

func (v *validator) stepExists(id string) bool {
	for _, s := range v.a.Spec.Steps {
		if s.ID == id {
			return true
		}
	}
	return false
}

func (v *validator) output() {
	o := v.a.Spec.Output
	all := map[string]stepInfo{}
	for _, s := range v.a.Spec.Steps {
		all[s.ID] = stepInfo{schema: stepSchemas[s.Uses]}
	}
	check := func(what, s string) {
		line := v.a.LineOf("spec.output." + what)
		srcs, err := v.x.templateSources(s)
		if err != nil {
			v.fail(line, "spec.output.%s: %v", what, err)
			return
		}
		if readsSecrets(srcs) {
			v.fail(line, "spec.output.%s reads secrets: the output is shown in Slack, so it may not", what)
		}
		v.reads(line, "spec.output."+what, srcs, all)
	}
	check("text", o.Text)
	for i, l := range o.Links {
		if l.URL == "" {
			v.fail(v.a.LineOf(fmt.Sprintf("spec.output.links[%d]", i)), "spec.output.links[%d].url is required", i)
		}
		check(fmt.Sprintf("links[%d].title", i), l.Title)
		check(fmt.Sprintf("links[%d].url", i), l.URL)
	}
}
