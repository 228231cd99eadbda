package githubfake

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The primary ("core") rate limit: an hourly budget per caller, as on
// GitHub: per user for personal tokens (all of one user's tokens share it),
// per installation for installation tokens, per App for its JWTs, and one
// for anonymous callers. Each is charged once per authenticated answer
// except 304s, reported on every answer in X-RateLimit-* headers, and
// refused with GitHub's 403 once spent.

type rateLimiter struct {
	mu      sync.Mutex
	limit   int
	buckets map[string]*rateBucket // by limitKey
	// forced is what SetRateLimit set, for callers not seen yet.
	forced *rateBucket
}

type rateBucket struct {
	remaining int
	reset     time.Time
}

type rateView struct {
	limit, remaining int
	reset            time.Time
}

// bucket returns who's budget, starting a new window when the old one has
// passed. Called with rl.mu held.
func (rl *rateLimiter) bucket(who string, now time.Time) *rateBucket {
	if rl.buckets == nil {
		rl.buckets = map[string]*rateBucket{}
	}
	b := rl.buckets[who]
	if b == nil {
		b = &rateBucket{}
		if rl.forced != nil && now.Before(rl.forced.reset) {
			*b = *rl.forced
		}
		rl.buckets[who] = b
	}
	if b.reset.IsZero() || !now.Before(b.reset) {
		b.remaining = rl.limit
		b.reset = now.Add(time.Hour)
	}
	return b
}

// account charges one call to who when charge is set and returns the
// budget.
func (rl *rateLimiter) account(who string, now time.Time, charge bool) rateView {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	b := rl.bucket(who, now)
	if charge && b.remaining > 0 {
		b.remaining--
	}
	return rateView{limit: rl.limit, remaining: b.remaining, reset: b.reset}
}

// limitKey names whose rate limits a call counts against.
func (c *call) limitKey() string {
	switch {
	case c.app != nil:
		return fmt.Sprintf("app:%d", c.app.ID)
	case c.tok != nil && c.tok.InstallationID != 0:
		return fmt.Sprintf("installation:%d", c.tok.InstallationID)
	case c.tok != nil:
		return "user:" + strings.ToLower(c.tok.Login)
	}
	return "anonymous"
}

// refuse answers 403 with X-RateLimit-Remaining: 0 when the caller's budget
// is spent; go-github turns exactly that into *github.RateLimitError.
func (rl *rateLimiter) refuse(c *call) *reply {
	if c.rt.free {
		return nil
	}
	rl.mu.Lock()
	spent := rl.bucket(c.limitKey(), c.now).remaining <= 0
	rl.mu.Unlock()
	if !spent {
		return nil
	}
	who := "user ID 0"
	switch {
	case c.app != nil:
		who = fmt.Sprintf("app ID %d", c.app.ID)
	case c.tok != nil && c.tok.InstallationID != 0:
		who = fmt.Sprintf("installation ID %d", c.tok.InstallationID)
	case c.tok != nil:
		if a := c.s.st.account(c.tok.Login); a != nil {
			who = fmt.Sprintf("user ID %d", a.ID)
		}
	}
	rep := errReply(http.StatusForbidden,
		"API rate limit exceeded for "+who+". If you reach out to GitHub Support for help, please include the request ID.",
		"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit")
	rep.limited = true
	return rep
}

// SetRateLimit sets every caller's remaining primary budget and when it
// resets (callers not seen yet start from it too, until that reset); a
// reset in the past refills the budgets on the next call.
func (s *Server) SetRateLimit(remaining int, reset time.Time) {
	s.rate.mu.Lock()
	defer s.rate.mu.Unlock()
	b := rateBucket{remaining: max(remaining, 0), reset: reset.UTC().Truncate(time.Second)}
	s.rate.forced = &b
	for _, x := range s.rate.buckets {
		*x = b
	}
}

// RateLimit reports the primary budget of the caller holding token ("" for
// anonymous callers) as its next answer would.
func (s *Server) RateLimit(token string) (limit, remaining int, reset time.Time) {
	c := &call{s: s}
	s.mu.RLock()
	c.tok = s.st.Tokens[token]
	s.mu.RUnlock()
	v := s.rate.account(c.limitKey(), s.clockNow(), false)
	return v.limit, v.remaining, v.reset
}

