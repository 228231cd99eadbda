package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/internal/ghclient"
)

// GitHubOptions configure a GitHub source.
type GitHubOptions struct {
	// Org or User names the account whose repositories are read.
	Org, User string
	// Paths are the descriptor paths read in each repository, globs
	// allowed ("services/*/catalog-info.yaml"); default catalog-info.yaml.
	Paths []string
	// Infer adds an inferred Component for each repository without a
	// descriptor.
	Infer bool
	// IncludeArchived reads archived repositories too.
	IncludeArchived bool
	// FactsTTL is how long facts stay fresh when the repository did not
	// change; default DefaultFactsTTL. A negative TTL turns facts off.
	FactsTTL time.Duration
	// FactsMaxCalls caps the API calls one sync spends on facts; the
	// repositories over it are read at the next sync. 0 means
	// DefaultFactsMaxCalls.
	FactsMaxCalls int
	// Concurrency is how many repositories are read at once; default 4.
	Concurrency int
	// Now is the clock (facts' read time, days since push); default time.Now.
	Now func() time.Time
	Log *slog.Logger
}

// Defaults of GitHubOptions.
const (
	DefaultFactsTTL      = 24 * time.Hour
	DefaultFactsMaxCalls = 1000
	// GitHubFactsProvider is the provider name of the facts a GitHub source
	// records.
	GitHubFactsProvider = "github"
	listPageSize        = 100
)

// EntityLookup finds stored entities (the store does): by ref, so that an
// inferred entity is not offered for a ref that another source declares;
// by project slug, so that a repository's facts also reach the entities of
// any source whose github.com/project-slug names it.
type EntityLookup interface {
	Entities(ctx context.Context, refs []catalog.Ref) ([]catalog.Entity, error)
	// EntitiesBySlug returns, by repository ("owner/name" lowercased),
	// the entities whose github.com/project-slug names it,
	// case-insensitively; repositories no entity names are absent.
	EntitiesBySlug(ctx context.Context, repos []string) (map[string][]SlugMatch, error)
}

// SlugMatch is a stored entity whose github.com/project-slug names a
// repository.
type SlugMatch struct {
	Ref    string // lowercased
	Source string // the source that wrote it
}

// GitHubSource reads the repositories of a GitHub organization (or user):
// the descriptors at the configured paths, following Location targets
// inside each repository, and an inferred Component for each repository
// without one. It is frugal with the API: the repository list is read with
// conditional requests, a repository's tree only when its default branch
// moved, and a file only when its blob is not already stored. Facts for
// scorecards are read in the same pass.
type GitHubSource struct {
	name   string
	gh     *github.Client
	state  GitHubState
	facts  FactWriter   // nil: facts are not recorded
	others EntityLookup // nil: other sources are not consulted
	opts   GitHubOptions

	mu   sync.Mutex
	last GitHubStats
}

