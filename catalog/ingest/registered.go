package ingest

import (
	"context"
	"fmt"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/internal/errkind"
	"github.com/gantryhq/gantry/internal/ghclient"
)

// Registered locations are descriptors in GitHub repositories that were
// added to the catalog at run time (by an action's catalog.register step)
// rather than through the configuration: the store keeps the list, and the
// "registered" source reads each through the GitHub API at every sync, so a
// registered service stays in the catalog and follows its descriptor.

// RegisteredSourceName is the source that holds registered locations.
const RegisteredSourceName = "registered"

// RegisteredLocation is one registered descriptor.
type RegisteredLocation struct {
	Repo    string // owner/name
	Path    string // in the repository, e.g. catalog-info.yaml
	Ref     string // branch or tag; "" for the default branch
	RunID   string // the action run that registered it, if any
	AddedBy string
	AddedAt time.Time
}

// Target is the location's key: github:owner/name/path, with @ref when set.
func (l RegisteredLocation) Target() string {
	t := "github:" + strings.ToLower(l.Repo) + "/" + strings.TrimPrefix(l.Path, "/")
	if l.Ref != "" {
		t += "@" + l.Ref
	}
	return t
}

// File names the location in problems: "owner/name:path".
func (l RegisteredLocation) File() string { return l.Repo + ":" + strings.TrimPrefix(l.Path, "/") }

// RegisteredStore keeps the registered locations. The store package
// implements it.
type RegisteredStore interface {
	// RegisteredLocations returns every registered location.
	RegisteredLocations(ctx context.Context) ([]RegisteredLocation, error)
	// AddRegisteredLocation records a location; added is false when its
	// target was already registered.
	AddRegisteredLocation(ctx context.Context, l RegisteredLocation) (added bool, err error)
}

// RegisteredSource reads the registered locations through the GitHub API.
type RegisteredSource struct {
	store RegisteredStore
	gh    *github.Client
}

// NewRegisteredSource returns the "registered" source.
func NewRegisteredSource(store RegisteredStore, gh *github.Client) *RegisteredSource {
	return &RegisteredSource{store: store, gh: gh}
}

// Name implements Source.
func (s *RegisteredSource) Name() string { return RegisteredSourceName }

// Walk implements Source: each location is one file. A location GitHub
// does not answer for stops the walk (nothing is removed); a file that is
// gone or invalid keeps its entities, flagged.
func (s *RegisteredSource) Walk(ctx context.Context, sink Sink) error {
	locs, err := s.store.RegisteredLocations(ctx)
	if err != nil {
		return err
	}
	for _, l := range locs {
		res, err := s.read(ctx, l, sink.Digest(l.File()))
		if err != nil {
			return err
		}
		if err := sink.File(res); err != nil {
			return err
		}
	}
	return nil
}

// Read fetches and parses one location.
func (s *RegisteredSource) Read(ctx context.Context, l RegisteredLocation) (FileResult, error) {
	return s.read(ctx, l, "")
}

func (s *RegisteredSource) read(ctx context.Context, l RegisteredLocation, lastDigest string) (FileResult, error) {
	file := l.File()
	owner, repo, ok := strings.Cut(l.Repo, "/")
	if !ok {
		return FileResult{File: file, Broken: true, Problems: []catalog.Problem{{File: file, Message: "not an owner/name repository"}}}, nil
	}
	fc, err := s.content(ctx, owner, repo, l.Path, l.Ref)
	if ghclient.StatusOf(err) == http.StatusNotFound {
		return FileResult{File: file, Broken: true, Problems: []catalog.Problem{{File: file, Message: "no such file in the repository (or the repository is gone)"}}}, nil
	}
	if err != nil {
		return FileResult{}, ghclient.Explain("reading "+file, err)
	}
	digest := "gh:" + fc.GetSHA() + "@" + l.Target()
	if lastDigest != "" && digest == lastDigest {
		return FileResult{File: file, Digest: digest, Unchanged: true}, nil
	}
	data, err := fc.GetContent()
	if err != nil {
		return FileResult{}, fmt.Errorf("decoding %s: %w", file, err)
	}
	dir := path.Dir(strings.TrimPrefix(l.Path, "/"))
	resolve := func(target string) ([]byte, error) {
		if strings.Contains(target, "://") {
			return nil, fmt.Errorf("%w: remote substitutions are not fetched", catalog.ErrNotFetched)
		}
		p := path.Clean(path.Join(dir, target))
		if strings.HasPrefix(p, "../") || p == ".." {
			return nil, fmt.Errorf("%s is outside the repository", target)
		}
		sub, err := s.content(ctx, owner, repo, p, l.Ref)
		if err != nil {
			return nil, err
		}
		text, err := sub.GetContent()
		return []byte(text), err
	}
	parsed := catalog.ParseFile(file, []byte(data), catalog.ParseOptions{Resolve: resolve})
	location := "url:" + fc.GetHTMLURL()
	for i := range parsed.Entities {
		e := &parsed.Entities[i]
		if e.Metadata.Annotations == nil {
			e.Metadata.Annotations = map[string]string{}
		}
		e.Metadata.Annotations[catalog.AnnotationManagedByLocation] = location
		e.Metadata.Annotations[catalog.AnnotationManagedByOriginLocation] = location
		if _, ok := e.Metadata.Annotations[catalog.AnnotationProjectSlug]; !ok {
			e.Metadata.Annotations[catalog.AnnotationProjectSlug] = l.Repo
		}
		e.Origin.Location, e.Origin.OriginLocation = location, location
	}
	res := FileResult{File: file, Digest: digest, Entities: parsed.Entities, Problems: parsed.Problems, Broken: parsed.Broken}
	for _, n := range parsed.Notes {
		res.Notes = append(res.Notes, Note{File: n.File, Line: n.Line, Message: n.Message})
	}
	for _, t := range parsed.Targets {
		res.Notes = append(res.Notes, Note{File: file, Line: t.Line, Message: "Location targets of registered descriptors are not followed: register " + t.Value + " itself"})
	}
	return res, nil
}

