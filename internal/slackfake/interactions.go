package slackfake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/gantryhq/gantry/internal/slackfake/blocklimits"
)

// Target names what a user acts on: a message (Channel and TS) or a view
// (ViewID: a modal or a home tab).
type Target struct {
	Channel string `json:"channel,omitempty"`
	TS      string `json:"ts,omitempty"`
	ViewID  string `json:"view_id,omitempty"`
}

// InMessage targets a message.
func InMessage(channel, ts string) Target { return Target{Channel: channel, TS: ts} }

// InView targets a modal or home tab.
func InView(viewID string) Target { return Target{ViewID: viewID} }

// Target returns the message as an interaction target.
func (m Message) Target() Target { return InMessage(m.Channel, m.TS) }

// Target returns the view as an interaction target.
func (v View) Target() Target { return InView(v.ID) }

// The methods below are what a person does in Slack. Each sends the app
// what Slack would, over Socket Mode, and returns the Delivery to follow.
// They fail with ErrNotConnected when the app has no socket open, as Slack
// shows the user "dispatch_failed" then.

func (s *Server) userLocked(id string) (*User, error) {
	u, ok := s.ws.users[id]
	if !ok || u.IsBot {
		return nil, fmt.Errorf("user %s: %w", id, ErrNotFound)
	}
	return u, nil
}

func (s *Server) channelForLocked(user, ref string) (*Channel, error) {
	ch, ok := s.ws.resolveChannel(ref, s.opts.Now())
	if !ok {
		return nil, fmt.Errorf("channel %s: %w", ref, ErrNotFound)
	}
	if !ch.canSee(user) {
		return nil, fmt.Errorf("channel %s for %s: %w", ref, user, ErrNotVisible)
	}
	return ch, nil
}

// deliver dispatches under the lock and writes after releasing it.
func (s *Server) deliver(build func() (dispatchSpec, error)) (*Delivery, error) {
	s.mu.Lock()
	spec, err := build()
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	d, job, err := s.dispatchLocked(spec)
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	s.send(job)
	return d, nil
}

// SlashCommand is user typing "/command text" in channel. The delivery
// carries the trigger_id and response_url; a response in the ack payload
// becomes a message (ephemeral unless response_type is in_channel).
func (s *Server) SlashCommand(ctx context.Context, userID, channelID, command, text string) (*Delivery, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.deliver(func() (dispatchSpec, error) {
		u, err := s.userLocked(userID)
		if err != nil {
			return dispatchSpec{}, err
		}
		ch, err := s.channelForLocked(u.ID, channelID)
		if err != nil {
			return dispatchSpec{}, err
		}
		if !strings.HasPrefix(command, "/") {
			command = "/" + command
		}
		trig := s.newTriggerLocked(u.ID, EnvelopeSlashCommands)
		ruURL := s.newResponseURLLocked("commands", u.ID, ch.ID, "")
		ru := s.responseURLs[strings.TrimPrefix(ruURL, s.baseURL)]
		// Slack sends slash command fields as strings, booleans included.
		payload := map[string]any{
			"token": s.opts.VerificationToken, "team_id": s.ws.team.ID, "team_domain": s.ws.team.Domain,
			"channel_id": ch.ID, "channel_name": channelName(ch), "user_id": u.ID, "user_name": u.Name,
			"command": command, "text": text, "api_app_id": s.opts.AppID, "is_enterprise_install": "false",
			"response_url": ruURL, "trigger_id": trig,
		}
		return dispatchSpec{typ: EnvelopeSlashCommands, payloadType: command, payload: payload, accepts: true,
			triggerID: trig, responseURL: ruURL, onAck: func(res *AckResult) { s.slashAckLocked(ru, res) }}, nil
	})
}