// NewGitHubSource returns a GitHub source. facts and others may be nil.
func NewGitHubSource(name string, gh *github.Client, state GitHubState, facts FactWriter, others EntityLookup, opts GitHubOptions) *GitHubSource {
	if len(opts.Paths) == 0 {
		opts.Paths = []string{"catalog-info.yaml"}
	}
	if opts.FactsTTL == 0 {
		opts.FactsTTL = DefaultFactsTTL
	}
	if opts.FactsMaxCalls <= 0 {
		opts.FactsMaxCalls = DefaultFactsMaxCalls
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	return &GitHubSource{name: name, gh: gh, state: state, facts: facts, others: others, opts: opts}
}

// Name implements Source.
func (s *GitHubSource) Name() string { return s.name }

// Account returns the organization or user read.
func (s *GitHubSource) Account() string {
	if s.opts.Org != "" {
		return s.opts.Org
	}
	return s.opts.User
}

// GitHubStats counts what a sync asked of GitHub, for the budget.
type GitHubStats struct {
	Repos         int // repositories in the sync (archived ones excluded unless included)
	ListCalls     int // repository list pages asked for
	ListNotMod    int // ... answered 304
	TreeCalls     int // trees asked for (recursive, or directories of a truncated tree)
	TreeNotMod    int // ... answered 304
	BlobCalls     int // files downloaded
	BlobsStored   int // files read from the store instead
	TeamCalls     int // repository teams asked for (owner inference's last resort)
	FactCalls     int // branch protection, pull request and workflow run calls
	FactsNotMod   int // ... answered 304
	FactsRead     int // repositories whose facts were refreshed
	FactsDeferred int // repositories whose facts were due but over FactsMaxCalls
	Inferred      int // inferred entities offered
	Duration      time.Duration
	Rate          ghclient.Rate // the primary limit at the end, when known
}

// Calls is every call the sync made.
func (st GitHubStats) Calls() int {
	return st.ListCalls + st.TreeCalls + st.BlobCalls + st.TeamCalls + st.FactCalls
}

func (st GitHubStats) String() string {
	return fmt.Sprintf("%d repositories; %d calls: %d list (%d not modified), %d tree (%d not modified), %d blob (%d from the store), %d team, %d facts (%d not modified); facts read for %d, deferred for %d",
		st.Repos, st.Calls(), st.ListCalls, st.ListNotMod, st.TreeCalls, st.TreeNotMod, st.BlobCalls, st.BlobsStored, st.TeamCalls,
		st.FactCalls, st.FactsNotMod, st.FactsRead, st.FactsDeferred)
}

// LastStats returns the counts of the last sync.
func (s *GitHubSource) LastStats() GitHubStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// Walk implements Source. It returns an error (and the sync removes
// nothing) when the repository list cannot be read whole, or GitHub fails
// in a way that is not about one repository (5xx, rate limit beyond the
// wait, bad credentials, a missing permission).
func (s *GitHubSource) Walk(ctx context.Context, sink Sink) (err error) {
	w := &ghWalk{src: s, sink: sink, now: s.opts.Now(), blobs: newBlobCache(s.state)}
	start := time.Now()
	defer func() {
		w.stats.Duration = time.Since(start)
		s.mu.Lock()
		s.last = w.stats
		s.mu.Unlock()
		s.opts.Log.Info("github sync", "source", s.name, "account", s.Account(), "stats", w.stats.String(), "err", err)
	}()
	if s.opts.Org == "" && s.opts.User == "" {
		return fmt.Errorf("source %s: name an org or a user", s.name)
	}
	if err := w.load(ctx); err != nil {
		return err
	}
	listed, pages, err := w.list(ctx)
	if err != nil {
		return err
	}
	if err := w.readRepos(ctx, listed); err != nil {
		w.save(ctx, false)
		return err
	}
	if err := w.emitInferred(ctx); err != nil {
		w.save(ctx, false)
		return err
	}
	if err := w.save(ctx, true); err != nil {
		return err
	}
	if err := s.state.SetGitHubPages(ctx, s.name, pages); err != nil {
		return err
	}
	return nil
}

// ghWalk is the state of one Walk.
type ghWalk struct {
	src   *GitHubSource
	sink  Sink
	now   time.Time
	blobs *blobCache

	stored map[int64]*GitHubRepo // by repo id, as the last sync left them

	mu         sync.Mutex
	stats      GitHubStats
	factBudget int
	factsNote  map[string]bool // permissions already noted missing

	results  []*repoResult // in walk order
	declared map[catalog.Ref]string
	// adopted is, by repository ID, the entity another source declares
	// under the repository's inferred ref, when it stands for the
	// repository (see emitInferred): the facts go to it.
	adopted map[int64]string
}

// listedRepo is a repository as the list showed it.
type listedRepo struct {
	GitHubRepo // ID, FullName, DefaultBranch, PushedAt, ListPage, Extra.Meta
}

func (w *ghWalk) load(ctx context.Context) error {
	repos, err := w.src.state.GitHubRepos(ctx, w.src.name)
	if err != nil {
		return fmt.Errorf("source %s: %w", w.src.name, err)
	}
	w.stored = make(map[int64]*GitHubRepo, len(repos))
	for i := range repos {
		w.stored[repos[i].ID] = &repos[i]
	}
	w.factBudget = w.src.opts.FactsMaxCalls
	w.factsNote = map[string]bool{}
	w.declared = map[catalog.Ref]string{}
	w.adopted = map[int64]string{}
	return nil
}

// list reads the repository list, page by page, each with the ETag of its
// last answer: a 304 costs nothing against the rate limit, and its
// repositories are the ones recorded for that page.
func (w *ghWalk) list(ctx context.Context) ([]listedRepo, map[int]string, error) {
	etags, err := w.src.state.GitHubPages(ctx, w.src.name)
	if err != nil {
		return nil, nil, fmt.Errorf("source %s: %w", w.src.name, err)
	}
	byPage := map[int][]*GitHubRepo{}
	lastPage := 0
	for _, r := range w.stored {
		byPage[r.ListPage] = append(byPage[r.ListPage], r)
	}
	for p := range etags {
		lastPage = max(lastPage, p)
	}
	account := w.src.Account()
	what := "listing the repositories of " + account
	// An organization's every repository; a user's own ones (type=owner:
	// not those of the organizations the user belongs to).
	base := "orgs/" + account + "/repos?type=all"
	if w.src.opts.Org == "" {
		base = "users/" + account + "/repos?type=owner"
		what = "listing the repositories of user " + account
	}
	var out []listedRepo
	newTags := map[int]string{}
	for page := 1; ; page++ {
		// Created ascending: a new repository joins the last page, so
		// the pages before it keep their ETags.
		u := fmt.Sprintf("%s&sort=created&direction=asc&per_page=%d&page=%d", base, listPageSize, page)
		rec, known := parsePageTag(etags[page])
		etag := rec.etag
		if !known || rec.kept != len(byPage[page]) || rec.includeArchived != w.src.opts.IncludeArchived {
			// The repositories recorded for the page are not those a 304
			// would stand for: read it whole.
			etag = ""
		}
		var repos []*github.Repository
		resp, notMod, err := w.get(ctx, u, etag, &repos)
		w.count(func(st *GitHubStats) {
			st.ListCalls++
			if notMod {
				st.ListNotMod++
			}
		})
		if err != nil {
			return nil, nil, fmt.Errorf("source %s: %w", w.src.name, ghclient.Explain(what, err))
		}
		if notMod {
			newTags[page] = etags[page]
			for _, r := range byPage[page] {
				out = append(out, listedRepo{GitHubRepo: GitHubRepo{ID: r.ID, FullName: r.FullName, DefaultBranch: r.DefaultBranch,
					PushedAt: r.PushedAt, ListPage: page, Extra: GitHubRepoExtra{Meta: r.Extra.Meta}}})
			}
		} else {
			rec = pageTag{etag: resp.Header.Get("ETag"), listed: len(repos), includeArchived: w.src.opts.IncludeArchived}
			for _, r := range repos {
				l := listedFrom(r, page)
				if w.src.keeps(l) {
					rec.kept++
				}
				out = append(out, l)
			}
			if len(repos) > 0 && rec.etag != "" {
				// Recorded even when every repository of the page is
				// archived and left out: its 304 stands for no repository.
				newTags[page] = rec.String()
			}
		}
		switch {
		case resp.NextPage != 0:
			continue
		case resp.Header.Get("Link") != "" || !notMod:
			// The answer said which page is last.
		case page < lastPage:
			continue
		case rec.listed == listPageSize:
			// A full last page answered 304 without a Link header: a new
			// repository may have opened the next page.
			continue
		}
		break
	}
	return out, newTags, nil
}

// keeps says whether the sync reads a listed repository.
func (s *GitHubSource) keeps(r listedRepo) bool {
	return !r.Extra.Meta.Archived || s.opts.IncludeArchived
}

// pageTag is what is recorded of a list page's last answer: its ETag, how
// many repositories it listed, and how many of them the sync kept (and
// recorded with that page) under which include_archived. A 304 stands for
// the recorded repositories only while they are all there and the option
// is the same.
type pageTag struct {
	etag            string
	listed, kept    int
	includeArchived bool
}

func (p pageTag) String() string {
	return fmt.Sprintf("v2 %d %d %t %s", p.listed, p.kept, p.includeArchived, p.etag)
}

// parsePageTag reads a recorded page; known is false for nothing recorded,
// or a record of an older version (a bare ETag), which is read whole once.
func parsePageTag(s string) (pageTag, bool) {
	var p pageTag
	rest, ok := strings.CutPrefix(s, "v2 ")
	if !ok {
		return p, false
	}
	parts := strings.SplitN(rest, " ", 4)
	if len(parts) != 4 {
		return p, false
	}
	var err1, err2, err3 error
	p.listed, err1 = strconv.Atoi(parts[0])
	p.kept, err2 = strconv.Atoi(parts[1])
	p.includeArchived, err3 = strconv.ParseBool(parts[2])
	p.etag = parts[3]
	return p, err1 == nil && err2 == nil && err3 == nil && p.etag != ""
}

func listedFrom(r *github.Repository, page int) listedRepo {
	l := listedRepo{GitHubRepo: GitHubRepo{ID: r.GetID(), FullName: r.GetFullName(), DefaultBranch: r.GetDefaultBranch(),
		PushedAt: r.GetPushedAt().Time.UTC(), ListPage: page}}
	l.Extra.Meta = RepoMeta{Name: r.GetName(), Description: r.GetDescription(), Topics: r.Topics, Language: r.GetLanguage(),
		Homepage: r.GetHomepage(), HTMLURL: r.GetHTMLURL(), Visibility: r.GetVisibility(), Archived: r.GetArchived(),
		Fork: r.GetFork(), OpenIssuesCount: r.GetOpenIssuesCount(), UpdatedAt: r.GetUpdatedAt().Time.UTC()}
	if l.Extra.Meta.Visibility == "" {
		l.Extra.Meta.Visibility = map[bool]string{true: "private", false: "public"}[r.GetPrivate()]
	}
	if l.DefaultBranch == "" {
		l.DefaultBranch = "main"
	}
	return l
}

// readRepos reads the repositories, a few at a time, and hands their files
// to the sink in order (by full name). Inferred entities wait for the end.
func (w *ghWalk) readRepos(ctx context.Context, listed []listedRepo) error {
	var repos []listedRepo
	for _, r := range listed {
		if !w.src.keeps(r) {
			continue
		}
		repos = append(repos, r)
	}
	sort.Slice(repos, func(i, j int) bool {
		return strings.ToLower(repos[i].FullName) < strings.ToLower(repos[j].FullName)
	})
	repos = slices.CompactFunc(repos, func(a, b listedRepo) bool { return a.ID == b.ID })
	w.stats.Repos = len(repos)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make([]chan *repoResult, len(repos))
	for i := range results {
		results[i] = make(chan *repoResult, 1)
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(w.src.opts.Concurrency, max(len(repos), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				results[i] <- w.readRepo(ctx, repos[i], w.stored[repos[i].ID])
			}
		}()
	}
	go func() {
		defer close(jobs)
		for i := range repos {
			select {
			case jobs <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	defer wg.Wait()
	for i := range repos {
		var res *repoResult
		select {
		case res = <-results[i]:
		case <-ctx.Done():
			return ctx.Err()
		}
		if res.fatal != nil {
			cancel()
			return res.fatal
		}
		if err := w.emit(res); err != nil {
			cancel()
			return err
		}
	}
	return nil
}

// emit hands one repository's declared files to the sink.
func (w *ghWalk) emit(res *repoResult) error {
	w.results = append(w.results, res)
	for _, f := range res.files {
		if err := w.sink.File(f); err != nil {
			return err
		}
	}
	for _, ref := range res.declared {
		if _, ok := w.declared[ref]; !ok {
			w.declared[ref] = res.repo.FullName
		}
	}
	return nil
}

// emitInferred offers the inferred entities, after every declared one, and
// only for refs that nothing declares (here or in another source).
func (w *ghWalk) emitInferred(ctx context.Context) error {
	var candidates []catalog.Ref
	for _, res := range w.results {
		if res.inferred != nil {
			candidates = append(candidates, res.inferredRef)
		}
	}
	elsewhere := map[catalog.Ref]*catalog.Entity{}
	if w.src.others != nil && len(candidates) > 0 {
		found, err := w.src.others.Entities(ctx, candidates)
		if err != nil {
			return fmt.Errorf("source %s: looking up declared entities: %w", w.src.name, err)
		}
		for i, e := range found {
			if e.Origin.Source != w.src.name && e.Annotation(catalog.AnnotationInferred) != "true" {
				elsewhere[e.Ref()] = &found[i]
			}
		}
	}
	for _, res := range w.results {
		if res.inferred == nil {
			continue
		}
		ref := res.inferredRef
		if _, ok := w.declared[ref]; ok {
			continue // declared in this organization: the declaration stands
		}
		if e, ok := elsewhere[ref]; ok {
			// Declared by another source: that entity is this repository's
			// (its facts go to it) unless its slug names another one.
			if slug := e.Annotation(catalog.AnnotationProjectSlug); slug == "" || slugKey(slug) == strings.ToLower(res.repo.FullName) {
				w.adopted[res.repo.ID] = ref.String()
			}
			continue
		}
		res.inferredEmitted = true
		w.stats.Inferred++
		if err := w.sink.File(*res.inferred); err != nil {
			return err
		}
	}
	return nil
}

// save records the repositories' state and their facts, and on a complete
// walk forgets repositories that are gone. It writes nothing for a
// repository that did not change.
func (w *ghWalk) save(ctx context.Context, complete bool) error {
	st := w.src.state
	var targets map[int64][]string
	claimed := map[string]bool{}
	if complete {
		var err error
		if targets, err = w.factTargets(ctx); err != nil {
			return err
		}
		for _, refs := range targets {
			for _, ref := range refs {
				claimed[ref] = true
			}
		}
	}
	seen := map[int64]bool{}
	for _, res := range w.results {
		seen[res.repo.ID] = true
		if !complete {
			// Which entities the facts belong to is only settled at the
			// end: facts read now are read again (conditionally) next time.
			if res.factsRead {
				res.repo.Extra.FactsReadAt = time.Time{}
			}
		} else if err := w.saveFacts(ctx, res, targets[res.repo.ID], claimed); err != nil {
			return err
		}
		if !res.dirty {
			continue
		}
		if err := st.PutGitHubRepo(ctx, w.src.name, res.repo); err != nil {
			return err
		}
	}
	if !complete {
		return nil
	}
	var gone []int64
	for id, r := range w.stored {
		if !seen[id] {
			gone = append(gone, id)
			if w.src.facts != nil {
				for _, ref := range r.Extra.FactRefs {
					if claimed[ref] {
						continue // another repository's facts now
					}
					if err := w.src.facts.DeleteFacts(ctx, ref, GitHubFactsProvider); err != nil {
						return err
					}
				}
			}
		}
	}
	if len(gone) > 0 {
		sort.Slice(gone, func(i, j int) bool { return gone[i] < gone[j] })
		if err := st.DeleteGitHubRepos(ctx, w.src.name, gone); err != nil {
			return err
		}
	}
	if w.stats.BlobCalls > 0 || len(gone) > 0 {
		if _, err := st.PruneGitHubBlobs(ctx); err != nil {
			return err
		}
	}
	return nil
}

// factTargets settles, by repository ID, which entities each repository's
// facts go to (for repositories whose facts are known): the components,
// APIs and resources it declares; its inferred entity when offered, or the
// entity another source declares in its place (see emitInferred); and every
// entity of the catalog, whatever its source, whose github.com/project-slug
// names it (owner/name, case-insensitively), as Backstage and scorecard
// tools match repositories to entities. A slug is the stronger claim: an
// entity whose slug names a repository of this walk gets that repository's
// facts only. It asks the store, never GitHub.
func (w *ghWalk) factTargets(ctx context.Context) (map[int64][]string, error) {
	if w.src.facts == nil {
		return nil, nil
	}
	var repos []string
	for _, res := range w.results {
		if res.repo.Extra.Facts != nil {
			repos = append(repos, strings.ToLower(res.repo.FullName))
		}
	}
	var matches map[string][]SlugMatch
	if w.src.others != nil && len(repos) > 0 {
		var err error
		if matches, err = w.src.others.EntitiesBySlug(ctx, repos); err != nil {
			return nil, fmt.Errorf("source %s: looking up entities by project slug: %w", w.src.name, err)
		}
	}
	// This source's own entities are the ones this walk holds: one it no
	// longer holds (an inferred entity whose repository now declares
	// itself, ...) is still stored until the sync removes it.
	held := map[string]bool{}
	for ref := range w.declared {
		held[ref.String()] = true
	}
	for _, res := range w.results {
		if res.inferredEmitted {
			held[res.inferredRef.String()] = true
		}
	}
	bySlug := map[string][]string{}
	slugged := map[string]bool{}
	for repo, ms := range matches {
		for _, m := range ms {
			ref := strings.ToLower(m.Ref)
			if m.Source == w.src.name && !held[ref] {
				continue
			}
			bySlug[repo] = append(bySlug[repo], ref)
			slugged[ref] = true
		}
	}
	out := map[int64][]string{}
	for _, res := range w.results {
		if res.repo.Extra.Facts == nil {
			continue
		}
		own := slices.Clone(res.factRefs)
		if res.inferredEmitted {
			own = append(own, res.inferredRef.String())
		}
		if ref := w.adopted[res.repo.ID]; ref != "" {
			own = append(own, ref)
		}
		var refs []string
		for _, ref := range own {
			if ref = strings.ToLower(ref); !slugged[ref] {
				refs = append(refs, ref)
			}
		}
		refs = append(refs, bySlug[strings.ToLower(res.repo.FullName)]...)
		sort.Strings(refs)
		out[res.repo.ID] = slices.Compact(refs)
	}
	return out, nil
}

// saveFacts records the repository's facts for each entity of refs (see
// factTargets), when the facts were read again or the entities changed, and
// forgets them for the entities they no longer go to, unless claimed says
// another repository's facts go there now.
func (w *ghWalk) saveFacts(ctx context.Context, res *repoResult, refs []string, claimed map[string]bool) error {
	if w.src.facts == nil || res.repo.Extra.Facts == nil {
		return nil
	}
	prev := res.repo.Extra.FactRefs
	if !res.factsRead && slices.Equal(refs, prev) {
		return nil
	}
	for _, ref := range prev {
		if !slices.Contains(refs, ref) && !claimed[ref] {
			if err := w.src.facts.DeleteFacts(ctx, ref, GitHubFactsProvider); err != nil {
				return err
			}
		}
	}
	for _, ref := range refs {
		if err := w.src.facts.PutFacts(ctx, ref, GitHubFactsProvider, res.repo.Extra.Facts, res.repo.Extra.FactsReadAt); err != nil {
			return err
		}
	}
	res.repo.Extra.FactRefs = refs
	res.dirty = true
	return nil
}

// slugKey is a project slug as compared with a repository's full name.
func slugKey(s string) string {
	return strings.ToLower(strings.Trim(s, "/ "))
}

func (w *ghWalk) count(fn func(*GitHubStats)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	fn(&w.stats)
}

// note adds a note to a result once per key for the whole walk.
func (w *ghWalk) noteOnce(key string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.factsNote[key] {
		return false
	}
	w.factsNote[key] = true
	return true
}

// shortHash is a digest for people-invisible identities.
func shortHash(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}
