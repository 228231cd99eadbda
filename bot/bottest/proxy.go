package bottest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Proxy sits between the bot and a Slack-compatible server and can lose
// what a real network loses: it forwards the Web API unchanged, rewrites
// the Socket Mode URL that apps.connections.open returns so the socket goes
// through it too, and relays frames both ways (pings and pongs included),
// except the acks it is told to drop. A dropped ack is what makes Slack
// redeliver an event the bot already handled.
type Proxy struct {
	URL string // the proxy's base URL; the bot's API URL is URL + "/api/"

	upstream *url.URL
	srv      *httptest.Server

	mu       sync.Mutex
	dropAcks map[string]int       // envelope type → acks still to drop
	types    map[string]string    // envelope_id → type, as seen going to the bot
	sentAt   map[string]time.Time // envelope_id → when it passed towards the bot
	ackIn    map[string]time.Duration
	dropped  []string
}

// NewProxy starts a proxy in front of the server at base ("http://host:port").
func NewProxy(t testing.TB, base string) *Proxy {
	t.Helper()
	up, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{upstream: up, dropAcks: map[string]int{}, types: map[string]string{},
		sentAt: map[string]time.Time{}, ackIn: map[string]time.Duration{}}
	rp := httputil.NewSingleHostReverseProxy(up)
	rp.ModifyResponse = p.rewriteSocketURL
	mux := http.NewServeMux()
	mux.Handle("/", rp)
	mux.HandleFunc("/link/", p.relay)
	p.srv = httptest.NewServer(mux)
	p.URL = p.srv.URL
	t.Cleanup(p.srv.Close)
	return p
}

// DropAcks makes the proxy drop the next n acks of envelopes of type typ
// ("events_api", "slash_commands", "interactive").
func (p *Proxy) DropAcks(typ string, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dropAcks[typ] += n
}

// AckLatencies returns, per envelope, the time from the envelope passing
// through the proxy towards the bot to its ack passing back: the bot's ack
// latency as the wire sees it, without the server's own queueing.
func (p *Proxy) AckLatencies() map[string]time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]time.Duration, len(p.ackIn))
	for k, v := range p.ackIn {
		out[k] = v
	}
	return out
}

// Dropped returns the envelope ids whose acks were dropped.
func (p *Proxy) Dropped() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.dropped...)
}

// rewriteSocketURL points apps.connections.open's URL at the proxy.
func (p *Proxy) rewriteSocketURL(resp *http.Response) error {
	if !strings.HasSuffix(resp.Request.URL.Path, "/apps.connections.open") {
		return nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	var m map[string]any
	if json.Unmarshal(body, &m) == nil {
		if u, ok := m["url"].(string); ok {
			m["url"] = strings.Replace(u, "ws://"+p.upstream.Host, "ws://"+strings.TrimPrefix(p.URL, "http://"), 1)
			body, _ = json.Marshal(m)
		}
	}
	resp.Body = io.NopCloser(strings.NewReader(string(body)))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	return nil
}

// relay connects the bot's websocket to the server's and pumps frames.
func (p *Proxy) relay(w http.ResponseWriter, r *http.Request) {
	target := "ws://" + p.upstream.Host + r.URL.RequestURI()
	up, resp, err := websocket.DefaultDialer.Dial(target, nil)
	if err != nil {
		status := http.StatusBadGateway
		if resp != nil {
			status = resp.StatusCode
		}
		http.Error(w, err.Error(), status)
		return
	}
	defer up.Close()
	down, err := (&websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}).Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer down.Close()
	deadline := func() time.Time { return time.Now().Add(5 * time.Second) }
	up.SetPingHandler(func(data string) error { return down.WriteControl(websocket.PingMessage, []byte(data), deadline()) })
	down.SetPongHandler(func(data string) error { return up.WriteControl(websocket.PongMessage, []byte(data), deadline()) })
	done := make(chan struct{}, 2)
	go func() { // server → bot
		defer func() { done <- struct{}{} }()
		for {
			kind, data, err := up.ReadMessage()
			if err != nil {
				return
			}
			p.noteEnvelope(data)
			if err := down.WriteMessage(kind, data); err != nil {
				return
			}
		}
	}()
	go func() { // bot → server
		defer func() { done <- struct{}{} }()
		for {
			kind, data, err := down.ReadMessage()
			if err != nil {
				return
			}
			if p.drop(data) {
				continue
			}
			if err := up.WriteMessage(kind, data); err != nil {
				return
			}
		}
	}()
	<-done
}

func (p *Proxy) noteEnvelope(frame []byte) {
	var env struct {
		EnvelopeID string `json:"envelope_id"`
		Type       string `json:"type"`
	}
	if json.Unmarshal(frame, &env) == nil && env.EnvelopeID != "" {
		p.mu.Lock()
		p.types[env.EnvelopeID] = env.Type
		p.sentAt[env.EnvelopeID] = time.Now()
		p.mu.Unlock()
	}
}

func (p *Proxy) drop(frame []byte) bool {
	var ack struct {
		EnvelopeID string `json:"envelope_id"`
	}
	if json.Unmarshal(frame, &ack) != nil || ack.EnvelopeID == "" {
		return false
	}
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if at, ok := p.sentAt[ack.EnvelopeID]; ok {
		if _, seen := p.ackIn[ack.EnvelopeID]; !seen {
			p.ackIn[ack.EnvelopeID] = now.Sub(at)
		}
	}
	typ := p.types[ack.EnvelopeID]
	if p.dropAcks[typ] > 0 {
		p.dropAcks[typ]--
		p.dropped = append(p.dropped, ack.EnvelopeID)
		return true
	}
	return false
}
