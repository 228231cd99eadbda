package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gantryhq/gantry/internal/slackfake/blocklimits"
)

// DefaultAPIURL is Slack's Web API. Nothing else in the bot names a Slack
// host: a Slack-compatible server (the local playground, tests) is used by
// setting slack.api_url, and response_urls are taken as Slack gives them.
const DefaultAPIURL = "https://slack.com/api/"

// RetryPolicy bounds how hard the client tries.
type RetryPolicy struct {
	// MaxRetries is how many times a call that failed with HTTP 5xx, a
	// network error or a transient Slack error is tried again (default 3);
	// a call that is not idempotent only after failures that surely did
	// nothing (see WebAPI).
	MaxRetries int
	// Backoff is the first wait between those retries, doubled each time up
	// to MaxBackoff, with jitter (defaults 250 ms and 4 s).
	Backoff    time.Duration
	MaxBackoff time.Duration
	// MaxRateLimitWait is the longest a call waits in all for Retry-After
	// before giving up with a ratelimited error (default 2 minutes). A 429
	// is always honoured: the call waits, it never resends early.
	MaxRateLimitWait time.Duration
	// Timeout bounds one HTTP attempt (default 15 s).
	Timeout time.Duration
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxRetries == 0 {
		p.MaxRetries = 3
	}
	if p.MaxRetries < 0 {
		p.MaxRetries = 0
	}
	if p.Backoff <= 0 {
		p.Backoff = 250 * time.Millisecond
	}
	if p.MaxBackoff <= 0 {
		p.MaxBackoff = 4 * time.Second
	}
	if p.MaxRateLimitWait <= 0 {
		p.MaxRateLimitWait = 2 * time.Minute
	}
	if p.Timeout <= 0 {
		p.Timeout = 15 * time.Second
	}
	return p
}

// WebAPI is the one way the bot talks to Slack: every Web API method and
// every response_url post goes through Call. It
//
//   - checks each payload against Slack's Block Kit limits (package
//     blocklimits) before sending, and refuses what Slack would refuse;
//   - paces chat.postMessage per channel (about one a second, short bursts);
//   - honours Retry-After on HTTP 429, however often Slack sends it, up to
//     RetryPolicy.MaxRateLimitWait;
//   - retries HTTP 5xx, network errors and Slack's transient errors with
//     bounded exponential backoff, but a call that is not idempotent (a
//     post, views.open) only when the attempt surely did nothing (the
//     connection failed before the request was sent, HTTP 503,
//     request_timeout): otherwise it is reported as unsure (APIError.Unsure)
//     rather than risk posting twice or using a trigger_id twice;
//   - returns failures as *APIError, which names the method, says what to
//     do, and carries an errkind.
//
// It is safe for concurrent use. Feature packages reach Slack through it
// (Bot.API) rather than with a client of their own.
type WebAPI struct {
	httpc    *http.Client
	base     string
	botToken string
	appToken string
	clock    Clock
	pacer    *pacer
	retry    RetryPolicy
	log      *slog.Logger
}

// postBurst is how many posts to one channel go at once before the pacer
// spaces them a second apart. Slack tolerates short bursts (about three);
// keeping one in hand absorbs the jitter between when a post is paced here
// and when it reaches Slack, which would otherwise turn a post that left on
// time into a 429.
const postBurst = 2

func newWebAPI(httpc *http.Client, base, botToken, appToken string, clock Clock, retry RetryPolicy, log *slog.Logger) *WebAPI {
	return &WebAPI{httpc: httpc, base: base, botToken: botToken, appToken: appToken, clock: clock,
		pacer: newPacer(clock, time.Second, postBurst), retry: retry.withDefaults(), log: log}
}

// Call invokes a Web API method. args is url.Values (sent as a form, which
// every method accepts) or anything that encodes to a JSON object (sent as
// JSON: blocks and views go this way). out, if not nil, receives the
// response body. A JSON payload with "blocks", "text" or "view" is checked
// against Slack's limits first.
func (w *WebAPI) Call(ctx context.Context, method string, args any, out any) error {
	req, err := w.encode(ctx, method, args)
	if err != nil {
		return err
	}
	req.url = w.base + method
	req.token = w.botToken
	if method == "apps.connections.open" {
		req.token = w.appToken
	}
	body, err := w.do(ctx, req)
	if err != nil {
		return err
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			return fmt.Errorf("slack %s: reading the answer: %w", method, err)
		}
	}
	return nil
}

