package slackfake

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gantryhq/gantry/internal/slackfake/blocklimits"
)

// params is a Web API call's arguments, from a form body, a query string or
// a JSON body. Slack accepts all three, and clients mix them: slack-go sends
// chat.* as forms with blocks as a JSON string, views.* as JSON objects.
type params struct {
	form url.Values
	obj  map[string]json.RawMessage
}

func parseParams(r *http.Request) (params, string) {
	p := params{form: r.URL.Query()}
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		return p, "invalid_form_data"
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case ct == "application/json":
		if len(bytes.TrimSpace(body)) == 0 {
			return p, ""
		}
		if err := json.Unmarshal(body, &p.obj); err != nil {
			return p, "invalid_json"
		}
	case len(body) > 0:
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			return p, "invalid_form_data"
		}
		for k, v := range vals {
			p.form[k] = append(p.form[k], v...)
		}
	}
	return p, ""
}

func (p params) has(k string) bool {
	if _, ok := p.obj[k]; ok {
		return true
	}
	_, ok := p.form[k]
	return ok
}

// str returns an argument as text: a JSON string unquoted, any other JSON
// value as written.
func (p params) str(k string) string {
	if raw, ok := p.obj[k]; ok {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
		if string(raw) == "null" {
			return ""
		}
		return string(raw)
	}
	return p.form.Get(k)
}

// raw returns an argument that is JSON (blocks, view, attachments): from a
// JSON body either the value itself or a string holding JSON, from a form
// the field's text. nil means absent.
func (p params) raw(k string) json.RawMessage {
	if raw, ok := p.obj[k]; ok {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return json.RawMessage(s)
		}
		if string(raw) == "null" {
			return nil
		}
		return raw
	}
	if v, ok := p.form[k]; ok && len(v) > 0 && v[0] != "" {
		return json.RawMessage(v[0])
	}
	return nil
}

func (p params) boolean(k string) bool {
	b, _ := strconv.ParseBool(p.str(k))
	return b
}

// apiResult is what a method answers: an HTTP status (200 but for faults and
// rate limits), an optional Retry-After, and the JSON body.
type apiResult struct {
	status     int
	retryAfter time.Duration
	body       map[string]any
}

func okResult(fields map[string]any) apiResult {
	body := map[string]any{"ok": true}
	maps.Copy(body, fields)
	return apiResult{status: http.StatusOK, body: body}
}

// errResult is Slack's failure shape; messages go to response_metadata, as
// Slack does for invalid_blocks and invalid_arguments.
func errResult(code string, messages ...string) apiResult {
	body := map[string]any{"ok": false, "error": code}
	if len(messages) > 0 {
		body["response_metadata"] = map[string]any{"messages": messages}
	}
	return apiResult{status: http.StatusOK, body: body}
}

// limitsResult turns a blocklimits error into Slack's response.
func limitsResult(err error) apiResult {
	if le, ok := errors.AsType[*blocklimits.Error](err); ok {
		return errResult(le.Code, le.Messages...)
	}
	return errResult("invalid_arguments", "[ERROR] "+err.Error())
}

func rateLimited(retryAfter time.Duration) apiResult {
	return apiResult{status: http.StatusTooManyRequests, retryAfter: retryAfter,
		body: map[string]any{"ok": false, "error": "ratelimited"}}
}

func (r apiResult) errorCode() string {
	if ok, _ := r.body["ok"].(bool); ok {
		return ""
	}
	code, _ := r.body["error"].(string)
	return code
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

type tokenKind int

const (
	botToken tokenKind = iota + 1
	appToken
)

// methodFunc handles one Web API method; it runs without s.mu held.
type methodFunc func(ctx context.Context, p params) apiResult

// method returns the handler for a Web API method and whether it wants the
// app-level token (apps.connections.open) rather than the bot token.
func (s *Server) method(name string) (fn methodFunc, wantsApp, ok bool) {
	switch name {
	case "auth.test":
		return s.authTest, false, true
	case "apps.connections.open":
		return s.appsConnectionsOpen, true, true
	case "chat.postMessage":
		return s.chatPostMessage, false, true
	case "chat.postEphemeral":
		return s.chatPostEphemeral, false, true
	case "chat.update":
		return s.chatUpdate, false, true
	case "chat.delete":
		return s.chatDelete, false, true
	case "views.open":
		return s.viewsOpen, false, true
	case "views.push":
		return s.viewsPush, false, true
	case "views.update":
		return s.viewsUpdate, false, true
	case "views.publish":
		return s.viewsPublish, false, true
	case "users.info":
		return s.usersInfo, false, true
	case "users.lookupByEmail":
		return s.usersLookupByEmail, false, true
	case "conversations.open":
		return s.conversationsOpen, false, true
	case "conversations.info":
		return s.conversationsInfo, false, true
	}
	return nil, false, false
}

func (s *Server) handleAPI(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/api/")
	res := s.serveMethod(r, name)
	s.recordCall(name, res)
	if res.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(res.retryAfter.Seconds()))))
	}
	s.logger.Debug("api call", "method", name, "status", res.status, "error", res.errorCode())
	writeJSON(w, res.status, res.body)
}

