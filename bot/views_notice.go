package bot

import (
	"fmt"
)

// BusyMessage tells a person that every worker is taken and the queue is
// full: the request was not run, and trying again soon will work.
func BusyMessage() Message {
	text := "Gantry is busy right now (too many requests at once) and didn't run this. Please try again in a few seconds."
	return Message{Text: text, Blocks: blocks(section(":hourglass: " + text))}
}

// SomethingWentWrong is what a person sees when a handler failed in a way
// only the logs can explain; id finds the log line.
func SomethingWentWrong(id string) Message {
	text := fmt.Sprintf("Something went wrong (id %s). It's in Gantry's logs; if it keeps happening, give this id to whoever runs Gantry.", id)
	return Message{Text: text, Blocks: blocks(section(":warning: " + text))}
}

// ProblemMessage shows a sentence meant for the person (a bad argument,
// something not found, a refusal) as it is.
func ProblemMessage(sentence string) Message {
	text := upperFirst(sentence)
	return Message{Text: text, Blocks: blocks(section(esc(text)))}
}

// UnavailableMessage says a dependency is down, with the id of the log line.
func UnavailableMessage(sentence, id string) Message {
	text := fmt.Sprintf("%s (id %s)", upperFirst(sentence), id)
	return Message{Text: text, Blocks: blocks(section(":electric_plug: " + esc(text)))}
}

// UnknownCommandMessage answers a slash command Slack sent but nothing in
// this Gantry handles (declared in the manifest, not yet built or enabled).
func UnknownCommandMessage(command, gantry string) Message {
	text := fmt.Sprintf("%s isn't available in this Gantry. See %s for what is.", code(command), code(gantry+" help"))
	return Message{Text: text, Blocks: blocks(section(text))}
}
