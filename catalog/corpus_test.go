package catalog

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The corpus is real descriptors from public projects, kept outside the
// project (see its SOURCES.md); these tests read it in place.

// corpusDir returns the corpus folder, or skips the test.
func corpusDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("GANTRY_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "corpus", "catalogs")
	}
	if _, err := os.Stat(filepath.Join(dir, "SOURCES.md")); err != nil {
		t.Skipf("no corpus of real-world descriptors at %s (set GANTRY_CORPUS to its folder): %v", dir, err)
	}
	return dir
}

// corpusResolver reads substitutions as Backstage would: relative paths from
// the descriptor's folder, and URLs through a URL reader, for which a fixed
// text stands in (no network here).
func corpusResolver(root, rel string) func(string) ([]byte, error) {
	return func(target string) ([]byte, error) {
		if strings.HasPrefix(target, "https://") || strings.HasPrefix(target, "http://") {
			return []byte("# fetched from " + target + "\n"), nil
		}
		p := filepath.Join(root, filepath.Dir(rel), filepath.FromSlash(target))
		data, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, errors.New("no such file")
		}
		return data, err
	}
}

// corpusFiles parses every .yaml and .yml file of the corpus.
func corpusFiles(t *testing.T, root string, withResolver bool) map[string]Parsed {
	t.Helper()
	out := map[string]Parsed{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || (filepath.Ext(path) != ".yaml" && filepath.Ext(path) != ".yml") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		var opts ParseOptions
		if withResolver {
			opts.Resolve = corpusResolver(root, rel)
		}
		p := ParseFile(rel, data, opts)
		checkParsed(t, rel, data, p)
		out[rel] = p
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("no descriptor under %s", root)
	}
	return out
}

// checkParsed asserts what holds of any parse: problems are located in the
// file, entities are valid and located.
func checkParsed(t testing.TB, file string, data []byte, p Parsed) {
	t.Helper()
	lines := lineOf(data, len(data)) // as YAML counts them
	for _, pr := range p.Problems {
		if pr.File != file || pr.Line < 0 || pr.Line > lines || pr.Message == "" {
			t.Errorf("%s: problem not located in the file (%d lines): %q", file, lines, pr)
		}
		if pr.Line == 0 {
			t.Errorf("%s: problem without a line: %q", file, pr)
		}
	}
	for i := range p.Entities {
		e := &p.Entities[i]
		if errs := Validate(e); len(errs) != 0 {
			t.Errorf("%s: entity %s returned but invalid: %v", file, e.Ref(), messages(errs))
		}
		if e.Origin.File != file || e.Origin.Line < 1 || e.Origin.Line > lines {
			t.Errorf("%s: entity %s has origin %+v", file, e.Ref(), e.Origin)
		}
	}
	for _, tg := range p.Targets {
		if tg.Line < 1 || tg.Line > lines || tg.Value == "" {
			t.Errorf("%s: target %+v", file, tg)
		}
	}
}

// corpusWant is what a corpus file yields: its entities' refs (in order) and
// its problems, each "LINE: part of the message".
type corpusWant struct {
	entities []string
	problems []string
	broken   bool
}