// slashAckLocked posts a slash command's ack payload, as Slack does.
func (s *Server) slashAckLocked(ru *responseURL, res *AckResult) {
	if res.Payload == nil {
		return
	}
	var msg responsePayload
	if err := json.Unmarshal(res.Payload, &msg); err != nil {
		res.Err = fmt.Errorf("slash command ack payload: %w", err)
		return
	}
	if msg.Text == "" && isEmptyJSON(msg.Blocks) && isEmptyJSON(msg.Attachments) {
		return // an empty ack shows nothing
	}
	msg.ReplaceOriginal, msg.DeleteOriginal = false, false
	m, fail := s.applyResponseLocked(ru, msg, "ack")
	if fail != nil {
		res.Err = fail.asError()
		return
	}
	cp := m.clone()
	res.Message = &cp
}

func (r apiResult) asError() error {
	e := &blocklimits.Error{Code: r.errorCode()}
	if md, ok := r.body["response_metadata"].(map[string]any); ok {
		e.Messages, _ = md["messages"].([]string)
	}
	return e
}

// surface is the message or view an action happens in.
type surface struct {
	msg  *Message
	ch   *Channel
	view *View
}

func (s *Server) surfaceLocked(u *User, t Target) (surface, error) {
	if t.ViewID != "" {
		v, ok := s.ws.views[t.ViewID]
		if !ok {
			return surface{}, fmt.Errorf("view %s: %w", t.ViewID, ErrNotFound)
		}
		if v.UserID != u.ID {
			return surface{}, fmt.Errorf("view %s: %w", t.ViewID, ErrNotVisible)
		}
		if stack := s.ws.stacks[u.ID]; v.Type == "modal" && (len(stack) == 0 || stack[len(stack)-1] != v.ID) {
			return surface{}, fmt.Errorf("view %s is under another modal: %w", t.ViewID, ErrNotVisible)
		}
		return surface{view: v}, nil
	}
	ch, err := s.channelForLocked(u.ID, t.Channel)
	if err != nil {
		return surface{}, err
	}
	m := s.ws.findMessage(ch.ID, t.TS)
	if m == nil {
		return surface{}, fmt.Errorf("message %s/%s: %w", t.Channel, t.TS, ErrNotFound)
	}
	if m.Ephemeral && m.VisibleTo != u.ID {
		return surface{}, fmt.Errorf("ephemeral %s/%s: %w", t.Channel, t.TS, ErrNotVisible)
	}
	return surface{msg: m, ch: ch}, nil
}

func (sf surface) blocks() json.RawMessage {
	if sf.view != nil {
		return sf.view.Blocks
	}
	return sf.msg.Blocks
}

// ClickButton is user clicking the button actionID in a message or view.
// An empty value sends the button's own value.
func (s *Server) ClickButton(ctx context.Context, userID string, t Target, actionID, value string) (*Delivery, error) {
	return s.act(ctx, userID, t, actionID, func(el map[string]any) (map[string]any, error) {
		if el["type"] != "button" {
			return nil, fmt.Errorf("element %s is a %v, not a button", actionID, el["type"])
		}
		a := map[string]any{"text": el["text"], "value": el["value"]}
		if value != "" {
			a["value"] = value
		}
		if st, ok := el["style"]; ok {
			a["style"] = st
		}
		return a, nil
	})
}

// SelectOption is user choosing in a select menu, overflow, radio buttons,
// checkboxes, user/channel/conversation picker or date/time picker:
// values are option values (or ids, dates, times).
func (s *Server) SelectOption(ctx context.Context, userID string, t Target, actionID string, values ...string) (*Delivery, error) {
	return s.act(ctx, userID, t, actionID, func(el map[string]any) (map[string]any, error) {
		if el["type"] == "button" {
			return nil, fmt.Errorf("element %s is a button: use ClickButton", actionID)
		}
		return selection(el, values)
	})
}

