package scorecard_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/errkind"
	"github.com/gantryhq/gantry/scorecard"
)

// exporterMetrics is what the test's exporter serves: a counter of errors
// per service, as an application would expose it.
const exporterMetrics = `# HELP app_errors_total Errors served, by service.
# TYPE app_errors_total counter
app_errors_total{service="checkout"} 150
app_errors_total{service="payment-gateway"} 3
# HELP app_latency_p99_ms The 99th percentile latency, by service.
# TYPE app_latency_p99_ms gauge
app_latency_p99_ms{service="checkout"} 812
`

// startPrometheus runs Debian's prometheus on a free loopback port,
// scraping an exporter the test serves every second, and returns its URL
// once the target is up and samples exist. It skips the test when the
// binary is not installed.
func startPrometheus(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Skip("prometheus is not installed, so the Prometheus fact source is not tested against a real one; install it (apt-get install -y prometheus) to run this test")
	}
	exporter := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		io.WriteString(w, exporterMetrics)
	}))
	t.Cleanup(exporter.Close)
	port := freePort(t)
	dir := t.TempDir()
	target := strings.TrimPrefix(exporter.URL, "http://")
	config := fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: exporter
    static_configs:
      - targets: [%q]
`, target)
	cfgFile := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgFile, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	logFile, err := os.Create(filepath.Join(dir, "prometheus.log"))
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command(bin, "--config.file="+cfgFile, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--log.level=warn")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		logFile.Close()
	})
	base := "http://" + addr
	deadline := time.Now().Add(60 * time.Second)
	for {
		up := instant(base, `up{job="exporter"}`)
		samples := instant(base, `count(app_errors_total)`)
		if up == "1" && samples == "2" {
			return base
		}
		if time.Now().After(deadline) {
			logs, _ := os.ReadFile(logFile.Name())
			t.Fatalf("prometheus did not scrape the exporter within a minute (up=%q, samples=%q); its log:\n%s", up, samples, logs)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// instant returns the single value of an instant query, or "".
func instant(base, q string) string {
	resp, err := http.Get(base + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var ans struct {
		Data struct {
			Result []struct {
				Value []any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if json.NewDecoder(resp.Body).Decode(&ans) != nil || len(ans.Data.Result) != 1 || len(ans.Data.Result[0].Value) != 2 {
		return ""
	}
	s, _ := ans.Data.Result[0].Value[1].(string)
	return s
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

const promCard = `apiVersion: gantry.dev/v1
kind: Scorecard
metadata: {name: live}
spec:
  filter: entity.kind == "Component" && entity.spec.type == "service"
  levels: [Healthy]
  rules:
    - id: errors
      title: Fewer than 100 errors a day
      level: Healthy
      expression: facts.prometheus.errors_per_day < 100
      fix: Look at the errors dashboard.
