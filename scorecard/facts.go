package scorecard

import (
	"context"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/gantryhq/gantry/catalog"
)

// Fact providers, as rules spell them: facts.catalog.owner_known,
// facts.github.has_readme, facts.prometheus.errors_per_day.
const (
	ProviderCatalog    = "catalog"
	ProviderGitHub     = "github"
	ProviderPrometheus = "prometheus"
)

// FactSet is one provider's facts about one entity, with when they were
// read. It is the same type as store.FactSet (an alias of an unnamed
// struct), so the store implements FactStore without either package
// importing the other's types.
type FactSet = struct {
	Facts  map[string]any
	ReadAt time.Time
}

// FactStore is where providers' facts are kept; store.DB implements it.
type FactStore interface {
	// AllFacts returns every entity's facts by ref then provider; provider
	// "" means all of them.
	AllFacts(ctx context.Context, provider string) (map[string]map[string]FactSet, error)
	// Facts returns one entity's facts by provider.
	Facts(ctx context.Context, ref string) (map[string]FactSet, error)
	// PutFacts replaces a provider's facts about an entity.
	PutFacts(ctx context.Context, ref, provider string, facts map[string]any, readAt time.Time) error
}

// catalogIndex is what an entity's catalog facts and its team need to know
// about the rest of the catalog: which refs exist, who owns each system
// and domain, each group's channel and on-call, each user's first team.
type catalogIndex struct {
	exists    map[catalog.Ref]bool
	owners    map[catalog.Ref]catalog.Ref // system or domain → its owner
	domains   map[catalog.Ref]catalog.Ref // system → its domain
	groups    map[catalog.Ref]*groupInfo
	userTeams map[catalog.Ref]catalog.Ref
}

type groupInfo struct {
	Title   string
	Type    string
	Channel string
	Oncall  string
}

