package bot

import (
	"github.com/slack-go/slack"
)

// Message is what the bot posts: Block Kit blocks and the text Slack shows
// in notifications and where blocks cannot be shown. Views build Messages;
// the Responder and WebAPI send them.
type Message struct {
	// Text is the notification and fallback text; alone, it is the message.
	Text string `json:"text"`
	// Blocks are the message's layout; at most 50 per message (WebAPI's
	// PostMessage splits longer ones into consecutive messages; interactive
	// lists paginate with buttons instead, see Pager).
	Blocks []slack.Block `json:"blocks,omitempty"`
	// ThreadTS makes the message a reply in that thread.
	ThreadTS string `json:"thread_ts,omitempty"`
}

// responsePayload is a response_url post or a slash command's ack payload.
type responsePayload struct {
	Text            string        `json:"text,omitempty"`
	Blocks          []slack.Block `json:"blocks,omitempty"`
	ThreadTS        string        `json:"thread_ts,omitempty"`
	ResponseType    string        `json:"response_type,omitempty"` // "ephemeral" (default) or "in_channel"
	ReplaceOriginal bool          `json:"replace_original,omitempty"`
	DeleteOriginal  bool          `json:"delete_original,omitempty"`
}

// ViewResponse is the answer to a view_submission, sent in its ack:
// Slack applies it before the person sees anything else. Build one with
// ViewErrors, ViewUpdate, ViewPush or ViewClear.
type ViewResponse struct {
	Action string                  `json:"response_action"`
	Errors map[string]string       `json:"errors,omitempty"`
	View   *slack.ModalViewRequest `json:"view,omitempty"`
}

// ViewErrors keeps the modal open and shows each message under the input
// block with that block_id, so the person fixes the field in place.
func ViewErrors(byBlock map[string]string) *ViewResponse {
	return &ViewResponse{Action: "errors", Errors: byBlock}
}

// ViewUpdate replaces the submitted modal with v (e.g. "Working on it…",
// which the continuation then updates with views.update).
func ViewUpdate(v slack.ModalViewRequest) *ViewResponse {
	return &ViewResponse{Action: "update", View: &v}
}

// ViewPush stacks v on top of the submitted modal.
func ViewPush(v slack.ModalViewRequest) *ViewResponse {
	return &ViewResponse{Action: "push", View: &v}
}

// ViewClear closes every modal of the stack.
func ViewClear() *ViewResponse { return &ViewResponse{Action: "clear"} }
