package scorecard

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/internal/defload"
	"github.com/gantryhq/gantry/internal/expr"
)

// LoadOptions tune Load.
type LoadOptions struct {
	// CostLimit bounds one evaluation of a rule (default expr.DefaultCostLimit).
	CostLimit uint64
}

// Load reads the scorecard definitions in paths (files, or folders whose
// .yaml and .yml files are all read, recursively) and validates them. It
// returns the valid scorecards and one problem per mistake ("FILE:LINE:
// message"); a scorecard with a problem is left out, the others load. The
// error is for paths that cannot be read at all.
func Load(paths []string, opts LoadOptions) (*Set, []catalog.Problem, error) {
	files, err := defload.Files("scorecards", paths)
	if err != nil {
		return nil, nil, err
	}
	envs, err := newEnvs(opts.CostLimit)
	if err != nil {
		return nil, nil, err
	}
	var all []*Scorecard
	var problems []catalog.Problem
	seen := map[string]*Scorecard{}
	unread := defload.Read(files, func(f string, data []byte) {
		cards, probs := parse(envs, f, data)
		problems = append(problems, probs...)
		for _, sc := range cards {
			if first, dup := seen[sc.Name]; dup {
				problems = append(problems, catalog.Problem{File: sc.File, Line: sc.Line,
					Message: fmt.Sprintf("scorecard %q is already defined at %s:%d", sc.Name, first.File, first.Line)})
				continue
			}
			seen[sc.Name] = sc
			all = append(all, sc)
		}
	})
	problems = append(problems, unread...)
	defload.Sort(problems)
	return NewSet(all), problems, nil
}

// Parse reads and validates the Scorecard documents of one file.
func Parse(file string, data []byte, opts LoadOptions) ([]*Scorecard, []catalog.Problem) {
	envs, err := newEnvs(opts.CostLimit)
	if err != nil {
		return nil, []catalog.Problem{{File: file, Message: err.Error()}}
	}
	return parse(envs, file, data)
}

// envs are the expression environments of a definition.
type envs struct {
	filter *expr.Env // entity
	rule   *expr.Env // entity, facts
}

func newEnvs(costLimit uint64) (*envs, error) {
	if costLimit == 0 {
		costLimit = expr.DefaultCostLimit
	}
	filter, err := expr.NewEnv([]string{"entity"}, expr.WithCostLimit(costLimit))
	if err != nil {
		return nil, err
	}
	rule, err := expr.NewEnv([]string{"entity", "facts"}, expr.WithCostLimit(costLimit))
	if err != nil {
		return nil, err
	}
	return &envs{filter: filter, rule: rule}, nil
}

func parse(envs *envs, file string, data []byte) ([]*Scorecard, []catalog.Problem) {
	d := &decoder{Decoder: defload.Decoder{File: file}, envs: envs}
	out := defload.Documents(&d.Decoder, data, d.scorecard)
	return out, d.Problems
}

// decoder turns YAML nodes into a Scorecard, recording problems with lines.
type decoder struct {
	defload.Decoder
	envs *envs
}

