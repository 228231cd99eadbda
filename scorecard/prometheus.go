package scorecard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/internal/errkind"
	"github.com/gantryhq/gantry/internal/expr"
)

// PrometheusOptions configure the Prometheus fact source.
type PrometheusOptions struct {
	// URL is the HTTP API's base (http://prometheus:9090).
	URL string
	// Token, when set, is sent as a bearer token.
	Token string
	// Timeout bounds one query (default 10 s).
	Timeout time.Duration
	// Interval is how often an entity's facts are read again (default 15 m).
	Interval time.Duration
	// Concurrency bounds the queries in flight (default 8).
	Concurrency int
	// Filter chooses the entities whose facts are read (CEL over entity;
	// default entity.kind == "Component").
	Filter string
	// Facts are instant queries by fact name, templated per entity.
	Facts map[string]string
	// Status are the live signals of /gantry status.
	Status     []StatusQuery
	HTTPClient *http.Client
}

// StatusQuery is one live signal.
type StatusQuery struct {
	Name      string
	Query     string
	Unit      string
	WarnAbove *float64
	WarnBelow *float64
}

// Prometheus reads facts about entities from a Prometheus HTTP API: for
// each entity its filter selects, each fact's query is rendered for the
// entity (${{ entity.metadata.name }}, values escaped for PromQL string
// literals) and run as an instant query; a query must give one number
// (a scalar or a one-series vector). An empty answer leaves the fact
// unknown (write `… or vector(0)` to mean zero); anything else that goes
// wrong is recorded as the fact's unknown reason. Facts are recorded with
// the provider name "prometheus" and read again after Interval.
type Prometheus struct {
	opts   PrometheusOptions
	base   *url.URL
	httpc  *http.Client
	filter *expr.Program
	facts  []namedTemplate
	status []statusTemplate
}

type namedTemplate struct {
	name string
	tpl  *expr.Template
}

type statusTemplate struct {
	StatusQuery
	tpl *expr.Template
}

