package playground

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/gantryhq/gantry/internal/slackfake"
)

// Directory is who and what the sandbox workspace holds: the catalog's
// people and the channels Gantry posts in.
type Directory struct {
	People   []Person
	Channels []Channel
	// Default is the name of the person the page acts as at first (a
	// developer who may request an action rather than approve it); empty
	// is the first person.
	Default string
}

// Person is a workspace member, from a catalog User.
type Person struct {
	// SlackID is the catalog's gantry.dev/slack-user-id; empty gives the
	// person a sandbox id, and Gantry finds them by e-mail, as it does in
	// Slack.
	SlackID  string
	Name     string // the catalog name, their Slack handle
	RealName string
	Email    string
	// Teams are the titles of the teams they belong to.
	Teams []string
	// Role says, on the user switcher, what they can do that others cannot
	// ("approves actions"); empty for most.
	Role string
}

// Channel is a public channel the app is in.
type Channel struct {
	// Name without '#'; a Slack id (C…) names the channel by id.
	Name    string
	Purpose string
}

// member is a Person as the page shows them, with their sandbox id.
type member struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	RealName string   `json:"real_name"`
	Email    string   `json:"email,omitempty"`
	Teams    []string `json:"teams,omitempty"`
	Role     string   `json:"role,omitempty"`
}

// resolvedDirectory is the Directory with every person's sandbox id.
type resolvedDirectory struct {
	members   []member
	defaultID string
}

var channelIDRe = regexp.MustCompile(`^[CG][A-Z0-9]{8,}$`)

// SetDirectory adds the people and channels that the workspace lacks, and
// updates the names of those it has (a restored sandbox keeps its ids,
// messages and DMs). Nobody is removed: a conversation keeps its people.
func (sb *Sandbox) SetDirectory(d Directory) {
	byID := map[string]slackfake.User{}
	byEmail := map[string]slackfake.User{}
	for _, u := range sb.slack.Users() {
		byID[u.ID] = u
		if u.Email != "" {
			byEmail[strings.ToLower(u.Email)] = u
		}
	}
	var res resolvedDirectory
	for _, p := range d.People {
		want := slackfake.User{ID: p.SlackID, Name: p.Name, RealName: p.RealName, Email: p.Email}
		if want.RealName == "" {
			want.RealName = p.Name
		}
		have, ok := byID[p.SlackID]
		if p.SlackID == "" {
			have, ok = byEmail[strings.ToLower(p.Email)]
			want.ID = have.ID
		}
		id := have.ID
		if !ok || have.IsBot || have.Name != want.Name || have.RealName != want.RealName || have.Email != want.Email {
			if ok && have.IsBot {
				sb.log.Warn("a catalog user has the Slack id of the sandbox's bot; left out", "user", p.Name, "id", p.SlackID)
				continue
			}
			id = sb.slack.AddUser(want).ID
		}
		res.members = append(res.members, member{ID: id, Name: p.Name, RealName: want.RealName, Email: p.Email,
			Teams: slices.Clone(p.Teams), Role: p.Role})
		if p.Name == d.Default {
			res.defaultID = id
		}
	}
	if res.defaultID == "" && len(res.members) > 0 {
		res.defaultID = res.members[0].ID
	}
	names := map[string]bool{}
	for _, c := range sb.slack.Channels() {
		names[c.ID] = true
		if !c.IsIM && !c.IsMpIM {
			names[c.Name] = true
		}
	}
	for _, c := range d.Channels {
		name := strings.TrimPrefix(strings.TrimSpace(c.Name), "#")
		if name == "" || names[name] {
			continue
		}
		ch := slackfake.Channel{Name: name, IsMember: true, Purpose: c.Purpose}
		if channelIDRe.MatchString(name) {
			ch.ID, ch.Name = name, strings.ToLower(name)
		}
		sb.slack.AddChannelWith(ch)
		names[name] = true
	}
	sb.mu.Lock()
	sb.dir = res
	sb.mu.Unlock()
	if len(d.People) > 0 {
		sb.dirOnce.Do(func() { close(sb.dirSet) })
	}
}

// directoryWait bounds how long the page's first look at the workspace
// waits for its people (the first catalog sync, while Gantry starts).
const directoryWait = 30 * time.Second

// awaitDirectory waits until the workspace has its people, ctx ends or
// directoryWait passes; it reports whether they are there.
func (sb *Sandbox) awaitDirectory(ctx context.Context) bool {
	t := time.NewTimer(directoryWait)
	defer t.Stop()
	select {
	case <-sb.dirSet:
		return true
	case <-ctx.Done():
	case <-t.C:
	}
	return false
}

// members returns the workspace's people as the page lists them: the
// directory's, then anyone else the workspace holds (not the bot).
func (sb *Sandbox) members() ([]member, string) {
	sb.mu.Lock()
	dir := sb.dir
	sb.mu.Unlock()
	known := map[string]bool{}
	out := slices.Clone(dir.members)
	for _, m := range out {
		known[m.ID] = true
	}
	for _, u := range sb.slack.Users() {
		if !u.IsBot && !u.Deleted && !known[u.ID] {
			out = append(out, member{ID: u.ID, Name: u.Name, RealName: u.RealName, Email: u.Email})
		}
	}
	return out, dir.defaultID
}