`

func TestPrometheusFactsFromARealPrometheus(t *testing.T) {
	base := startPrometheus(t)
	above := 100.0
	prom, err := scorecard.NewPrometheus(scorecard.PrometheusOptions{URL: base, Interval: time.Hour, Timeout: 5 * time.Second,
		Facts: map[string]string{
			"errors_per_day":  `sum(app_errors_total{service="${{ entity.metadata.name }}"})`,
			"errors_or_zero":  `sum(app_errors_total{service="${{ entity.metadata.name }}"}) or vector(0)`,
			"every_service":   `app_errors_total`,
			"broken_function": `sum(rate(app_errors_total[1m])`,
		},
		Status: []scorecard.StatusQuery{
			{Name: "Errors", Query: `sum(app_errors_total{service="${{ entity.metadata.name }}"})`, WarnAbove: &above},
			{Name: "Latency p99", Query: `max(app_latency_p99_ms{service="${{ entity.metadata.name }}"})`, Unit: "ms"},
		}})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, envOptions{paths: []string{writeCard(t, promCard)}, prometheus: prom})
	ev := e.evaluate()
	if len(ev.Problems) > 0 {
		t.Fatalf("problems: %v", ev.Problems)
	}
	facts := func(ref string) map[string]any {
		t.Helper()
		sets, err := e.db.Facts(e.ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		f := sets[scorecard.ProviderPrometheus].Facts
		if f == nil {
			t.Fatalf("no prometheus facts for %s", ref)
		}
		return f
	}
	checkout := facts("component:default/checkout")
	if checkout["errors_per_day"] != 150.0 || checkout["errors_or_zero"] != 150.0 {
		t.Errorf("checkout: %v", checkout)
	}
	if pg := facts("component:default/payment-gateway"); pg["errors_per_day"] != 3.0 {
		t.Errorf("payment-gateway: %v", pg)
	}
	ledger := facts("component:default/ledger")
	unknown, _ := ledger["unknown"].(map[string]any)
	if _, has := ledger["errors_per_day"]; has || ledger["errors_or_zero"] != 0.0 || !strings.HasPrefix(fmt.Sprint(unknown["errors_per_day"]), "no data") {
		t.Errorf("ledger (no series): %v", ledger)
	}
	if !strings.Contains(fmt.Sprint(unknown["every_service"]), "returned 2 series; aggregate it") ||
		!strings.Contains(fmt.Sprint(unknown["broken_function"]), "bad_data") {
		t.Errorf("unknown reasons: %v", unknown)
	}

	// Rules read them: more than 100 errors fails, a few pass, no data is unknown.
	for ref, want := range map[string]scorecard.State{"component:default/checkout": scorecard.StateFail,
		"component:default/payment-gateway": scorecard.StatePass, "component:default/ledger": scorecard.StateUnknown} {
		if got := e.result("live", ref).Rule("errors"); got.State != want {
			t.Errorf("%s: %+v, want %s", ref, got, want)
		}
	}
	if d := e.result("live", "component:default/ledger").Rule("errors").Detail; !strings.Contains(d, "errors_per_day is unknown: no data") {
		t.Errorf("ledger's unknown says %q", d)
	}
	// So do queries.
	res, err := e.svc.Query(e.ctx, `facts.prometheus.errors_per_day > 100`, 10)
	if err != nil || res.Count != 1 || res.Entities[0].Metadata.Name != "checkout" {
		t.Errorf("query: %v %v", res, err)
	}

	// Facts are read again only after the interval.
	readAt := func() time.Time {
		sets, _ := e.db.Facts(e.ctx, "component:default/checkout")
		return sets[scorecard.ProviderPrometheus].ReadAt
	}
	first := readAt()
	e.clock.Advance(time.Minute)
	e.evaluate()
	if !readAt().Equal(first) {
		t.Error("facts were read again before their interval")
	}
	e.clock.Advance(time.Hour)
	e.evaluate()
	if !readAt().After(first) {
		t.Error("facts were not read again after their interval")
	}

	// /gantry status: live signals, now.
	ent, _ := e.cat.Get(e.ctx, "checkout")
	st, err := e.svc.Status(e.ctx, ent)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Signals) != 2 || st.Signals[0].Value != 150 || !st.Signals[0].Warn || st.Signals[1].Value != 812 || st.Signals[1].Warn || st.Warnings() != 1 {
		t.Errorf("signals: %+v", st.Signals)
	}
	if st.Oncall == nil || st.Owner == nil || st.Owner.SlackChannel != "#team-payments" {
		t.Errorf("status on call / owner: %+v %+v", st.Oncall, st.Owner)
	}
}

// A fake Prometheus for what a real one is not asked to do: go down,
// want a token.
func TestPrometheusDownKeepsFactsAndSaysSo(t *testing.T) {
	var calls atomic.Int32
	var down atomic.Bool
	var auth atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		auth.Store(r.Header.Get("Authorization"))
		if down.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, "upstream connect error")
			return
		}
		io.WriteString(w, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1795400000,"42"]}]}}`)
	}))
	defer srv.Close()
	prom, err := scorecard.NewPrometheus(scorecard.PrometheusOptions{URL: srv.URL, Token: "s3cret", Interval: time.Minute,
		Facts: map[string]string{"errors_per_day": `sum(errors{service="${{ entity.metadata.name }}"})`}})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, envOptions{paths: []string{writeCard(t, promCard)}, prometheus: prom})
	e.evaluate()
	if auth.Load() != "Bearer s3cret" {
		t.Errorf("Authorization: %v", auth.Load())
	}
	if r := e.result("live", "component:default/checkout"); r.Rule("errors").State != scorecard.StatePass {
		t.Fatalf("checkout: %+v", r.Rule("errors"))
	}
	down.Store(true)
	calls.Store(0)
	e.clock.Advance(2 * time.Minute)
	ev := e.evaluate()
	if len(ev.Problems) != 1 || !strings.Contains(ev.Problems[0], "Prometheus facts: ") || !strings.Contains(ev.Problems[0], "HTTP 503") {
		t.Errorf("problems: %v", ev.Problems)
	}
	if n := calls.Load(); n > 10 {
		t.Errorf("kept asking a Prometheus that is down: %d queries", n)
	}
	// The last facts still count until they are three intervals old.
	if r := e.result("live", "component:default/checkout"); r.Rule("errors").State != scorecard.StatePass {
		t.Errorf("checkout while Prometheus is down: %+v", r.Rule("errors"))
	}
	e.clock.Advance(5 * time.Minute)
	e.evaluate()
	if r := e.result("live", "component:default/checkout"); r.Rule("errors").State != scorecard.StateUnknown {
		t.Errorf("checkout with stale facts: %+v", r.Rule("errors"))
	}
	if _, err := prom.Query(context.Background(), "up", time.Time{}); !errkind.Is(err, errkind.Unavailable) && err == nil {
		t.Errorf("query while down: %v", err)
	}
}

func TestPrometheusOptionsChecked(t *testing.T) {
	for _, o := range []scorecard.PrometheusOptions{
		{URL: "prometheus:9090"},
		{URL: "http://p:9090", Facts: map[string]string{"x": "sum(${{ entity.metadata.name"}},
		{URL: "http://p:9090", Filter: "entity.kind =="},
		{URL: "http://p:9090", Status: []scorecard.StatusQuery{{Name: "x", Query: "${{ nope( }}"}}},
	} {
		if _, err := scorecard.NewPrometheus(o); !errkind.Is(err, errkind.Invalid) {
			t.Errorf("%+v: %v", o, err)
		}
	}
}