func (s *Server) serveMethod(r *http.Request, name string) apiResult {
	if err := s.delay(r.Context(), name); err != nil {
		return errResult("request_timeout")
	}
	f, faulty := s.takeFault(name)
	if faulty && !f.after {
		return f.result()
	}
	res := s.callMethod(r, name)
	if faulty && res.errorCode() == "" {
		return f.result() // done, but the answer says it failed
	}
	return res
}

// callMethod authenticates a call and runs its method.
func (s *Server) callMethod(r *http.Request, name string) apiResult {
	fn, wantsApp, ok := s.method(name)
	if !ok {
		return errResult("unknown_method")
	}
	p, perr := parseParams(r)
	if perr != "" {
		return errResult(perr)
	}
	token := ""
	if auth := r.Header.Get("Authorization"); strings.HasPrefix(auth, "Bearer ") {
		token = strings.TrimSpace(strings.TrimPrefix(auth, "Bearer "))
	}
	if token == "" {
		token = p.str("token")
	}
	var kind tokenKind
	switch token {
	case "":
		return errResult("not_authed")
	case s.opts.BotToken:
		kind = botToken
	case s.opts.AppToken:
		kind = appToken
	default:
		return errResult("invalid_auth")
	}
	if wantsApp != (kind == appToken) {
		return errResult("not_allowed_token_type")
	}
	return fn(r.Context(), p)
}

// ---- fault injection ----

type fault struct {
	status     int
	retryAfter time.Duration
	code       string
	after      bool // the call is carried out, then answered with the fault
}

func (f fault) result() apiResult {
	if f.status == http.StatusTooManyRequests {
		return rateLimited(f.retryAfter)
	}
	r := errResult(f.code)
	r.status = f.status
	return r
}

func (s *Server) addFaults(method string, f fault, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults[method] = append(s.faults[method], f)
	}
}

// takeFault pops the next injected fault for method ("*" faults apply to
// every method).
func (s *Server) takeFault(method string) (fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range []string{method, "*"} {
		if q := s.faults[k]; len(q) > 0 {
			s.faults[k] = q[1:]
			return q[0], true
		}
	}
	return fault{}, false
}

// FailNext makes the next n calls of method ("*" for any) fail with the
// given HTTP status and an "internal_error" body, as a Slack outage would.
func (s *Server) FailNext(method string, httpStatus, n int) {
	s.addFaults(method, fault{status: httpStatus, code: "internal_error"}, n)
}

// FailNextAfterProcessing makes the next n calls of method that succeed
// answer with the given HTTP status and an "internal_error" body anyway:
// the message is posted, the modal opened, but the app is told it failed,
// as when Slack's edge times out on a backend that finished the work.
// A call that fails on its own answers its own error (and uses the fault
// up).
func (s *Server) FailNextAfterProcessing(method string, httpStatus, n int) {
	s.addFaults(method, fault{status: httpStatus, code: "internal_error", after: true}, n)
}

// FailNextError makes the next n calls of method answer HTTP 200 with
// {"ok":false,"error":code}.
func (s *Server) FailNextError(method, code string, n int) {
	s.addFaults(method, fault{status: http.StatusOK, code: code}, n)
}

// RateLimitNext makes the next n calls of method answer 429 with
// Retry-After (rounded up to whole seconds, as Slack sends).
func (s *Server) RateLimitNext(method string, retryAfter time.Duration, n int) {
	s.addFaults(method, fault{status: http.StatusTooManyRequests, retryAfter: retryAfter}, n)
}

// SetLatency delays every call of method ("*" for any) by d, in real time;
// zero removes the delay.
func (s *Server) SetLatency(method string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d <= 0 {
		delete(s.latency, method)
		return
	}
	s.latency[method] = d
}

func (s *Server) delay(ctx context.Context, method string) error {
	s.mu.Lock()
	d, ok := s.latency[method]
	if !ok {
		d = s.latency["*"]
	}
	s.mu.Unlock()
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-s.quit:
		return ErrClosed
	}
}

// ---- counters ----

// MethodStats counts the calls of one Web API method.
type MethodStats struct {
	Calls    int            `json:"calls"`
	OK       int            `json:"ok"`
	ByStatus map[int]int    `json:"by_status"` // HTTP status → calls
	ByError  map[string]int `json:"by_error"`  // Slack error code → calls
}

func (s *Server) recordCall(method string, res apiResult) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.apiStats[method]
	if !ok {
		st = &MethodStats{ByStatus: map[int]int{}, ByError: map[string]int{}}
		s.apiStats[method] = st
	}
	st.Calls++
	st.ByStatus[res.status]++
	if code := res.errorCode(); code != "" {
		st.ByError[code]++
	} else {
		st.OK++
	}
}

// APICalls returns the call counters of every method called so far.
func (s *Server) APICalls() map[string]MethodStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]MethodStats, len(s.apiStats))
	for k, v := range s.apiStats {
		out[k] = MethodStats{Calls: v.Calls, OK: v.OK, ByStatus: maps.Clone(v.ByStatus), ByError: maps.Clone(v.ByError)}
	}
	return out
}

// APICallCount returns how many times method was called.
func (s *Server) APICallCount(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.apiStats[method]; ok {
		return st.Calls
	}
	return 0
}
