package slackfake

import (
	"encoding/json"

	"github.com/gantryhq/gantry/internal/slackfake/blocklimits"
)

// CheckMessageBlocks applies the fake's Block Kit rules for messages (see
// package blocklimits, which production code may import directly).
func CheckMessageBlocks(blocks json.RawMessage) error { return blocklimits.CheckMessageBlocks(blocks) }

// CheckMessage applies the rules for a whole message: text and blocks.
func CheckMessage(text string, blocks json.RawMessage) error {
	return blocklimits.CheckMessage(text, blocks)
}

// CheckView applies the fake's rules for a modal or home view.
func CheckView(view json.RawMessage) error { return blocklimits.CheckView(view) }