// The secondary limit on points, as GitHub documents it for REST: no more
// than 900 points a minute per caller, a GET, HEAD or OPTIONS costing 1
// and any other method 5. It is kept on the server's clock over a sliding
// minute; a request over it is refused with 403, "You have exceeded a
// secondary rate limit" and a Retry-After saying when enough points are
// back, and is not counted. Limits.SecondaryPoints changes the points (a
// negative value turns the limit off).

// DefaultSecondaryPoints is GitHub's secondary limit for REST, in points a
// minute.
const DefaultSecondaryPoints = 900

func (l Limits) secondaryPoints() int {
	if l.SecondaryPoints == 0 {
		return DefaultSecondaryPoints
	}
	return l.SecondaryPoints
}

type secondaryLimiter struct {
	mu     sync.Mutex
	points int
	spent  map[string][]pointSpent // by limitKey, oldest first
}

type pointSpent struct {
	at     time.Time
	points int
}

// pointsOf is what a request costs.
func pointsOf(method string) int {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return 1
	}
	return 5
}

// admit spends the call's points, or answers the secondary limit.
func (sl *secondaryLimiter) admit(c *call) *reply {
	if c.rt.free {
		return nil
	}
	sl.mu.Lock()
	defer sl.mu.Unlock()
	if sl.points <= 0 {
		return nil
	}
	if sl.spent == nil {
		sl.spent = map[string][]pointSpent{}
	}
	who := c.limitKey()
	cost := pointsOf(c.r.Method)
	window := c.now.Add(-time.Minute)
	log := sl.spent[who]
	i := 0
	for i < len(log) && !log[i].at.After(window) {
		i++
	}
	log = log[i:]
	used := 0
	for _, p := range log {
		used += p.points
	}
	if used+cost <= sl.points {
		sl.spent[who] = append(log, pointSpent{at: c.now, points: cost})
		return nil
	}
	// Retry when enough of the oldest points have left the window.
	wait, freed := time.Second, 0
	for _, p := range log {
		freed += p.points
		if used-freed+cost <= sl.points {
			wait = max(p.at.Add(time.Minute).Sub(c.now), time.Second)
			break
		}
	}
	sl.spent[who] = log
	return secondaryReply(http.StatusForbidden, wait)
}

// secondaryReply is GitHub's secondary-limit answer; a Retry-After of 0 is
// left out, as GitHub sometimes does.
func secondaryReply(status int, retryAfter time.Duration) *reply {
	rep := errReply(status,
		"You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.",
		"https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits")
	if retryAfter > 0 {
		secs := int((retryAfter + time.Second - 1) / time.Second)
		rep.header = http.Header{"Retry-After": {strconv.Itoa(secs)}}
	}
	rep.limited = true
	return rep
}

type rateJSON struct {
	Limit     int    `json:"limit"`
	Used      int    `json:"used"`
	Remaining int    `json:"remaining"`
	Reset     int64  `json:"reset"`
	Resource  string `json:"resource"`
}

// getRateLimit answers GET /rate_limit, which GitHub does not charge.
func (c *call) getRateLimit() *reply {
	v := c.s.rate.account(c.limitKey(), c.now, false)
	core := rateJSON{Limit: v.limit, Used: v.limit - v.remaining, Remaining: v.remaining, Reset: v.reset.Unix(), Resource: "core"}
	fixed := func(name string, limit int, window time.Duration) rateJSON {
		return rateJSON{Limit: limit, Remaining: limit, Reset: c.now.Add(window).Unix(), Resource: name}
	}
	return okReply(map[string]any{
		"resources": map[string]rateJSON{
			"core":                        core,
			"search":                      fixed("search", 30, time.Minute),
			"code_search":                 fixed("code_search", 10, time.Minute),
			"graphql":                     fixed("graphql", 5000, time.Hour),
			"integration_manifest":        fixed("integration_manifest", 5000, time.Hour),
			"actions_runner_registration": fixed("actions_runner_registration", 10000, time.Hour),
		},
		"rate": core,
	})
}
