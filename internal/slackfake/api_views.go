package slackfake

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/gantryhq/gantry/internal/slackfake/blocklimits"
)

// maxModalStack is how many modals Slack stacks per user (views.push fails
// with push_limit_reached beyond it).
const maxModalStack = 3

// viewRequest is the view argument of views.* and of response_action
// update/push.
type viewRequest struct {
	Type            string          `json:"type"`
	Title           json.RawMessage `json:"title"`
	Close           json.RawMessage `json:"close"`
	Submit          json.RawMessage `json:"submit"`
	Blocks          json.RawMessage `json:"blocks"`
	PrivateMetadata string          `json:"private_metadata"`
	CallbackID      string          `json:"callback_id"`
	ExternalID      string          `json:"external_id"`
	ClearOnClose    bool            `json:"clear_on_close"`
	NotifyOnClose   bool            `json:"notify_on_close"`
}

// parseView checks a view against Slack's limits and decodes it; wantType
// is "modal" or "home".
func parseView(raw json.RawMessage, wantType string) (viewRequest, apiResult, bool) {
	if raw == nil {
		return viewRequest{}, errResult("invalid_arguments", "[ERROR] missing required field: view [json-pointer:/view]"), false
	}
	if err := blocklimits.CheckView(raw); err != nil {
		return viewRequest{}, limitsResult(err), false
	}
	var req viewRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		return req, errResult("invalid_arguments", "[ERROR] "+err.Error()+" [json-pointer:/view]"), false
	}
	if req.Type != wantType {
		return req, errResult("invalid_arguments", fmt.Sprintf("[ERROR] must be %s [json-pointer:/view/type]", wantType)), false
	}
	return req, apiResult{}, true
}

func (s *Server) newHashLocked() string {
	return fmt.Sprintf("%d.%s", s.opts.Now().Unix(), randHex(4))
}

// newViewLocked makes a live view for user from a request.
func (s *Server) newViewLocked(req viewRequest, user string) *View {
	v := &View{
		ID: s.ws.newID("V"), TeamID: s.ws.team.ID, Type: req.Type,
		AppID: s.opts.AppID, BotID: s.opts.BotID, AppInstalledTeamID: s.ws.team.ID, UserID: user,
		State: ViewState{Values: map[string]map[string]json.RawMessage{}},
	}
	s.fillViewLocked(v, req)
	s.ws.views[v.ID] = v
	return v
}

// fillViewLocked replaces a view's content, as views.update does, and gives
// it a new hash. Values typed into inputs that still exist are kept, as
// Slack keeps them when block_id and action_id are unchanged.
func (s *Server) fillViewLocked(v *View, req viewRequest) {
	v.Title, v.Close, v.Submit = req.Title, req.Close, req.Submit
	v.Hash = s.newHashLocked()
	v.Blocks = normalizeBlocks(req.Blocks, v.ID+"/"+v.Hash)
	if v.Blocks == nil {
		v.Blocks = json.RawMessage("[]")
	}
	v.PrivateMetadata, v.CallbackID = req.PrivateMetadata, req.CallbackID
	if req.ExternalID != "" {
		// An update that leaves external_id out keeps the view addressable by it.
		v.ExternalID = req.ExternalID
	}
	v.ClearOnClose, v.NotifyOnClose = req.ClearOnClose, req.NotifyOnClose
	v.Errors = nil
	live := map[string]bool{}
	for _, b := range inputBlocks(v.Blocks) {
		id, _ := b["block_id"].(string)
		live[id] = true
	}
	for id := range v.State.Values {
		if !live[id] {
			delete(v.State.Values, id)
		}
	}
}

func (s *Server) externalIDTakenLocked(id string) bool {
	if id == "" {
		return false
	}
	for _, v := range s.ws.views {
		if v.ExternalID == id {
			return true
		}
	}
	return false
}

func (s *Server) publishViewLocked(t EventType, v *View) {
	cp := v.clone()
	s.publishLocked(Event{Type: t, View: &cp})
}

// closeViewsLocked closes the user's modal viewID and every modal stacked
// above it (closing a view closes its children too), newest first.
func (s *Server) closeViewsLocked(user, viewID string) []*View {
	stack := s.ws.stacks[user]
	i := slices.Index(stack, viewID)
	if i < 0 {
		return nil
	}
	var closed []*View
	for j := len(stack) - 1; j >= i; j-- {
		v := s.ws.views[stack[j]]
		delete(s.ws.views, v.ID)
		closed = append(closed, v)
		s.publishViewLocked(EventViewClosed, v)
	}
	if i == 0 {
		delete(s.ws.stacks, user)
	} else {
		s.ws.stacks[user] = stack[:i]
	}
	return closed
}

