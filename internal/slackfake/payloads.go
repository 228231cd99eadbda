package slackfake

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Values are what a user entered in a modal's inputs: block_id → action_id
// → value. A value is a string (text inputs, single selects: the option's
// value, user/channel/conversation ids, dates "2006-01-02", times "15:04")
// or a []string (multi-selects, checkboxes).
type Values map[string]map[string]any

func asStrings(v any) []string {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		if x == "" {
			return nil
		}
		return []string{x}
	case []string:
		return x
	default:
		return []string{fmt.Sprint(x)}
	}
}

func (s *Server) userRefLocked(u *User) map[string]any {
	return map[string]any{"id": u.ID, "username": u.Name, "name": u.Name, "team_id": s.ws.team.ID}
}

func (s *Server) teamRefLocked() map[string]any {
	return map[string]any{"id": s.ws.team.ID, "domain": s.ws.team.Domain}
}

func channelName(c *Channel) string {
	if c.IsIM {
		return "directmessage"
	}
	return c.Name
}

func actionTS(now time.Time) string {
	return fmt.Sprintf("%d.%06d", now.Unix(), now.Nanosecond()/1000)
}

// findOption returns the option of a select-like element with that value.
func findOption(el map[string]any, value string) (any, bool) {
	var opts []any
	if o, ok := el["options"].([]any); ok {
		opts = append(opts, o...)
	}
	if groups, ok := el["option_groups"].([]any); ok {
		for _, g := range groups {
			if gm, ok := g.(map[string]any); ok {
				if o, ok := gm["options"].([]any); ok {
					opts = append(opts, o...)
				}
			}
		}
	}
	for _, o := range opts {
		if om, ok := o.(map[string]any); ok && om["value"] == value {
			return om, true
		}
	}
	switch el["type"] {
	case "external_select", "multi_external_select":
		// External options come from the app at run time; make one up.
		return map[string]any{"text": map[string]any{"type": "plain_text", "text": value}, "value": value}, true
	}
	return nil, false
}

// selection is an element's value in Slack's shape: the fields of a
// block_actions action or of a view state value ("value",
// "selected_option", "selected_users", ...).
func selection(el map[string]any, vals []string) (map[string]any, error) {
	typ, _ := el["type"].(string)
	first := func() any {
		if len(vals) == 0 {
			return nil
		}
		return vals[0]
	}
	options := func(many bool) (any, error) {
		var out []any
		for _, v := range vals {
			o, ok := findOption(el, v)
			if !ok {
				return nil, fmt.Errorf("option %q is not in element %v: %w", v, el["action_id"], ErrNotFound)
			}
			out = append(out, o)
		}
		if many {
			if out == nil {
				out = []any{}
			}
			return out, nil
		}
		if len(out) == 0 {
			return nil, nil
		}
		return out[0], nil
	}
	many := func() []string {
		if vals == nil {
			return []string{}
		}
		return vals
	}
	switch typ {
	case "static_select", "external_select", "radio_buttons", "overflow":
		o, err := options(false)
		return map[string]any{"selected_option": o}, err
	case "multi_static_select", "multi_external_select", "checkboxes":
		o, err := options(true)
		return map[string]any{"selected_options": o}, err
	case "users_select":
		return map[string]any{"selected_user": first()}, nil
	case "multi_users_select":
		return map[string]any{"selected_users": many()}, nil
	case "conversations_select":
		return map[string]any{"selected_conversation": first()}, nil
	case "multi_conversations_select":
		return map[string]any{"selected_conversations": many()}, nil
	case "channels_select":
		return map[string]any{"selected_channel": first()}, nil
	case "multi_channels_select":
		return map[string]any{"selected_channels": many()}, nil
	case "datepicker":
		return map[string]any{"selected_date": first()}, nil
	case "timepicker":
		return map[string]any{"selected_time": first()}, nil
	case "datetimepicker":
		if len(vals) == 0 {
			return map[string]any{"selected_date_time": nil}, nil
		}
		n, err := strconv.ParseInt(vals[0], 10, 64)
		return map[string]any{"selected_date_time": n}, err
	case "rich_text_input":
		if len(vals) == 0 {
			return map[string]any{"rich_text_value": nil}, nil
		}
		return map[string]any{"rich_text_value": map[string]any{"type": "rich_text", "elements": []any{
			map[string]any{"type": "rich_text_section", "elements": []any{map[string]any{"type": "text", "text": vals[0]}}}}}}, nil
	default: // plain_text_input, number_input, email_text_input, url_text_input, ...
		return map[string]any{"value": first()}, nil
	}
}