func TestCorpus(t *testing.T) {
	root := corpusDir(t)
	files := corpusFiles(t, root, true)

	skeletonProblem := "is not a valid name: 1-63 characters, letters, digits and -_. inside, starting and ending with a letter or digit (no spaces) (it is a template placeholder"
	want := map[string]corpusWant{
		// RoadieHQ/sample-service: the 7-document file, with its two API
		// definitions read by a URL reader.
		"roadiehq-sample-service/catalog-info.yaml": {entities: []string{
			"component:default/sample-service", "component:default/sentry-js", "api:default/sample-service",
			"api:default/open-api-ref-sample", "resource:default/sample-s3-bucket", "domain:default/sample-domain", "system:default/sample-system",
		}},
		// The EMPTY catalog-info.yaml (0 bytes).
		"roadiehq-sample-service/another-service/catalog-info.yaml": {problems: []string{"1: file is empty: it holds no entity"}, broken: true},
		"roadiehq-sample-service/discovery-location.yaml":           {entities: []string{"location:default/roadiehq-discovery"}},
		// Roadie tech-insights data, not a descriptor.
		"roadiehq-sample-service/.roadie/manually-curated.yaml": {problems: []string{"1: not a catalog entity"}},
		// The validator's samples: the same entity twice (a duplicate for the
		// syncer to report), a relative $text whose file is not in the
		// corpus, and the invalid sample: a source-location without url:.
		"roadiehq-backstage-entity-validator/sample/catalog-info.yml":                  {entities: []string{"component:default/sample-service-5", "component:default/sample-service-5"}},
		"roadiehq-backstage-entity-validator/sample/catalog-info-with-replacement.yml": {problems: []string{"11: $text ./openapi/v1.oas3.yaml: no such file"}},
		"roadiehq-backstage-entity-validator/sample/invalid-catalog-info.yml": {problems: []string{
			`17: metadata.annotations.backstage.io/source-location "https://github.com/RoadieHQ/sample-service/tree/main/" is not a location reference: prefix it with url:`}},
		"roadiehq-roadie-backstage-plugins/catalog-info.yaml": {entities: []string{"component:default/roadie-backstage-plugins", "location:default/roadie-backstage-plugins"}},
		"roadiehq-roadie-backstage-plugins/entities/test-entity.yaml": {entities: []string{
			"component:default/sample-service", "component:default/sample-service-github", "component:default/sample-service-2",
			"component:default/sample-service-3", "component:default/sample-service-4", "component:default/sample-service-5",
		}},
		// backstage/demo: an API with a URL $text, AI resources (a kind
		// Gantry does not know), an MCP server API (remotes, no definition).
		"backstage-demo/catalog-info.yaml":            {entities: []string{"component:default/backstage-demo", "api:default/demo-graphql"}},
		"backstage-demo/examples/mcp-server-api.yaml": {entities: []string{"api:default/github-mcp-server"}},
		"backstage-demo/app-config.yaml":              {problems: []string{"1: not a catalog entity"}},
		// Template skeletons: placeholders that are not YAML until rendered,
		// or names that are placeholders.
		"backstage-software-templates/scaffolder-templates/create-react-app/skeleton/catalog-info.yaml": {problems: []string{
			"5: invalid YAML: found character that cannot start any token (the line holds a template placeholder"}, broken: true},
		"backstage-software-templates/scaffolder-templates/react-ssr-template/skeleton/catalog-info.yaml": {problems: []string{
			"5: invalid YAML: found character that cannot start any token (the line holds a template placeholder"}, broken: true},
		"backstage-software-templates/scaffolder-templates/springboot-grpc-template/skeleton/catalog-info.yaml": {problems: []string{
			"5: invalid YAML: found character that cannot start any token (the line holds a template placeholder"}, broken: true},
		"backstage-software-templates/scaffolder-templates/docs-template-cookiecutter/skeleton/catalog-info.yaml": {problems: []string{
			"4: a key is a mapping, not a plain value (an unrendered template placeholder"}},
		"backstage-software-templates/scaffolder-templates/clean-architecture-app/skeleton/catalog-info.yaml": {problems: []string{`4: metadata.name "${{ values.name | dump }}" ` + skeletonProblem}},
		"backstage-software-templates/scaffolder-templates/docs-template/skeleton/catalog-info.yaml":          {problems: []string{`4: metadata.name "${{values.name | dump}}" ` + skeletonProblem}},
		"backstage-software-templates/scaffolder-templates/gitlab-merge-request/template/catalog-info.yaml":   {problems: []string{`4: metadata.name "${{values.name | dump}}" ` + skeletonProblem}},
		"backstage-software-templates/scaffolder-templates/pull-request/template/catalog-info.yaml":           {problems: []string{`4: metadata.name "${{values.name | dump}}" ` + skeletonProblem}},
		"spotify-cookiecutter-golang/{{cookiecutter.component_id}}/catalog-info.yaml": {problems: []string{
			"10: invalid YAML: found character that cannot start any token (the line holds a template placeholder"}, broken: true},
		"spotify-cookiecutter-golang/template.yaml": {entities: []string{"template:default/golang-starter"}},
	}

	counts := map[string][2]int{} // per folder: entities, problems
	for rel, p := range files {
		folder, _, _ := strings.Cut(rel, "/")
		c := counts[folder]
		counts[folder] = [2]int{c[0] + len(p.Entities), c[1] + len(p.Problems)}

		w, ok := want[rel]
		if !ok {
			// Every other file is a valid descriptor of one or more entities.
			if len(p.Problems) != 0 || len(p.Entities) == 0 {
				t.Errorf("%s: %d entities, problems %q", rel, len(p.Entities), problemStrings(p.Problems))
			}
			continue
		}
		var refs []string
		for _, e := range p.Entities {
			refs = append(refs, e.Ref().String())
		}
		if strings.Join(refs, " ") != strings.Join(w.entities, " ") {
			t.Errorf("%s: entities %v, want %v", rel, refs, w.entities)
		}
		if len(p.Problems) != len(w.problems) {
			t.Errorf("%s: problems %q, want %q", rel, problemStrings(p.Problems), w.problems)
		} else {
			for i, pr := range p.Problems {
				line, msg, _ := strings.Cut(w.problems[i], ": ")
				if strconv.Itoa(pr.Line) != line || !strings.HasPrefix(pr.Message, msg) {
					t.Errorf("%s: problem %q, want %s:%s", rel, pr, rel, w.problems[i])
				}
			}
		}
		if p.Broken != w.broken {
			t.Errorf("%s: Broken = %v, want %v", rel, p.Broken, w.broken)
		}
	}
	for rel := range want {
		if _, ok := files[rel]; !ok {
			t.Errorf("%s: not in the corpus", rel)
		}
	}
	for folder, c := range counts {
		t.Logf("%s: %d entities, %d problems", folder, c[0], c[1])
	}

	// Facts of SOURCES.md beyond the counts.
	sample := files["roadiehq-sample-service/catalog-info.yaml"].Entities
	if got := sample[0].SpecString("owner"); got != "group:roadiehq/engineering" {
		t.Errorf("sample-service owner %q", got)
	}
	var deps []string
	for _, ed := range Edges(&sample[0]) {
		if ed.Type == RelDependsOn {
			deps = append(deps, ed.Target.String())
		}
	}
	if strings.Join(deps, " ") != "component:default/sample-service-2 resource:default/sample-s3-bucket" {
		t.Errorf("dependsOn with capitalised kinds: %v", deps)
	}
	if custom, _ := sample[0].Spec["custom"].(map[string]any); custom["em"] != "user:dtuite" {
		t.Errorf("spec.custom not kept: %v", sample[0].Spec["custom"])
	}
	if got := sample[2].SpecString("definition"); got != "# fetched from https://github.com/RoadieHQ/sample-service/blob/main/api-spec.yaml\n" {
		t.Errorf("$text definition %q", got)
	}
	disc := files["roadiehq-sample-service/discovery-location.yaml"].Targets
	if len(disc) != 1 || disc[0].Type != "github-discovery" || disc[0].Line != 8 {
		t.Errorf("discovery targets %+v", disc)
	}
	plugins := files["roadiehq-roadie-backstage-plugins/catalog-info.yaml"].Targets
	if len(plugins) != 2 || plugins[0].Value != "./plugins/**/catalog-info.yaml" || plugins[0].Line != 19 || plugins[1].Line != 20 {
		t.Errorf("plugins targets %+v", plugins)
	}
	templates := 0
	for rel, p := range files {
		for _, e := range p.Entities {
			if e.Is(KindTemplate) {
				templates++
				if !strings.HasSuffix(rel, "template.yaml") && !strings.Contains(rel, "/templates/") {
					t.Errorf("%s: a Template in an unexpected file", rel)
				}
			}
		}
	}
	// 9 upstream scaffolder templates, the demo's, 15 of Roadie's and the
	// cookiecutter one.
	if templates != 26 {
		t.Errorf("%d templates, want 26", templates)
	}
}

// TestCorpusWithoutResolver: without a way to read them, substitutions are
// each reported once, on the line of the placeholder, and their entity left
// out.
func TestCorpusWithoutResolver(t *testing.T) {
	root := corpusDir(t)
	files := corpusFiles(t, root, false)
	p := files["roadiehq-sample-service/catalog-info.yaml"]
	want := []string{
		"roadiehq-sample-service/catalog-info.yaml:81: $text substitution of https://github.com/RoadieHQ/sample-service/blob/main/api-spec.yaml is not supported here",
		"roadiehq-sample-service/catalog-info.yaml:98: $text substitution of https://petstore.swagger.io/v2/swagger.json is not supported here",
	}
	if got := problemStrings(p.Problems); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(p.Entities) != 5 || p.Broken {
		t.Errorf("%d entities, broken %v", len(p.Entities), p.Broken)
	}
}
