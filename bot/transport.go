package bot

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// countingTransport records every HTTP attempt to Slack in
// gantry_slack_api_calls_total. It sits under both the bot's own client and
// the Socket Mode library's (which calls apps.connections.open), so every
// call is counted once per attempt, whoever makes it.
type countingTransport struct {
	next    http.RoundTripper
	apiBase string // requests under it are Web API methods; others are response_urls
	metrics *Metrics
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	method := "response_url"
	if u := req.URL.String(); strings.HasPrefix(u, t.apiBase) {
		method, _, _ = strings.Cut(strings.TrimPrefix(u, t.apiBase), "?")
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		t.metrics.APICalls.WithLabelValues(method, "network").Inc()
		return nil, err
	}
	status := "http_" + strconv.Itoa(resp.StatusCode)
	if resp.StatusCode == http.StatusOK {
		status = "ok"
		// Slack reports failures in the body of a 200: read it, note the
		// code, and hand an identical body on.
		body, rerr := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		if rerr != nil {
			status = "network"
		} else if code := errorCode(body); code != "" {
			status = code
		}
	}
	t.metrics.APICalls.WithLabelValues(method, status).Inc()
	return resp, nil
}

// errorCode returns the "error" of a {"ok":false,...} body, or "".
func errorCode(body []byte) string {
	if len(body) == 0 || body[0] != '{' {
		return ""
	}
	var r struct {
		OK    *bool  `json:"ok"`
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &r) != nil || r.OK == nil || *r.OK {
		return ""
	}
	if r.Error == "" {
		return "unknown_error"
	}
	return r.Error
}
