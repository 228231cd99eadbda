package bot

import (
	"context"
	"errors"

	"github.com/slack-go/slack"

	"github.com/gantryhq/gantry/internal/errkind"
)

// Responder answers the person behind a Request, choosing the route that
// works where they are: the response_url Slack gave (works in any
// conversation, even where the bot is not a member), else the Web API, else
// a direct message. Every route goes through WebAPI, so every answer is
// limit-checked, paced and retried.
type Responder struct {
	api *WebAPI
	r   *Request
}

// inModal reports whether the request came from a modal or home tab,
// whose response_urls (if any) do not answer the view itself.
func (s *Responder) inView() bool { return s.r.View != nil && s.r.View.ID != "" }

// Ephemeral shows m to the person only. In a channel it is an ephemeral
// message; from a modal or App Home, where there is no channel, it is a
// direct message. If one route fails (an expired response_url, a channel
// the bot cannot post in, an outage), the next is tried.
func (s *Responder) Ephemeral(ctx context.Context, m Message) error {
	var errs []error
	if s.r.ResponseURL != "" && !s.inView() {
		err := s.api.Respond(ctx, s.r.ResponseURL, responsePayload{Text: m.Text, Blocks: m.Blocks, ThreadTS: m.ThreadTS, ResponseType: "ephemeral"})
		if err == nil || !worthAnotherRoute(err) {
			return err
		}
		s.r.Log.Warn("response_url failed; trying chat.postEphemeral", "err", err)
		errs = append(errs, err)
	}
	if ch := s.r.Channel.ID; ch != "" && !s.inView() {
		err := s.api.PostEphemeral(ctx, ch, s.r.User.ID, m)
		if err == nil || !worthAnotherRoute(err) {
			return err
		}
		s.r.Log.Warn("chat.postEphemeral failed; trying a direct message", "err", err)
		errs = append(errs, err)
	}
	if err := s.DM(ctx, m); err != nil {
		return errors.Join(append(errs, err)...)
	}
	return nil
}

// worthAnotherRoute: a route that is refused or down may not be the only
// one; a payload Slack's limits refuse, or a cancelled context, fails
// everywhere; and a post Slack may have shown already (APIError.Unsure)
// must not be shown twice.
func worthAnotherRoute(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && !ae.Local && !ae.IsAuth() && !ae.Unsure
}

// InChannel posts m where the request came from, for everyone to see:
// through the response_url when there is one (no channel membership
// needed), else with chat.postMessage (set m.ThreadTS to answer in a
// thread).
func (s *Responder) InChannel(ctx context.Context, m Message) error {
	if s.r.ResponseURL != "" && !s.inView() {
		return s.api.Respond(ctx, s.r.ResponseURL, responsePayload{Text: m.Text, Blocks: m.Blocks, ThreadTS: m.ThreadTS, ResponseType: "in_channel"})
	}
	if s.r.Channel.ID == "" {
		return errkind.New(errkind.Invalid, "there is no channel to answer in here")
	}
	_, err := s.api.PostMessage(ctx, s.r.Channel.ID, m)
	return err
}

// Update replaces what the person acted on, in place: the message holding
// the button (ephemeral or not), or the modal or home tab (keeping its
// title, buttons and metadata, with m's blocks).
func (s *Responder) Update(ctx context.Context, m Message) error {
	switch {
	case s.inView() && s.r.View.Type == slack.VTHomeTab:
		_, err := s.api.PublishHome(ctx, s.r.User.ID, slack.HomeTabViewRequest{
			Blocks: slack.Blocks{BlockSet: m.Blocks}, CallbackID: s.r.View.CallbackID, PrivateMetadata: s.r.View.PrivateMetadata})
		return err
	case s.inView():
		_, err := s.api.UpdateView(ctx, s.r.View.ID, "", modalLike(s.r.View, m.Blocks))
		return err
	case s.r.ResponseURL != "":
		return s.api.Respond(ctx, s.r.ResponseURL, responsePayload{Text: m.Text, Blocks: m.Blocks, ReplaceOriginal: true})
	case s.r.Message != nil && !s.r.Message.Ephemeral:
		return s.api.UpdateMessage(ctx, s.r.Message.Channel, s.r.Message.TS, m)
	}
	return errkind.New(errkind.Invalid, "there is nothing to update here")
}

// modalLike keeps a modal's frame and replaces its blocks.
func modalLike(v *slack.View, blocks []slack.Block) slack.ModalViewRequest {
	return slack.ModalViewRequest{
		Type: slack.VTModal, Title: v.Title, Close: v.Close, Submit: v.Submit,
		Blocks: slack.Blocks{BlockSet: blocks}, PrivateMetadata: v.PrivateMetadata, CallbackID: v.CallbackID,
		ClearOnClose: v.ClearOnClose, NotifyOnClose: v.NotifyOnClose,
	}
}

// Delete removes the message the person acted on.
func (s *Responder) Delete(ctx context.Context) error {
	if s.r.ResponseURL != "" && !s.inView() {
		return s.api.Respond(ctx, s.r.ResponseURL, responsePayload{DeleteOriginal: true})
	}
	if s.r.Message != nil && !s.r.Message.Ephemeral {
		return s.api.DeleteMessage(ctx, s.r.Message.Channel, s.r.Message.TS)
	}
	return errkind.New(errkind.Invalid, "there is no message to delete here")
}

// OpenModal opens v with the request's trigger_id. Call it first thing in
// the handler: the trigger works once, within 3 s of the click or command.
func (s *Responder) OpenModal(ctx context.Context, v slack.ModalViewRequest) (*slack.View, error) {
	if s.r.TriggerID == "" {
		return nil, errkind.New(errkind.Invalid, "a form can only be opened in answer to a command, a button or a shortcut")
	}
	return s.api.OpenView(ctx, s.r.TriggerID, v)
}

// PushModal stacks v on the modal the request came from.
func (s *Responder) PushModal(ctx context.Context, v slack.ModalViewRequest) (*slack.View, error) {
	return s.api.PushView(ctx, s.r.TriggerID, v)
}

// UpdateModal replaces the open modal viewID with v.
func (s *Responder) UpdateModal(ctx context.Context, viewID string, v slack.ModalViewRequest) error {
	_, err := s.api.UpdateView(ctx, viewID, "", v)
	return err
}

// PublishHome publishes the person's App Home tab.
func (s *Responder) PublishHome(ctx context.Context, v slack.HomeTabViewRequest) error {
	_, err := s.api.PublishHome(ctx, s.r.User.ID, v)
	return err
}

// DM sends m to the person in their direct messages with the app: where
// secrets go, never a channel.
func (s *Responder) DM(ctx context.Context, m Message) error {
	dm, err := s.api.OpenDM(ctx, s.r.User.ID)
	if err != nil {
		return err
	}
	_, err = s.api.PostMessage(ctx, dm, m)
	return err
}
