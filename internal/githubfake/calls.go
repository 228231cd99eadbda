package githubfake

import (
	"maps"
	"sync"
)

// RouteCalls counts the answers of one route by kind.
type RouteCalls struct {
	OK          int // 2xx
	NotModified int // 304
	Redirected  int // 301/307 (renamed repositories)
	Errors      int // 4xx and 5xx, rate-limit answers included
	RateLimited int // primary or secondary rate-limit answers
}

// Total is every answer of the route.
func (r RouteCalls) Total() int { return r.OK + r.NotModified + r.Redirected + r.Errors }

// CallStats is what the fake has answered since start or ResetCalls.
type CallStats struct {
	Routes      map[string]RouteCalls // by route, e.g. "GET /orgs/{org}/repos"
	Total       int                   // all answers
	Charged     int                   // answers charged against the primary rate limit
	RateLimited int                   // primary and secondary rate-limit answers
}

// Route returns the counts for one route (zero when never called).
func (s CallStats) Route(name string) RouteCalls { return s.Routes[name] }

type callCounter struct {
	mu    sync.Mutex
	stats CallStats
}

func (cc *callCounter) record(route string, status int, limited, charged bool) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.stats.Routes == nil {
		cc.stats.Routes = map[string]RouteCalls{}
	}
	rc := cc.stats.Routes[route]
	switch {
	case status == 304:
		rc.NotModified++
	case status >= 300 && status < 400:
		rc.Redirected++
	case status >= 400:
		rc.Errors++
	default:
		rc.OK++
	}
	if limited {
		rc.RateLimited++
		cc.stats.RateLimited++
	}
	if charged {
		cc.stats.Charged++
	}
	cc.stats.Total++
	cc.stats.Routes[route] = rc
}

// Calls returns a copy of the call counters.
func (s *Server) Calls() CallStats {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	out := s.calls.stats
	out.Routes = maps.Clone(out.Routes)
	if out.Routes == nil {
		out.Routes = map[string]RouteCalls{}
	}
	return out
}

// ResetCalls zeroes the call counters.
func (s *Server) ResetCalls() {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	s.calls.stats = CallStats{}
}
