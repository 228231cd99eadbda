package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/google/go-github/v60/github"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/internal/ghclient"
)

// codeownersPaths are where GitHub looks for CODEOWNERS, in its order.
var codeownersPaths = []string{".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"}

// scanWellKnown notes, from a tree just read, the files facts and
// inference care about, and reads CODEOWNERS when it changed.
func (rw *repoWork) scanWellKnown(ctx context.Context) error {
	ff := map[string]string{}
	find := func(dir string, match func(name string) bool) (string, error) {
		children, err := rw.tree.list(ctx, dir)
		if err != nil {
			return "", err
		}
		names := make([]string, 0, len(children))
		for _, c := range children {
			if !c.dir && match(c.name) {
				names = append(names, c.name)
			}
		}
		if len(names) == 0 {
			return "", nil
		}
		sort.Strings(names)
		return joinPath(dir, names[0]), nil
	}
	lower := func(want ...string) func(string) bool {
		return func(n string) bool {
			for _, w := range want {
				if strings.EqualFold(n, w) {
					return true
				}
			}
			return false
		}
	}
	readme := func(n string) bool {
		l := strings.ToLower(n)
		return l == "readme" || strings.HasPrefix(l, "readme.")
	}
	checks := []struct {
		fact  string
		dirs  []string
		match func(string) bool
	}{
		{"readme", []string{"", ".github", "docs"}, readme},
		{"security", []string{"", ".github", "docs"}, lower("SECURITY.md", "SECURITY.txt", "SECURITY")},
		{"dependabot", []string{".github"}, lower("dependabot.yml", "dependabot.yaml")},
		{"renovate", []string{"", ".github", ".gitlab"}, lower("renovate.json", "renovate.json5", ".renovaterc", ".renovaterc.json", ".renovaterc.json5")},
	}
	for _, c := range checks {
		for _, d := range c.dirs {
			p, err := find(d, c.match)
			if err != nil {
				return err
			}
			if p != "" {
				ff[c.fact] = p
				break
			}
		}
	}
	workflows, err := rw.tree.list(ctx, ".github/workflows")
	if err != nil {
		return err
	}
	rw.next.Extra.HasWorkflows = false
	for _, c := range workflows {
		if !c.dir && (strings.HasSuffix(c.name, ".yml") || strings.HasSuffix(c.name, ".yaml")) {
			rw.next.Extra.HasWorkflows = true
		}
	}
	var co *CodeownersFile
	for _, p := range codeownersPaths {
		e, ok, err := rw.tree.lookup(ctx, p)
		if err != nil {
			return err
		}
		if ok {
			ff["codeowners"] = p
			co = &CodeownersFile{Path: p, SHA: e.sha}
			if old := rw.prev; old != nil && old.Extra.Codeowners != nil && old.Extra.Codeowners.SHA == e.sha && old.Extra.Codeowners.Path == p {
				co = old.Extra.Codeowners // unchanged: not read again
			} else if rw.w.src.opts.Infer {
				data, err := rw.blob(ctx, e.sha)
				if err != nil {
					return err
				}
				rules, problems := parseCodeowners(data)
				co.Owner = defaultOwner(rules)
				for _, pr := range problems {
					co.Notes = append(co.Notes, fmt.Sprintf("%d: %s", pr.line, pr.msg))
				}
			}
			rw.keep(GitHubFile{Path: p, SHA: e.sha, Size: e.size, Role: RoleCodeowners})
			break
		}
	}
	if len(ff) == 0 {
		ff = nil
	}
	rw.next.Extra.FactFiles, rw.next.Extra.Codeowners = ff, co
	return nil
}

// carryCodeowners keeps the CODEOWNERS file recorded when the tree was not
// read again, so its blob stays stored.
func (rw *repoWork) carryCodeowners() {
	if co := rw.next.Extra.Codeowners; co != nil && !rw.treeChanged {
		if f, ok := rw.prevFiles[co.Path]; ok {
			rw.keep(f)
		}
	}
}

// infer builds the inferred Component of a repository without descriptors.
func (rw *repoWork) infer(ctx context.Context) error {
	meta := rw.next.Extra.Meta
	full := rw.cur.FullName
	name := inferredName(meta.Name)
	if name == "" {
		rw.res.files = append(rw.res.files, FileResult{File: full, Notes: []Note{{File: full,
			Message: fmt.Sprintf("repository name %q makes no valid entity name; nothing is inferred for it", meta.Name)}}})
		return nil
	}
	owner, err := rw.inferOwner(ctx)
	if err != nil {
		return err
	}
	rw.next.Extra.Owner = &owner
	e := inferredEntity(full, rw.cur.DefaultBranch, meta, name, owner)
	body, err := json.Marshal(e)
	if err != nil {
		return err
	}
	res := FileResult{File: full, Digest: "gh-inferred:" + shortHash(string(body), e.Origin.Location)}
	if co := rw.next.Extra.Codeowners; co != nil && rw.treeChanged {
		for _, n := range co.Notes {
			line, msg, _ := strings.Cut(n, ": ")
			var ln int
			fmt.Sscan(line, &ln)
			res.Notes = append(res.Notes, Note{File: full + ":" + co.Path, Line: ln, Message: "CODEOWNERS: " + msg + " (line skipped)"})
		}
	}
	rw.res.inferredRef = e.Ref()
	if d := rw.w.sink.Digest(full); d != "" && d == res.Digest && len(res.Notes) == 0 {
		rw.res.inferred = &FileResult{File: full, Digest: res.Digest, Unchanged: true}
		return nil
	}
	res.Entities = []catalog.Entity{e}
	rw.res.inferred = &res
	return nil
}

