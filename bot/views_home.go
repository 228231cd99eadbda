package bot

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/gantryhq/gantry/catalog"
)

// Action ids of the App Home tab.
const (
	actionHomeWhoOwns = "home.whoowns"
	actionHomeSearch  = "home.search"
	actionHomeHelp    = "home.help"
	actionHomeOwns    = "home.owns" // + ":next" / ":prev"
	homeCallbackID    = "home"
)

// HomeView is the data of a person's App Home tab.
type HomeView struct {
	Profile *catalog.Profile
	IDs     map[string]string
	// Offset is where the "What you own" page starts.
	Offset int
}

// HomeTab renders the App Home of a person the catalog knows: their teams
// with channel and on-call, their duties, what they own (paginated), and
// shortcuts.
func HomeTab(v HomeView) slack.HomeTabViewRequest {
	p := v.Profile
	name := p.User.DisplayName
	if name == "" {
		name = refShort(p.User.Ref)
	}
	bs := []slack.Block{header("Hi " + firstName(name) + " 👋")}
	if len(p.OnCall) > 0 {
		var duties []string
		for _, d := range p.OnCall {
			s := "*" + nm(d.Title) + "*"
			if d.Until != nil {
				s += " until " + slackDate(*d.Until)
			}
			duties = append(duties, s)
		}
		bs = append(bs, section(":rotating_light: You are on call for "+strings.Join(duties, "; ")+"."))
	}
	bs = append(bs, shortcuts(), slack.NewDividerBlock(), section("*Your teams*"))
	if len(p.Teams) == 0 {
		bs = append(bs, section("You're in no team in the catalog yet. Add yourself to a Group's `spec.members`."))
	}
	for _, t := range p.Teams {
		line := "*" + nm(t.Title) + "*"
		if t.SlackChannel != "" {
			line += " · " + nm(t.SlackChannel)
		}
		line += fmt.Sprintf(" · %d member", t.Members)
		if t.Members != 1 {
			line += "s"
		}
		if t.Oncall != nil {
			line += "\nOn call: " + oncallText(t.Oncall, v.IDs)
		} else {
			line += "\nNo on-call rotation (`gantry.dev/oncall`)."
		}
		bs = append(bs, section(line))
	}
	bs = append(bs, slack.NewDividerBlock(), section(fmt.Sprintf("*What you own* (%d)", len(p.Owns))))
	if len(p.Owns) == 0 {
		bs = append(bs, section("Nothing yet: entities owned by you or your teams show up here."))
	} else {
		off := min(max(v.Offset, 0), len(p.Owns)-1)
		off -= off % pageSize
		page := p.Owns[off:min(off+pageSize, len(p.Owns))]
		var lines []string
		for _, s := range page {
			lines = append(lines, fmt.Sprintf("• *%s* · %s · %s", nm(s.Title), strings.ToLower(s.Kind), code(s.Ref)))
		}
		bs = append(bs, section(strings.Join(lines, "\n")))
		bs = append(bs, pager(actionHomeOwns, "", off, len(page), len(p.Owns), false)...)
	}
	bs = append(bs, note("Your catalog entry: "+code(p.User.Ref)))
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, CallbackID: homeCallbackID, Blocks: slack.Blocks{BlockSet: blocks(bs...)}}
}

// HomeUnknownTab is the App Home of someone the catalog does not know.
func HomeUnknownTab(slackID, email string) slack.HomeTabViewRequest {
	how := fmt.Sprintf("add `gantry.dev/slack-user-id: %s` to your User entity", slackID)
	if email != "" {
		how += fmt.Sprintf(", or set its `spec.profile.email` to %s", esc(email))
	}
	bs := []slack.Block{
		header("Welcome to Gantry"),
		section("Gantry knows who owns every service, who is on call, and where each team talks."),
		shortcuts(),
		slack.NewDividerBlock(),
		section(":wave: The catalog doesn't know you yet, so there are no teams to show here. To fix it, " + how + "."),
	}
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, CallbackID: homeCallbackID, Blocks: slack.Blocks{BlockSet: blocks(bs...)}}
}

// HomeErrorTab is shown when the catalog could not be read.
func HomeErrorTab(id string) slack.HomeTabViewRequest {
	bs := []slack.Block{
		header("Gantry"),
		section(fmt.Sprintf(":warning: Gantry couldn't read the catalog just now (id %s). Open this tab again in a minute.", id)),
		shortcuts(),
	}
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, CallbackID: homeCallbackID, Blocks: slack.Blocks{BlockSet: blocks(bs...)}}
}

func shortcuts() slack.Block {
	return buttons(primary(button(actionHomeWhoOwns, "", "Who owns…")), button(actionHomeSearch, "", "Search the catalog…"),
		button(actionHomeHelp, "", "Commands"))
}

func firstName(name string) string {
	if f := strings.Fields(name); len(f) > 0 {
		return f[0]
	}
	return name
}