// NewPrometheus checks the options and compiles the queries' templates.
// Errors: errkind.Invalid, naming the query.
func NewPrometheus(o PrometheusOptions) (*Prometheus, error) {
	u, err := url.Parse(strings.TrimSuffix(o.URL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errkind.New(errkind.Invalid, "prometheus url %q: give the API's base, e.g. http://prometheus:9090", o.URL)
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Interval <= 0 {
		o.Interval = 15 * time.Minute
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	if strings.TrimSpace(o.Filter) == "" {
		o.Filter = DefaultFilter
	}
	env, err := expr.NewEnv([]string{"entity"})
	if err != nil {
		return nil, err
	}
	p := &Prometheus{opts: o, base: u, httpc: o.HTTPClient}
	if p.httpc == nil {
		p.httpc = &http.Client{}
	}
	if p.filter, err = env.Compile(o.Filter); err != nil {
		return nil, errkind.New(errkind.Invalid, "prometheus filter: %v", err)
	}
	names := make([]string, 0, len(o.Facts))
	for n := range o.Facts {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t, err := env.CompileTemplate(o.Facts[n])
		if err != nil {
			return nil, errkind.New(errkind.Invalid, "prometheus fact %s: %v", n, err)
		}
		p.facts = append(p.facts, namedTemplate{name: n, tpl: t})
	}
	for _, s := range o.Status {
		t, err := env.CompileTemplate(s.Query)
		if err != nil {
			return nil, errkind.New(errkind.Invalid, "prometheus status %q: %v", s.Name, err)
		}
		p.status = append(p.status, statusTemplate{StatusQuery: s, tpl: t})
	}
	return p, nil
}

// Interval is how often facts are read again.
func (p *Prometheus) Interval() time.Duration { return p.opts.Interval }

// MaxAge is how old facts may be before they count as unknown.
func (p *Prometheus) MaxAge() time.Duration { return 3 * p.opts.Interval }

// HasFacts reports whether any fact query is configured.
func (p *Prometheus) HasFacts() bool { return p != nil && len(p.facts) > 0 }

// QueryError is a query Prometheus refused or could not answer.
type QueryError struct {
	Query  string
	Status int    // HTTP status; 0 when Prometheus did not answer
	Type   string // Prometheus's errorType (bad_data, timeout, …)
	Msg    string
	// Down is set when Prometheus did not answer at all (network, 5xx):
	// the next queries would fail the same way.
	Down bool
}

func (e *QueryError) Error() string {
	if e.Type != "" {
		return fmt.Sprintf("prometheus: %s: %s", e.Type, e.Msg)
	}
	return "prometheus: " + e.Msg
}

// errNoData is an instant query that returned nothing.
var errNoData = errors.New("the query returned no data")

// Query runs an instant query at t (now when zero) and returns its value.
// The answer must be a scalar or a vector of one series.
func (p *Prometheus) Query(ctx context.Context, q string, t time.Time) (float64, error) {
	ctx, cancel := context.WithTimeout(ctx, p.opts.Timeout)
	defer cancel()
	form := url.Values{"query": {q}}
	if !t.IsZero() {
		form.Set("time", strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', 3, 64))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.base.String()+"/api/v1/query", strings.NewReader(form.Encode()))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if p.opts.Token != "" {
		req.Header.Set("Authorization", "Bearer "+p.opts.Token)
	}
	resp, err := p.httpc.Do(req)
	if err != nil {
		var ne net.Error
		msg := err.Error()
		if errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) {
			msg = fmt.Sprintf("%s does not answer: %v", p.base.Host, err)
		}
		return 0, &QueryError{Query: q, Msg: msg, Down: true}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return 0, &QueryError{Query: q, Status: resp.StatusCode, Msg: err.Error(), Down: true}
	}
	var ans struct {
		Status    string `json:"status"`
		ErrorType string `json:"errorType"`
		Error     string `json:"error"`
		Data      struct {
			ResultType string          `json:"resultType"`
			Result     json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &ans); err != nil || ans.Status == "" {
		return 0, &QueryError{Query: q, Status: resp.StatusCode, Down: resp.StatusCode >= 500 || resp.StatusCode == 0,
			Msg: fmt.Sprintf("%s answered HTTP %d, not the Prometheus API (is prometheus.url the API's base?)", p.base.Host, resp.StatusCode)}
	}
	if ans.Status != "success" {
		return 0, &QueryError{Query: q, Status: resp.StatusCode, Type: ans.ErrorType, Msg: ans.Error,
			Down: resp.StatusCode >= 500 && ans.ErrorType != "execution" && ans.ErrorType != "bad_data"}
	}
	return readValue(ans.Data.ResultType, ans.Data.Result)
}

// readValue reads the one number of an instant query's result.
func readValue(typ string, raw json.RawMessage) (float64, error) {
	var sample []any
	switch typ {
	case "scalar":
		if err := json.Unmarshal(raw, &sample); err != nil {
			return 0, err
		}
	case "vector":
		var series []struct {
			Metric map[string]string `json:"metric"`
			Value  []any             `json:"value"`
		}
		if err := json.Unmarshal(raw, &series); err != nil {
			return 0, err
		}
		switch len(series) {
		case 0:
			return 0, errNoData
		case 1:
			sample = series[0].Value
		default:
			return 0, fmt.Errorf("the query returned %d series; aggregate it to one number, e.g. sum(…)", len(series))
		}
	default:
		return 0, fmt.Errorf("the query returned a %s; it must give one number (a scalar or one series)", typ)
	}
	if len(sample) != 2 {
		return 0, fmt.Errorf("unexpected sample %v", sample)
	}
	s, _ := sample[1].(string)
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("value %q is not a number", s)
	}
	if math.IsNaN(v) {
		return 0, errNoData
	}
	return v, nil
}

// CollectStats says what a Collect did.
type CollectStats struct {
	Entities int // selected by the filter
	Queried  int // whose facts were due and read
	Queries  int
	Failed   int // queries that failed
}

// Collect reads the facts of the entities whose facts are due (older than
// Interval, or never read) and records them. When Prometheus does not
// answer it stops early, keeping the facts already recorded (they turn
// unknown once older than MaxAge), and returns an errkind.Unavailable
// error.
func (p *Prometheus) Collect(ctx context.Context, st catalog.Store, facts FactStore, now time.Time) (CollectStats, error) {
	var stats CollectStats
	if !p.HasFacts() {
		return stats, nil
	}
	have, err := facts.AllFacts(ctx, ProviderPrometheus)
	if err != nil {
		return stats, err
	}
	var due []*catalog.Entity
	err = st.Scan(ctx, nil, false, func(e *catalog.Entity) error {
		ok, err := p.filter.EvalBool(ctx, map[string]any{"entity": e.Map()})
		if err != nil || !ok {
			return nil
		}
		stats.Entities++
		if set, ok := have[e.Ref().String()][ProviderPrometheus]; ok && now.Sub(set.ReadAt) < p.opts.Interval {
			return nil
		}
		cp := *e
		due = append(due, &cp)
		return nil
	})
	if err != nil {
		return stats, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu      sync.Mutex
		downErr error
		downs   int
		wg      sync.WaitGroup
		sem     = make(chan struct{}, p.opts.Concurrency)
	)
	for _, e := range due {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			f, queries, failed, down := p.entityFacts(ctx, e)
			mu.Lock()
			stats.Queries += queries
			stats.Failed += failed
			if down != nil {
				downs++
				if downs >= 3 && downErr == nil {
					downErr = down
					cancel() // Prometheus is down: stop asking
				}
			} else {
				downs = 0
			}
			mu.Unlock()
			if down != nil || ctx.Err() != nil {
				return
			}
			if err := facts.PutFacts(ctx, e.Ref().String(), ProviderPrometheus, f, now); err != nil {
				mu.Lock()
				if downErr == nil {
					downErr = err
				}
				mu.Unlock()
				cancel()
				return
			}
			mu.Lock()
			stats.Queried++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if downErr != nil {
		var qe *QueryError
		if errors.As(downErr, &qe) {
			return stats, errkind.New(errkind.Unavailable, "Prometheus facts: %v (read %d of %d entities; the others keep their last facts)", downErr, stats.Queried, len(due))
		}
		return stats, downErr
	}
	return stats, nil
}

// entityFacts runs every fact query for e. A query that failed because
// Prometheus is down makes down non-nil; other failures are recorded as
// the fact's unknown reason.
func (p *Prometheus) entityFacts(ctx context.Context, e *catalog.Entity) (f map[string]any, queries, failed int, down error) {
	vars := map[string]any{"entity": e.Map()}
	f = map[string]any{}
	unknown := map[string]any{}
	for _, nt := range p.facts {
		q, err := nt.tpl.Render(ctx, vars, promQuote)
		if err != nil {
			unknown[nt.name] = "the query's template fails on this entity: " + err.Error()
			failed++
			continue
		}
		queries++
		v, err := p.Query(ctx, q, time.Time{})
		var qe *QueryError
		switch {
		case err == nil:
			f[nt.name] = v
		case errors.As(err, &qe) && qe.Down:
			return nil, queries, failed + 1, err
		case errors.Is(err, errNoData):
			unknown[nt.name] = "no data (write `… or vector(0)` to read none as zero)"
		default:
			unknown[nt.name] = err.Error()
			failed++
		}
	}
	if len(unknown) > 0 {
		f["unknown"] = unknown
	}
	return f, queries, failed, nil
}

// Signal is one live signal of /gantry status.
type Signal struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Unit  string  `json:"unit,omitempty"`
	Known bool    `json:"known"`
	// Warn is set when the value is beyond the query's thresholds.
	Warn bool `json:"warn"`
	// Detail says why the value is not known.
	Detail string `json:"detail,omitempty"`
}

// Status runs the status queries for e, all at once.
func (p *Prometheus) Status(ctx context.Context, e *catalog.Entity) []Signal {
	if p == nil || len(p.status) == 0 {
		return nil
	}
	vars := map[string]any{"entity": e.Map()}
	out := make([]Signal, len(p.status))
	var wg sync.WaitGroup
	for i, s := range p.status {
		out[i] = Signal{Name: s.Name, Unit: s.Unit}
		wg.Add(1)
		go func() {
			defer wg.Done()
			q, err := s.tpl.Render(ctx, vars, promQuote)
			if err != nil {
				out[i].Detail = err.Error()
				return
			}
			v, err := p.Query(ctx, q, time.Time{})
			if err != nil {
				out[i].Detail = err.Error()
				if errors.Is(err, errNoData) {
					out[i].Detail = "no data"
				}
				return
			}
			out[i].Value, out[i].Known = v, true
			out[i].Warn = (s.WarnAbove != nil && v > *s.WarnAbove) || (s.WarnBelow != nil && v < *s.WarnBelow)
		}()
	}
	wg.Wait()
	return out
}

// promQuote escapes a value placed in a PromQL string literal, so that a
// catalog value cannot end the literal and change the query.
func promQuote(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "'", `\'`, "\n", `\n`).Replace(s)
}