// inferOwner finds who owns a repository: the team (else user) owning "*"
// in CODEOWNERS, else a team-<name> topic, else the team with admin
// permission on it.
func (rw *repoWork) inferOwner(ctx context.Context) (InferredOwner, error) {
	if co := rw.next.Extra.Codeowners; co != nil && co.Owner != "" {
		return InferredOwner{Ref: co.Owner, From: "CODEOWNERS", CodeownersSHA: co.SHA}, nil
	}
	for _, t := range rw.next.Extra.Meta.Topics {
		if team, ok := strings.CutPrefix(t, "team-"); ok && catalog.ValidName(team) {
			return InferredOwner{Ref: "group:default/" + team, From: "topic " + t}, nil
		}
	}
	if rw.w.src.opts.Org == "" {
		return InferredOwner{}, nil // a user's repositories have no teams
	}
	// The admin team changes without a push: asked again with the facts.
	if slug, ok := rw.next.Extra.Answers["admin_team"].(string); ok && !rw.treeChanged && !rw.factsDue() {
		return adminOwner(slug), nil
	}
	var teams []*github.Team
	notMod, err := rw.condGet(ctx, "admin_team", "repos/"+rw.cur.FullName+"/teams?per_page=100", &teams)
	rw.w.count(func(st *GitHubStats) { st.TeamCalls++ })
	if err != nil {
		if pe := permissionOf(err); pe != nil {
			rw.noteMissing(pe, "inferring owners from admin teams")
			return InferredOwner{}, nil
		}
		if repoLevel(err) {
			return InferredOwner{}, nil
		}
		return InferredOwner{}, err
	}
	if !notMod {
		var admins []string
		for _, t := range teams {
			if t.GetPermission() == "admin" {
				admins = append(admins, t.GetSlug())
			}
		}
		sort.Strings(admins)
		slug := ""
		if len(admins) > 0 {
			slug = admins[0]
		}
		rw.setAnswer("admin_team", slug)
	}
	slug, _ := rw.next.Extra.Answers["admin_team"].(string)
	return adminOwner(slug), nil
}

func adminOwner(slug string) InferredOwner {
	if slug == "" {
		return InferredOwner{}
	}
	return InferredOwner{Ref: "group:default/" + slug, From: "admin team"}
}

// inferredEntity is the Component Gantry offers for a repository.
func inferredEntity(full, branch string, meta RepoMeta, name string, owner InferredOwner) catalog.Entity {
	web := strings.TrimSuffix(meta.HTMLURL, "/")
	// With no owner found the Component has none: WhoOwns says so and the
	// scorecards count it, instead of a made-up group hiding the gap.
	from := owner.From
	if owner.Ref == "" {
		from = "the repository (no CODEOWNERS, team-* topic or admin team names an owner)"
	}
	lifecycle := "production"
	if meta.Archived {
		lifecycle = "deprecated"
	}
	e := catalog.Entity{
		APIVersion: "backstage.io/v1alpha1",
		Kind:       catalog.KindComponent,
		Metadata: catalog.Metadata{
			Name:        name,
			Description: meta.Description,
			Tags:        inferredTags(meta),
			Annotations: map[string]string{
				catalog.AnnotationProjectSlug:             full,
				catalog.AnnotationSourceLocation:          "url:" + web + "/tree/" + branch + "/",
				catalog.AnnotationManagedByLocation:       "url:" + web,
				catalog.AnnotationManagedByOriginLocation: "url:" + web,
				catalog.AnnotationInferred:                "true",
				catalog.AnnotationInferredFrom:            from,
			},
			Links: []catalog.Link{{URL: web, Title: "Repository", Icon: "github"}},
		},
		Spec:   map[string]any{"type": "service", "lifecycle": lifecycle},
		Origin: catalog.Origin{File: full, Location: "url:" + web, OriginLocation: "url:" + web},
	}
	if owner.Ref != "" {
		e.Spec["owner"] = owner.Ref
	}
	if name != meta.Name {
		e.Metadata.Title = meta.Name
	}
	if h := strings.TrimSpace(meta.Homepage); h != "" {
		if !strings.Contains(h, "://") {
			h = "https://" + h
		}
		e.Metadata.Links = append([]catalog.Link{{URL: h, Title: "Homepage", Icon: "web"}}, e.Metadata.Links...)
	}
	return e
}

