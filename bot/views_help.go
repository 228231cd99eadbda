package bot

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"
)

// HelpView is the data of "/gantry help".
type HelpView struct {
	// Gantry is the /gantry command's name; Subcommands and Commands are
	// what the router knows.
	Gantry      string
	Subcommands []Subcommand
	Commands    []SlashCommand
	// Unknown is a subcommand that was not understood; Suggestion the
	// nearest known one ("" if none is close).
	Unknown    string
	Suggestion string
	// Detail, when set, shows one subcommand's usage and examples.
	Detail *Subcommand
}

// HelpMessage lists the commands, or details one.
func HelpMessage(v HelpView) Message {
	if d := v.Detail; d != nil {
		lines := []string{fmt.Sprintf("*%s %s*", v.Gantry, esc(d.Usage)), esc(d.Help)}
		for _, ex := range d.Examples {
			lines = append(lines, "• "+code(strings.TrimSpace(v.Gantry+" "+d.Name+" "+ex)))
		}
		return Message{Text: fmt.Sprintf("%s %s: %s", v.Gantry, d.Usage, d.Help), Blocks: blocks(section(strings.Join(lines, "\n")))}
	}
	var bs []slack.Block
	text := "Gantry answers questions about the software catalog, right here in Slack."
	if v.Unknown != "" {
		text = fmt.Sprintf("%s isn't a Gantry command.", code(v.Gantry+" "+clip(v.Unknown, 40)))
		if v.Suggestion != "" {
			text += fmt.Sprintf(" Did you mean %s?", code(v.Gantry+" "+v.Suggestion))
		}
	}
	bs = append(bs, section(text))
	var lines []string
	for _, c := range v.Commands {
		if c.Name == v.Gantry {
			continue
		}
		lines = append(lines, fmt.Sprintf("*%s* %s", esc(c.Usage), dash(c.Help)))
	}
	for _, s := range v.Subcommands {
		lines = append(lines, fmt.Sprintf("*%s %s* %s", v.Gantry, esc(s.Usage), dash(s.Help)))
	}
	bs = append(bs, section(strings.Join(lines, "\n")))
	bs = append(bs, note(fmt.Sprintf("Mention @Gantry in a channel (\"@Gantry who owns checkout?\") to answer in a thread, open Gantry's Home tab for your teams, or run %s for examples.", code(v.Gantry+" help <command>"))))
	return Message{Text: text, Blocks: blocks(bs...)}
}

func dash(help string) string {
	if help == "" {
		return ""
	}
	return "— " + esc(help)
}
