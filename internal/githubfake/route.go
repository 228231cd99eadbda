package githubfake

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

type authKind int

const (
	authToken    authKind = iota // a configured or installation token is required
	authOptional                 // anonymous allowed (e.g. /rate_limit)
	authJWT                      // an App JWT is required (/app/...)
)

// route is one endpoint: its template (also the call counter's key), the
// permission a scoped token needs, and where GitHub documents it (error
// bodies carry that link, as GitHub's do).
type route struct {
	name   string // "GET /orgs/{org}/repos"
	method string
	perm   string // "contents=read"; "" when none applies
	doc    string // docs anchor below https://docs.github.com/rest/
	auth   authKind
	free   bool // not charged against the rate limit (GET /rate_limit)
	repo   bool // the path names a repository: {owner}/{repo} or {id}
	h      func(*call) *reply
}

// call is one request on its way through the pipeline.
type call struct {
	s    *Server
	r    *http.Request
	rt   *route
	now  time.Time
	api  string // absolute API root as the client addressed it
	tok  *token
	app  *app
	repo *repo
}

// reply is a handler's answer before it is serialised.
type reply struct {
	status  int
	body    any
	header  http.Header
	limited bool   // a primary or secondary rate-limit answer
	raw     []byte // a non-JSON body (raw file contents), sent as is
}

// answer is a reply rendered to bytes while the state lock was held.
type answer struct {
	status  int
	header  http.Header
	body    []byte
	limited bool
	authed  bool
}

func (s *Server) handle(rt route) {
	rt.method, _, _ = strings.Cut(rt.name, " ")
	s.mux.HandleFunc(rt.name, func(w http.ResponseWriter, r *http.Request) { s.serve(&rt, w, r) })
}

// repoRoute registers an endpoint under /repos/{owner}/{repo} and under
// /repositories/{id}, the address GitHub redirects renamed repos to.
func (s *Server) repoRoute(rt route) {
	method, path, _ := strings.Cut(rt.name, " ")
	rt.repo = true
	s.handle(rt)
	byID := rt
	byID.name = method + " /repositories/{id}" + strings.TrimPrefix(path, "/repos/{owner}/{repo}")
	s.handle(byID)
}

// serve runs the pipeline GitHub applies: authenticate, injected faults,
// secondary limit (points a minute), primary limit, resolve the repository (redirect or 404), check the token's
// permission, run the handler; then ETag/304, rate headers and counting.
func (s *Server) serve(rt *route, w http.ResponseWriter, r *http.Request) {
	if d := s.faults.delay(rt.name); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	now := s.clockNow()
	s.progressRuns(now)
	prefix, _ := r.Context().Value(prefixKey{}).(string)
	c := &call{s: s, r: r, rt: rt, now: now, api: "http://" + r.Host + prefix}
	a := s.answer(c)

	notModified := false
	if a.status == http.StatusOK && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		etag := `W/"` + hashHex(a.body) + `"`
		a.header.Set("ETag", etag)
		if etagMatch(r.Header.Get("If-None-Match"), etag) {
			// GitHub does not charge a 304 against the primary limit.
			a.status, a.body, notModified = http.StatusNotModified, nil, true
		}
	}
	charged := a.authed && !a.limited && !notModified && !rt.free
	rl := s.rate.account(c.limitKey(), now, charged)
	h := w.Header()
	for k, v := range a.header {
		h[k] = v
	}
	h.Set("X-RateLimit-Limit", strconv.Itoa(rl.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(rl.remaining))
	h.Set("X-RateLimit-Used", strconv.Itoa(rl.limit-rl.remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(rl.reset.Unix(), 10))
	h.Set("X-RateLimit-Resource", "core")
	h.Set("X-GitHub-Request-Id", fmt.Sprintf("FAKE:%08X", s.reqSeq.Add(1)))
	h.Set("X-GitHub-Api-Version-Selected", "2022-11-28")
	h.Set("X-GitHub-Media-Type", "github.v3; format=json")
	h.Set("Vary", "Accept, Authorization, Cookie, X-GitHub-OTP")
	h.Set("Cache-Control", "private, max-age=60, s-maxage=60")
	if len(a.body) > 0 {
		if h.Get("Content-Type") == "" {
			h.Set("Content-Type", "application/json; charset=utf-8")
		}
		h.Set("Content-Length", strconv.Itoa(len(a.body)))
	}
	// Count before answering, so a test that reads Calls() right after the
	// client returns sees this call.
	s.calls.record(rt.name, a.status, a.limited, charged)
	w.WriteHeader(a.status)
	if r.Method != http.MethodHead && len(a.body) > 0 {
		_, _ = w.Write(a.body)
	}
	s.log.Debug("githubfake", "route", rt.name, "path", r.URL.Path, "status", a.status)
}

// answer runs the locked part of the pipeline and renders the reply.
func (s *Server) answer(c *call) answer {
	if c.rt.method != http.MethodGet && c.rt.method != http.MethodHead {
		s.mu.Lock()
		defer s.mu.Unlock()
	} else {
		s.mu.RLock()
		defer s.mu.RUnlock()
	}
	rep, authed := s.pipeline(c)
	if rep.header == nil {
		rep.header = http.Header{}
	}
	a := answer{status: rep.status, header: rep.header, limited: rep.limited, authed: authed}
	switch {
	case rep.raw != nil:
		a.body = rep.raw
	case rep.body != nil:
		a.body = encodeJSON(rep.body)
	}
	return a
}

func (s *Server) pipeline(c *call) (*reply, bool) {
	if rep := c.authenticate(); rep != nil {
		return rep, false
	}
	if rep := s.faults.take(c); rep != nil {
		return rep, true
	}
	if rep := s.secondary.admit(c); rep != nil {
		return rep, true
	}
	if rep := s.rate.refuse(c); rep != nil {
		return rep, true
	}
	if c.rt.repo {
		if rep := c.resolveRepo(); rep != nil {
			return rep, true
		}
	}
	if rep := c.permitted(); rep != nil {
		return rep, true
	}
	return c.rt.h(c), true
}

func hashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// etagMatch applies If-None-Match's weak comparison: W/ is ignored, a list
// or "*" may be given.
func etagMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	want := strings.TrimPrefix(etag, "W/")
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == want {
			return true
		}
	}
	return false
}

// notFoundRoute answers paths no route matches, with GitHub's body.
func (s *Server) notFoundRoute(w http.ResponseWriter, r *http.Request) {
	rt := &route{name: r.Method + " (unmatched)", method: r.Method, auth: authOptional, free: true,
		h: func(c *call) *reply {
			return errReply(http.StatusNotFound, "Not Found", "https://docs.github.com/rest")
		}}
	s.serve(rt, w, r)
}