// request is one call, ready to send (and to send again).
type request struct {
	method      string
	url         string
	token       string
	contentType string
	body        []byte
	channel     string // for pacing chat.postMessage
	// idempotent calls may be sent again whenever an attempt failed; the
	// others only when the attempt surely never reached Slack.
	idempotent bool
}

// idempotentMethods are the methods that may be called twice with the
// same effect as once: reads, updates in place, and conversations.open
// (which returns the same DM). A post (chat.postMessage,
// chat.postEphemeral, a response_url), views.open and views.push are not:
// Slack may have carried out an attempt it answered with a 5xx or never
// answered, and a second would post twice or find its trigger_id used.
// Methods not listed are treated as not idempotent.
var idempotentMethods = map[string]bool{
	"auth.test": true, "apps.connections.open": true, "users.info": true, "users.lookupByEmail": true,
	"conversations.info": true, "conversations.open": true,
	"chat.update": true, "chat.delete": true, "views.update": true, "views.publish": true,
}

func (w *WebAPI) encode(ctx context.Context, method string, args any) (*request, error) {
	req := &request{method: method, idempotent: idempotentMethods[method]}
	if p, ok := args.(responsePayload); ok && (p.ReplaceOriginal || p.DeleteOriginal) {
		req.idempotent = true // replacing or deleting the original twice is doing it once
	}
	switch a := args.(type) {
	case nil:
		req.contentType = "application/x-www-form-urlencoded"
	case url.Values:
		req.contentType = "application/x-www-form-urlencoded"
		req.body = []byte(a.Encode())
		req.channel = a.Get("channel")
	default:
		b, err := json.Marshal(args)
		if err != nil {
			return nil, fmt.Errorf("slack %s: encoding the request: %w", method, err)
		}
		if err := checkLimits(method, b); err != nil {
			loggerFrom(ctx, w.log).Error("refusing to send a payload that breaks Slack's limits", "method", method, "err", err)
			return nil, err
		}
		req.contentType = "application/json; charset=utf-8"
		req.body = b
		var top struct {
			Channel string `json:"channel"`
		}
		_ = json.Unmarshal(b, &top)
		req.channel = top.Channel
	}
	if method != "chat.postMessage" {
		req.channel = ""
	}
	return req, nil
}

// checkLimits applies blocklimits to the parts of a JSON payload Slack
// checks: a view, or a message's text and blocks.
func checkLimits(method string, payload []byte) error {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(payload, &top); err != nil {
		return nil // not an object: nothing Block Kit about it
	}
	var err error
	if v, ok := top["view"]; ok {
		err = blocklimits.CheckView(v)
	} else if _, hasBlocks := top["blocks"]; hasBlocks || top["text"] != nil {
		var text string
		_ = json.Unmarshal(top["text"], &text)
		err = blocklimits.CheckMessage(text, top["blocks"])
	}
	var le *blocklimits.Error
	if errors.As(err, &le) {
		return &APIError{Method: method, Code: le.Code, Messages: le.Messages, Local: true}
	}
	return err
}

// Respond posts to a response_url (the address Slack gives with a slash
// command or an interaction), with the same checks and retries as Call.
func (w *WebAPI) Respond(ctx context.Context, responseURL string, payload any) error {
	req, err := w.encode(ctx, "response_url", payload)
	if err != nil {
		return err
	}
	req.url = responseURL
	_, err = w.do(ctx, req)
	return err
}

