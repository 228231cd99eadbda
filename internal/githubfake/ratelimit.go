package githubfake

import (
	"fmt"
	"net/http"
	"sync"
	"time"
)

// The primary ("core") rate limit: one hourly budget for the whole fake,
// charged once per authenticated answer except 304s, reported on every
// answer in X-RateLimit-* headers, and refused with GitHub's 403 once spent.
// One budget (rather than one per token) keeps budget tests simple: the
// Used header is the number of charged calls.

type rateLimiter struct {
	mu        sync.Mutex
	limit     int
	remaining int
	reset     time.Time
}

type rateView struct {
	limit, remaining int
	reset            time.Time
}

// roll starts a new window when the old one has passed.
func (rl *rateLimiter) roll(now time.Time) {
	if rl.reset.IsZero() || !now.Before(rl.reset) {
		rl.remaining = rl.limit
		rl.reset = now.Add(time.Hour)
	}
}

// account charges one call when charge is set and returns the budget.
func (rl *rateLimiter) account(now time.Time, charge bool) rateView {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	rl.roll(now)
	if charge && rl.remaining > 0 {
		rl.remaining--
	}
	return rateView{limit: rl.limit, remaining: rl.remaining, reset: rl.reset}
}

// refuse answers 403 with X-RateLimit-Remaining: 0 when the budget is
// spent; go-github turns exactly that into *github.RateLimitError.
func (rl *rateLimiter) refuse(c *call) *reply {
	if c.rt.free {
		return nil
	}
	rl.mu.Lock()
	rl.roll(c.now)
	spent := rl.remaining <= 0
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

// SetRateLimit sets the remaining primary budget and when it resets; a
// reset in the past refills the budget on the next call.
func (s *Server) SetRateLimit(remaining int, reset time.Time) {
	s.rate.mu.Lock()
	defer s.rate.mu.Unlock()
	s.rate.remaining = max(remaining, 0)
	s.rate.reset = reset.UTC().Truncate(time.Second)
}

// RateLimit reports the primary budget as the next answer would.
func (s *Server) RateLimit() (limit, remaining int, reset time.Time) {
	v := s.rate.account(s.clockNow(), false)
	return v.limit, v.remaining, v.reset
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
	v := c.s.rate.account(c.now, false)
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
