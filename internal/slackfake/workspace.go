package slackfake

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// workspace is the persistent part of the fake (what Snapshot saves):
// people, conversations, messages and views. It is guarded by Server.mu.
type workspace struct {
	team      Team
	appID     string
	botUserID string
	users     map[string]*User
	userOrder []string
	channels  map[string]*Channel
	chanOrder []string
	dmByUser  map[string]string
	mpimByKey map[string]string
	msgs      map[string][]*Message // per channel, in ts order, ephemerals and deleted included
	views     map[string]*View      // live views: open modals and home tabs
	stacks    map[string][]string   // user → modal view ids, root first
	homes     map[string]string     // user → home view id
	counters  map[string]int64      // id generators, per prefix
	lastMicro int64                 // last message ts, in microseconds
}

func newWorkspace(o Options) *workspace {
	w := &workspace{
		team:      Team{ID: o.TeamID, Name: o.TeamName, Domain: o.TeamDomain},
		appID:     o.AppID,
		botUserID: o.BotUserID,
		users:     map[string]*User{},
		channels:  map[string]*Channel{},
		dmByUser:  map[string]string{},
		mpimByKey: map[string]string{},
		msgs:      map[string][]*Message{},
		views:     map[string]*View{},
		stacks:    map[string][]string{},
		homes:     map[string]string{},
		counters:  map[string]int64{},
	}
	w.putUser(&User{ID: o.BotUserID, Name: o.BotName, RealName: o.BotName, IsBot: true, BotID: o.BotID})
	return w
}

// newID returns a Slack-shaped id: the prefix and 10 base-36 digits.
// Counters (not randomness) keep ids stable across runs, which golden files
// and screenshots of the playground appreciate.
func (w *workspace) newID(prefix string) string {
	w.counters[prefix]++
	n := strings.ToUpper(strconv.FormatInt(w.counters[prefix], 36))
	return prefix + strings.Repeat("0", max(0, 10-len(n))) + n
}

// newTS returns a message timestamp: seconds.microseconds from the clock,
// bumped so that it is unique and increasing even with a frozen test clock.
func (w *workspace) newTS(now time.Time) string {
	m := now.UnixMicro()
	if m <= w.lastMicro {
		m = w.lastMicro + 1
	}
	w.lastMicro = m
	return fmt.Sprintf("%d.%06d", m/1e6, m%1e6)
}

func (w *workspace) putUser(u *User) {
	if _, ok := w.users[u.ID]; !ok {
		w.userOrder = append(w.userOrder, u.ID)
	}
	w.users[u.ID] = u
}

func (w *workspace) putChannel(c *Channel) {
	if _, ok := w.channels[c.ID]; !ok {
		w.chanOrder = append(w.chanOrder, c.ID)
	}
	w.channels[c.ID] = c
}

func (w *workspace) userByEmail(email string) *User {
	for _, id := range w.userOrder {
		if u := w.users[id]; strings.EqualFold(u.Email, email) && email != "" {
			return u
		}
	}
	return nil
}

// resolveChannel finds a conversation the way chat.postMessage does: by id,
// by name (with or without '#'), or by user id (the app's DM with them).
func (w *workspace) resolveChannel(ref string, now time.Time) (*Channel, bool) {
	if c, ok := w.channels[ref]; ok {
		return c, true
	}
	if u, ok := w.users[ref]; ok && !u.IsBot {
		return w.openDM(u.ID, now), true
	}
	name := strings.TrimPrefix(ref, "#")
	for _, id := range w.chanOrder {
		if c := w.channels[id]; !c.IsIM && !c.IsMpIM && c.Name == name && name != "" {
			return c, true
		}
	}
	return nil, false
}

// openDM returns the app's DM with a user, creating it once: the same D… id
// every time, as on Slack.
func (w *workspace) openDM(userID string, now time.Time) *Channel {
	if id, ok := w.dmByUser[userID]; ok {
		return w.channels[id]
	}
	c := &Channel{ID: w.newID("D"), IsIM: true, IsMember: true, User: userID, Created: now.Unix()}
	w.putChannel(c)
	w.dmByUser[userID] = c.ID
	return c
}

