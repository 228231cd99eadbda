package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/gantryhq/gantry/internal/errkind"
	"github.com/gantryhq/gantry/internal/slackfake/blocklimits"
)

// Run connects over Socket Mode and serves until ctx ends, reconnecting
// whenever the socket drops or Slack asks it to. It returns nil after a
// graceful shutdown (the socket closed, handlers in flight given up to
// ShutdownTimeout to finish), or an error when Slack refuses a token.
//
// The read loop never blocks on a handler: for each envelope it routes,
// queues the handler (or answers "busy"), and acks, all in microseconds.
func (b *Bot) Run(ctx context.Context) error {
	if err := b.Start(ctx); err != nil {
		return err
	}
	b.pool = newPool(b.opts.Workers, b.opts.QueueSize)
	// The library's client only opens connections, through b.api.
	opener := &http.Client{Transport: &openThroughAPI{api: b.api, next: b.httpc.Transport}}
	client := slack.New(b.opts.BotToken, slack.OptionAPIURL(b.opts.APIURL),
		slack.OptionAppLevelToken(b.opts.AppToken), slack.OptionHTTPClient(opener))
	sm := socketmode.New(client, socketmode.OptionLog(slogOutput{b.log}),
		socketmode.OptionPingInterval(b.opts.PingTimeout))

	sockCtx, stopSocket := context.WithCancel(context.WithoutCancel(ctx))
	defer stopSocket()
	runDone := make(chan error, 1)
	go func() { runDone <- sm.RunContext(sockCtx) }()
	// Handlers outlive ctx by up to ShutdownTimeout.
	hctx, cancelHandlers := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelHandlers()
	l := &link{sm: sm, ctx: ctx}

	var fatal error
	socketDone := false
loop:
	for {
		select {
		case evt := <-sm.Events:
			if ctx.Err() != nil {
				break loop // shutting down: what is still buffered goes unacked, and Slack resends events elsewhere
			}
			b.onEvent(hctx, l, evt)
		case err := <-runDone:
			socketDone = true
			fatal = b.explainSocketError(err)
			break loop
		case <-ctx.Done():
			break loop
		}
	}
	stopSocket()
	if !socketDone {
		select {
		case <-runDone:
		case <-time.After(5 * time.Second):
			b.log.Warn("the Socket Mode client did not stop within 5s")
		}
	}
	b.setConnected(false, "stopped")
	b.log.Info("Slack connection closed; waiting for handlers in flight", "timeout", b.opts.ShutdownTimeout)
	wait, cancel := context.WithTimeout(context.Background(), b.opts.ShutdownTimeout)
	defer cancel()
	if err := b.pool.close(wait); err != nil {
		b.log.Warn("handlers still running at the shutdown deadline; cancelling them", "timeout", b.opts.ShutdownTimeout)
	}
	return fatal
}

// explainSocketError turns the Socket Mode client's final error into one a
// person can act on.
func (b *Bot) explainSocketError(err error) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return nil
	}
	if code := err.Error(); authCodes[code] {
		return errkind.New(errkind.Invalid, "%s", (&APIError{Method: "apps.connections.open", Code: code}).Error())
	}
	return fmt.Errorf("slack: Socket Mode stopped: %w", err)
}

// slogOutput adapts the Socket Mode library's logger to slog (debug level:
// it narrates every frame).
type slogOutput struct{ log *slog.Logger }

func (s slogOutput) Output(_ int, msg string) error {
	s.log.Debug(strings.TrimSpace(msg), "source", "socketmode")
	return nil
}

