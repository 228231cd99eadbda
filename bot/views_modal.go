package bot

import (
	"github.com/slack-go/slack"
)

// Modal callback ids and the input they read.
const (
	callbackWhoOwnsModal  = "whoowns.modal"
	callbackSearchModal   = "search.modal"
	callbackResultModal   = "gantry.result"
	callbackWhoOwnsGlobal = "whoowns.shortcut" // the global shortcut in manifest.yaml
	inputQueryBlock       = "query"
	inputQueryAction      = "query"
	maxQueryLength        = 500
)

// WhoOwnsModal asks "who owns…?" (from App Home or the global shortcut).
func WhoOwnsModal() slack.ModalViewRequest {
	return queryModal(callbackWhoOwnsModal, "Who owns…", "Look up", "Service, repository, team or person",
		"checkout, bramble/checkout, payments, priya@…", "Owner, members, on-call and channel, shown only to you.")
}

// SearchModal asks what to search for.
func SearchModal() slack.ModalViewRequest {
	return queryModal(callbackSearchModal, "Search the catalog", "Search", "Words to look for",
		"payments, sends email, kafka…", "Searches names, titles, descriptions, tags, owners and systems.")
}

func queryModal(callbackID, title, submit, label, placeholder, hint string) slack.ModalViewRequest {
	in := slack.NewPlainTextInputBlockElement(plain(placeholder), inputQueryAction)
	in.MaxLength = maxQueryLength
	block := slack.NewInputBlock(inputQueryBlock, plain(label), plain(hint), in)
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: callbackID, Title: plain(title),
		Submit: plain(submit), Close: plain("Cancel"),
		Blocks: slack.Blocks{BlockSet: []slack.Block{block}},
	}
}

// LoadingModal replaces a submitted form while the answer is computed;
// externalID lets the continuation find it (views.update by external_id)
// whether or not Slack has applied the ack yet.
func LoadingModal(title, text, externalID string) slack.ModalViewRequest {
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: callbackResultModal, ExternalID: externalID,
		Title: plain(clip(title, 24)), Close: plain("Close"),
		Blocks: slack.Blocks{BlockSet: blocks(section(":mag: " + text))},
	}
}

// ResultModal shows an answer (a Message's blocks) in a modal.
func ResultModal(title string, m Message) slack.ModalViewRequest {
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: callbackResultModal,
		Title: plain(clip(title, 24)), Close: plain("Close"),
		Blocks: slack.Blocks{BlockSet: m.Blocks},
	}
}

// HelpModal lists the commands in a modal (from App Home).
func HelpModal(v HelpView) slack.ModalViewRequest {
	return ResultModal("Gantry commands", HelpMessage(v))
}
