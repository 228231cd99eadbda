package bot

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// openThroughAPI is the transport of the Socket Mode library's own Slack
// client: it answers apps.connections.open, the only Web API call that
// library makes (at start and for every reconnection), by calling the
// bot's WebAPI, so that opening a socket is paced, retried (HTTP 5xx,
// network errors, Retry-After on 429), counted and logged like every other
// call; anything else goes to next. A failure WebAPI gives up on is
// answered in Slack's shape (the error code, or the HTTP status), so the
// library reports it and backs off as it would with Slack's own answer.
type openThroughAPI struct {
	api  *WebAPI
	next http.RoundTripper
}

func (t *openThroughAPI) RoundTrip(req *http.Request) (*http.Response, error) {
	if !strings.HasSuffix(req.URL.Path, "/apps.connections.open") {
		return t.next.RoundTrip(req)
	}
	if req.Body != nil {
		req.Body.Close()
	}
	wsURL, err := t.api.OpenConnection(req.Context())
	if err == nil {
		return answer(req, http.StatusOK, nil, map[string]any{"ok": true, "url": wsURL}), nil
	}
	var ae *APIError
	if !errors.As(err, &ae) || (ae.Code == "" && ae.Status == 0) {
		return nil, err // a network failure, or the context ended
	}
	switch {
	case ae.Status == http.StatusTooManyRequests:
		return answer(req, ae.Status, http.Header{"Retry-After": {"1"}}, map[string]any{"ok": false, "error": "ratelimited"}), nil
	case ae.Status >= 500:
		return answer(req, ae.Status, nil, map[string]any{"ok": false, "error": ae.Code}), nil
	}
	return answer(req, http.StatusOK, nil, map[string]any{"ok": false, "error": ae.Code}), nil
}

// answer builds an HTTP response to req with a JSON body.
func answer(req *http.Request, status int, h http.Header, body any) *http.Response {
	raw, _ := json.Marshal(body)
	if h == nil {
		h = http.Header{}
	}
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(raw)))
	return &http.Response{Status: strconv.Itoa(status) + " " + http.StatusText(status), StatusCode: status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: h, Body: io.NopCloser(bytes.NewReader(raw)),
		ContentLength: int64(len(raw)), Request: req}
}
