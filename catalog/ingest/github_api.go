package ingest

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/google/go-github/v60/github"

	"github.com/gantryhq/gantry/internal/ghclient"
)

// get sends a GET, conditional when etag is set. A 304 is reported as
// notModified with no error (and v untouched).
func (w *ghWalk) get(ctx context.Context, u, etag string, v any) (*github.Response, bool, error) {
	return ghGet(ctx, w.src.gh, u, etag, v)
}

func ghGet(ctx context.Context, gh *github.Client, u, etag string, v any) (*github.Response, bool, error) {
	req, err := gh.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return nil, false, err
	}
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := gh.Do(ctx, req, v)
	if resp != nil && resp.StatusCode == http.StatusNotModified {
		return resp, true, nil
	}
	return resp, false, err
}

// repoLevel reports whether a failed call is about one repository (it is
// gone, empty, blocked or refuses this request), so the sync goes on with
// the others; anything else (5xx, rate limits beyond the wait, bad
// credentials, a missing permission, the network) stops the whole sync.
func repoLevel(err error) bool {
	switch ghclient.StatusOf(err) {
	case http.StatusNotFound, http.StatusConflict, http.StatusGone, http.StatusUnprocessableEntity,
		http.StatusUnavailableForLegalReasons:
		return true
	}
	return false
}

// blobCache reads files by blob SHA: from this sync's memory, else from the
// store, else from GitHub (once per SHA, however many repositories or
// workers ask for it), storing what it downloads.
type blobCache struct {
	state GitHubState
	mu    sync.Mutex
	calls map[string]*blobCall
}

type blobCall struct {
	done   chan struct{}
	data   []byte
	err    error
	stored bool // read from the store, not downloaded
}

func newBlobCache(state GitHubState) *blobCache {
	return &blobCache{state: state, calls: map[string]*blobCall{}}
}

// read returns the blob's content. fetch downloads it.
func (c *blobCache) read(ctx context.Context, sha string, fetch func(context.Context) ([]byte, error)) (data []byte, downloaded bool, err error) {
	c.mu.Lock()
	call, ok := c.calls[sha]
	if !ok {
		call = &blobCall{done: make(chan struct{})}
		c.calls[sha] = call
	}
	c.mu.Unlock()
	if ok {
		select {
		case <-call.done:
			return call.data, false, call.err
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
	}
	defer close(call.done)
	got, err := c.state.GitHubBlobs(ctx, []string{sha})
	if err != nil {
		call.err = err
		c.forget(sha)
		return nil, false, err
	}
	if data, ok := got[sha]; ok {
		call.data, call.stored = data, true
		return data, false, nil
	}
	data, err = fetch(ctx)
	if err != nil {
		call.err = err
		c.forget(sha)
		return nil, true, err
	}
	if err := c.state.PutGitHubBlob(ctx, sha, data); err != nil {
		call.err = err
		c.forget(sha)
		return nil, true, err
	}
	call.data = data
	return data, true, nil
}

// forget drops a failed call so that a later reader tries again.
func (c *blobCache) forget(sha string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.calls, sha)
}

// fetchBlob downloads a blob through the git data API.
func fetchBlob(ctx context.Context, gh *github.Client, fullName, sha string) ([]byte, error) {
	owner, repo, _ := strings.Cut(fullName, "/")
	b, _, err := gh.Git.GetBlob(ctx, owner, repo, sha)
	if err != nil {
		return nil, err
	}
	switch b.GetEncoding() {
	case "base64":
		data, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(b.GetContent(), "\n", ""))
		if err != nil {
			return nil, fmt.Errorf("blob %s of %s: %w", sha, fullName, err)
		}
		return data, nil
	case "utf-8", "":
		return []byte(b.GetContent()), nil
	}
	return nil, errors.New("blob " + sha + " has an unknown encoding " + b.GetEncoding())
}