func (d *decoder) scorecard(n *yaml.Node) *Scorecard {
	top := d.Fields(n, "scorecard", "apiVersion", "kind", "metadata", "spec")
	if v := d.Str(top["apiVersion"], "apiVersion"); v != APIVersion {
		d.Fail(defload.Or(top["apiVersion"], n), "apiVersion must be %s, not %q", APIVersion, v)
		return nil
	}
	if k := d.Str(top["kind"], "kind"); k != Kind {
		d.Fail(defload.Or(top["kind"], n), "kind must be %s, not %q (this file is read as scorecards)", Kind, k)
		return nil
	}
	sc := &Scorecard{File: d.File, Line: n.Line}
	md := d.Fields(top["metadata"], "metadata", "name", "title", "description", "labels", "annotations")
	sc.Name = d.Str(md["name"], "metadata.name")
	sc.Title = d.Str(md["title"], "metadata.title")
	sc.Description = d.Str(md["description"], "metadata.description")
	switch {
	case top["metadata"] == nil || md["name"] == nil || sc.Name == "":
		d.Fail(defload.Or(top["metadata"], n), "metadata.name is required")
	case !catalog.ValidName(sc.Name):
		d.Fail(md["name"], "metadata.name %q: letters, digits and -_. only, 1 to 63 characters, starting and ending with a letter or digit", sc.Name)
	}
	if top["spec"] == nil {
		d.Fail(n, "spec is required (filter, levels, rules, digest)")
		return nil
	}
	spec := d.Fields(top["spec"], "spec", "filter", "levels", "rules", "digest")
	d.filter(sc, spec["filter"])
	d.levels(sc, spec["levels"], top["spec"])
	d.rules(sc, spec["rules"], top["spec"])
	if spec["digest"] != nil {
		sc.Digest = d.digest(spec["digest"])
	}
	return sc
}

func (d *decoder) filter(sc *Scorecard, n *yaml.Node) {
	sc.Filter = strings.TrimSpace(d.Str(n, "spec.filter"))
	src := sc.Filter
	if src == "" {
		src = DefaultFilter
	}
	prg, err := d.envs.filter.Compile(src)
	if err != nil {
		d.exprFail(n, "spec.filter", err)
		return
	}
	if d.probe(defload.Or(n, &yaml.Node{Line: sc.Line}), "spec.filter", prg) {
		sc.filter = prg
	}
}

func (d *decoder) levels(sc *Scorecard, n, spec *yaml.Node) {
	if n == nil || n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		d.Fail(defload.Or(n, spec), "spec.levels must list the levels, lowest first, e.g. [Bronze, Silver, Gold]")
		return
	}
	seen := map[string]bool{}
	for i, item := range n.Content {
		what := fmt.Sprintf("spec.levels[%d]", i)
		var lv Level
		if item.Kind == yaml.ScalarNode {
			lv.Name = item.Value
		} else {
			f := d.Fields(item, what, "name", "description", "emoji")
			lv = Level{Name: d.Str(f["name"], what+".name"), Description: d.Str(f["description"], what+".description"), Emoji: d.Str(f["emoji"], what+".emoji")}
		}
		lv.Name = strings.TrimSpace(lv.Name)
		switch {
		case lv.Name == "":
			d.Fail(item, "%s needs a name", what)
			continue
		case seen[strings.ToLower(lv.Name)]:
			d.Fail(item, "%s: level %q is listed twice", what, lv.Name)
			continue
		case len(lv.Name) > 40:
			d.Fail(item, "%s: level name %q is longer than 40 characters", what, lv.Name)
			continue
		}
		if lv.Emoji != "" && !(strings.HasPrefix(lv.Emoji, ":") && strings.HasSuffix(lv.Emoji, ":")) {
			d.Fail(item, "%s.emoji %q: write an emoji code such as :trophy:", what, lv.Emoji)
		}
		seen[strings.ToLower(lv.Name)] = true
		sc.Levels = append(sc.Levels, lv)
	}
}

var ruleIDChars = "abcdefghijklmnopqrstuvwxyz0123456789-_"

