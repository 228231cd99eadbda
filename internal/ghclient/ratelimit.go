package ghclient

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Rate is the primary rate limit as last reported by GitHub, and what the
// transport has waited so far.
type Rate struct {
	Limit     int
	Remaining int
	Reset     time.Time
	// Waits counts the waits for a limit (primary, secondary or pacing
	// beyond a second); Waited is their total.
	Waits  int
	Waited time.Duration
	// Retries counts requests sent again after a 5xx or a limit.
	Retries int
}

// Transport waits and resumes on GitHub's rate limits. It sits above the
// authenticating transport, so that a request sent again carries a fresh
// token.
//
// go-github v60 refuses to send anything, by the wall clock, once it has
// seen X-RateLimit-Remaining: 0 until the reset; since this transport does
// the waiting (by the injectable clock), it hides that reset from go-github
// on answers it passes up (the header moves to X-Gantry-Ratelimit-Reset).
type Transport struct {
	next      http.RoundTripper
	now       func() time.Time
	sleep     func(context.Context, time.Duration) error
	log       *slog.Logger
	maxWait   time.Duration
	perMinute int

	mu          sync.Mutex
	rate        Rate
	known       bool      // rate was reported at least once
	pausedUntil time.Time // a secondary limit's Retry-After, for every request
	tokens      float64   // pacing bucket
	filled      time.Time
}

// pacingBurst is how many requests may leave at once before pacing starts.
const pacingBurst = 20

// maxServerRetries is how often a read that met a 5xx is sent again.
const maxServerRetries = 2

func newTransport(next http.RoundTripper, cfg Config) *Transport {
	return &Transport{next: next, now: cfg.Now, sleep: cfg.Sleep, log: cfg.Log, maxWait: cfg.MaxWait,
		perMinute: cfg.PerMinute, tokens: pacingBurst}
}

// Rate returns the last primary limit seen and the waits so far.
func (t *Transport) Rate() Rate {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.rate
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	var waited time.Duration
	serverRetries, limitRetries := 0, 0
	for attempt := 0; ; attempt++ {
		if err := t.waitTurn(ctx, &waited); err != nil {
			return nil, err
		}
		r := req
		if attempt > 0 {
			var err error
			if r, err = rewind(req); err != nil {
				return nil, err
			}
		}
		resp, err := t.next.RoundTrip(r)
		if err != nil {
			return nil, err
		}
		t.observe(resp)
		wait, why := t.classify(resp, limitRetries)
		switch {
		case why == "server error" && (serverRetries >= maxServerRetries || !idempotent(req)):
			wait = 0
		case why == "server error":
			wait = time.Second << serverRetries // 1s, then 2s
			serverRetries++
		case why != "":
			limitRetries++
		}
		if wait <= 0 || !rewindable(req) || waited+wait > t.maxWait {
			t.hideExhaustion(resp)
			return resp, nil
		}
		drain(resp)
		t.log.Warn("GitHub: waiting before sending again", "reason", why, "wait", wait.Round(time.Second),
			"method", req.Method, "path", req.URL.Path)
		t.mu.Lock()
		t.rate.Retries++
		t.mu.Unlock()
		if err := t.pause(ctx, wait, &waited); err != nil {
			return nil, err
		}
	}
}

// waitTurn waits while a secondary limit pauses everyone, while the
// primary limit is spent, and for the pacing bucket.
func (t *Transport) waitTurn(ctx context.Context, waited *time.Duration) error {
	for {
		t.mu.Lock()
		now := t.now()
		var wait time.Duration
		switch {
		case now.Before(t.pausedUntil):
			wait = t.pausedUntil.Sub(now)
		case t.known && t.rate.Remaining <= 0 && now.Before(t.rate.Reset):
			wait = t.rate.Reset.Sub(now) + time.Second
		default:
			wait = t.takeToken(now)
		}
		t.mu.Unlock()
		if wait <= 0 {
			return nil
		}
		if *waited+wait > t.maxWait {
			return fmt.Errorf("GitHub rate limit: a request would wait %s more, beyond the %s allowed", wait.Round(time.Second), t.maxWait)
		}
		if err := t.pause(ctx, wait, waited); err != nil {
			return err
		}
	}
}

// takeToken takes a pacing token, or says how long until one is there.
// Called with t.mu held.
func (t *Transport) takeToken(now time.Time) time.Duration {
	if t.perMinute < 0 {
		return 0
	}
	per := time.Minute / time.Duration(t.perMinute)
	if !t.filled.IsZero() && now.After(t.filled) {
		t.tokens = min(pacingBurst, t.tokens+float64(now.Sub(t.filled))/float64(per))
	}
	t.filled = now
	if t.tokens >= 1 {
		t.tokens--
		return 0
	}
	return time.Duration((1 - t.tokens) * float64(per))
}