// initialValues returns an element's initial_* value(s) as strings.
func initialValues(el map[string]any) []string {
	str := func(k string) []string {
		if s, ok := el[k].(string); ok && s != "" {
			return []string{s}
		}
		if n, ok := el[k].(json.Number); ok {
			return []string{n.String()}
		}
		return nil
	}
	list := func(k string) []string {
		var out []string
		arr, _ := el[k].([]any)
		for _, x := range arr {
			switch v := x.(type) {
			case string:
				out = append(out, v)
			case map[string]any:
				if s, ok := v["value"].(string); ok {
					out = append(out, s)
				}
			}
		}
		return out
	}
	for _, k := range []string{"initial_value", "initial_user", "initial_conversation", "initial_channel",
		"initial_date", "initial_time", "initial_date_time"} {
		if v := str(k); v != nil {
			return v
		}
	}
	if o, ok := el["initial_option"].(map[string]any); ok {
		if v, ok := o["value"].(string); ok {
			return []string{v}
		}
	}
	for _, k := range []string{"initial_options", "initial_users", "initial_conversations", "initial_channels"} {
		if v := list(k); v != nil {
			return v
		}
	}
	return nil
}

// isEmptySelection reports whether a state value holds nothing, which is
// what makes Slack's client refuse to submit a required input.
func isEmptySelection(sel map[string]any) bool {
	for k, v := range sel {
		if k == "type" {
			continue
		}
		switch x := v.(type) {
		case nil:
		case string:
			if x != "" {
				return false
			}
		case []any:
			if len(x) > 0 {
				return false
			}
		case []string:
			if len(x) > 0 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// viewStateLocked computes a modal's state.values: for each input, the
// value given in vals, else the one entered before, else the element's
// initial value.
func (s *Server) viewStateLocked(v *View, vals Values) (ViewState, error) {
	state := ViewState{Values: map[string]map[string]json.RawMessage{}}
	for _, b := range inputBlocks(v.Blocks) {
		blockID, _ := b["block_id"].(string)
		el, _ := b["element"].(map[string]any)
		actionID, _ := el["action_id"].(string)
		var sel map[string]any
		if given, ok := vals[blockID][actionID]; ok {
			var err error
			if sel, err = selection(el, asStrings(given)); err != nil {
				return state, fmt.Errorf("block %s: %w", blockID, err)
			}
		} else if prev, ok := v.State.Values[blockID][actionID]; ok {
			state.Values[blockID] = map[string]json.RawMessage{actionID: prev}
			continue
		} else {
			sel, _ = selection(el, initialValues(el))
		}
		sel["type"] = el["type"]
		raw, _ := json.Marshal(sel)
		state.Values[blockID] = map[string]json.RawMessage{actionID: raw}
	}
	for blockID, acts := range vals {
		for actionID := range acts {
			if _, ok := state.Values[blockID][actionID]; !ok {
				return state, fmt.Errorf("input %s/%s is not in view %s: %w", blockID, actionID, v.ID, ErrNotFound)
			}
		}
	}
	return state, nil
}

// missingRequiredLocked names the first required input with no value.
func missingRequired(v *View, state ViewState) string {
	for _, b := range inputBlocks(v.Blocks) {
		if opt, _ := b["optional"].(bool); opt {
			continue
		}
		blockID, _ := b["block_id"].(string)
		for _, raw := range state.Values[blockID] {
			var sel map[string]any
			_ = json.Unmarshal(raw, &sel)
			if isEmptySelection(sel) {
				return blockID
			}
		}
	}
	return ""
}

// eventCallbackLocked wraps an Events API event in its outer event_callback.
func (s *Server) eventCallbackLocked(event map[string]any) map[string]any {
	now := s.opts.Now()
	return map[string]any{
		"token": s.opts.VerificationToken, "team_id": s.ws.team.ID, "api_app_id": s.opts.AppID,
		"event": event, "type": "event_callback", "event_id": s.ws.newID("Ev"), "event_time": now.Unix(),
		"authorizations": []any{map[string]any{"enterprise_id": nil, "team_id": s.ws.team.ID,
			"user_id": s.ws.botUserID, "is_bot": true, "is_enterprise_install": false}},
		"is_ext_shared_channel": false, "event_context": "4-" + randHex(20),
	}
}

// interactionBaseLocked is what every interaction payload starts with.
func (s *Server) interactionBaseLocked(typ string, u *User) map[string]any {
	return map[string]any{
		"type": typ, "token": s.opts.VerificationToken, "api_app_id": s.opts.AppID,
		"team": s.teamRefLocked(), "user": s.userRefLocked(u),
		"enterprise": nil, "is_enterprise_install": false,
	}
}
