package slackfake

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// snapshotVersion is bumped when the Snapshot shape changes incompatibly.
const snapshotVersion = 1

// Snapshot is the sandbox's durable state, JSON-serialisable, so the
// playground can keep a workspace across restarts. What is deliberately
// not in it: sockets, pending deliveries, trigger_ids and response_urls, all
// of which Slack itself would not carry over a reconnect either.
type Snapshot struct {
	Version  int                 `json:"version"`
	Team     Team                `json:"team"`
	BotUser  string              `json:"bot_user"`
	Users    []User              `json:"users"`
	Channels []Channel           `json:"channels"`
	DMs      map[string]string   `json:"dms"` // user → D… channel
	Messages []Message           `json:"messages"`
	Views    []View              `json:"views"`  // open modals and home tabs
	Stacks   map[string][]string `json:"stacks"` // user → modal ids, root first
	Homes    map[string]string   `json:"homes"`  // user → home view id
	Counters map[string]int64    `json:"counters"`
}

// Snapshot returns a deep copy of the workspace.
func (s *Server) Snapshot() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.ws
	snap := Snapshot{
		Version: snapshotVersion, Team: w.team, BotUser: w.botUserID,
		DMs: maps.Clone(w.dmByUser), Homes: maps.Clone(w.homes),
		Stacks: map[string][]string{}, Counters: maps.Clone(w.counters),
	}
	for _, id := range w.userOrder {
		snap.Users = append(snap.Users, *w.users[id])
	}
	for _, id := range w.chanOrder {
		c := *w.channels[id]
		c.Members = slices.Clone(c.Members)
		snap.Channels = append(snap.Channels, c)
		for _, m := range w.msgs[id] {
			snap.Messages = append(snap.Messages, m.clone())
		}
	}
	for u, st := range w.stacks {
		snap.Stacks[u] = slices.Clone(st)
	}
	ids := slices.Collect(maps.Keys(w.views))
	sort.Strings(ids)
	for _, id := range ids {
		snap.Views = append(snap.Views, w.views[id].clone())
	}
	return snap
}

// Restore replaces the workspace with a snapshot. Runtime state (open
// sockets, pending deliveries, triggers, response_urls, counters of API
// calls) is kept or dropped as it would be on Slack: sockets stay,
// outstanding triggers and response_urls are forgotten.
func (s *Server) Restore(snap Snapshot) error {
	if snap.Version != snapshotVersion {
		return fmt.Errorf("slackfake: snapshot version %d, want %d", snap.Version, snapshotVersion)
	}
	w := &workspace{
		team: snap.Team, appID: s.opts.AppID, botUserID: snap.BotUser,
		users: map[string]*User{}, channels: map[string]*Channel{}, dmByUser: map[string]string{},
		mpimByKey: map[string]string{}, msgs: map[string][]*Message{}, views: map[string]*View{},
		stacks: map[string][]string{}, homes: map[string]string{}, counters: maps.Clone(snap.Counters),
	}
	if w.counters == nil {
		w.counters = map[string]int64{}
	}
	for _, u := range snap.Users {
		w.putUser(&u)
	}
	if _, ok := w.users[w.botUserID]; !ok {
		return fmt.Errorf("slackfake: snapshot's bot user %q is not among its users", w.botUserID)
	}
	for _, c := range snap.Channels {
		c.Members = slices.Clone(c.Members)
		w.putChannel(&c)
		if c.IsMpIM {
			var others []string
			for _, m := range c.Members {
				if m != w.botUserID {
					others = append(others, m)
				}
			}
			sort.Strings(others)
			w.mpimByKey[strings.Join(others, ",")] = c.ID
		}
	}
	maps.Copy(w.dmByUser, snap.DMs)
	for _, m := range snap.Messages {
		if _, ok := w.channels[m.Channel]; !ok {
			return fmt.Errorf("slackfake: snapshot message %s is in unknown channel %s", m.TS, m.Channel)
		}
		cp := m.clone()
		w.msgs[m.Channel] = append(w.msgs[m.Channel], &cp)
		if f := tsMicros(m.TS); f > w.lastMicro {
			w.lastMicro = f
		}
	}
	for ch := range w.msgs {
		sort.SliceStable(w.msgs[ch], func(i, j int) bool { return tsLess(w.msgs[ch][i].TS, w.msgs[ch][j].TS) })
	}
	for _, v := range snap.Views {
		cp := v.clone()
		w.views[v.ID] = &cp
	}
	for u, st := range snap.Stacks {
		for _, id := range st {
			if _, ok := w.views[id]; !ok {
				return fmt.Errorf("slackfake: snapshot stack of %s names unknown view %s", u, id)
			}
		}
		w.stacks[u] = slices.Clone(st)
	}
	maps.Copy(w.homes, snap.Homes)

	s.mu.Lock()
	defer s.mu.Unlock()
	s.ws = w
	s.triggers = map[string]*trigger{}
	s.responseURLs = map[string]*responseURL{}
	s.buckets = map[string]*bucket{}
	s.publishLocked(Event{Type: EventRestored})
	return nil
}

// tsMicros parses "seconds.micros" into microseconds.
func tsMicros(ts string) int64 {
	var sec, micro int64
	_, _ = fmt.Sscanf(ts, "%d.%d", &sec, &micro)
	return sec*1e6 + micro
}