// describe adds to an interaction's payload where it happened, as Slack
// does: the view (container and view), or the message (container,
// channel, and the message unless it is ephemeral).
func (sf surface) describe(p map[string]any) {
	if v := sf.view; v != nil {
		p["container"] = map[string]any{"type": "view", "view_id": v.ID}
		p["view"] = v.wire()
		return
	}
	m := sf.msg
	p["container"] = map[string]any{"type": "message", "message_ts": m.TS, "channel_id": m.Channel, "is_ephemeral": m.Ephemeral}
	p["channel"] = map[string]any{"id": sf.ch.ID, "name": channelName(sf.ch)}
	if !m.Ephemeral {
		p["message"] = m.wire()
	}
}

// elementLocked finds the person, the surface they act on and the
// element actionID in it.
func (s *Server) elementLocked(userID string, t Target, actionID string) (*User, surface, foundElement, error) {
	u, err := s.userLocked(userID)
	if err != nil {
		return nil, surface{}, foundElement{}, err
	}
	sf, err := s.surfaceLocked(u, t)
	if err != nil {
		return nil, surface{}, foundElement{}, err
	}
	found, ok := findElement(sf.blocks(), actionID)
	if !ok {
		return nil, surface{}, foundElement{}, fmt.Errorf("action_id %s in %+v: %w", actionID, t, ErrNotFound)
	}
	return u, sf, found, nil
}

// act sends the block_actions interaction for one element.
func (s *Server) act(ctx context.Context, userID string, t Target, actionID string, fields func(map[string]any) (map[string]any, error)) (*Delivery, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.deliver(func() (dispatchSpec, error) {
		u, sf, found, err := s.elementLocked(userID, t, actionID)
		if err != nil {
			return dispatchSpec{}, err
		}
		action, err := fields(found.element)
		if err != nil {
			return dispatchSpec{}, err
		}
		action["action_id"], action["block_id"], action["type"] = actionID, found.blockID, found.element["type"]
		action["action_ts"] = actionTS(s.opts.Now())
		trig := s.newTriggerLocked(u.ID, "block_actions")
		p := s.interactionBaseLocked("block_actions", u)
		p["trigger_id"], p["actions"] = trig, []any{action}
		spec := dispatchSpec{typ: EnvelopeInteractive, payloadType: "block_actions", triggerID: trig}
		if v := sf.view; v != nil && v.Type == "modal" {
			if v.State, err = s.viewStateLocked(v, nil); err != nil {
				return dispatchSpec{}, err
			}
		}
		sf.describe(p)
		if sf.view == nil { // a message's actions also get a response_url
			p["state"] = map[string]any{"values": map[string]any{}}
			spec.responseURL = s.newResponseURLLocked("actions", u.ID, sf.msg.Channel, sf.msg.TS)
			p["response_url"] = spec.responseURL
		}
		spec.payload = p
		return spec, nil
	})
}

// SetViewValues is user typing into a modal's inputs without submitting;
// the values appear in later block_actions and in the submission.
func (s *Server) SetViewValues(userID, viewID string, vals Values) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.userLocked(userID)
	if err != nil {
		return err
	}
	sf, err := s.surfaceLocked(u, InView(viewID))
	if err != nil {
		return err
	}
	state, err := s.viewStateLocked(sf.view, vals)
	if err != nil {
		return err
	}
	sf.view.State = state
	return nil
}

// ViewSubmissionResult is what came of a modal submission.
type ViewSubmissionResult struct {
	Delivery       *Delivery
	Ack            *AckResult
	ResponseAction string            // "", "errors", "update", "push" or "clear"
	Errors         map[string]string // response_action errors: block_id → message
	Closed         bool              // the submitted modal closed
	View           *View             // the user's top modal afterwards; nil if none
	// Err says why the response was refused (an invalid view, errors naming
	// no input block, a full stack); Slack then shows the user an error and
	// the modal stays as it was.
	Err error
}

