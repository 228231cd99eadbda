// Package catalogtest writes large, deterministic, valid Backstage catalogs
// for benchmarks and load tests, so that anyone can reproduce a figure
// measured at 100,000 entities: the same options give the same bytes.
package catalogtest

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// MinEntities is the smallest catalog Generate writes: below it the
// proportions leave some kind empty.
const MinEntities = 100

// GenOptions says how big a catalog to write.
type GenOptions struct {
	// Entities is the number of entities in the part files, at least
	// MinEntities. The root all.yaml Location comes on top.
	Entities int
	// Seed makes the catalog: the same seed and sizes give identical files.
	Seed int64
	// EntitiesPerFile is how many documents go in each part file; 0 means 500.
	EntitiesPerFile int
}

// GenStats describes what Generate wrote.
type GenStats struct {
	Root  string         // path of all.yaml, the Location to load
	Files int            // files written, all.yaml included
	Total int            // entities written, the root Location included
	Kinds map[string]int // entities per kind ("Component", "Location", ...)
	Query Sample         // names a benchmark can look up
}

// Sample names entities that exist in the generated catalog, chosen from
// the middle of it so that lookups do not hit a lucky first row.
type Sample struct {
	Component  string // a component in the middle of the catalog
	Owner      string // the group that owns Component (a team)
	Member     string // a user who is a member of Owner
	System     string // the system Component is part of
	Domain     string // the domain of System
	Dependency string // a component that Component depends on
	API        string // an API that some component provides
	Word       string // a word from Component's description, for full-text search
}

// Generate writes a catalog of opts.Entities entities into dir (created if
// needed; other files in it are left alone): a root all.yaml Location whose
// targets are part-NNNN.yaml multi-document files. Roughly 1% of the
// entities are Groups, 3% Users, 2% Systems, a few Domains, 10% APIs and the
// rest Components; every name is valid and unique and every reference
// points at a generated entity.
func Generate(dir string, opts GenOptions) (GenStats, error) {
	if opts.Entities < MinEntities {
		return GenStats{}, fmt.Errorf("catalogtest: %d entities asked for, at least %d are needed", opts.Entities, MinEntities)
	}
	if opts.EntitiesPerFile < 0 {
		return GenStats{}, fmt.Errorf("catalogtest: EntitiesPerFile is %d, want 0 (default) or more", opts.EntitiesPerFile)
	}
	if opts.EntitiesPerFile == 0 {
		opts.EntitiesPerFile = 500
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return GenStats{}, fmt.Errorf("catalogtest: %w", err)
	}
	p := newPlan(opts)
	files, err := p.writeParts(dir, opts.EntitiesPerFile)
	if err != nil {
		return GenStats{}, err
	}
	root := filepath.Join(dir, "all.yaml")
	if err := writeRoot(root, files, opts); err != nil {
		return GenStats{}, err
	}
	return p.stats(root, len(files)+1), nil
}

// plan holds every generated name and relation before anything is written,
// so that references can point forwards as well as backwards.
type plan struct {
	rng      *rand.Rand
	domains  []string
	groups   []group
	teams    []int // indexes into groups of type team
	users    []user
	systems  []system
	apis     []api
	comps    []component
	kinds    map[string]int
	seedWord string
}

type group struct {
	name, display string
	parent        int // -1 for none
	children      []int
	members       []int
	department    bool
}

type user struct {
	name, display string
	group         int
}

type system struct {
	name         string
	domain, team int
}

type api struct {
	name, typ, noun string
	provider        int // component index
}

type component struct {
	name, typ, lifecycle, desc, word string
	system, team                     int
	dependsOn, provides, consumes    []int
	tags                             []string
	oncall                           int // user index, -1 for the team's
}

func newPlan(opts GenOptions) *plan {
	n := opts.Entities
	nGroups := max(1, n/100)
	nUsers := max(1, n*3/100)
	nSystems := max(1, n*2/100)
	nDomains := min(20, max(2, n/5000))
	nAPIs := max(1, n/10)
	nComps := n - nGroups - nUsers - nSystems - nDomains - nAPIs
	p := &plan{rng: rand.New(rand.NewPCG(uint64(opts.Seed), 0x9e3779b97f4a7c15))}
	p.planDomains(nDomains)
	p.planGroups(nGroups)
	p.planUsers(nUsers)
	p.planSystems(nSystems)
	p.planComponents(nComps, nAPIs)
	p.planAPIs(nAPIs)
	p.kinds = map[string]int{
		"Domain": nDomains, "Group": nGroups, "User": nUsers, "System": nSystems,
		"API": nAPIs, "Component": nComps, "Location": 1,
	}
	return p
}

func (p *plan) pick(words []string) string { return words[p.rng.IntN(len(words))] }

func (p *plan) planDomains(n int) {
	for i := range n {
		name := domainWords[i%len(domainWords)]
		if i >= len(domainWords) {
			name += "-" + strconv.Itoa(i)
		}
		p.domains = append(p.domains, name)
	}
}

