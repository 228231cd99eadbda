package githubfake

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// fieldError is one entry of the "errors" array of a 422.
type fieldError struct {
	Resource string `json:"resource,omitempty"`
	Code     string `json:"code"`
	Field    string `json:"field,omitempty"`
	Message  string `json:"message,omitempty"`
}

// errorBody is GitHub's error envelope; go-github decodes it into
// *github.ErrorResponse.
type errorBody struct {
	Message          string       `json:"message"`
	Errors           []fieldError `json:"errors,omitempty"`
	DocumentationURL string       `json:"documentation_url,omitempty"`
	Status           string       `json:"status,omitempty"`
}

func errReply(status int, msg, doc string, errs ...fieldError) *reply {
	return &reply{status: status, body: errorBody{
		Message: msg, Errors: errs, DocumentationURL: doc, Status: strconv.Itoa(status),
	}}
}

// doc is the documentation link of the current route.
func (c *call) doc() string {
	if c.rt.doc == "" {
		return "https://docs.github.com/rest"
	}
	return "https://docs.github.com/rest/" + c.rt.doc
}

func (c *call) fail(status int, msg string, errs ...fieldError) *reply {
	return errReply(status, msg, c.doc(), errs...)
}

func (c *call) notFound() *reply { return c.fail(http.StatusNotFound, "Not Found") }

func (c *call) invalid(msg string, errs ...fieldError) *reply {
	return c.fail(http.StatusUnprocessableEntity, msg, errs...)
}

func okReply(body any) *reply      { return &reply{status: http.StatusOK, body: body} }
func createdReply(body any) *reply { return &reply{status: http.StatusCreated, body: body} }
func noContent() *reply            { return &reply{status: http.StatusNoContent} }

// decode reads a JSON request body; a malformed one gets GitHub's 400.
func (c *call) decode(v any) *reply {
	data, err := io.ReadAll(io.LimitReader(c.r.Body, 64<<20))
	if err != nil {
		return c.fail(http.StatusBadRequest, "Problems parsing JSON")
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return c.fail(http.StatusBadRequest, "Problems parsing JSON")
	}
	return nil
}

func encodeJSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // GitHub does not escape <, > and & in JSON
	if err := enc.Encode(v); err != nil {
		return []byte(fmt.Sprintf(`{"message":"githubfake: encode: %s"}`, err))
	}
	return bytes.TrimRight(b.Bytes(), "\n")
}

// ts is a timestamp rendered the way GitHub renders them: UTC, seconds,
// "Z"; a zero time becomes null.
type ts time.Time

func (t ts) MarshalJSON() ([]byte, error) {
	if time.Time(t).IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + time.Time(t).UTC().Format("2006-01-02T15:04:05Z") + `"`), nil
}

func tsp(t *time.Time) ts {
	if t == nil {
		return ts{}
	}
	return ts(*t)
}

// nodeID builds a legacy global node ID, base64("0<len>:<Type><id>"), the
// form GitHub still returns in REST answers.
func nodeID(kind string, id int64) string {
	return base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("0%d:%s%d", len(kind), kind, id)))
}

// strp renders "" as null, the way GitHub renders unset optional strings.
func strp(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func itoa64(v int64) string { return strconv.FormatInt(v, 10) }

// base64Lines encodes content the way GitHub's blob and contents answers
// do: standard base64 broken into 60-character lines.
func base64Lines(data []byte) string {
	enc := base64.StdEncoding.EncodeToString(data)
	var b strings.Builder
	for len(enc) > 60 {
		b.WriteString(enc[:60])
		b.WriteByte('\n')
		enc = enc[60:]
	}
	b.WriteString(enc)
	if b.Len() > 0 {
		b.WriteByte('\n')
	}
	return b.String()
}

func (c *call) query(name string) string { return c.r.URL.Query().Get(name) }

// page picks the slice [start, end) of n items for the request's page and
// per_page (default 30, at most 100, as on GitHub) and sets the Link header
// with next/prev/first/last the way GitHub writes it.
func (c *call) page(rep *reply, n int) (start, end int) {
	per, _ := strconv.Atoi(c.query("per_page"))
	if per <= 0 {
		per = 30
	}
	per = min(per, 100)
	pg, _ := strconv.Atoi(c.query("page"))
	pg = max(pg, 1)
	last := max((n+per-1)/per, 1)
	start = min((pg-1)*per, n)
	end = min(start+per, n)
	link := func(p int, rel string) string {
		q := c.r.URL.Query()
		q.Set("page", strconv.Itoa(p))
		if c.query("per_page") != "" {
			q.Set("per_page", strconv.Itoa(per))
		}
		return fmt.Sprintf(`<%s%s?%s>; rel="%s"`, c.api, c.r.URL.EscapedPath(), q.Encode(), rel)
	}
	var links []string
	if pg > 1 {
		links = append(links, link(min(pg-1, last), "prev"))
	}
	if pg < last {
		links = append(links, link(pg+1, "next"), link(last, "last"))
	}
	if pg > 1 {
		links = append(links, link(1, "first"))
	}
	if len(links) > 0 {
		if rep.header == nil {
			rep.header = http.Header{}
		}
		rep.header.Set("Link", strings.Join(links, ", "))
	}
	return start, end
}