// buildIndex reads the refs, groups, users, systems and domains.
func buildIndex(ctx context.Context, st catalog.Store) (*catalogIndex, error) {
	ix := &catalogIndex{exists: map[catalog.Ref]bool{}, owners: map[catalog.Ref]catalog.Ref{},
		domains: map[catalog.Ref]catalog.Ref{}, groups: map[catalog.Ref]*groupInfo{}, userTeams: map[catalog.Ref]catalog.Ref{}}
	refs, err := st.Refs(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range refs {
		ix.exists[r] = true
	}
	kinds := []string{catalog.KindGroup, catalog.KindUser, catalog.KindSystem, catalog.KindDomain}
	err = st.Scan(ctx, kinds, false, func(e *catalog.Entity) error {
		ix.add(e)
		return nil
	})
	return ix, err
}

// add records what the index keeps of e.
func (ix *catalogIndex) add(e *catalog.Entity) {
	ref := e.Ref()
	ix.exists[ref] = true
	ns := e.Metadata.Namespace
	switch {
	case e.Is(catalog.KindGroup):
		ix.groups[ref] = &groupInfo{Title: groupTitle(e), Type: e.SpecString("type"),
			Channel: e.Annotation(catalog.AnnotationSlackChannel), Oncall: e.Annotation(catalog.AnnotationOncall)}
	case e.Is(catalog.KindUser):
		teams := e.SpecStrings("memberOf")
		var refs []string
		for _, t := range teams {
			if r, err := catalog.ParseRef(t, "group", ns); err == nil {
				refs = append(refs, r.String())
			}
		}
		sort.Strings(refs)
		if len(refs) > 0 {
			ix.userTeams[ref] = catalog.MustParseRef(refs[0])
		}
	case e.Is(catalog.KindSystem), e.Is(catalog.KindDomain):
		if o := e.SpecString("owner"); o != "" {
			if r, err := catalog.ParseRef(o, "group", ns); err == nil {
				ix.owners[ref] = r
			}
		}
		if d := e.SpecString("domain"); d != "" && e.Is(catalog.KindSystem) {
			if r, err := catalog.ParseRef(d, "domain", ns); err == nil {
				ix.domains[ref] = r
			}
		}
	}
}

func groupTitle(e *catalog.Entity) string {
	if d := e.SpecString("profile.displayName"); d != "" {
		return d
	}
	return e.Title()
}

// ownership is who owns an entity, as facts and digests see it.
type ownership struct {
	Owner     catalog.Ref // declared, or inherited from the system or domain
	Inherited bool
	Known     bool        // the owner is in the catalog
	Team      catalog.Ref // the group whose digest shows the entity; zero: nobody's
}

// ownerOf resolves e's owner from spec.owner, else its system's, else its
// domain's; a user's team is their first group.
func (ix *catalogIndex) ownerOf(e *catalog.Entity) ownership {
	ns := e.Metadata.Namespace
	var o ownership
	if s := e.SpecString("owner"); s != "" {
		if r, err := catalog.ParseRef(s, "group", ns); err == nil {
			o.Owner = r
		}
	} else {
		var holders []catalog.Ref
		if s := e.SpecString("system"); s != "" && !e.Is(catalog.KindSystem) {
			if r, err := catalog.ParseRef(s, "system", ns); err == nil {
				holders = append(holders, r)
				if d, ok := ix.domains[r]; ok {
					holders = append(holders, d)
				}
			}
		}
		if s := e.SpecString("domain"); s != "" {
			if r, err := catalog.ParseRef(s, "domain", ns); err == nil {
				holders = append(holders, r)
			}
		}
		for _, h := range holders {
			if r, ok := ix.owners[h]; ok {
				o.Owner, o.Inherited = r, true
				break
			}
		}
	}
	if o.Owner.IsZero() {
		return o
	}
	o.Known = ix.exists[o.Owner]
	switch {
	case !o.Known:
	case o.Owner.Kind == "group":
		o.Team = o.Owner
	case o.Owner.Kind == "user":
		o.Team = ix.userTeams[o.Owner]
	}
	return o
}

// catalogFacts are facts.catalog.*: what the catalog says of e, derived at
// evaluation time so they are never stale. Every key is always present.
func (ix *catalogIndex) catalogFacts(e *catalog.Entity) map[string]any {
	o := ix.ownerOf(e)
	owner, kind := "", ""
	if !o.Owner.IsZero() {
		owner, kind = o.Owner.String(), o.Owner.Kind
	}
	oncall := e.Annotation(catalog.AnnotationOncall)
	if oncall == "" && !o.Team.IsZero() {
		if g := ix.groups[o.Team]; g != nil {
			oncall = g.Oncall
		}
	}
	var runbook, dashboard, docLink bool
	for _, l := range e.Metadata.Links {
		t := strings.ToLower(l.Title + " " + l.Type + " " + l.Icon)
		runbook = runbook || strings.Contains(t, "runbook")
		dashboard = dashboard || strings.Contains(t, "dashboard") || strings.Contains(t, "grafana")
		docLink = docLink || strings.Contains(t, "doc") || strings.Contains(t, "runbook") || strings.Contains(t, "wiki")
	}
	techdocs := e.Annotation(catalog.AnnotationTechDocsRef) != ""
	system := ""
	if s := e.SpecString("system"); s != "" {
		if r, err := catalog.ParseRef(s, "system", e.Metadata.Namespace); err == nil {
			system = r.String()
		}
	}
	repo := e.Annotation(catalog.AnnotationProjectSlug)
	if repo == "" {
		repo = catalog.RepoFromLocation(strings.TrimPrefix(e.Annotation(catalog.AnnotationSourceLocation), "url:"))
	}
	team := ""
	if !o.Team.IsZero() {
		team = o.Team.String()
	}
	desc := strings.TrimSpace(e.Metadata.Description)
	return map[string]any{
		"owner":              owner,
		"owner_kind":         kind,
		"has_owner":          owner != "",
		"owner_known":        o.Known,
		"owner_inherited":    o.Inherited,
		"team":               team,
		"oncall":             oncall,
		"has_oncall":         oncall != "",
		"description_length": int64(len([]rune(desc))),
		"has_description":    desc != "",
		"links":              int64(len(e.Metadata.Links)),
		"has_runbook":        runbook,
		"has_dashboard":      dashboard,
		"has_techdocs":       techdocs,
		"has_docs":           techdocs || docLink,
		"lifecycle":          e.SpecString("lifecycle"),
		"type":               e.SpecString("type"),
		"system":             system,
		"has_system":         system != "",
		"repo":               repo,
		"has_repo":           repo != "",
		"tags":               int64(len(e.Metadata.Tags)),
		"inferred":           e.Annotation(catalog.AnnotationInferred) == "true",
		"stale":              e.Origin.Flag != "",
	}
}

// factsFor assembles `facts` for one entity: catalog facts, then each
// provider's stored facts that are fresh enough (maxAge by provider).
// Facts that age (days since the last push, the oldest pull request's
// age) are computed again from the dates recorded with them.
func factsFor(catalogFacts map[string]any, stored map[string]FactSet, maxAge map[string]time.Duration, now time.Time) map[string]any {
	out := make(map[string]any, 1+len(stored))
	out[ProviderCatalog] = catalogFacts
	for provider, set := range stored {
		if provider == ProviderCatalog || set.Facts == nil {
			continue
		}
		if age, ok := maxAge[provider]; ok && age > 0 && now.Sub(set.ReadAt) > age {
			continue
		}
		f := set.Facts
		if provider == ProviderGitHub {
			refreshAges(f, now)
		}
		out[provider] = f
	}
	return out
}

// refreshAges recomputes the github facts that count days up to now.
func refreshAges(f map[string]any, now time.Time) {
	for _, k := range []struct{ at, days string }{{"pushed_at", "days_since_push"}, {"oldest_open_pull_request_at", "oldest_open_pull_request_days"}} {
		s, _ := f[k.at].(string)
		if s == "" {
			continue
		}
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			f[k.days] = math.Max(math.Floor(now.Sub(t).Hours()/24), 0)
		}
	}
}

// missingDetail explains a rule that read a fact that is not there: the
// reason its provider recorded (facts.github.unknown), or which provider
// has nothing on the entity.
func missingDetail(msg string, facts map[string]any) string {
	key := ""
	if i := strings.LastIndex(msg, "no such key: "); i >= 0 {
		key = strings.TrimSpace(msg[i+len("no such key: "):])
	}
	if key == "" {
		return "a fact it reads is missing"
	}
	switch key {
	case ProviderGitHub:
		return "no GitHub facts for this entity (its repository is not read by a github source yet)"
	case ProviderPrometheus:
		return "no Prometheus facts for this entity (not configured, not queried yet, or too old)"
	}
	for _, p := range []string{ProviderGitHub, ProviderPrometheus} {
		pf, _ := facts[p].(map[string]any)
		if unk, _ := pf["unknown"].(map[string]any); unk != nil {
			if why, _ := unk[key].(string); why != "" {
				return key + " is unknown: " + why
			}
		}
	}
	return key + " is not known for this entity"
}