// planGroups makes every tenth group a department whose children are the
// next nine groups (when there are any); the others are teams.
func (p *plan) planGroups(n int) {
	for i := range n {
		g := group{parent: -1}
		word := animals[i%len(animals)]
		if i%10 == 0 && i+1 < n {
			g.department = true
			g.name, g.display = fmt.Sprintf("dept-%s-%d", word, i), "Department "+capitalise(word)
			for c := i + 1; c < min(i+10, n); c++ {
				g.children = append(g.children, c)
			}
		} else {
			g.name, g.display = fmt.Sprintf("team-%s-%d", word, i), "Team "+capitalise(word)
			if d := i / 10 * 10; d != i {
				g.parent = d
			}
			p.teams = append(p.teams, i)
		}
		p.groups = append(p.groups, g)
	}
}

func (p *plan) planUsers(n int) {
	for i := range n {
		first, last := firstNames[p.rng.IntN(len(firstNames))], lastNames[p.rng.IntN(len(lastNames))]
		u := user{
			name:    fmt.Sprintf("%s.%s-%d", strings.ToLower(first), strings.ToLower(last), i),
			display: first + " " + last,
			group:   i % len(p.groups),
		}
		p.groups[u.group].members = append(p.groups[u.group].members, i)
		p.users = append(p.users, u)
	}
}

func (p *plan) planSystems(n int) {
	for i := range n {
		p.systems = append(p.systems, system{
			name:   fmt.Sprintf("%s-%s-%d", p.pick(nouns), p.pick(systemWords), i),
			domain: i % len(p.domains),
			team:   p.teams[p.rng.IntN(len(p.teams))],
		})
	}
}

func (p *plan) planComponents(n, nAPIs int) {
	for i := range n {
		suffix := p.pick(componentWords)
		sys := p.rng.IntN(len(p.systems))
		c := component{
			name:      fmt.Sprintf("%s-%s-%d", p.pick(nouns), suffix, i),
			typ:       componentType(suffix),
			lifecycle: lifecycles[p.rng.IntN(len(lifecycles))],
			system:    sys,
			team:      p.systems[sys].team,
			oncall:    -1,
		}
		c.desc, c.word = p.description(c.typ)
		c.dependsOn = p.distinct(2+p.rng.IntN(2), n, i)
		c.consumes = p.distinct(p.rng.IntN(3), nAPIs, -1)
		c.tags = p.tags()
		if members := p.groups[c.team].members; p.rng.IntN(100) == 0 && len(members) > 0 {
			c.oncall = members[p.rng.IntN(len(members))]
		}
		p.comps = append(p.comps, c)
	}
}

// planAPIs gives each API one provider, spread evenly over the components;
// the API's owner and system are its provider's.
func (p *plan) planAPIs(n int) {
	for i := range n {
		prov := int(int64(i) * int64(len(p.comps)) / int64(n))
		a := api{typ: apiTypes[i%len(apiTypes)], noun: p.pick(nouns), provider: prov}
		a.name = fmt.Sprintf("%s-api-%d", a.noun, i)
		p.comps[prov].provides = append(p.comps[prov].provides, i)
		p.apis = append(p.apis, a)
	}
}

// distinct returns up to k distinct indexes in [0, n), never skip.
func (p *plan) distinct(k, n, skip int) []int {
	var out []int
	for tries := 0; len(out) < k && tries < 4*k; tries++ {
		j := p.rng.IntN(n)
		if j == skip || contains(out, j) {
			continue
		}
		out = append(out, j)
	}
	return out
}

func (p *plan) tags() []string {
	var out []string
	for range 2 + p.rng.IntN(2) {
		t := p.pick(tagWords)
		if !contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// description assembles a sentence from the word lists and returns it with
// its first noun, a word that full-text search can find it by.
func (p *plan) description(typ string) (string, string) {
	n1, n2, n3 := p.pick(nouns), p.pick(nouns), p.pick(nouns)
	what := map[string]string{"service": "Service", "website": "Website", "library": "Library"}[typ]
	return fmt.Sprintf("%s that %s %s for %s, %s %s and %s %s through %s.",
		what, p.pick(verbs), n1, p.pick(audiences), p.pick(verbs), n2, p.pick(verbs), n3, p.pick(techs)), n1
}

func (p *plan) stats(root string, files int) GenStats {
	mid := len(p.comps) / 2
	c := p.comps[mid]
	owner := p.groups[c.team]
	s := Sample{
		Component:  c.name,
		Owner:      owner.name,
		System:     p.systems[c.system].name,
		Domain:     p.domains[p.systems[c.system].domain],
		Dependency: p.comps[c.dependsOn[0]].name,
		API:        p.apis[len(p.apis)/2].name,
		Word:       c.word,
	}
	if len(owner.members) > 0 {
		s.Member = p.users[owner.members[0]].name
	}
	total := 0
	for _, n := range p.kinds {
		total += n
	}
	return GenStats{Root: root, Files: files, Total: total, Kinds: p.kinds, Query: s}
}

func contains[T comparable](s []T, v T) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func componentType(suffix string) string {
	switch suffix {
	case "web", "portal", "dashboard":
		return "website"
	case "lib", "sdk":
		return "library"
	}
	return "service"
}

func capitalise(s string) string { return strings.ToUpper(s[:1]) + s[1:] }