// do sends req until it succeeds, fails for good, or the retries run out.
func (w *WebAPI) do(ctx context.Context, req *request) ([]byte, error) {
	if err := w.pacer.wait(ctx, req.channel); err != nil {
		return nil, err
	}
	var (
		attempts, failures int
		limitedFor         time.Duration
		backoff            = w.retry.Backoff
	)
	for {
		attempts++
		status, retryAfter, body, sent, err := w.send(ctx, req)
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		fail := &APIError{Method: req.method, Status: status, Attempts: attempts, Err: err, Host: hostOf(req.url)}
		switch {
		case err != nil:
			// A network failure: retried below, unless the request was
			// sent whole and a second could repeat what the first did.
			if sent && !req.idempotent {
				fail.Unsure = true
				return nil, fail
			}
		case status == http.StatusTooManyRequests:
			fail.Code = "ratelimited"
			if retryAfter <= 0 {
				retryAfter = time.Second
			}
			if limitedFor+retryAfter > w.retry.MaxRateLimitWait {
				return nil, fail
			}
			limitedFor += retryAfter
			loggerFrom(ctx, w.log).Info("Slack rate limit: waiting as asked", "method", req.method, "retry_after", retryAfter, "attempt", attempts)
			if req.channel != "" {
				w.pacer.penalize(req.channel, retryAfter)
				err = w.pacer.wait(ctx, req.channel)
			} else {
				err = w.clock.Sleep(ctx, retryAfter)
			}
			if err != nil {
				return nil, err
			}
			continue
		case status >= 500:
			fail.Code = errorCode(body)
			if !req.idempotent && !notProcessed(status, "") {
				fail.Unsure = true
				return nil, fail
			}
		default:
			code, messages := slackError(body)
			if code == "" && status == http.StatusOK {
				return body, nil
			}
			if code == "" {
				code = "http_" + strconv.Itoa(status)
			}
			fail.Code, fail.Messages = code, messages
			if code == "message_not_found" && req.method == "chat.delete" && failures > 0 {
				return []byte(`{"ok":true}`), nil // an earlier attempt deleted it
			}
			if !transient(code) {
				return nil, fail
			}
			if !req.idempotent && !notProcessed(status, code) {
				fail.Unsure = true
				return nil, fail
			}
		}
		failures++
		if failures > w.retry.MaxRetries {
			return nil, fail
		}
		wait := min(backoff, w.retry.MaxBackoff)
		wait += rand.N(wait/4 + 1)
		backoff *= 2
		loggerFrom(ctx, w.log).Warn("Slack call failed; retrying", "method", req.method, "status", status, "code", fail.Code, "err", err, "attempt", attempts, "wait", wait)
		if err := w.clock.Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// transient reports whether a Slack error code is worth retrying.
func transient(code string) bool {
	switch code {
	case "internal_error", "fatal_error", "request_timeout", "service_unavailable":
		return true
	}
	return false
}

// notProcessed reports whether a failed attempt surely did nothing, so
// that even a call that is not idempotent may be sent again: HTTP 503 and
// service_unavailable (Slack did not take the request), request_timeout
// (Slack documents it as "the POST data was either missing or truncated").
// internal_error, fatal_error ("it's possible some aspect of the operation
// succeeded") and the other 5xx may have done it.
func notProcessed(status int, code string) bool {
	return status == http.StatusServiceUnavailable || code == "service_unavailable" || code == "request_timeout"
}

// send makes one HTTP attempt. sent reports whether the request was
// written whole: a failure before that (a refused connection, a failed DNS
// lookup) never reached Slack.
func (w *WebAPI) send(ctx context.Context, r *request) (status int, retryAfter time.Duration, body []byte, sent bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, w.retry.Timeout)
	defer cancel()
	var wrote atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteRequest: func(i httptrace.WroteRequestInfo) {
		if i.Err == nil {
			wrote.Store(true)
		}
	}})
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url, bytes.NewReader(r.body))
	if err != nil {
		return 0, 0, nil, false, err
	}
	hreq.Header.Set("Content-Type", r.contentType)
	if r.token != "" {
		hreq.Header.Set("Authorization", "Bearer "+r.token)
	}
	resp, err := w.httpc.Do(hreq)
	if err != nil {
		return 0, 0, nil, wrote.Load(), err
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return resp.StatusCode, 0, nil, true, err
	}
	if s := resp.Header.Get("Retry-After"); s != "" {
		if secs, perr := strconv.Atoi(strings.TrimSpace(s)); perr == nil && secs >= 0 {
			retryAfter = time.Duration(secs) * time.Second
		}
	}
	return resp.StatusCode, retryAfter, body, true, nil
}

// slackError reads Slack's failure shape; a body that is not JSON (a
// response_url may answer plain "ok") is no error.
func slackError(body []byte) (string, []string) {
	var r struct {
		OK       *bool  `json:"ok"`
		Error    string `json:"error"`
		Metadata struct {
			Messages []string `json:"messages"`
		} `json:"response_metadata"`
	}
	if json.Unmarshal(body, &r) != nil || r.OK == nil || *r.OK {
		return "", nil
	}
	if r.Error == "" {
		r.Error = "unknown_error"
	}
	return r.Error, r.Metadata.Messages
}