// onEvent handles one event from the Socket Mode client, in the read loop.
func (b *Bot) onEvent(ctx context.Context, sm *link, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		b.setConnected(false, "connecting")
	case socketmode.EventTypeConnected:
		if ce, ok := evt.Data.(*socketmode.ConnectedEvent); ok && ce.ConnectionCount > 0 {
			b.metrics.Reconnects.Inc()
			b.log.Info("reconnected to Slack", "connection", ce.ConnectionCount+1)
		} else {
			b.log.Info("connected to Slack over Socket Mode")
		}
		b.setConnected(true, "")
	case socketmode.EventTypeHello:
		b.setConnected(true, "")
	case socketmode.EventTypeConnectionError:
		why := "connection error"
		if ce, ok := evt.Data.(*slack.ConnectionErrorEvent); ok && ce.ErrorObj != nil {
			why = ce.ErrorObj.Error()
		}
		b.log.Warn("could not connect to Slack; retrying", "err", why)
		b.setConnected(false, why)
	case socketmode.EventTypeInvalidAuth:
		b.log.Error("Slack refused SLACK_APP_TOKEN while reconnecting")
	case socketmode.EventTypeIncomingError, socketmode.EventTypeErrorBadMessage:
		b.log.Warn("unreadable Socket Mode frame", "event", evt.Type, "data", fmt.Sprint(evt.Data))
	case socketmode.EventTypeErrorWriteFailed:
		b.log.Warn("an ack could not be written; Slack will treat that envelope as unanswered", "data", fmt.Sprint(evt.Data))
	case socketmode.EventTypeSlashCommand:
		b.onSlashCommand(ctx, sm, evt)
	case socketmode.EventTypeInteractive:
		b.onInteractive(ctx, sm, evt)
	case socketmode.EventTypeEventsAPI:
		b.onEventsAPI(ctx, sm, evt)
	}
}

// newRequest starts a Request for an envelope.
func (b *Bot) newRequest(req *socketmode.Request, typ string) *Request {
	r := &Request{Type: typ, bot: b, acked: make(chan struct{})}
	if req != nil {
		r.EnvelopeID, r.RetryAttempt = req.EnvelopeID, req.RetryAttempt
	}
	r.Respond = &Responder{api: b.api, r: r}
	return r
}

// finish names the request's route and gives it its logger.
func (b *Bot) finish(r *Request, route string) {
	r.Route = route
	r.Log = b.log.With("envelope_id", r.EnvelopeID, "type", r.Type, "route", route, "user", r.User.ID)
}

// link is the Socket Mode client as the read loop and the handlers use
// it: acks go through it, bounded by ctx (Run's: it ends at shutdown).
type link struct {
	sm  *socketmode.Client
	ctx context.Context
	// stalled is set when an ack could not be handed to the socket's
	// writer in time: the connection is down and its writer gone, so the
	// next acks wait only briefly until one goes through again.
	stalled atomic.Bool
}

// How long an ack may wait for room in the Socket Mode client's outgoing
// queue (20 slots, emptied only while a connection is up). A healthy
// writer takes microseconds; after a drop with Slack unreachable nothing
// empties it, and an ack that waited for it without a bound would stop the
// read loop for good (no pings seen, no shutdown). An ack that cannot be
// queued is given up: an unacked event is redelivered, an unacked command
// or click shows the person Slack's error.
const (
	ackWait        = time.Second
	stalledAckWait = 10 * time.Millisecond
)