func (w *workspace) openMpIM(users []string, now time.Time) *Channel {
	key := slices.Clone(users)
	sort.Strings(key)
	k := strings.Join(key, ",")
	if id, ok := w.mpimByKey[k]; ok {
		return w.channels[id]
	}
	names := []string{}
	for _, u := range key {
		names = append(names, w.users[u].Name)
	}
	c := &Channel{ID: w.newID("G"), Name: "mpdm-" + strings.Join(names, "--") + "-1", IsMpIM: true, IsPrivate: true,
		IsMember: true, Members: append(key, w.botUserID), Created: now.Unix()}
	w.putChannel(c)
	w.mpimByKey[k] = c.ID
	return c
}

// findMessage returns a live (not deleted) message, ephemeral or not.
func (w *workspace) findMessage(channel, ts string) *Message {
	for _, m := range w.msgs[channel] {
		if m.TS == ts && !m.Deleted {
			return m
		}
	}
	return nil
}

// canSee reports whether user may see channel (for ephemerals and actions).
func (c *Channel) canSee(user string) bool {
	switch {
	case c.IsIM:
		return c.User == user
	case len(c.Members) > 0:
		return slices.Contains(c.Members, user)
	default:
		return true
	}
}

// ---- Go API: people and conversations ----

// AddUser adds (or replaces, by ID) a workspace member. An empty ID gets a
// new U… id; an empty Name is derived from the email or the real name.
func (s *Server) AddUser(u User) User {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u.ID == "" {
		u.ID = s.ws.newID("U")
	}
	if u.Name == "" {
		u.Name = strings.ToLower(strings.ReplaceAll(u.RealName, " ", "."))
		if at := strings.IndexByte(u.Email, '@'); at > 0 {
			u.Name = u.Email[:at]
		}
	}
	if u.RealName == "" {
		u.RealName = u.Name
	}
	cp := u
	s.ws.putUser(&cp)
	s.publishLocked(Event{Type: EventUserAdded, User: &u})
	return u
}

// AddChannel adds a public channel the bot is a member of.
func (s *Server) AddChannel(name string) Channel {
	return s.AddChannelWith(Channel{Name: name, IsMember: true})
}

// AddChannelWith adds (or replaces, by ID) a channel with every field under
// the caller's control, e.g. IsMember false to test not_in_channel.
func (s *Server) AddChannelWith(c Channel) Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.ID == "" {
		prefix := "C"
		if c.IsPrivate {
			prefix = "G"
		}
		c.ID = s.ws.newID(prefix)
	}
	if c.Created == 0 {
		c.Created = s.opts.Now().Unix()
	}
	c.Members = slices.Clone(c.Members)
	cp := c
	s.ws.putChannel(&cp)
	s.publishLocked(Event{Type: EventChannelAdded, Channel: &c})
	return c
}

// Users returns every user, the bot included, in the order they were added.
func (s *Server) Users() []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]User, 0, len(s.ws.userOrder))
	for _, id := range s.ws.userOrder {
		out = append(out, *s.ws.users[id])
	}
	return out
}

// User returns one user by id.
func (s *Server) User(id string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.ws.users[id]
	if !ok {
		return User{}, false
	}
	return *u, true
}

// Channels returns every conversation (channels, DMs, group DMs).
func (s *Server) Channels() []Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Channel, 0, len(s.ws.chanOrder))
	for _, id := range s.ws.chanOrder {
		c := *s.ws.channels[id]
		c.Members = slices.Clone(c.Members)
		out = append(out, c)
	}
	return out
}

// Channel returns one conversation by id.
func (s *Server) Channel(id string) (Channel, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.ws.channels[id]
	if !ok {
		return Channel{}, false
	}
	cp := *c
	cp.Members = slices.Clone(c.Members)
	return cp, true
}

// DMChannel returns the id of the app's DM with a user, opening it if needed.
func (s *Server) DMChannel(userID string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.ws.users[userID]; !ok {
		return "", fmt.Errorf("user %s: %w", userID, ErrNotFound)
	}
	return s.ws.openDM(userID, s.opts.Now()).ID, nil
}

// ---- Go API: readers ----

func (s *Server) collect(channel string, keep func(*Message) bool) []Message {
	var out []Message
	for _, m := range s.ws.msgs[channel] {
		if !m.Deleted && keep(m) {
			out = append(out, m.clone())
		}
	}
	return out
}

// Messages returns the channel's live, non-ephemeral messages (thread
// replies included) in ts order.
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.collect(channel, func(m *Message) bool { return !m.Ephemeral })
}