func (d *decoder) rules(sc *Scorecard, n, spec *yaml.Node) {
	if n == nil || n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		d.Fail(defload.Or(n, spec), "spec.rules must list at least one rule")
		return
	}
	seen := map[string]int{}
	for i, item := range n.Content {
		what := fmt.Sprintf("spec.rules[%d]", i)
		f := d.Fields(item, what, "id", "title", "description", "level", "expression", "weight", "fix")
		r := &Rule{Line: item.Line, Weight: 1}
		r.ID = strings.TrimSpace(d.Str(f["id"], what+".id"))
		if r.ID != "" {
			what = fmt.Sprintf("%s (%s)", what, r.ID)
		}
		switch {
		case r.ID == "":
			d.Fail(item, "%s.id is required", what)
		case strings.Trim(r.ID, ruleIDChars) != "" || len(r.ID) > 63:
			d.Fail(f["id"], "%s.id: lowercase letters, digits, - and _ only, at most 63", what)
		case seen[r.ID] > 0:
			d.Fail(f["id"], "%s.id %q is already used at line %d", what, r.ID, seen[r.ID])
		default:
			seen[r.ID] = item.Line
		}
		r.Title = strings.TrimSpace(d.Str(f["title"], what+".title"))
		r.Description = d.Str(f["description"], what+".description")
		r.Level = strings.TrimSpace(d.Str(f["level"], what+".level"))
		r.level = -1
		for li, lv := range sc.Levels {
			if strings.EqualFold(lv.Name, r.Level) {
				r.level, r.Level = li, lv.Name
			}
		}
		if r.level < 0 && len(sc.Levels) > 0 {
			names := make([]string, len(sc.Levels))
			for li, lv := range sc.Levels {
				names[li] = lv.Name
			}
			d.Fail(defload.Or(f["level"], item), "%s.level %q is not one of the levels (%s)", what, r.Level, strings.Join(names, ", "))
		}
		if w := f["weight"]; w != nil {
			v, err := strconv.ParseFloat(w.Value, 64)
			if w.Kind != yaml.ScalarNode || err != nil || v < 0 || v > 1000 {
				d.Fail(w, "%s.weight must be a number from 0 to 1000", what)
			}
			r.Weight = v
		}
		r.Expression = strings.TrimSpace(d.Str(f["expression"], what+".expression"))
		if r.Expression == "" {
			d.Fail(defload.Or(f["expression"], item), "%s.expression is required: CEL over entity and facts, true when the rule passes", what)
		} else if prg, err := d.envs.rule.Compile(r.Expression); err != nil {
			d.exprFail(f["expression"], what+".expression", err)
		} else if d.probe(f["expression"], what+".expression", prg) {
			r.prg = prg
		}
		r.Fix = d.fix(f["fix"], what+".fix")
		sc.Rules = append(sc.Rules, r)
	}
}

func (d *decoder) fix(n *yaml.Node, what string) Fix {
	if n == nil {
		return Fix{}
	}
	if n.Kind == yaml.ScalarNode {
		return Fix{Hint: strings.TrimSpace(n.Value)}
	}
	f := d.Fields(n, what, "hint", "url", "action", "with")
	fx := Fix{Hint: strings.TrimSpace(d.Str(f["hint"], what+".hint")), URL: strings.TrimSpace(d.Str(f["url"], what+".url")),
		Action: strings.TrimSpace(d.Str(f["action"], what+".action"))}
	if fx.URL != "" && !strings.HasPrefix(fx.URL, "https://") && !strings.HasPrefix(fx.URL, "http://") {
		d.Fail(f["url"], "%s.url %q must start with https://", what, fx.URL)
	}
	if an := f["action"]; an != nil {
		fx.ActionLine = an.Line
	}
	if fx.Action != "" && !catalog.ValidName(fx.Action) {
		d.Fail(f["action"], "%s.action %q is not an action name", what, fx.Action)
	}
	if w := f["with"]; w != nil {
		if fx.Action == "" {
			d.Fail(w, "%s.with prefills an action's inputs: name the action too", what)
		}
		inputs := d.Fields(w, what+".with", defload.AnyKey)
		fx.With, fx.with, fx.WithLines = map[string]string{}, map[string]*expr.Template{}, map[string]int{}
		for k, v := range inputs {
			fx.WithLines[k] = v.Line
			src := d.Str(v, what+".with."+k)
			t, err := d.envs.rule.CompileTemplate(src)
			if err != nil {
				d.Fail(v, "%s.with.%s: %v", what, k, err)
				continue
			}
			fx.With[k], fx.with[k] = src, t
		}
	}
	if fx.Hint == "" && fx.Action == "" {
		d.Fail(n, "%s needs a hint (what to do) or an action", what)
	}
	return fx
}

