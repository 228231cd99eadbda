package slackfake

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// socketConn is one Socket Mode websocket. gorilla/websocket allows one
// concurrent writer, so data frames go through write (serialised by wmu);
// pings use WriteControl, which gorilla allows concurrently.
type socketConn struct {
	id          string
	ws          *websocket.Conn
	wmu         sync.Mutex
	connectedAt time.Time
	done        chan struct{} // closed when the read loop ends
	draining    bool          // sent "disconnect": no new envelopes (guarded by Server.mu)
	pings       atomic.Int64
	pongs       atomic.Int64
}

func (c *socketConn) write(data []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteMessage(websocket.TextMessage, data)
}

func (c *socketConn) host() string { return "applink-fake-" + c.id }

// ConnInfo describes one open Socket Mode connection.
type ConnInfo struct {
	ID          string    `json:"id"`
	ConnectedAt time.Time `json:"connected_at"`
	Draining    bool      `json:"draining"`
	Pings       int64     `json:"pings"`
	Pongs       int64     `json:"pongs"`
}

// Connections lists the open Socket Mode connections, oldest first.
func (s *Server) Connections() []ConnInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ConnInfo, 0, len(s.conns))
	for _, c := range s.conns {
		out = append(out, ConnInfo{ID: c.id, ConnectedAt: c.connectedAt, Draining: c.draining,
			Pings: c.pings.Load(), Pongs: c.pongs.Load()})
	}
	return out
}

// WaitConnected waits until at least n connections are open and usable.
func (s *Server) WaitConnected(ctx context.Context, n int) error {
	for {
		s.mu.Lock()
		active := len(s.activeConnsLocked())
		changed := s.log.changed
		s.mu.Unlock()
		if active >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("slackfake: waiting for %d Socket Mode connections (have %d): %w", n, active, ctx.Err())
		case <-s.quit:
			return ErrClosed
		}
	}
}

func (s *Server) activeConnsLocked() []*socketConn {
	var out []*socketConn
	for _, c := range s.conns {
		if !c.draining {
			out = append(out, c)
		}
	}
	return out
}

// pickConnLocked spreads envelopes over the open connections round robin,
// as Slack does across an app's sockets.
func (s *Server) pickConnLocked() *socketConn {
	active := s.activeConnsLocked()
	if len(active) == 0 {
		return nil
	}
	c := active[s.rr%len(active)]
	s.rr++
	return c
}

func frame(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func disconnectFrame(reason, host string) []byte {
	return frame(map[string]any{"type": "disconnect", "reason": reason, "debug_info": map[string]any{"host": host}})
}

// handleLink is the Socket Mode websocket endpoint that
// apps.connections.open points to.
func (s *Server) handleLink(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	s.mu.Lock()
	_, valid := s.tickets[ticket]
	delete(s.tickets, ticket)
	if s.closed {
		valid = false
	}
	full := len(s.conns)+s.reserved >= s.opts.MaxConnections
	n := 0
	if valid {
		s.wg.Add(1) // Close waits for this hijacked connection too
		if !full {
			s.reserved++
			n = len(s.conns) + s.reserved
		}
	}
	s.connSeq++
	id := strconv.Itoa(s.connSeq)
	s.mu.Unlock()
	if !valid {
		http.Error(w, "invalid or used ticket", http.StatusUnauthorized)
		return
	}
	defer s.wg.Done()
	release := func() {
		if !full {
			s.mu.Lock()
			s.reserved--
			s.mu.Unlock()
		}
	}

	up := websocket.Upgrader{ReadBufferSize: 32 << 10, WriteBufferSize: 32 << 10,
		CheckOrigin: func(*http.Request) bool { return true }}
	ws, err := up.Upgrade(w, r, nil)
	if err != nil {
		release()
		return
	}
	// Read up to 1 MiB so an oversized ack can be seen and reported, not
	// just cut off.
	ws.SetReadLimit(1 << 20)
	c := &socketConn{id: id, ws: ws, connectedAt: s.opts.Now(), done: make(chan struct{})}
	if full {
		// What Slack does with an app's 11th socket: a disconnect frame
		// with reason too_many_websockets, then the close.
		_ = c.write(disconnectFrame("too_many_websockets", c.host()))
		_ = ws.Close()
		s.mu.Lock()
		s.publishLocked(Event{Type: EventSocketRejected, ConnID: id, Reason: "too_many_websockets"})
		s.mu.Unlock()
		return
	}
	ws.SetPongHandler(func(string) error { c.pongs.Add(1); return nil })
	hello := map[string]any{
		"type": "hello", "num_connections": n,
		"debug_info": map[string]any{"host": c.host(), "build_number": 1,
			"approximate_connection_time": 18060},
		"connection_info": map[string]any{"app_id": s.opts.AppID},
	}
	if err := c.write(frame(hello)); err != nil {
		release()
		_ = ws.Close()
		return
	}
	s.mu.Lock()
	s.reserved--
	if s.closed {
		s.mu.Unlock()
		_ = ws.Close()
		return
	}
	s.conns = append(s.conns, c)
	s.publishLocked(Event{Type: EventSocketOpened, ConnID: id})
	s.spawnLocked(func() { s.pingLoop(c) })
	s.mu.Unlock()
	s.logger.Info("socket opened", "conn", id, "num_connections", n)

	reason := s.readLoop(c)

	close(c.done)
	_ = ws.Close()
	s.mu.Lock()
	s.conns = slices.DeleteFunc(s.conns, func(x *socketConn) bool { return x == c })
	s.publishLocked(Event{Type: EventSocketClosed, ConnID: id, Reason: reason})
	s.mu.Unlock()
	s.logger.Info("socket closed", "conn", id, "reason", reason)
}

func (s *Server) readLoop(c *socketConn) string {
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return err.Error()
		}
		s.handleResponse(c, data)
	}
}

func (s *Server) pingLoop(c *socketConn) {
	t := time.NewTicker(s.opts.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-s.quit:
			return
		case <-t.C:
			n := c.pings.Add(1)
			if err := c.ws.WriteControl(websocket.PingMessage, []byte("ping-"+strconv.FormatInt(n, 10)), time.Now().Add(5*time.Second)); err != nil {
				return
			}
		}
	}
}

// Disconnect sends every open socket a "disconnect" frame with reason
// ("warning", "refresh_requested", "link_disabled", ...), stops routing
// envelopes to them, and closes them after Options.DisconnectGrace unless the
// client hangs up first. It returns how many sockets were told.
func (s *Server) Disconnect(reason string) int {
	s.mu.Lock()
	targets := s.activeConnsLocked()
	for _, c := range targets {
		c.draining = true
	}
	s.mu.Unlock()
	for _, c := range targets {
		_ = c.write(disconnectFrame(reason, c.host()))
		s.spawn(func() {
			t := time.NewTimer(s.opts.DisconnectGrace)
			defer t.Stop()
			select {
			case <-t.C:
				c.wmu.Lock()
				_ = c.ws.WriteControl(websocket.CloseMessage,
					websocket.FormatCloseMessage(websocket.CloseNormalClosure, reason), time.Now().Add(time.Second))
				c.wmu.Unlock()
				_ = c.ws.Close()
			case <-c.done:
			case <-s.quit:
			}
		})
	}
	return len(targets)
}

// KillSockets drops every socket's TCP connection without a close frame, as
// a network failure would. It returns how many were killed.
func (s *Server) KillSockets() int {
	s.mu.Lock()
	conns := append([]*socketConn(nil), s.conns...)
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.ws.NetConn().Close()
	}
	return len(conns)
}