func (t *Transport) pause(ctx context.Context, d time.Duration, waited *time.Duration) error {
	*waited += d
	t.mu.Lock()
	if d >= time.Second {
		t.rate.Waits++
	}
	t.rate.Waited += d
	t.mu.Unlock()
	return t.sleep(ctx, d)
}

// observe records the primary limit an answer reports.
func (t *Transport) observe(resp *http.Response) {
	h := resp.Header
	rem, err1 := strconv.Atoi(h.Get("X-RateLimit-Remaining"))
	reset, err2 := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64)
	if err1 != nil || err2 != nil {
		return
	}
	limit, _ := strconv.Atoi(h.Get("X-RateLimit-Limit"))
	t.mu.Lock()
	defer t.mu.Unlock()
	t.known = true
	t.rate.Limit, t.rate.Remaining, t.rate.Reset = limit, rem, time.Unix(reset, 0)
}

// classify says how long to wait before sending a request again, and why;
// 0 and "" when the answer is final.
func (t *Transport) classify(resp *http.Response, limitRetries int) (time.Duration, string) {
	code := resp.StatusCode
	switch {
	case code >= 500 && code <= 504:
		return time.Second, "server error"
	case code != http.StatusForbidden && code != http.StatusTooManyRequests:
		return 0, ""
	}
	if ra := resp.Header.Get("Retry-After"); ra != "" {
		secs, err := strconv.Atoi(strings.TrimSpace(ra))
		if err == nil {
			d := max(time.Duration(secs)*time.Second, time.Second)
			t.mu.Lock()
			if until := t.now().Add(d); until.After(t.pausedUntil) {
				t.pausedUntil = until
			}
			t.mu.Unlock()
			return d, "secondary rate limit (Retry-After)"
		}
	}
	if resp.Header.Get("X-RateLimit-Remaining") == "0" {
		reset, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64)
		if err == nil {
			return max(time.Unix(reset, 0).Sub(t.now())+time.Second, time.Second), "primary rate limit spent until its reset"
		}
	}
	if body := peekBody(resp); code == http.StatusTooManyRequests || strings.Contains(strings.ToLower(body), "secondary rate limit") ||
		strings.Contains(strings.ToLower(body), "abuse") {
		// No Retry-After (a 429 is a rate limit whatever its body says):
		// GitHub asks for at least a minute, then longer.
		// Every request of the client waits too, so that the other workers
		// do not keep hitting the limit meanwhile.
		d := secondaryBackoff(limitRetries)
		t.mu.Lock()
		if until := t.now().Add(d); until.After(t.pausedUntil) {
			t.pausedUntil = until
		}
		t.mu.Unlock()
		return d, "secondary rate limit (no Retry-After)"
	}
	return 0, ""
}

// secondaryBackoff is the wait after the n-th (0-based) secondary limit met
// without Retry-After: 1, 2, 4 and 8 minutes, then 15 minutes each time,
// so that within the default MaxWait of an hour a request is sent 8 times
// (waits of 1+2+4+8+15+15+15 minutes) before its error is returned.
func secondaryBackoff(n int) time.Duration {
	if n >= 4 {
		return 15 * time.Minute
	}
	return time.Minute << n
}

// hideExhaustion keeps go-github from refusing requests by the wall clock
// after it saw the primary limit spent (see Transport).
func (t *Transport) hideExhaustion(resp *http.Response) {
	if resp.Header.Get("X-RateLimit-Remaining") != "0" || resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusTooManyRequests {
		return
	}
	resp.Header.Set("X-Gantry-Ratelimit-Reset", resp.Header.Get("X-RateLimit-Reset"))
	resp.Header.Del("X-RateLimit-Reset")
}

// peekBody reads the start of a body and puts it back.
func peekBody(resp *http.Response) string {
	if resp.Body == nil {
		return ""
	}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	rest := resp.Body
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(data), rest), rest}
	return string(data)
}

func idempotent(r *http.Request) bool {
	return r.Method == http.MethodGet || r.Method == http.MethodHead
}

func rewindable(r *http.Request) bool {
	return r.Body == nil || r.Body == http.NoBody || r.GetBody != nil
}

// rewind returns a copy of r with its body ready to be sent again.
func rewind(r *http.Request) (*http.Request, error) {
	c := r.Clone(r.Context())
	if r.Body == nil || r.Body == http.NoBody {
		return c, nil
	}
	if r.GetBody == nil {
		return nil, fmt.Errorf("ghclient: cannot send %s %s again: its body cannot be re-read", r.Method, r.URL.Path)
	}
	body, err := r.GetBody()
	if err != nil {
		return nil, err
	}
	c.Body = body
	return c, nil
}

// drain reads and closes a body, so the connection can be reused.
func drain(resp *http.Response) {
	if resp.Body != nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
	}
}