// SubmitView is user pressing Submit on their top modal with vals entered,
// and waits for the app's ack: response_action errors keep the modal and
// show the messages, update/push/clear do what they say, no response
// action closes the modal. A required input left empty fails with
// ErrInputRequired, as Slack's client would refuse to submit.
func (s *Server) SubmitView(ctx context.Context, userID, viewID string, vals Values) (*ViewSubmissionResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res := &ViewSubmissionResult{}
	d, err := s.deliver(func() (dispatchSpec, error) {
		u, err := s.userLocked(userID)
		if err != nil {
			return dispatchSpec{}, err
		}
		sf, err := s.surfaceLocked(u, InView(viewID))
		if err != nil {
			return dispatchSpec{}, err
		}
		v := sf.view
		if v.Type != "modal" {
			return dispatchSpec{}, fmt.Errorf("view %s is a %s, not a modal", viewID, v.Type)
		}
		state, err := s.viewStateLocked(v, vals)
		if err != nil {
			return dispatchSpec{}, err
		}
		if missing := missingRequired(v, state); missing != "" {
			return dispatchSpec{}, fmt.Errorf("block %s: %w", missing, ErrInputRequired)
		}
		v.State = state
		trig := s.newTriggerLocked(u.ID, "view_submission")
		p := s.interactionBaseLocked("view_submission", u)
		p["trigger_id"], p["view"], p["response_urls"] = trig, v.wire(), []any{}
		return dispatchSpec{typ: EnvelopeInteractive, payloadType: "view_submission", payload: p, accepts: true,
			triggerID: trig, onAck: func(ack *AckResult) { s.viewSubmissionAckLocked(u.ID, v.ID, ack, res) }}, nil
	})
	if err != nil {
		return nil, err
	}
	res.Delivery = d
	ack, err := d.Wait(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	res.Ack = ack
	if stack := s.ws.stacks[userID]; len(stack) > 0 {
		top := s.ws.views[stack[len(stack)-1]].clone()
		res.View = &top
	}
	return res, err
}

// viewSubmissionAckLocked applies a view_submission ack's response_action.
func (s *Server) viewSubmissionAckLocked(user, viewID string, ack *AckResult, res *ViewSubmissionResult) {
	var r struct {
		ResponseAction string            `json:"response_action"`
		Errors         map[string]string `json:"errors"`
		View           json.RawMessage   `json:"view"`
	}
	if ack.Payload != nil {
		if err := json.Unmarshal(ack.Payload, &r); err != nil {
			ack.Err = fmt.Errorf("view_submission ack payload: %w", err)
			res.Err = ack.Err
			return
		}
	}
	res.ResponseAction = r.ResponseAction
	v, ok := s.ws.views[viewID]
	if !ok {
		return // closed meanwhile (e.g. views.update raced); nothing to apply
	}
	refuse := func(err error) {
		ack.Err, res.Err = err, err
	}
	switch r.ResponseAction {
	case "":
		s.closeViewsLocked(user, v.ID)
		res.Closed = true
	case "errors":
		inputs := map[string]bool{}
		for _, b := range inputBlocks(v.Blocks) {
			id, _ := b["block_id"].(string)
			inputs[id] = true
		}
		for id := range r.Errors {
			if !inputs[id] {
				refuse(fmt.Errorf("response_action errors names %q, which is not an input block of view %s; Slack shows a generic error instead", id, v.ID))
				return
			}
		}
		if len(r.Errors) == 0 {
			refuse(errors.New("response_action errors without errors"))
			return
		}
		v.Errors = r.Errors
		res.Errors = r.Errors
		s.publishViewLocked(EventViewUpdated, v)
	case "update", "push":
		req, fail, ok := parseView(r.View, "modal")
		if !ok {
			refuse(fail.asError())
			return
		}
		if r.ResponseAction == "update" {
			s.fillViewLocked(v, req)
			s.publishViewLocked(EventViewUpdated, v)
			return
		}
		if len(s.ws.stacks[user]) >= maxModalStack {
			refuse(&blocklimits.Error{Code: "push_limit_reached"})
			return
		}
		s.pushModalLocked(user, s.newViewLocked(req, user))
	case "clear":
		if stack := s.ws.stacks[user]; len(stack) > 0 {
			s.closeViewsLocked(user, stack[0])
		}
		res.Closed = true
	default:
		refuse(fmt.Errorf("unknown response_action %q", r.ResponseAction))
	}
}

// CloseView is user closing their top modal (the X or Close button). A
// modal with clear_on_close closes the whole stack. The app hears about it
// (view_closed) only if the view asked with notify_on_close; otherwise the
// returned Delivery is nil.
func (s *Server) CloseView(ctx context.Context, userID, viewID string) (*Delivery, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var notify bool
	d, err := s.deliver(func() (dispatchSpec, error) {
		u, err := s.userLocked(userID)
		if err != nil {
			return dispatchSpec{}, err
		}
		sf, err := s.surfaceLocked(u, InView(viewID))
		if err != nil {
			return dispatchSpec{}, err
		}
		v := sf.view
		if v.Type != "modal" {
			return dispatchSpec{}, fmt.Errorf("view %s is a %s, not a modal", viewID, v.Type)
		}
		cleared := v.ClearOnClose
		if cleared {
			s.closeViewsLocked(u.ID, s.ws.stacks[u.ID][0])
		} else {
			s.closeViewsLocked(u.ID, v.ID)
		}
		if notify = v.NotifyOnClose; !notify {
			return dispatchSpec{}, errNoDelivery
		}
		p := s.interactionBaseLocked("view_closed", u)
		p["view"], p["is_cleared"] = v.wire(), cleared
		return dispatchSpec{typ: EnvelopeInteractive, payloadType: "view_closed", payload: p}, nil
	})
	if !notify && errors.Is(err, errNoDelivery) {
		return nil, nil
	}
	return d, err
}

// errNoDelivery tells deliver's caller that the action needed no envelope.
const errNoDelivery ErrorCode = "slackfake: nothing to deliver"

// OpenAppHome is user opening the app's Home tab: app_home_opened, with
// the published home view if there is one.
func (s *Server) OpenAppHome(ctx context.Context, userID string) (*Delivery, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.deliver(func() (dispatchSpec, error) {
		u, err := s.userLocked(userID)
		if err != nil {
			return dispatchSpec{}, err
		}
		dm := s.ws.openDM(u.ID, s.opts.Now())
		ev := map[string]any{"type": "app_home_opened", "user": u.ID, "channel": dm.ID, "tab": "home",
			"event_ts": actionTS(s.opts.Now())}
		if v, ok := s.ws.views[s.ws.homes[u.ID]]; ok {
			ev["view"] = v.wire()
		}
		return dispatchSpec{typ: EnvelopeEventsAPI, payloadType: "app_home_opened", payload: s.eventCallbackLocked(ev)}, nil
	})
}

// Say is user typing text into a conversation (a channel id or name, or a
// user id for the app's DM with them), as a person in the playground does.
// The message appears, and the app hears of it as Slack would tell it:
// message.im in its DM, app_mention when the text mentions the bot in a
// channel the bot is in, nothing otherwise (the Delivery is then nil). If
// the app had to hear and cannot (no socket), the message stays posted and
// the error is ErrNotConnected, as a user's message survives a broken app.
func (s *Server) Say(ctx context.Context, userID, channel, text string) (Message, *Delivery, error) {
	if err := ctx.Err(); err != nil {
		return Message{}, nil, err
	}
	var posted Message
	d, err := s.deliver(func() (dispatchSpec, error) {
		u, err := s.userLocked(userID)
		if err != nil {
			return dispatchSpec{}, err
		}
		ch, err := s.channelForLocked(u.ID, channel)
		if err != nil {
			return dispatchSpec{}, err
		}
		m := s.addMessageLocked(&Message{Channel: ch.ID, User: u.ID, Text: text, Via: "user"})
		posted = m.clone()
		ev := map[string]any{"user": u.ID, "text": text, "ts": m.TS, "channel": ch.ID, "event_ts": m.TS,
			"team": s.ws.team.ID, "client_msg_id": uuidLike()}
		switch {
		case ch.IsIM:
			ev["type"], ev["channel_type"] = "message", "im"
		case ch.IsMember && strings.Contains(text, "<@"+s.ws.botUserID+">"):
			ev["type"] = "app_mention"
		default:
			return dispatchSpec{}, errNoDelivery
		}
		return dispatchSpec{typ: EnvelopeEventsAPI, payloadType: ev["type"].(string), payload: s.eventCallbackLocked(ev)}, nil
	})
	if errors.Is(err, errNoDelivery) {
		return posted, nil, nil
	}
	return posted, d, err
}

// Mention is user posting text that mentions the bot in channel (the
// mention is prepended unless text has it): the message appears and the
// app gets app_mention. Slack sends none when the bot is not in the
// channel, so that is an error here.
func (s *Server) Mention(ctx context.Context, userID, channelID, text string) (*Delivery, error) {
	mention := "<@" + s.BotUser().ID + ">"
	if !strings.Contains(text, mention) {
		text = mention + " " + text
	}
	_, d, err := s.Say(ctx, userID, channelID, text)
	if err == nil && d == nil {
		err = fmt.Errorf("the bot is not in %s, so Slack sends no app_mention: %w", channelID, ErrNotVisible)
	}
	return d, err
}

// SendDM is user writing to the app in its DM (message.im).
func (s *Server) SendDM(ctx context.Context, userID, text string) (*Delivery, error) {
	_, d, err := s.Say(ctx, userID, userID, text)
	return d, err
}

// Shortcut is user running the app's global shortcut callbackID.
func (s *Server) Shortcut(ctx context.Context, userID, callbackID string) (*Delivery, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.deliver(func() (dispatchSpec, error) {
		u, err := s.userLocked(userID)
		if err != nil {
			return dispatchSpec{}, err
		}
		trig := s.newTriggerLocked(u.ID, "shortcut")
		p := s.interactionBaseLocked("shortcut", u)
		p["callback_id"], p["trigger_id"], p["action_ts"] = callbackID, trig, actionTS(s.opts.Now())
		return dispatchSpec{typ: EnvelopeInteractive, payloadType: "shortcut", payload: p, triggerID: trig}, nil
	})
}

// MessageShortcut is user running the message shortcut callbackID on a
// message (message_action).
func (s *Server) MessageShortcut(ctx context.Context, userID string, t Target, callbackID string) (*Delivery, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.deliver(func() (dispatchSpec, error) {
		u, err := s.userLocked(userID)
		if err != nil {
			return dispatchSpec{}, err
		}
		sf, err := s.surfaceLocked(u, t)
		if err != nil {
			return dispatchSpec{}, err
		}
		if sf.msg == nil {
			return dispatchSpec{}, errors.New("a message shortcut needs a message target")
		}
		trig := s.newTriggerLocked(u.ID, "message_action")
		ru := s.newResponseURLLocked("actions", u.ID, sf.msg.Channel, sf.msg.TS)
		p := s.interactionBaseLocked("message_action", u)
		p["callback_id"], p["trigger_id"], p["action_ts"] = callbackID, trig, actionTS(s.opts.Now())
		p["channel"] = map[string]any{"id": sf.ch.ID, "name": channelName(sf.ch)}
		p["message_ts"], p["message"], p["response_url"] = sf.msg.TS, sf.msg.wire(), ru
		return dispatchSpec{typ: EnvelopeInteractive, payloadType: "message_action", payload: p, triggerID: trig, responseURL: ru}, nil
	})
}
