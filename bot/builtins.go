package bot

import (
	"context"
	"strings"

	"github.com/gantryhq/gantry/catalog"
)

// gantryCommand is the umbrella command whose subcommands the router holds.
const gantryCommand = "/gantry"

// registerBuiltins registers the discovery commands, App Home and mentions.
func (b *Bot) registerBuiltins() {
	rt := b.router
	rt.Command(SlashCommand{Name: "/whoowns", Usage: "/whoowns <service | repo | team | person>",
		Help: "who owns it, who is on call, and where the team talks", Handler: b.handleWhoOwns})
	rt.Command(SlashCommand{Name: gantryCommand, Usage: gantryCommand + " <command>",
		Help: "the catalog's commands (see below)", Handler: b.handleGantry})

	rt.Subcommand(Subcommand{Name: "help", Usage: "help [command]", Help: "list the commands, or explain one",
		Examples: []string{"search"}, Handler: b.handleHelp})
	rt.Subcommand(Subcommand{Name: "search", Usage: "search <text>", Help: "search names, descriptions, tags, owners and systems",
		Examples: []string{"payments", "sends email", "kafka"}, Handler: b.handleSearch})
	rt.Subcommand(Subcommand{Name: "info", Usage: "info <ref>", Help: "an entity's card: owner, system, dependencies, APIs, links",
		Examples: []string{"checkout", "api:default/checkout-api", "payments-platform"}, Handler: b.handleInfo})
	rt.Subcommand(Subcommand{Name: "oncall", Usage: "oncall <service | team | person>", Help: "who is on call now, and until when",
		Examples: []string{"checkout", "payments", "@priya"}, Handler: b.handleOncall})
	rt.Subcommand(Subcommand{Name: "query", Usage: "query <expression>", Help: "entities matching a CEL expression over `entity`",
		Examples: []string{`entity.kind == "Component" && !has(entity.spec.owner)`, `"kafka" in entity.metadata.tags`}, Handler: b.handleQuery})

	rt.Action(actionWhoOwnsShare, b.handleWhoOwnsShare)
	rt.Action(actionWhoOwnsPick+"*", b.handleWhoOwnsPick)
	rt.Action(actionInfoOpen, b.handleInfoOpen)
	rt.Action(actionDetails+"*", b.handleInfoOpen)
	rt.Action(actionInfoPick+"*", b.handleInfoPick)
	rt.Action(actionInfoShare, b.handleInfoShare)
	rt.Action(actionOncallPick+"*", b.handleOncallPick)
	rt.Action(actionSearchPage+":*", b.handleSearchPage)
	rt.Action(actionQueryPage+":*", b.handleQueryPage)
	rt.Action(actionWhoOwnsMatches+":*", b.handleMatchesPage(func(ctx context.Context, r *Request, ans *catalog.Ownership, offset int) (Message, error) {
		return WhoOwnsMessage(OwnershipView{Answer: ans, IDs: b.mentions(ctx, ans), Style: styleFor(r), Offset: offset}), nil
	}))
	rt.Action(actionInfoMatches+":*", b.handleMatchesPage(func(ctx context.Context, r *Request, ans *catalog.Ownership, offset int) (Message, error) {
		return InfoMessage(InfoView{Answer: ans, IDs: b.mentions(ctx, ans), Style: styleFor(r), Offset: offset}), nil
	}))
	rt.Action(actionOncallMatches+":*", b.handleMatchesPage(func(ctx context.Context, _ *Request, ans *catalog.Ownership, offset int) (Message, error) {
		return b.oncallMessage(ctx, ans, offset)
	}))
	rt.Action(actionWhoOwnsList+":*", b.handleWhoOwnsList)
	rt.Action(actionInfoList+":*", b.handleWhoOwnsList)

	rt.Event("app_home_opened", b.handleHome)
	rt.Action(actionHomeOwns+":*", b.handleHomePage)
	rt.Action(actionHomeWhoOwns, b.openModal(WhoOwnsModal))
	rt.Action(actionHomeSearch, b.openModal(SearchModal))
	rt.Action(actionHomeHelp, b.openHelpModal)
	rt.Shortcut(callbackWhoOwnsGlobal, b.openModal(WhoOwnsModal))
	rt.ViewSubmission(callbackWhoOwnsModal, ViewSubmission{Validate: validateQuery("Who owns", "Looking up"), Then: b.whoOwnsModalThen})
	rt.ViewSubmission(callbackSearchModal, ViewSubmission{Validate: validateQuery("Search", "Searching for"), Then: b.searchModalThen})

	rt.Event("app_mention", b.handleMention)
}

// unknownCommand answers a slash command nothing handles.
func (b *Bot) unknownCommand(ctx context.Context, r *Request) error {
	return r.Respond.Ephemeral(ctx, UnknownCommandMessage(r.Command, gantryCommand))
}

// handleGantry routes "/gantry <subcommand> …".
func (b *Bot) handleGantry(ctx context.Context, r *Request) error {
	name, rest := firstWord(r.Text)
	if name == "" {
		return r.Respond.Ephemeral(ctx, HelpMessage(b.helpView("", nil)))
	}
	s, ok := b.router.subcommand(name)
	if !ok {
		return r.Respond.Ephemeral(ctx, HelpMessage(b.helpView(name, nil)))
	}
	r.Subcommand, r.Text = s.Name, rest
	r.Route = gantryCommand + " " + s.Name
	r.Log = r.Log.With("subcommand", s.Name)
	ctx = WithLogger(ctx, r.Log)
	if s.Allow != nil {
		if err := s.Allow(ctx, r); err != nil {
			return err
		}
	}
	return s.Handler(ctx, r)
}

// firstWord splits Slack text into its first word (lowercased) and the rest.
func firstWord(text string) (string, string) {
	text = strings.TrimSpace(text)
	i := strings.IndexFunc(text, func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' })
	if i < 0 {
		return strings.ToLower(PlainText(text)), ""
	}
	return strings.ToLower(PlainText(text[:i])), strings.TrimSpace(text[i:])
}

// helpView describes the commands; unknown is a subcommand that was not
// understood, detail one to explain.
func (b *Bot) helpView(unknown string, detail *Subcommand) HelpView {
	subs := b.router.Subcommands()
	v := HelpView{Gantry: gantryCommand, Subcommands: subs, Commands: b.router.Commands(), Unknown: unknown, Detail: detail}
	if unknown != "" {
		names := make([]string, len(subs))
		for i, s := range subs {
			names[i] = s.Name
		}
		v.Suggestion = nearest(unknown, names)
	}
	return v
}

func (b *Bot) handleHelp(ctx context.Context, r *Request) error {
	name, _ := firstWord(r.Text)
	if name == "" {
		return r.Respond.Ephemeral(ctx, HelpMessage(b.helpView("", nil)))
	}
	if s, ok := b.router.subcommand(name); ok {
		return r.Respond.Ephemeral(ctx, HelpMessage(b.helpView("", &s)))
	}
	return r.Respond.Ephemeral(ctx, HelpMessage(b.helpView(name, nil)))
}
