package bot

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/slack-go/slack"

	"github.com/gantryhq/gantry/internal/fuzzy"
)

// HandlerFunc handles one thing a person did in Slack. It runs in the
// worker pool after the envelope was acked, with a context that ends at
// shutdown (after a grace period). A returned error is shown to the person
// as a sentence (errkind errors: their message; anything else: "something
// went wrong (id …)") and logged with the envelope id.
type HandlerFunc func(ctx context.Context, r *Request) error

// SlashCommand is a slash command of its own ("/whoowns"). It must also be
// declared in manifest.yaml, or Slack never sends it.
type SlashCommand struct {
	Name    string // "/whoowns"
	Usage   string // "/whoowns <service | repo | team | person>"
	Help    string // one line, shown by "/gantry help"
	Handler HandlerFunc
}

// Subcommand is one "/gantry <name> …" command. Its Usage and Help are what
// "/gantry help" lists, and its Name is matched for "did you mean".
type Subcommand struct {
	Name  string // "search"
	Usage string // "search <text>"
	Help  string // one line: "Search the catalog's names, descriptions and tags"
	// Examples are argument strings shown by "/gantry help <name>".
	Examples []string
	// Allow, when set, runs before Handler and may refuse with an
	// errkind.Forbidden error (see Bot.RequireAdmin).
	Allow   HandlerFunc
	Handler HandlerFunc
}

// ViewSubmission handles a modal's submission in two steps, because Slack
// wants its answer in the ack.
type ViewSubmission struct {
	// Validate runs in the Socket Mode read loop before the ack, so it must
	// be quick and do no I/O: check the values (r.Value) and return
	// ViewErrors to keep the modal open with a message under each bad
	// field, ViewUpdate/ViewPush/ViewClear to change the modal, or nil to
	// close it. A panic is reported under the first input block.
	Validate func(r *Request) *ViewResponse
	// Then runs after the ack in the worker pool, unless Validate returned
	// errors: the slow part (create the thing, then update the view or post
	// a message).
	Then HandlerFunc
}

// SuggestFunc answers an external_select's request for options (a
// block_suggestion): the options matching r.Text, what the person typed so
// far. Its answer is the envelope's ack, so it runs in the worker pool
// with a context that ends before Slack's 3 s deadline; an error or a late
// answer shows no options.
type SuggestFunc func(ctx context.Context, r *Request) ([]*slack.OptionBlockObject, error)

// Router maps what arrives over Socket Mode to handlers. Feature packages
// register on it (through Bot.Router) before Bot.Run:
//
//   - slash commands (SlashCommand: name, usage, help);
//   - "/gantry" subcommands by name;
//   - block_actions by action_id, view_submission and view_closed by
//     callback_id, shortcuts (global and message) by callback_id. An id
//     ending in "*" matches every id with that prefix ("run.approve:*"),
//     the longest prefix winning; an exact id wins over any prefix;
//   - block_suggestion (an external_select's options) by action_id;
//   - Events API events by type ("app_home_opened", "app_mention").
//
// Registering the same command or id twice is a programming error and
// panics, as http.ServeMux does.
type Router struct {
	mu        sync.RWMutex
	commands  map[string]SlashCommand
	subs      map[string]Subcommand
	subOrder  []string
	actions   idRoutes[HandlerFunc]
	views     idRoutes[ViewSubmission]
	closed    idRoutes[HandlerFunc]
	shortcuts idRoutes[HandlerFunc]
	suggests  idRoutes[SuggestFunc]
	events    map[string]HandlerFunc
}

func newRouter() *Router {
	return &Router{
		commands: map[string]SlashCommand{}, subs: map[string]Subcommand{}, events: map[string]HandlerFunc{},
		actions: newIDRoutes[HandlerFunc]("action_id"), views: newIDRoutes[ViewSubmission]("view_submission callback_id"),
		closed: newIDRoutes[HandlerFunc]("view_closed callback_id"), shortcuts: newIDRoutes[HandlerFunc]("shortcut callback_id"),
		suggests: newIDRoutes[SuggestFunc]("block_suggestion action_id"),
	}
}

