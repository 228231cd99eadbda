package bot_test

import (
	"sort"
	"testing"
	"time"

	"github.com/gantryhq/gantry/bot/bottest"
	"github.com/gantryhq/gantry/internal/slackfake"
)

// burst sends n "/whoowns checkout" commands at once through the real
// websocket, waits for every ack, and returns the ack latencies as the
// fake measured them (from writing the envelope to reading its ack). One
// goroutine writes them back to back, as Slack streams envelopes down one
// socket: the 500 are on the wire within milliseconds.
func burst(tb testing.TB, h *bottest.Harness, n int) []time.Duration {
	tb.Helper()
	users := []string{"priya", "marco", "fatima", "tomas", "alice", "lena", "zoe", "newbie"}
	channels := []string{"general", "team-payments", "team-platform", "random"}
	deliveries := make([]*slackfake.Delivery, n)
	for i := range n {
		d, err := h.Fake.SlashCommand(h.Ctx, h.User(users[i%len(users)]).ID, h.Channel(channels[i%len(channels)]).ID, "/whoowns", "checkout")
		if err != nil {
			tb.Fatal(err)
		}
		deliveries[i] = d
	}
	lat := make([]time.Duration, 0, n)
	for _, d := range deliveries {
		ack, err := d.Wait(h.Ctx)
		if err != nil {
			tb.Fatal(err)
		}
		lat = append(lat, ack.Latency)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return lat
}

// histogramP99 reads the bucket bound under which 99% of the bot's own ack
// latencies fall.
func histogramP99(tb testing.TB, h *bottest.Harness) float64 {
	mfs, err := h.Registry.Gather()
	if err != nil {
		tb.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "gantry_slack_ack_latency_seconds" {
			continue
		}
		hist := mf.GetMetric()[0].GetHistogram()
		for _, bk := range hist.GetBucket() {
			if float64(bk.GetCumulativeCount()) >= 0.99*float64(hist.GetSampleCount()) {
				return bk.GetUpperBound()
			}
		}
	}
	return 0
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(float64(len(sorted))*p))]
}

// TestFiveHundredCommandsAtOnce checks that a burst of 500 slash commands
// is acked and answered with nothing lost and nothing handled twice, and
// logs the ack latency (measured, not asserted: see BenchmarkAck500).
func TestFiveHundredCommandsAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("500 commands: not in -short")
	}
	h := bottest.Start(t, bottest.Options{})
	const n = 500
	mark := h.Fake.Mark()
	lat := burst(t, h, n)
	if err := h.Bot.Idle(h.Ctx); err != nil {
		t.Fatal(err)
	}
	st := h.Fake.EnvelopeStats()
	if st.Sent != n || st.Acked != n || st.Lost != 0 || st.Duplicates != 0 || st.Pending != 0 || st.RejectedAcks != 0 {
		t.Fatalf("envelopes: %+v", st)
	}
	replies := 0
	for _, e := range h.Fake.Events() {
		if e.Seq > mark && e.Type == slackfake.EventMessagePosted && e.Message.Ephemeral && e.Message.Via == "response_url" {
			replies++
		}
	}
	if replies != n {
		t.Fatalf("%d answers for %d commands", replies, n)
	}
	if got := metric(t, h.Registry, "gantry_slack_handler_duration_seconds", map[string]string{"route": "/whoowns"}); got != n {
		t.Fatalf("handlers ran %v times for %d commands", got, n)
	}
	if got := metric(t, h.Registry, "gantry_slack_handler_errors_total", nil); got != 0 {
		t.Fatalf("%v handler errors (busy included)", got)
	}
	t.Logf("ack latency of %d commands sent at once: p50 %s, p99 %s, max %s (Slack's deadline: 3s); the bot's own share (read to ack): p99 under %gms",
		n, percentile(lat, 0.50), percentile(lat, 0.99), lat[len(lat)-1], histogramP99(t, h)*1000)
}

// BenchmarkAck500 reports the p99 ack latency of 500 slash commands sent at
// once through the real websocket:
//
//	go test -tags sqlite_fts5 -run XXX -bench Ack500 -benchtime 5x ./bot/
func BenchmarkAck500(b *testing.B) {
	h := bottest.Start(b, bottest.Options{})
	var all []time.Duration
	for b.Loop() {
		lat := burst(b, h, 500)
		all = append(all, lat...)
		if err := h.Bot.Idle(h.Ctx); err != nil {
			b.Fatal(err)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	b.ReportMetric(float64(percentile(all, 0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(percentile(all, 0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(all[len(all)-1].Microseconds())/1000, "max-ms")
	// The bot's own share: from reading an envelope to writing its ack
	// (the upper bound of the histogram bucket holding the 99th percentile).
	b.ReportMetric(histogramP99(b, h)*1000, "bot-p99-ms")
	if st := h.Fake.EnvelopeStats(); st.Lost != 0 || st.Duplicates != 0 {
		b.Fatalf("envelopes: %+v", st)
	}
}
