package slackfake

import (
	"context"
	"net/url"
	"strings"
)

// auth.test: https://api.slack.com/methods/auth.test
func (s *Server) authTest(_ context.Context, _ params) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	bot := s.ws.users[s.ws.botUserID]
	return okResult(map[string]any{
		"url": "https://" + s.ws.team.Domain + ".slack.com/", "team": s.ws.team.Name, "user": bot.Name,
		"team_id": s.ws.team.ID, "user_id": bot.ID, "bot_id": s.opts.BotID, "is_enterprise_install": false,
	})
}

// apps.connections.open: https://api.slack.com/methods/apps.connections.open
//
// The URL carries a one-time ticket, as Slack's does; dialing it twice fails.
func (s *Server) appsConnectionsOpen(_ context.Context, _ params) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	ticket := uuidLike()
	s.tickets[ticket] = s.opts.Now()
	u := strings.Replace(s.baseURL, "http://", "ws://", 1) + "/link/?" +
		url.Values{"ticket": {ticket}, "app_id": {s.opts.AppID}}.Encode()
	return okResult(map[string]any{"url": u})
}

func uuidLike() string {
	h := randHex(16)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// users.info: https://api.slack.com/methods/users.info
func (s *Server) usersInfo(_ context.Context, p params) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ids := p.str("users"); ids != "" {
		var out []any
		for _, id := range strings.Split(ids, ",") {
			u, ok := s.ws.users[strings.TrimSpace(id)]
			if !ok {
				return errResult("users_not_found")
			}
			out = append(out, u.wire(s.ws.team.ID))
		}
		return okResult(map[string]any{"users": out})
	}
	u, ok := s.ws.users[p.str("user")]
	if !ok {
		return errResult("user_not_found")
	}
	return okResult(map[string]any{"user": u.wire(s.ws.team.ID)})
}

// users.lookupByEmail: https://api.slack.com/methods/users.lookupByEmail
func (s *Server) usersLookupByEmail(_ context.Context, p params) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.ws.userByEmail(p.str("email"))
	if u == nil {
		return errResult("users_not_found")
	}
	return okResult(map[string]any{"user": u.wire(s.ws.team.ID)})
}

// conversations.open: https://api.slack.com/methods/conversations.open
//
// The same user always gets the same D… channel; already_open tells a
// second call apart from the first, as on Slack.
func (s *Server) conversationsOpen(_ context.Context, p params) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	if id := p.str("channel"); id != "" {
		c, ok := s.ws.channels[id]
		if !ok || (!c.IsIM && !c.IsMpIM) {
			return errResult("channel_not_found")
		}
		return okResult(map[string]any{"no_op": true, "already_open": true, "channel": c.wire(s.ws.botUserID)})
	}
	var users []string
	for _, id := range strings.Split(p.str("users"), ",") {
		if id = strings.TrimSpace(id); id == "" || id == s.ws.botUserID {
			continue
		}
		if _, ok := s.ws.users[id]; !ok {
			return errResult("user_not_found")
		}
		users = append(users, id)
	}
	var (
		c       *Channel
		already bool
	)
	switch {
	case len(users) == 0:
		return errResult("users_list_not_supplied")
	case len(users) > 8:
		return errResult("too_many_users")
	case len(users) == 1:
		_, already = s.ws.dmByUser[users[0]]
		c = s.ws.openDM(users[0], now)
	default:
		before := len(s.ws.mpimByKey)
		c = s.ws.openMpIM(users, now)
		already = len(s.ws.mpimByKey) == before
	}
	ch := map[string]any{"id": c.ID}
	if p.boolean("return_im") {
		ch = c.wire(s.ws.botUserID)
	}
	return okResult(map[string]any{"no_op": already, "already_open": already, "channel": ch})
}

// conversations.info: https://api.slack.com/methods/conversations.info
func (s *Server) conversationsInfo(_ context.Context, p params) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.ws.channels[p.str("channel")]
	if !ok {
		return errResult("channel_not_found")
	}
	return okResult(map[string]any{"channel": c.wire(s.ws.botUserID)})
}
