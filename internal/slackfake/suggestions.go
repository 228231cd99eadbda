package slackfake

import (
	"context"
	"encoding/json"
	"fmt"
)

// Suggestions are the options an app answers a block_suggestion with: a
// flat list or groups, as Slack reads them from the ack payload.
type Suggestions struct {
	Options      []json.RawMessage `json:"options,omitempty"`
	OptionGroups []json.RawMessage `json:"option_groups,omitempty"`
}

// BlockSuggestion is user typing value into the external select actionID
// of a message or view: the app gets a block_suggestion and answers with
// the options in its ack, which this returns. Slack shows no options when
// the app does not answer in time; that is ErrNotAcked here.
func (s *Server) BlockSuggestion(ctx context.Context, userID string, t Target, actionID, value string) (Suggestions, error) {
	if err := ctx.Err(); err != nil {
		return Suggestions{}, err
	}
	d, err := s.deliver(func() (dispatchSpec, error) {
		u, sf, found, err := s.elementLocked(userID, t, actionID)
		if err != nil {
			return dispatchSpec{}, err
		}
		switch found.element["type"] {
		case "external_select", "multi_external_select":
		default:
			return dispatchSpec{}, fmt.Errorf("element %s is a %v, not an external select", actionID, found.element["type"])
		}
		p := s.interactionBaseLocked("block_suggestion", u)
		p["action_id"], p["block_id"], p["value"] = actionID, found.blockID, value
		sf.describe(p)
		return dispatchSpec{typ: EnvelopeInteractive, payloadType: "block_suggestion", payload: p, accepts: true}, nil
	})
	if err != nil {
		return Suggestions{}, err
	}
	ack, err := d.Wait(ctx)
	if err != nil {
		return Suggestions{}, err
	}
	var out Suggestions
	if ack.Payload != nil {
		if err := json.Unmarshal(ack.Payload, &out); err != nil {
			return Suggestions{}, fmt.Errorf("block_suggestion ack payload: %w", err)
		}
	}
	return out, nil
}
