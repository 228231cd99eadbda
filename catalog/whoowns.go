package catalog

import (
	"context"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/gantryhq/gantry/internal/errkind"
)

// Ownership is the answer to "who owns X?". Its JSON form is the contract of
// `gantry whoowns --json`.
type Ownership struct {
	Query       string       `json:"query"`
	Matches     []OwnerMatch `json:"matches"`
	Suggestions []string     `json:"suggestions"`
}

// OwnerMatch is one entity that answers the query, with everything a person
// needs to reach its owners.
type OwnerMatch struct {
	Ref         string `json:"ref"`
	Kind        string `json:"kind"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Owner       *Owner `json:"owner"`
	// OwnedVia is the system or domain the owner was inherited from when
	// the entity names no owner itself ("system:default/podcast").
	OwnedVia *string `json:"ownedVia"`
	Oncall   *Oncall `json:"oncall"`
	Links    []Link  `json:"links"`
	System   string  `json:"system"`
	Domain   string  `json:"domain"`
	// Repo is "org/repo" when known; SourceURL where the code is; Docs
	// where the documentation is.
	Repo      string `json:"repo,omitempty"`
	SourceURL string `json:"sourceUrl,omitempty"`
	Docs      string `json:"docs,omitempty"`
	// Provenance says where the answer comes from, so people trust it the
	// right amount: "declared in services/checkout/catalog-info.yaml" or
	// "inferred from CODEOWNERS".
	Provenance string `json:"provenance"`
	Inferred   bool   `json:"inferred"`
	// Stale is set when the entity's descriptor failed at the last sync and
	// this is the last good version: the reason.
	Stale string `json:"stale,omitempty"`
	// NotInCatalog is true when the query names an owner that entities
	// reference (spec.owner) but that the catalog does not hold: the match
	// is that reference, and Owns what names it.
	NotInCatalog bool `json:"notInCatalog,omitempty"`
	// Owns lists what a group (or a user, directly and through their
	// groups) owns, including what it owns through its systems and domains
	// (with Via set); MemberOf the groups of a user.
	Owns     []Summary `json:"owns,omitempty"`
	MemberOf []Summary `json:"memberOf,omitempty"`
	// Holds lists the parts of a system or domain (its components, APIs,
	// resources; a domain's systems), each part that names no owner with
	// Via set to this entity: it is owned through it.
	Holds []Summary `json:"holds,omitempty"`
	// Entity is the matched entity, for callers that render more.
	Entity *Entity `json:"-"`
}

// Owner is a group or a user that owns something.
type Owner struct {
	Ref          string   `json:"ref"`
	Kind         string   `json:"kind"`
	DisplayName  string   `json:"displayName"`
	Email        string   `json:"email,omitempty"`
	SlackChannel string   `json:"slackChannel,omitempty"`
	SlackUserID  string   `json:"slackUserId,omitempty"`
	Members      []Person `json:"members"`
	// Known is false when the owner is referenced but not in the catalog.
	Known bool `json:"known"`
}

// Person is a user, with what it takes to reach them.
type Person struct {
	Ref         string `json:"ref"`
	DisplayName string `json:"displayName,omitempty"`
	Email       string `json:"email,omitempty"`
	SlackUserID string `json:"slackUserId,omitempty"`
}

// Oncall is who is on call now. Before a rotation's start date nobody is:
// Person is empty (ref "") and Starts says when the rotation begins.
type Oncall struct {
	Person
	// Until is when the rotation hands over (nil for a fixed person, and
	// before the rotation starts).
	Until *time.Time `json:"until,omitempty"`
	// Starts is the start date of a rotation that has not started yet.
	Starts *time.Time `json:"starts,omitempty"`
	// Rotation is the annotation as written; From the entity that carries it.
	Rotation string `json:"rotation"`
	From     string `json:"from"`
}

// Summary names an entity briefly.
type Summary struct {
	Ref   string `json:"ref"`
	Kind  string `json:"kind"`
	Title string `json:"title"`
	// Via is set in a list of what someone owns when the entity names no
	// owner and is owned through its system or domain ("system:default/x").
	Via string `json:"via,omitempty"`
}

// WhoOwns answers "who owns q?". q is an entity name or ref, a repository
// ("org/repo" or its URL), an e-mail address, a group or a user. When
// nothing matches, Suggestions holds up to five near names.
func (c *Catalog) WhoOwns(ctx context.Context, q string) (*Ownership, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, errkind.New(errkind.Invalid, "say what to look up: a service, a repository (org/repo), a team or a person")
	}
	if len(q) > 512 {
		return nil, errkind.New(errkind.Invalid, "that is %d characters long; a name, a ref or org/repo is at most a few dozen", len(q))
	}
	found, err := c.lookup(ctx, q)
	if err != nil {
		return nil, err
	}
	ans := &Ownership{Query: q, Matches: []OwnerMatch{}, Suggestions: []string{}}
	for i := range found {
		m, err := c.describe(ctx, &found[i])
		if err != nil {
			return nil, err
		}
		ans.Matches = append(ans.Matches, m)
	}
	if len(ans.Matches) == 0 && len(found) == 0 {
		m, err := c.referencedOwner(ctx, q)
		if err != nil {
			return nil, err
		}
		if m != nil {
			ans.Matches = append(ans.Matches, *m)
		}
	}
	if len(ans.Matches) == 0 {
		sugg, err := c.Suggest(ctx, q, 5)
		if err != nil {
			return nil, err
		}
		for _, r := range sugg {
			ans.Suggestions = append(ans.Suggestions, r.String())
		}
	}
	return ans, nil
}

// lookup finds the entities q names, most specific interpretation first.
func (c *Catalog) lookup(ctx context.Context, q string) ([]Entity, error) {
	if repo := repoOf(q); repo != "" {
		found, err := c.store.EntitiesByKey(ctx, KeyRepo, repo)
		if err != nil || len(found) > 0 {
			return sortMatches(dropLocations(found)), err
		}
		if strings.Contains(q, "://") {
			return nil, nil
		}
	}
	if strings.Contains(q, "@") && !strings.Contains(q, ":") {
		found, err := c.store.EntitiesByKey(ctx, KeyEmail, strings.ToLower(q))
		if err != nil || len(found) > 0 {
			return sortMatches(found), err
		}
	}
	if strings.Contains(q, ":") {
		r, err := ParseRef(q, "", DefaultNamespace)
		if err != nil {
			return nil, nil // not a ref: nothing matches, suggestions follow
		}
		e, err := c.store.Entity(ctx, r)
		if errkind.Is(err, errkind.NotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return []Entity{*e}, nil
	}
	ns, name := "", q
	if i := strings.IndexByte(q, '/'); i >= 0 {
		ns, name = strings.ToLower(q[:i]), q[i+1:]
	}
	found, err := c.store.EntitiesByName(ctx, name)
	if err != nil {
		return nil, err
	}
	var out []Entity
	for _, e := range found {
		if ns == "" || strings.EqualFold(e.Metadata.Namespace, ns) {
			out = append(out, e)
		}
	}
	return sortMatches(dropLocations(out)), nil
}

// repoOf returns "org/repo" when q is written as a repository: "org/repo",
// or a GitHub URL.
func repoOf(q string) string {
	if strings.Contains(q, "://") {
		if u, err := url.Parse(q); err == nil && u.Host != "" {
			return RepoFromLocation("url:" + q)
		}
		return ""
	}
	if strings.Count(q, "/") == 1 && !strings.Contains(q, ":") {
		return strings.ToLower(strings.Trim(q, "/"))
	}
	return ""
}

func dropLocations(es []Entity) []Entity {
	out := es[:0]
	for _, e := range es {
		if !e.Is(KindLocation) {
			out = append(out, e)
		}
	}
	return out
}

func sortMatches(es []Entity) []Entity {
	sort.SliceStable(es, func(i, j int) bool {
		ri, rj := es[i].Ref(), es[j].Ref()
		if ki, kj := kindRank(ri.Kind), kindRank(rj.Kind); ki != kj {
			return ki < kj
		}
		return ri.String() < rj.String()
	})
	return es
}

// describe builds the full answer for one entity.
func (c *Catalog) describe(ctx context.Context, e *Entity) (OwnerMatch, error) {
	m := OwnerMatch{
		Ref:         e.Ref().String(),
		Kind:        e.Kind,
		Title:       displayName(e),
		Description: e.Metadata.Description,
		Links:       e.Metadata.Links,
		Stale:       e.Origin.Flag,
		Entity:      e,
	}
	if m.Links == nil {
		m.Links = []Link{}
	}
	m.Repo, m.SourceURL, m.Docs = codeAndDocs(e)
	m.Provenance, m.Inferred = provenance(e)

	system, domain, err := c.systemAndDomain(ctx, e)
	if err != nil {
		return m, err
	}
	if system != nil {
		m.System = system.Ref().String()
	}
	if domain != nil {
		m.Domain = domain.Ref().String()
	}

	var ownerEntity *Entity
	switch {
	case e.Is(KindGroup):
		ownerEntity = e
		m.Owns, err = c.owned(ctx, e.RelationTargets(RelOwnerOf))
	case e.Is(KindUser):
		m.Owner, m.MemberOf, m.Owns, err = c.describeUser(ctx, e)
		if err != nil {
			return m, err
		}
		m.Oncall, err = c.oncallFor(ctx, e, nil)
		return m, err
	default:
		if e.Is(KindSystem) || e.Is(KindDomain) {
			if m.Holds, err = c.holds(ctx, e); err != nil {
				return m, err
			}
		}
		var via *Entity
		ownerEntity, via, err = c.ownerOf(ctx, e, system, domain)
		if via != nil {
			s := via.Ref().String()
			m.OwnedVia = &s
		}
		if err == nil && ownerEntity == nil {
			if refs := e.RelationTargets(RelOwnedBy); len(refs) > 0 {
				m.Owner = &Owner{Ref: refs[0].String(), Kind: refs[0].Kind, DisplayName: refs[0].Short(), Members: []Person{}}
			}
		}
	}
	if err != nil {
		return m, err
	}
	if ownerEntity != nil {
		m.Owner, err = c.owner(ctx, ownerEntity)
		if err != nil {
			return m, err
		}
	}
	m.Oncall, err = c.oncallFor(ctx, e, ownerEntity)
	return m, err
}

// entityWith reads an entity with only its relations of the given types
// when the store can (PartialReader), else whole.
func (c *Catalog) entityWith(ctx context.Context, ref Ref, types ...string) (*Entity, error) {
	if pr, ok := c.store.(PartialReader); ok {
		return pr.EntityWithRelations(ctx, ref, types...)
	}
	return c.store.Entity(ctx, ref)
}

// ownerOf returns the owner entity of e, inheriting it from e's system and
// then its domain when e names none; via is what it was inherited from.
// An owner that is referenced but not in the catalog gives (nil, nil, nil).
func (c *Catalog) ownerOf(ctx context.Context, e, system, domain *Entity) (owner, via *Entity, err error) {
	for _, holder := range []*Entity{e, system, domain} {
		if holder == nil {
			continue
		}
		refs := holder.RelationTargets(RelOwnedBy)
		if len(refs) == 0 {
			continue
		}
		o, err := c.entityWith(ctx, refs[0], RelHasMember) // the owner's members, for owner()
		if errkind.Is(err, errkind.NotFound) {
			if holder == e {
				return nil, nil, nil
			}
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		if holder != e {
			via = holder
		}
		return o, via, nil
	}
	return nil, nil, nil
}

// systemAndDomain returns the system e belongs to and that system's domain
// (or e's own domain, for a system).
func (c *Catalog) systemAndDomain(ctx context.Context, e *Entity) (system, domain *Entity, err error) {
	get := func(r Ref) (*Entity, error) {
		// Its domain and its owner are all that is read of a system or a
		// domain here.
		x, err := c.entityWith(ctx, r, RelPartOf, RelOwnedBy)
		if errkind.Is(err, errkind.NotFound) {
			return nil, nil
		}
		return x, err
	}
	parentOfKind := func(x *Entity, kind string) *Ref {
		for _, r := range x.RelationTargets(RelPartOf) {
			if r.Kind == kind {
				return &r
			}
		}
		return nil
	}
	switch {
	case e.Is(KindSystem):
		system = nil
		if r := parentOfKind(e, "domain"); r != nil {
			domain, err = get(*r)
		}
		return nil, domain, err
	case e.Is(KindDomain), e.Is(KindGroup), e.Is(KindUser):
		return nil, nil, nil
	}
	if r := parentOfKind(e, "system"); r != nil {
		if system, err = get(*r); err != nil || system == nil {
			return system, nil, err
		}
		if r := parentOfKind(system, "domain"); r != nil {
			domain, err = get(*r)
		}
	}
	return system, domain, err
}

// owner describes an owning group or user, with the group's members.
func (c *Catalog) owner(ctx context.Context, o *Entity) (*Owner, error) {
	out := &Owner{
		Ref:          o.Ref().String(),
		Kind:         o.Kind,
		DisplayName:  displayName(o),
		Email:        o.SpecString("profile.email"),
		SlackChannel: o.Annotation(AnnotationSlackChannel),
		SlackUserID:  o.Annotation(AnnotationSlackUserID),
		Members:      []Person{},
		Known:        true,
	}
	if o.Is(KindUser) {
		out.Members = append(out.Members, person(o))
		return out, nil
	}
	members, err := c.store.Entities(ctx, o.RelationTargets(RelHasMember))
	if err != nil {
		return nil, err
	}
	for i := range members {
		out.Members = append(out.Members, person(&members[i]))
	}
	sort.Slice(out.Members, func(i, j int) bool { return out.Members[i].Ref < out.Members[j].Ref })
	return out, nil
}

// describeUser returns a user's first team as owner, their groups, and what
// they own directly or through their groups.
func (c *Catalog) describeUser(ctx context.Context, u *Entity) (*Owner, []Summary, []Summary, error) {
	groups, err := c.store.Entities(ctx, u.RelationTargets(RelMemberOf))
	if err != nil {
		return nil, nil, nil, err
	}
	var memberOf []Summary
	owned := u.RelationTargets(RelOwnerOf)
	for i := range groups {
		memberOf = append(memberOf, summary(&groups[i]))
		owned = append(owned, groups[i].RelationTargets(RelOwnerOf)...)
	}
	owns, err := c.owned(ctx, owned)
	if err != nil {
		return nil, nil, nil, err
	}
	var team *Owner
	if len(groups) > 0 {
		if team, err = c.owner(ctx, &groups[0]); err != nil {
			return nil, nil, nil, err
		}
	}
	return team, memberOf, owns, nil
}

// oncallFor resolves gantry.dev/oncall on the entity, else on its owner.
func (c *Catalog) oncallFor(ctx context.Context, e, owner *Entity) (*Oncall, error) {
	holder := e
	value := e.Annotation(AnnotationOncall)
	if value == "" && owner != nil {
		holder, value = owner, owner.Annotation(AnnotationOncall)
	}
	if value == "" {
		return nil, nil
	}
	rot, err := ParseRotation(value, holder.Metadata.Namespace)
	if err != nil {
		return nil, nil // a malformed annotation is a scorecard finding, not an outage
	}
	who, until := rot.At(c.now())
	if who.IsZero() { // the rotation starts later: nobody from it is on call yet
		return &Oncall{Starts: &until, Rotation: value, From: holder.Ref().String()}, nil
	}
	oc := &Oncall{Person: Person{Ref: who.String(), DisplayName: who.Name}, Rotation: value, From: holder.Ref().String()}
	if !until.IsZero() {
		oc.Until = &until
	}
	p, err := c.store.Entity(ctx, who)
	switch {
	case err == nil:
		oc.Person = person(p)
	case !errkind.Is(err, errkind.NotFound):
		return nil, err
	}
	return oc, nil
}

func (c *Catalog) summaries(ctx context.Context, refs []Ref) ([]Summary, error) {
	if len(refs) == 0 {
		return nil, nil
	}
	seen := map[Ref]bool{}
	uniq := refs[:0:0]
	for _, r := range refs {
		if !seen[r] {
			seen[r] = true
			uniq = append(uniq, r)
		}
	}
	es, err := c.store.Entities(ctx, uniq)
	if err != nil {
		return nil, err
	}
	sortMatches(es)
	out := make([]Summary, len(es))
	for i := range es {
		out[i] = summary(&es[i])
	}
	return out, nil
}

func summary(e *Entity) Summary {
	return Summary{Ref: e.Ref().String(), Kind: e.Kind, Title: e.Title()}
}

func person(u *Entity) Person {
	return Person{
		Ref:         u.Ref().String(),
		DisplayName: displayName(u),
		Email:       u.SpecString("profile.email"),
		SlackUserID: u.Annotation(AnnotationSlackUserID),
	}
}

func displayName(e *Entity) string {
	if d := e.SpecString("profile.displayName"); d != "" {
		return d
	}
	return e.Title()
}

// codeAndDocs finds the repository, the code URL and the docs of an entity.
func codeAndDocs(e *Entity) (repo, source, docs string) {
	if slug := e.Annotation(AnnotationProjectSlug); slug != "" {
		repo = slug
	}
	if loc := e.Annotation(AnnotationSourceLocation); loc != "" {
		source = strings.TrimPrefix(loc, "url:")
	} else if repo != "" {
		source = "https://github.com/" + repo
	}
	if repo == "" {
		repo = RepoFromLocation(source)
	}
	for _, l := range e.Metadata.Links {
		t := strings.ToLower(l.Title + " " + l.Type + " " + l.Icon)
		if strings.Contains(t, "doc") || strings.Contains(t, "runbook") {
			docs = l.URL
			break
		}
	}
	if docs == "" && e.Annotation(AnnotationTechDocsRef) != "" && source != "" {
		docs = source // TechDocs are built from the repository's docs/
	}
	return repo, source, docs
}

// provenance says where an entity's data came from.
func provenance(e *Entity) (string, bool) {
	if e.Annotation(AnnotationInferred) == "true" {
		from := e.Annotation(AnnotationInferredFrom)
		if from == "" {
			from = "the repository"
		}
		return "inferred from " + from, true
	}
	if e.Origin.File != "" {
		return "declared in " + e.Origin.File, false
	}
	return "declared", false
}