// inferredTags are the repository's topics and primary language, made
// valid tags.
func inferredTags(meta RepoMeta) []string {
	var tags []string
	seen := map[string]bool{}
	for _, t := range append(append([]string(nil), meta.Topics...), meta.Language) {
		if s := sanitizeTag(t); s != "" && !seen[s] {
			seen[s] = true
			tags = append(tags, s)
		}
	}
	return tags
}

var tagJunk = regexp.MustCompile(`[^a-z0-9:+#]+`)

// sanitizeTag makes s a valid tag: lowercase letters, digits, +#: and
// single dashes, at most 63 characters; "" when nothing is left.
func sanitizeTag(s string) string {
	t := tagJunk.ReplaceAllString(strings.ToLower(strings.TrimSpace(s)), "-")
	t = strings.Trim(t, "-")
	if len(t) > 63 {
		t = strings.TrimRight(t[:63], "-")
	}
	if !catalog.ValidTag(t) {
		return ""
	}
	return t
}

var nameJunk = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// inferredName makes a repository name a valid entity name.
func inferredName(repo string) string {
	n := nameJunk.ReplaceAllString(repo, "-")
	trim := func(s string) string {
		return strings.TrimFunc(s, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') })
	}
	n = trim(n)
	if len(n) > 63 {
		n = trim(n[:63])
	}
	if !catalog.ValidName(n) {
		return ""
	}
	return n
}

// codeownersRule is one valid line of a CODEOWNERS file.
type codeownersRule struct {
	pattern string
	owners  []string
	line    int
}

type codeownersProblem struct {
	line int
	msg  string
}

var (
	coUser  = regexp.MustCompile(`^@[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$`)
	coTeam  = regexp.MustCompile(`^@[A-Za-z0-9](?:[A-Za-z0-9-]*)/[A-Za-z0-9][A-Za-z0-9._-]*$`)
	coEmail = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
)

// parseCodeowners reads a CODEOWNERS file as GitHub does: "pattern owner…"
// lines, # comments, and lines with an error skipped (and reported).
func parseCodeowners(data []byte) ([]codeownersRule, []codeownersProblem) {
	var rules []codeownersRule
	var problems []codeownersProblem
	for i, raw := range strings.Split(string(data), "\n") {
		n := i + 1
		line := strings.TrimSpace(strings.TrimSuffix(raw, "\r"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		pattern := fields[0]
		var owners []string
		bad := ""
		for _, f := range fields[1:] {
			if strings.HasPrefix(f, "#") {
				break
			}
			if !coUser.MatchString(f) && !coTeam.MatchString(f) && !coEmail.MatchString(f) {
				bad = f
				break
			}
			owners = append(owners, f)
		}
		switch {
		case bad != "":
			problems = append(problems, codeownersProblem{n, fmt.Sprintf("invalid owner %q: write @user, @org/team or an e-mail address", bad)})
		case strings.HasPrefix(pattern, "!"):
			problems = append(problems, codeownersProblem{n, fmt.Sprintf("pattern %q: negation (!) is not supported", pattern)})
		case strings.ContainsAny(pattern, "[]"):
			problems = append(problems, codeownersProblem{n, fmt.Sprintf("pattern %q: character ranges ([…]) are not supported", pattern)})
		default:
			rules = append(rules, codeownersRule{pattern: strings.TrimPrefix(pattern, `\`), owners: owners, line: n})
		}
	}
	return rules, problems
}

// defaultOwner is the owner of "*" (the last such rule wins, as on
// GitHub): its first team, else its first user, as a ref; "" for none.
func defaultOwner(rules []codeownersRule) string {
	var owners []string
	found := false
	for _, r := range rules {
		switch r.pattern {
		case "*", "**", "/**", "/*":
			owners, found = r.owners, true
		}
	}
	if !found {
		return ""
	}
	for _, o := range owners {
		if coTeam.MatchString(o) {
			_, slug, _ := strings.Cut(o, "/")
			return "group:default/" + strings.ToLower(slug)
		}
	}
	for _, o := range owners {
		if coUser.MatchString(o) {
			return "user:default/" + strings.ToLower(strings.TrimPrefix(o, "@"))
		}
	}
	return ""
}

// permissionOf returns the permission error inside err, if any.
func permissionOf(err error) *ghclient.PermissionError {
	if ghclient.StatusOf(err) != 403 {
		return nil
	}
	var pe *ghclient.PermissionError
	if errors.As(ghclient.Explain("reading", err), &pe) {
		return pe
	}
	return nil
}