// Command registers a slash command.
func (rt *Router) Command(c SlashCommand) {
	c.Name = "/" + strings.TrimPrefix(strings.ToLower(strings.TrimSpace(c.Name)), "/")
	if c.Name == "/" || c.Handler == nil {
		panic(fmt.Sprintf("bot: command %q needs a name and a handler", c.Name))
	}
	if c.Usage == "" {
		c.Usage = c.Name
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if _, dup := rt.commands[c.Name]; dup {
		panic(fmt.Sprintf("bot: command %s registered twice", c.Name))
	}
	rt.commands[c.Name] = c
}

// Subcommand registers "/gantry <s.Name>".
func (rt *Router) Subcommand(s Subcommand) {
	s.Name = strings.ToLower(strings.TrimSpace(s.Name))
	if s.Name == "" || strings.ContainsAny(s.Name, " \t") || s.Handler == nil {
		panic(fmt.Sprintf("bot: subcommand %q needs a one-word name and a handler", s.Name))
	}
	if s.Usage == "" {
		s.Usage = s.Name
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if _, dup := rt.subs[s.Name]; dup {
		panic(fmt.Sprintf("bot: /gantry %s registered twice", s.Name))
	}
	rt.subs[s.Name] = s
	rt.subOrder = append(rt.subOrder, s.Name)
}

// Subcommands returns the "/gantry" subcommands in registration order.
func (rt *Router) Subcommands() []Subcommand {
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	out := make([]Subcommand, len(rt.subOrder))
	for i, n := range rt.subOrder {
		out[i] = rt.subs[n]
	}
	return out
}

// Commands returns the registered slash commands, sorted by name.
func (rt *Router) Commands() []SlashCommand {
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	out := make([]SlashCommand, 0, len(rt.commands))
	for _, c := range rt.commands {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Action registers a block_actions handler by action_id (or "prefix*").
func (rt *Router) Action(actionID string, h HandlerFunc) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.actions.add(actionID, h)
}

// ViewSubmission registers a modal's submission by callback_id (or "prefix*").
func (rt *Router) ViewSubmission(callbackID string, v ViewSubmission) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.views.add(callbackID, v)
}

// ViewClosed registers what happens when a person closes a modal that was
// opened with notify_on_close, by callback_id (or "prefix*").
func (rt *Router) ViewClosed(callbackID string, h HandlerFunc) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.closed.add(callbackID, h)
}

// Shortcut registers a global or message shortcut by callback_id (or
// "prefix*"); it must also be declared in manifest.yaml.
func (rt *Router) Shortcut(callbackID string, h HandlerFunc) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.shortcuts.add(callbackID, h)
}

// Suggestions registers the options of external_select elements by
// action_id (or "prefix*").
func (rt *Router) Suggestions(actionID string, fn SuggestFunc) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.suggests.add(actionID, fn)
}

// Event registers an Events API event by type; the app must subscribe to
// it in manifest.yaml.
func (rt *Router) Event(eventType string, h HandlerFunc) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if _, dup := rt.events[eventType]; dup {
		panic(fmt.Sprintf("bot: event %s registered twice", eventType))
	}
	rt.events[eventType] = h
}

func (rt *Router) command(name string) (HandlerFunc, bool) {
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	c, ok := rt.commands[strings.ToLower(name)]
	return c.Handler, ok
}

func (rt *Router) subcommand(name string) (Subcommand, bool) {
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	s, ok := rt.subs[strings.ToLower(name)]
	return s, ok
}

func (rt *Router) action(id string) (string, HandlerFunc, bool) {
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	return rt.actions.find(id)
}

func (rt *Router) view(id string) (string, ViewSubmission, bool) {
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	return rt.views.find(id)
}

func (rt *Router) viewClosed(id string) (string, HandlerFunc, bool) {
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	return rt.closed.find(id)
}

func (rt *Router) shortcut(id string) (string, HandlerFunc, bool) {
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	return rt.shortcuts.find(id)
}

func (rt *Router) suggestion(id string) (string, SuggestFunc, bool) {
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	return rt.suggests.find(id)
}

func (rt *Router) event(typ string) (HandlerFunc, bool) {
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	h, ok := rt.events[typ]
	return h, ok
}

// idRoutes maps ids to values, exactly or by "prefix*".
type idRoutes[T any] struct {
	what     string
	exact    map[string]T
	prefixes []string // longest first
	byPrefix map[string]T
}

func newIDRoutes[T any](what string) idRoutes[T] {
	return idRoutes[T]{what: what, exact: map[string]T{}, byPrefix: map[string]T{}}
}

func (r *idRoutes[T]) add(id string, v T) {
	if id == "" || id == "*" {
		panic(fmt.Sprintf("bot: empty %s", r.what))
	}
	if p, ok := strings.CutSuffix(id, "*"); ok {
		if _, dup := r.byPrefix[p]; dup {
			panic(fmt.Sprintf("bot: %s %q registered twice", r.what, id))
		}
		r.byPrefix[p] = v
		r.prefixes = append(r.prefixes, p)
		slices.SortFunc(r.prefixes, func(a, b string) int { return len(b) - len(a) })
		return
	}
	if _, dup := r.exact[id]; dup {
		panic(fmt.Sprintf("bot: %s %q registered twice", r.what, id))
	}
	r.exact[id] = v
}

// find returns the route's pattern (for metrics and logs) and value.
func (r *idRoutes[T]) find(id string) (string, T, bool) {
	if v, ok := r.exact[id]; ok {
		return id, v, true
	}
	for _, p := range r.prefixes {
		if strings.HasPrefix(id, p) {
			return p + "*", r.byPrefix[p], true
		}
	}
	var zero T
	return "", zero, false
}

// nearest returns the candidate closest to word ("serach" → "search"), or
// "" when none is close enough to be a typo.
func nearest(word string, candidates []string) string {
	word = strings.ToLower(word)
	best, bestD := "", 1+len(word)/3
	for _, c := range candidates {
		d := fuzzy.Distance(word, c)
		if strings.HasPrefix(c, word) && len(word) >= 2 {
			d = 0
		}
		if d < bestD || (d == bestD && best != "" && c < best) {
			best, bestD = c, d
		}
	}
	return best
}