// openModalLocked makes v the root of a new stack; a modal already open is
// replaced, which is what a user sees when another modal opens over it.
func (s *Server) openModalLocked(user string, v *View) {
	if stack := s.ws.stacks[user]; len(stack) > 0 {
		s.closeViewsLocked(user, stack[0])
	}
	v.RootViewID = v.ID
	s.ws.stacks[user] = []string{v.ID}
	s.publishViewLocked(EventViewOpened, v)
}

// pushModalLocked stacks v on the user's top modal, or names the Slack
// error.
func (s *Server) pushModalLocked(user string, v *View) string {
	stack := s.ws.stacks[user]
	if len(stack) == 0 {
		return "not_found"
	}
	if len(stack) >= maxModalStack {
		return "push_limit_reached"
	}
	v.RootViewID = stack[0]
	v.PreviousViewID = stack[len(stack)-1]
	s.ws.stacks[user] = append(stack, v.ID)
	s.publishViewLocked(EventViewPushed, v)
	return ""
}

// views.open: https://api.slack.com/methods/views.open
func (s *Server) viewsOpen(_ context.Context, p params) apiResult {
	req, res, ok := parseView(p.raw("view"), "modal")
	if !ok {
		return res
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, code := s.exchangeTriggerLocked(p.str("trigger_id"))
	if code != "" {
		return errResult(code)
	}
	if s.externalIDTakenLocked(req.ExternalID) {
		return errResult("duplicate_external_id")
	}
	v := s.newViewLocked(req, t.userID)
	s.openModalLocked(t.userID, v)
	return okResult(map[string]any{"view": v.wire()})
}

// views.push: https://api.slack.com/methods/views.push
func (s *Server) viewsPush(_ context.Context, p params) apiResult {
	req, res, ok := parseView(p.raw("view"), "modal")
	if !ok {
		return res
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, code := s.exchangeTriggerLocked(p.str("trigger_id"))
	if code != "" {
		return errResult(code)
	}
	if s.externalIDTakenLocked(req.ExternalID) {
		return errResult("duplicate_external_id")
	}
	if len(s.ws.stacks[t.userID]) >= maxModalStack {
		return errResult("push_limit_reached")
	}
	if len(s.ws.stacks[t.userID]) == 0 {
		return errResult("not_found")
	}
	v := s.newViewLocked(req, t.userID)
	s.pushModalLocked(t.userID, v)
	return okResult(map[string]any{"view": v.wire()})
}

// views.update: https://api.slack.com/methods/views.update
//
// The hash argument is Slack's optimistic lock: a stale one fails with
// hash_conflict instead of overwriting a newer version.
func (s *Server) viewsUpdate(_ context.Context, p params) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	var v *View
	if id := p.str("view_id"); id != "" {
		v = s.ws.views[id]
	} else if ext := p.str("external_id"); ext != "" {
		for _, cand := range s.ws.views {
			if cand.ExternalID == ext {
				v = cand
			}
		}
	} else {
		return errResult("invalid_arguments", "[ERROR] view_id or external_id is required")
	}
	if v == nil {
		return errResult("not_found")
	}
	req, res, ok := parseView(p.raw("view"), v.Type)
	if !ok {
		return res
	}
	if h := p.str("hash"); h != "" && h != v.Hash {
		return errResult("hash_conflict")
	}
	if req.ExternalID != "" && req.ExternalID != v.ExternalID && s.externalIDTakenLocked(req.ExternalID) {
		return errResult("duplicate_external_id")
	}
	s.fillViewLocked(v, req)
	if v.Type == "home" {
		s.publishViewLocked(EventHomePublished, v)
	} else {
		s.publishViewLocked(EventViewUpdated, v)
	}
	return okResult(map[string]any{"view": v.wire()})
}

// views.publish: https://api.slack.com/methods/views.publish
func (s *Server) viewsPublish(_ context.Context, p params) apiResult {
	req, res, ok := parseView(p.raw("view"), "home")
	if !ok {
		return res
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	user := p.str("user_id")
	if u, ok := s.ws.users[user]; !ok || u.IsBot {
		return errResult("user_not_found")
	}
	v, exists := s.ws.views[s.ws.homes[user]]
	if exists {
		if h := p.str("hash"); h != "" && h != v.Hash {
			return errResult("hash_conflict")
		}
		s.fillViewLocked(v, req)
	} else {
		v = s.newViewLocked(req, user)
		s.ws.homes[user] = v.ID
	}
	s.publishViewLocked(EventHomePublished, v)
	return okResult(map[string]any{"view": v.wire()})
}