// ack acknowledges an envelope, with payload if not nil, and records the
// latency. A payload Slack would drop (20 KiB or more) is replaced by an
// empty ack and logged: the envelope is acked either way. It never waits
// more than ackWait, and not at all once Run's context has ended.
func (b *Bot) ack(sm *link, req *socketmode.Request, start time.Time, payload any) {
	if req == nil {
		return
	}
	if payload != nil {
		if wire, merr := json.Marshal(socketmode.Response{EnvelopeID: req.EnvelopeID, Payload: payload}); merr == nil {
			if cerr := blocklimits.CheckSocketModeResponse(wire); cerr != nil {
				b.log.Error("ack payload too large for Slack; acking without it", "envelope_id", req.EnvelopeID, "err", cerr)
				payload = nil
			}
		}
	}
	wait := ackWait
	if sm.stalled.Load() {
		wait = stalledAckWait
	}
	ctx, cancel := context.WithTimeout(sm.ctx, wait)
	err := sm.sm.AckCtx(ctx, req.EnvelopeID, payload)
	cancel()
	b.metrics.AckLatency.Observe(time.Since(start).Seconds())
	b.lastEnvelope.Store(time.Now().UnixNano())
	switch {
	case err == nil:
		if sm.stalled.CompareAndSwap(true, false) {
			b.log.Info("acks are reaching the socket again")
		}
	case sm.ctx.Err() != nil:
		b.log.Debug("not acked: shutting down", "envelope_id", req.EnvelopeID)
	case errors.Is(err, context.DeadlineExceeded):
		if !sm.stalled.Swap(true) {
			b.log.Error("an ack could not reach the socket: the connection is down and its writer gone; giving acks up until it is back (Slack redelivers events, and shows people an error for commands and clicks)",
				"envelope_id", req.EnvelopeID, "waited", wait)
		} else {
			b.log.Debug("ack given up: the socket is still down", "envelope_id", req.EnvelopeID)
		}
	default:
		b.log.Error("could not ack an envelope", "envelope_id", req.EnvelopeID, "err", err)
	}
}

// submit queues a handler; false means the pool is full.
func (b *Bot) submit(ctx context.Context, r *Request, h HandlerFunc) bool {
	b.track(+1)
	ok := b.pool.trySubmit(func() {
		defer b.track(-1)
		<-r.acked
		b.waitForAcks()
		b.runHandler(ctx, r, h)
	})
	if !ok {
		b.track(-1)
		b.metrics.HandlerErrors.WithLabelValues(r.Route, "busy").Inc()
		r.Log.Warn("all workers busy and the queue full; telling the person to retry",
			"workers", b.opts.Workers, "queue", b.opts.QueueSize)
	}
	return ok
}

// During a burst the acks go first: a handler about to start waits while
// envelopes keep arriving (one in the last ackQuiet), for at most
// maxAckPriority. Acks have Slack's 3 s deadline and cost microseconds;
// handlers cost milliseconds of CPU each, and running hundreds of them at
// once would slow the acks of the envelopes still being read. The bound
// keeps sustained load from starving handlers; a lone command waits at
// most ackQuiet.
const (
	ackQuiet       = 300 * time.Microsecond
	maxAckPriority = 25 * time.Millisecond
)

// waitForAcks holds a handler back while the read loop is busy acking.
func (b *Bot) waitForAcks() {
	deadline := time.Now().Add(maxAckPriority)
	for {
		now := time.Now()
		since := now.Sub(time.Unix(0, b.lastEnvelope.Load()))
		if since >= ackQuiet || !now.Before(deadline) {
			return
		}
		time.Sleep(min(ackQuiet-since, deadline.Sub(now)))
	}
}

// runHandler runs h, recovering from a panic, and reports a failure to the
// person.
func (b *Bot) runHandler(ctx context.Context, r *Request, h HandlerFunc) {
	ctx = WithLogger(ctx, r.Log)
	start := time.Now()
	err, panicked := b.call(ctx, r, h)
	b.metrics.HandlerDuration.WithLabelValues(r.Route).Observe(time.Since(start).Seconds())
	if err != nil {
		b.report(ctx, r, err, panicked)
	}
}