func (s *RegisteredSource) content(ctx context.Context, owner, repo, p, ref string) (*github.RepositoryContent, error) {
	var opts *github.RepositoryContentGetOptions
	if ref != "" {
		opts = &github.RepositoryContentGetOptions{Ref: ref}
	}
	fc, _, _, err := s.gh.Repositories.GetContents(ctx, owner, repo, strings.TrimPrefix(p, "/"), opts)
	if err != nil {
		return nil, err
	}
	if fc == nil {
		return nil, errkind.New(errkind.Invalid, "%s/%s:%s is a folder, not a descriptor file", owner, repo, p)
	}
	return fc, nil
}

// Registrar adds locations to the catalog at once: it checks the file,
// records the location and syncs the registered source, so that when
// Register returns the entities are in the catalog (/whoowns answers).
type Registrar struct {
	store RegisteredStore
	src   *RegisteredSource
	sync  SyncFunc
	mu    sync.Mutex // one registration sync at a time in this process
}

// SyncFunc syncs a source: Syncer.Sync, or the app's wrapper that also
// takes the cross-replica lock. It returns errkind.Conflict when a sync of
// the source is already running.
type SyncFunc func(ctx context.Context, src Source) (Result, error)

// NewRegistrar returns a Registrar that syncs src with sync.
func NewRegistrar(store RegisteredStore, src *RegisteredSource, sync SyncFunc) *Registrar {
	return &Registrar{store: store, src: src, sync: sync}
}

// Register registers l and returns the refs of its entities. It is
// idempotent: registering the same location again re-syncs it. Errors:
// errkind.Invalid when the file holds no valid entity or its entities clash
// with the catalog (the problems, FILE:LINE), errkind.Unavailable when
// GitHub does not answer.
func (r *Registrar) Register(ctx context.Context, l RegisteredLocation) ([]catalog.Ref, error) {
	res, err := r.src.Read(ctx, l)
	if err != nil {
		return nil, err
	}
	if len(res.Problems) > 0 {
		return nil, errkind.New(errkind.Invalid, "%s cannot be registered: %s", l.File(), catalog.Problems(res.Problems).Error())
	}
	if len(res.Entities) == 0 {
		return nil, errkind.New(errkind.Invalid, "%s holds no entity to register", l.File())
	}
	if l.AddedAt.IsZero() {
		l.AddedAt = time.Now()
	}
	if _, err := r.store.AddRegisteredLocation(ctx, l); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var synced Result
	for attempt := 0; ; attempt++ {
		synced, err = r.sync(ctx, r.src)
		if err == nil || !errkind.Is(err, errkind.Conflict) || attempt == 60 {
			break
		}
		// The scheduled sync of the source is running: it reads the new
		// location too, but wait for it and sync again to know.
		select {
		case <-time.After(500 * time.Millisecond):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if err != nil {
		return nil, fmt.Errorf("syncing the registered locations: %w", err)
	}
	var clashes []catalog.Problem
	for _, p := range synced.Problems {
		if p.File == l.File() {
			clashes = append(clashes, p)
		}
	}
	if len(clashes) > 0 {
		return nil, errkind.New(errkind.Conflict, "%s was registered but not all of it could enter the catalog: %s", l.File(), catalog.Problems(clashes).Error())
	}
	refs := make([]catalog.Ref, len(res.Entities))
	for i := range res.Entities {
		refs[i] = res.Entities[i].Ref()
	}
	return refs, nil
}
