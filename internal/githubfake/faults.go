package githubfake

import (
	"net/http"
	"sync"
	"time"
)

// Fault injection: make the next calls to a route fail, hit a secondary
// rate limit, or answer slowly. A route is named like the call counter names
// it ("GET /orgs/{org}/repos"); "" or "*" means any route.

type fault struct {
	route      string
	status     int
	retryAfter time.Duration
	secondary  bool
	left       int
}

type faultTable struct {
	mu     sync.Mutex
	queue  []*fault
	delays map[string]time.Duration
}

func matches(pattern, route string) bool { return pattern == "" || pattern == "*" || pattern == route }

// take pops the first fault that applies to the call and renders it.
func (ft *faultTable) take(c *call) *reply {
	ft.mu.Lock()
	var f *fault
	for i, x := range ft.queue {
		if matches(x.route, c.rt.name) {
			f = x
			if x.left--; x.left <= 0 {
				ft.queue = append(ft.queue[:i:i], ft.queue[i+1:]...)
			}
			break
		}
	}
	ft.mu.Unlock()
	if f == nil {
		return nil
	}
	if !f.secondary {
		return c.fail(f.status, failMessage(f.status))
	}
	return secondaryReply(f.status, f.retryAfter)
}

// failMessage is the message GitHub sends with a status.
func failMessage(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "Bad credentials"
	case http.StatusNotFound:
		return "Not Found"
	case http.StatusUnprocessableEntity:
		return "Validation Failed"
	case http.StatusInternalServerError:
		return "Server Error"
	case http.StatusBadGateway:
		return "Bad Gateway"
	}
	return http.StatusText(status)
}

func (ft *faultTable) add(f *fault) {
	if f.left <= 0 {
		return
	}
	ft.mu.Lock()
	defer ft.mu.Unlock()
	ft.queue = append(ft.queue, f)
}

func (ft *faultTable) delay(route string) time.Duration {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if d, ok := ft.delays[route]; ok {
		return d
	}
	return ft.delays["*"]
}

// FailNext makes the next n calls to route answer status with GitHub's
// error body for it (500 "Server Error", 404 "Not Found", ...).
func (s *Server) FailNext(route string, status, n int) {
	s.faults.add(&fault{route: route, status: status, left: n})
}

// SecondaryLimitNext makes the next n calls to route hit a secondary rate
// limit: 403 with Retry-After (none when retryAfter is 0, as GitHub
// sometimes answers), which go-github turns into
// *github.AbuseRateLimitError. Note that the client then refuses to send
// anything for retryAfter of wall time, so keep it short or use a fresh client.
func (s *Server) SecondaryLimitNext(route string, retryAfter time.Duration, n int) {
	s.SecondaryLimitNextStatus(route, http.StatusForbidden, retryAfter, n)
}

// SecondaryLimitNextStatus is SecondaryLimitNext with the status chosen:
// GitHub sends 403 or 429 (go-github v60 recognises only the 403 form).
func (s *Server) SecondaryLimitNextStatus(route string, status int, retryAfter time.Duration, n int) {
	s.faults.add(&fault{route: route, status: status, retryAfter: retryAfter, secondary: true, left: n})
}

// SetLatency delays every answer on route ("" or "*" for all) by d of wall
// time; 0 removes the delay.
func (s *Server) SetLatency(route string, d time.Duration) {
	if route == "" {
		route = "*"
	}
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	if s.faults.delays == nil {
		s.faults.delays = map[string]time.Duration{}
	}
	if d <= 0 {
		delete(s.faults.delays, route)
		return
	}
	s.faults.delays[route] = d
}
