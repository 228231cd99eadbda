package actions

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gantryhq/gantry/internal/errkind"
)

// HTTPSteps returns http.request, calling webhooks with client (nil: a
// client without redirects to other hosts).
func HTTPSteps(client *http.Client) map[string]StepRunner {
	if client == nil {
		client = &http.Client{CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > 0 && req.URL.Host != via[0].URL.Host {
				return http.ErrUseLastResponse // never carry headers (tokens) to another host
			}
			if len(via) >= 5 {
				return http.ErrUseLastResponse
			}
			return nil
		}}
	}
	return map[string]StepRunner{UsesHTTPRequest: &httpStep{client: client}}
}

type httpStep struct{ client *http.Client }

const maxWebhookAnswer = 64 << 10

// Run sends the request once: an Idempotency-Key header (run and step)
// lets the receiver recognise a repeat, and a request answered as
// expected is recorded, so a later attempt does not send it again.
func (s *httpStep) Run(ctx context.Context, sc *StepContext) (map[string]any, error) {
	if status, ok := sc.Memo["status"].(float64); ok {
		return map[string]any{"status": int(status), "body": sc.Memo["body"]}, nil
	}
	raw, err := sc.With.String("url", true)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errkind.New(errkind.Invalid, "with.url must be an http(s) URL, not %q", redactURL(raw))
	}
	method, _ := sc.With.String("method", false)
	method = strings.ToUpper(orDefault(method, http.MethodPost))
	switch method {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
	default:
		return nil, errkind.New(errkind.Invalid, "with.method must be GET, POST, PUT, PATCH or DELETE, not %q", method)
	}
	headers, err := sc.With.Map("headers")
	if err != nil {
		return nil, err
	}
	expect, err := expectedStatuses(sc.With)
	if err != nil {
		return nil, err
	}
	timeout, err := sc.With.Duration("timeout", 30*time.Second)
	if err != nil {
		return nil, err
	}
	var body io.Reader
	if b, ok := sc.With["body"]; ok && b != nil {
		data, err := json.Marshal(b)
		if err != nil {
			return nil, errkind.New(errkind.Invalid, "with.body cannot be sent as JSON: %v", err)
		}
		body = bytes.NewReader(data)
	}
	reqCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(reqCtx, method, u.String(), body)
	if err != nil {
		return nil, errkind.New(errkind.Invalid, "with.url: %v", err)
	}
	req.Header.Set("User-Agent", "gantry")
	req.Header.Set("Idempotency-Key", sc.RunID+"/"+sc.StepID)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	where := method + " " + redactURL(u.String())
	resp, err := s.client.Do(req)
	if err != nil {
		switch {
		case ctx.Err() != nil:
			return nil, ctx.Err() // the engine is stopping: not the webhook's fault
		case reqCtx.Err() != nil:
			return nil, errkind.New(errkind.Unavailable, "%s did not answer within %s", where, timeout)
		}
		return nil, errkind.New(errkind.Unavailable, "%s failed: %v", where, redactURLsIn(err.Error()))
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxWebhookAnswer))
	answer := decodeAnswer(resp.Header.Get("Content-Type"), data)
	if !expect(resp.StatusCode) {
		excerpt := clipText(strings.TrimSpace(string(data)), 200)
		switch {
		case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
			return nil, errkind.New(errkind.Unavailable, "%s answered %d %s", where, resp.StatusCode, excerpt)
		default:
			return nil, errkind.New(errkind.Invalid, "%s answered %d %s", where, resp.StatusCode, excerpt)
		}
	}
	if err := sc.SaveMemo(ctx, map[string]any{"status": resp.StatusCode, "body": answer}); err != nil {
		return nil, err
	}
	return map[string]any{"status": resp.StatusCode, "body": answer}, nil
}

// expectedStatuses reads with.expect: a list of codes, default any 2xx.
func expectedStatuses(w With) (func(int) bool, error) {
	list, err := w.Strings("expect")
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return func(c int) bool { return c >= 200 && c < 300 }, nil
	}
	ok := map[int]bool{}
	for _, s := range list {
		n, err := strconv.Atoi(s)
		if err != nil || n < 100 || n > 599 {
			return nil, errkind.New(errkind.Invalid, "with.expect: %q is not an HTTP status", s)
		}
		ok[n] = true
	}
	return func(c int) bool { return ok[c] }, nil
}

// decodeAnswer returns JSON answers decoded, others as text (4 KB).
func decodeAnswer(contentType string, data []byte) any {
	if mt, _, _ := mime.ParseMediaType(contentType); strings.HasSuffix(mt, "json") {
		var v any
		if json.Unmarshal(data, &v) == nil {
			return normalize(v)
		}
	}
	return clipText(string(data), 4096)
}

// redactURLsIn hides the query and password of URLs quoted in an error.
func redactURLsIn(msg string) string {
	fields := strings.Fields(msg)
	for i, f := range fields {
		trimmed := strings.Trim(f, `"':`)
		if strings.HasPrefix(trimmed, "http://") || strings.HasPrefix(trimmed, "https://") {
			fields[i] = strings.Replace(f, trimmed, redactURL(trimmed), 1)
		}
	}
	return strings.Join(fields, " ")
}