// Thread returns a thread's parent and replies.
func (s *Server) Thread(channel, ts string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.collect(channel, func(m *Message) bool { return !m.Ephemeral && (m.TS == ts || m.ThreadTS == ts) })
}

// Message returns one live message (ephemeral or not) by channel and ts.
func (s *Server) Message(channel, ts string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.ws.findMessage(channel, ts)
	if m == nil {
		return Message{}, false
	}
	return m.clone(), true
}

// Ephemerals returns the live ephemeral messages shown to user, oldest first.
func (s *Server) Ephemerals(user string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, id := range s.ws.chanOrder {
		out = append(out, s.collect(id, func(m *Message) bool { return m.Ephemeral && m.VisibleTo == user })...)
	}
	sort.SliceStable(out, func(i, j int) bool { return tsLess(out[i].TS, out[j].TS) })
	return out
}

// DMs returns the messages of the app's DM with user.
func (s *Server) DMs(user string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.ws.dmByUser[user]
	if !ok {
		return nil
	}
	return s.collect(id, func(m *Message) bool { return !m.Ephemeral })
}

// Views returns the user's open modal stack, root first.
func (s *Server) Views(user string) []View {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []View
	for _, id := range s.ws.stacks[user] {
		out = append(out, s.ws.views[id].clone())
	}
	return out
}

// View returns a live view (modal or home tab) by id.
func (s *Server) View(id string) (View, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.ws.views[id]
	if !ok {
		return View{}, false
	}
	return v.clone(), true
}

// Home returns the home tab published for user.
func (s *Server) Home(user string) (View, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.ws.views[s.ws.homes[user]]
	if !ok {
		return View{}, false
	}
	return v.clone(), true
}

func tsLess(a, b string) bool {
	fa, _ := strconv.ParseFloat(a, 64)
	fb, _ := strconv.ParseFloat(b, 64)
	if fa != fb {
		return fa < fb
	}
	return a < b
}

// ---- message mutations (callers hold s.mu) ----

// addMessageLocked stores m (its TS assigned here) and announces it.
func (s *Server) addMessageLocked(m *Message) *Message {
	m.Type = "message"
	m.TS = s.ws.newTS(s.opts.Now())
	if m.Team == "" {
		m.Team = s.ws.team.ID
	}
	s.ws.msgs[m.Channel] = append(s.ws.msgs[m.Channel], m)
	if m.ThreadTS != "" && !m.Ephemeral {
		if parent := s.ws.findMessage(m.Channel, m.ThreadTS); parent != nil && parent.TS != m.TS {
			parent.ReplyCount++
			parent.LatestReply = m.TS
		}
	}
	cp := m.clone()
	s.publishLocked(Event{Type: EventMessagePosted, Message: &cp})
	return m
}

// updateMessageLocked replaces text and/or blocks (nil keeps them), keeping
// the previous version in History.
func (s *Server) updateMessageLocked(m *Message, text *string, blocks json.RawMessage, editor string) {
	editTS := s.ws.newTS(s.opts.Now())
	m.History = append(m.History, Revision{Text: m.Text, Blocks: m.Blocks, Replaced: editTS})
	if text != nil {
		m.Text = *text
	}
	if blocks != nil {
		m.Blocks = blocks
		if string(blocks) == "[]" {
			m.Blocks = nil
		}
	}
	m.Edited = &Edited{User: editor, TS: editTS}
	cp := m.clone()
	s.publishLocked(Event{Type: EventMessageUpdated, Message: &cp})
}

func (s *Server) deleteMessageLocked(m *Message) {
	m.Deleted = true
	if m.ThreadTS != "" && m.ThreadTS != m.TS {
		if parent := s.ws.findMessage(m.Channel, m.ThreadTS); parent != nil && parent.ReplyCount > 0 {
			parent.ReplyCount--
		}
	}
	cp := m.clone()
	s.publishLocked(Event{Type: EventMessageDeleted, Message: &cp})
}

// botMessage is a message authored by the app's bot user.
func (s *Server) botMessage(channel, text string, blocks json.RawMessage, via string) *Message {
	return &Message{Channel: channel, User: s.ws.botUserID, BotID: s.opts.BotID, AppID: s.opts.AppID,
		Text: text, Blocks: blocks, Via: via}
}