func (d *decoder) digest(n *yaml.Node) *DigestSchedule {
	f := d.Fields(n, "spec.digest", "schedule", "timeZone", "channel", "fallback")
	dg := &DigestSchedule{Schedule: strings.TrimSpace(d.Str(f["schedule"], "spec.digest.schedule")),
		TimeZone: strings.TrimSpace(d.Str(f["timeZone"], "spec.digest.timeZone")),
		Channel:  strings.TrimSpace(d.Str(f["channel"], "spec.digest.channel")),
		Fallback: strings.TrimSpace(d.Str(f["fallback"], "spec.digest.fallback"))}
	if dg.Channel == "" {
		dg.Channel = ChannelOwner
	}
	if dg.Schedule == "" {
		d.Fail(defload.Or(f["schedule"], n), "spec.digest.schedule is required, e.g. \"0 9 * * 1\" (Mondays at 09:00)")
		return dg
	}
	sched, loc, err := parseSchedule(dg.Schedule, dg.TimeZone)
	if err != nil {
		at := f["schedule"]
		if strings.Contains(err.Error(), "timeZone") {
			at = f["timeZone"]
		}
		d.Fail(at, "spec.digest: %v", err)
		return dg
	}
	dg.sched, dg.location = sched, loc
	for _, c := range []struct {
		key, v string
	}{{"channel", dg.Channel}, {"fallback", dg.Fallback}} {
		if c.v != "" && c.v != ChannelOwner && !validChannel(c.v) {
			d.Fail(f[c.key], "spec.digest.%s %q: a channel is #name or an id such as C0123ABCD", c.key, c.v)
		}
	}
	if dg.Fallback == ChannelOwner {
		d.Fail(f["fallback"], "spec.digest.fallback is where teams without a channel go: name a channel")
	}
	return dg
}

// validChannel accepts "#name" and channel ids.
func validChannel(s string) bool {
	if strings.HasPrefix(s, "#") {
		name := s[1:]
		return name != "" && len(name) <= 80 && strings.Trim(strings.ToLower(name), "abcdefghijklmnopqrstuvwxyz0123456789-_.") == ""
	}
	return len(s) >= 9 && strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == "" && strings.ContainsAny(s[:1], "CGD")
}

// exprFail reports a compile error at the line of the expression itself:
// CEL's "L:C:" is relative to the expression, whose first line is the
// node's (or the next one for a | or > block).
func (d *decoder) exprFail(n *yaml.Node, what string, err error) {
	line := 0
	if n != nil {
		line = n.Line
		if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
			line++
		}
	}
	msg := err.Error()
	if m := celPosRe.FindStringSubmatch(msg); m != nil {
		k, _ := strconv.Atoi(m[1])
		if line > 0 && k > 0 {
			line += k - 1
		}
		msg = "column " + m[2] + ": " + m[3]
	}
	d.FailAt(line, "%s: %s", what, strings.TrimSpace(msg))
}

var celPosRe = regexp.MustCompile(`(?s)^(\d+):(\d+): (.*)$`)

// probe evaluates an expression once on an empty entity: one that exceeds
// its cost limit even there (a comprehension over a large range, say) is
// refused now rather than at every evaluation.
func (d *decoder) probe(n *yaml.Node, what string, prg *expr.Program) bool {
	vars := map[string]any{"entity": probeEntity(), "facts": map[string]any{}}
	_, err := prg.Eval(context.Background(), vars)
	if errors.Is(err, expr.ErrCostLimit) {
		d.Fail(n, "%s is refused: %v", what, err)
		return false
	}
	return true
}

// probeEntity is the smallest Component, as expressions see it.
func probeEntity() map[string]any {
	e := catalog.Entity{APIVersion: "backstage.io/v1alpha1", Kind: catalog.KindComponent,
		Metadata: catalog.Metadata{Name: "probe", Namespace: catalog.DefaultNamespace}, Spec: map[string]any{}}
	return e.Map()
}