func (b *Bot) call(ctx context.Context, r *Request, h HandlerFunc) (err error, panicked bool) {
	defer func() {
		if p := recover(); p != nil {
			err, panicked = fmt.Errorf("panic: %v", p), true
			r.Log.Error("handler panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		}
	}()
	return h(ctx, r), false
}

// tellBusy tells the person Gantry is too busy, off the read loop and
// bounded: when even that is saturated, the notice is dropped (and logged).
func (b *Bot) tellBusy(ctx context.Context, r *Request) {
	select {
	case b.notices <- struct{}{}:
		go func() {
			defer func() { <-b.notices }()
			if err := r.Respond.Ephemeral(WithLogger(ctx, r.Log), BusyMessage()); err != nil {
				r.Log.Warn("could not tell the person Gantry is busy", "err", err)
			}
		}()
	default:
		r.Log.Warn("too busy even to say so; dropping the notice")
	}
}

func (b *Bot) onSlashCommand(ctx context.Context, sm *link, evt socketmode.Event) {
	start := time.Now()
	cmd, ok := evt.Data.(slack.SlashCommand)
	if !ok {
		b.ack(sm, evt.Request, start, nil)
		return
	}
	r := b.newRequest(evt.Request, "slash_commands")
	defer r.markAcked()
	r.Command, r.Text = strings.ToLower(cmd.Command), cmd.Text
	r.User = User{ID: cmd.UserID, Name: cmd.UserName}
	r.Channel = Channel{ID: cmd.ChannelID, Name: cmd.ChannelName}
	r.TriggerID, r.ResponseURL, r.SlashCommand = cmd.TriggerID, cmd.ResponseURL, &cmd
	h, known := b.router.command(r.Command)
	kind := r.Command
	if !known {
		h, kind = b.unknownCommand, "unregistered"
	}
	b.metrics.Envelopes.WithLabelValues("slash_commands", kind).Inc()
	b.finish(r, r.Command)
	if b.submit(ctx, r, h) {
		b.ack(sm, evt.Request, start, nil)
		return
	}
	busy := BusyMessage()
	b.ack(sm, evt.Request, start, responsePayload{Text: busy.Text, Blocks: busy.Blocks, ResponseType: "ephemeral"})
}

func (b *Bot) onInteractive(ctx context.Context, sm *link, evt socketmode.Event) {
	start := time.Now()
	cb, ok := evt.Data.(slack.InteractionCallback)
	if !ok {
		b.ack(sm, evt.Request, start, nil)
		return
	}
	r := b.newRequest(evt.Request, string(cb.Type))
	defer r.markAcked()
	r.User = User{ID: cb.User.ID, Name: cb.User.Name}
	r.Channel = Channel{ID: cb.Channel.ID, Name: cb.Channel.Name}
	r.TriggerID, r.ResponseURL, r.Interaction = cb.TriggerID, cb.ResponseURL, &cb
	if cb.View.ID != "" {
		v := cb.View
		r.View = &v
	}
	b.metrics.Envelopes.WithLabelValues("interactive", string(cb.Type)).Inc()

	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		if len(cb.ActionCallback.BlockActions) == 0 {
			b.ack(sm, evt.Request, start, nil)
			return
		}
		r.Action = cb.ActionCallback.BlockActions[0]
		if c := cb.Container; c.MessageTs != "" {
			r.Message = &MessageRef{Channel: c.ChannelID, TS: c.MessageTs, ThreadTS: c.ThreadTs, Ephemeral: c.IsEphemeral}
			if r.Channel.ID == "" {
				r.Channel.ID = c.ChannelID
			}
		}
		route, h, found := b.router.action(r.Action.ActionID)
		b.finish(r, route)
		if !found {
			// Link buttons send block_actions too; nothing to do.
			r.Log.Debug("no handler for action", "action_id", r.Action.ActionID)
			b.ack(sm, evt.Request, start, nil)
			return
		}
		b.dispatch(ctx, sm, evt, start, r, h)

	case slack.InteractionTypeViewSubmission:
		route, v, found := b.router.view(cb.View.CallbackID)
		b.finish(r, route)
		if !found {
			r.Log.Warn("no handler for this modal's submission; closing it", "callback_id", cb.View.CallbackID)
			b.ack(sm, evt.Request, start, nil)
			return
		}
		b.onViewSubmission(ctx, sm, evt, start, r, v)

	case slack.InteractionTypeViewClosed:
		route, h, found := b.router.viewClosed(cb.View.CallbackID)
		b.finish(r, route)
		if !found {
			b.ack(sm, evt.Request, start, nil)
			return
		}
		b.dispatch(ctx, sm, evt, start, r, h)

	case slack.InteractionTypeBlockSuggestion:
		r.Text = cb.Value
		route, fn, found := b.router.suggestion(cb.ActionID)
		b.finish(r, route)
		if !found {
			b.ack(sm, evt.Request, start, suggestions{Options: []*slack.OptionBlockObject{}})
			return
		}
		b.suggest(ctx, sm, evt, start, r, fn)

	case slack.InteractionTypeShortcut, slack.InteractionTypeMessageAction:
		if cb.MessageTs != "" {
			r.Message = &MessageRef{Channel: cb.Channel.ID, TS: cb.MessageTs}
		}
		route, h, found := b.router.shortcut(cb.CallbackID)
		b.finish(r, route)
		if !found {
			r.Log.Warn("no handler for shortcut", "callback_id", cb.CallbackID)
			b.ack(sm, evt.Request, start, nil)
			return
		}
		b.dispatch(ctx, sm, evt, start, r, h)

	default:
		b.finish(r, string(cb.Type))
		b.ack(sm, evt.Request, start, nil)
	}
}

// suggestions is the ack of a block_suggestion: the options to show.
type suggestions struct {
	Options []*slack.OptionBlockObject `json:"options"`
}

// suggestTimeout keeps an options answer inside Slack's 3 s deadline.
const suggestTimeout = 2500 * time.Millisecond

// suggest computes an external_select's options in the pool and acks with
// them; when the pool is full, or the answer fails, it acks with none.
func (b *Bot) suggest(ctx context.Context, sm *link, evt socketmode.Event, start time.Time, r *Request, fn SuggestFunc) {
	ok := b.submit(ctx, r, func(ctx context.Context, r *Request) error {
		sctx, cancel := context.WithTimeout(ctx, suggestTimeout)
		defer cancel()
		opts, err := fn(sctx, r)
		if err != nil || sctx.Err() != nil {
			r.Log.Warn("no options for an external select", "err", err, "late", sctx.Err() != nil)
			opts = nil
		}
		if opts == nil {
			opts = []*slack.OptionBlockObject{}
		}
		b.ack(sm, evt.Request, start, suggestions{Options: opts})
		return nil
	})
	if !ok {
		b.ack(sm, evt.Request, start, suggestions{Options: []*slack.OptionBlockObject{}})
	}
}

// dispatch queues h for r and acks; when the pool is full the person is
// told so.
func (b *Bot) dispatch(ctx context.Context, sm *link, evt socketmode.Event, start time.Time, r *Request, h HandlerFunc) {
	ok := b.submit(ctx, r, h)
	b.ack(sm, evt.Request, start, nil)
	if !ok {
		b.tellBusy(ctx, r)
	}
}

// onViewSubmission validates in the read loop so the verdict can ride in
// the ack, then queues the continuation.
func (b *Bot) onViewSubmission(ctx context.Context, sm *link, evt socketmode.Event, start time.Time, r *Request, v ViewSubmission) {
	var resp *ViewResponse
	if v.Validate != nil {
		resp = b.validate(r, v.Validate)
	}
	if resp != nil && resp.Action == "errors" {
		b.ack(sm, evt.Request, start, resp)
		return
	}
	if resp != nil && resp.View != nil {
		if raw, err := json.Marshal(resp.View); err == nil {
			if cerr := blocklimits.CheckView(raw); cerr != nil {
				r.Log.Error("the view a submission answered with breaks Slack's limits", "err", cerr)
				resp = b.formError(r, "Gantry built a form Slack would refuse (it has been logged); please try again later.")
				b.ack(sm, evt.Request, start, resp)
				return
			}
		}
	}
	if v.Then != nil && !b.submit(ctx, r, v.Then) {
		if busy := b.formError(r, BusyMessage().Text); busy != nil {
			b.ack(sm, evt.Request, start, busy) // keeps the modal and its values: Submit again
			return
		}
		b.ack(sm, evt.Request, start, resp)
		b.tellBusy(ctx, r)
		return
	}
	b.ack(sm, evt.Request, start, resp)
}

// validate runs a validator, turning a panic into a message on the form.
func (b *Bot) validate(r *Request, fn func(*Request) *ViewResponse) (resp *ViewResponse) {
	defer func() {
		if p := recover(); p != nil {
			id := newErrorID()
			r.Log.Error("view validator panicked", "error_id", id, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			b.metrics.HandlerErrors.WithLabelValues(r.Route, "panic").Inc()
			resp = b.formError(r, SomethingWentWrong(id).Text)
		}
	}()
	return fn(r)
}

// formError shows msg under the form's first input, or returns nil when
// the form has none.
func (b *Bot) formError(r *Request, msg string) *ViewResponse {
	if block := r.FirstInputBlock(); block != "" {
		return ViewErrors(map[string]string{block: msg})
	}
	return nil
}

func (b *Bot) onEventsAPI(ctx context.Context, sm *link, evt socketmode.Event) {
	start := time.Now()
	ev, ok := evt.Data.(slackevents.EventsAPIEvent)
	if !ok || ev.Type != slackevents.CallbackEvent {
		b.ack(sm, evt.Request, start, nil)
		return
	}
	r := b.newRequest(evt.Request, ev.InnerEvent.Type)
	defer r.markAcked()
	r.Event = &ev
	h, known := b.router.event(ev.InnerEvent.Type)
	kind := ev.InnerEvent.Type
	if !known {
		kind = "unregistered"
	}
	b.metrics.Envelopes.WithLabelValues("events_api", kind).Inc()
	switch data := ev.InnerEvent.Data.(type) {
	case *slackevents.AppMentionEvent:
		r.User.ID, r.Channel.ID, r.Text = data.User, data.Channel, data.Text
		r.Message = &MessageRef{Channel: data.Channel, TS: data.TimeStamp, ThreadTS: data.ThreadTimeStamp}
	case *slackevents.AppHomeOpenedEvent:
		r.User.ID, r.Text = data.User, data.Tab
		if data.View != nil {
			r.View = data.View
		}
	}
	b.finish(r, ev.InnerEvent.Type)
	if cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent); ok && cb.EventID != "" {
		if !b.events.first("event:" + cb.EventID) {
			b.metrics.Duplicates.Inc()
			r.Log.Info("redelivered event already handled; acking it again", "event_id", cb.EventID, "retry_attempt", r.RetryAttempt)
			b.ack(sm, evt.Request, start, nil)
			return
		}
		if known {
			h = b.onceAcrossProcesses(cb.EventID, h)
		}
	}
	if !known {
		b.ack(sm, evt.Request, start, nil)
		return
	}
	ok = b.submit(ctx, r, h)
	b.ack(sm, evt.Request, start, nil)
	if !ok && r.Type == "app_mention" {
		b.tellBusy(ctx, r)
	}
}

// onceAcrossProcesses runs h only if the event is claimed here first in
// the database (Options.Claims): a redelivery that reached another
// replica, or this process after a restart, is acked and skipped there.
// The claim is made in the pool, so that the read loop never waits for
// the database.
func (b *Bot) onceAcrossProcesses(eventID string, h HandlerFunc) HandlerFunc {
	return func(ctx context.Context, r *Request) error {
		if !b.events.shared(ctx, "event:"+eventID) {
			b.metrics.Duplicates.Inc()
			r.Log.Info("redelivered event already handled by another process (claimed in the database); skipping it",
				"event_id", eventID, "retry_attempt", r.RetryAttempt)
			return nil
		}
		return h(ctx, r)
	}
}
