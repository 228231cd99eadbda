package slackfake

import (
	"bytes"
	"encoding/json"
	"hash/fnv"
	"strconv"
)

// decodeJSON parses JSON keeping numbers exact, so a round trip through the
// fake never changes a payload.
func decodeJSON(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return dec.Decode(v)
}

func isEmptyJSON(raw json.RawMessage) bool {
	t := string(bytes.TrimSpace(raw))
	return t == "" || t == "null" || t == "[]" || t == "{}"
}

// shortID derives a Slack-looking generated id ("aB3xZ") from a seed, so
// generated ids are stable across runs.
func shortID(seed string) string {
	const alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	h := fnv.New64a()
	_, _ = h.Write([]byte(seed))
	n := h.Sum64()
	out := make([]byte, 5)
	for i := range out {
		out[i] = alphabet[n%uint64(len(alphabet))]
		n /= uint64(len(alphabet))
	}
	return string(out)
}

// normalizeBlocks fills in the block_id and action_id that Slack generates
// for blocks and elements sent without one; interaction payloads and
// view_submission state are keyed by them, so the fake must do the same.
func normalizeBlocks(raw json.RawMessage, salt string) json.RawMessage {
	if isEmptyJSON(raw) {
		return nil
	}
	var blocks []map[string]any
	if err := decodeJSON(raw, &blocks); err != nil {
		return raw
	}
	for i, b := range blocks {
		seed := salt + "/" + strconv.Itoa(i)
		if id, _ := b["block_id"].(string); id == "" {
			b["block_id"] = shortID(seed)
		}
		forEachElement(b, func(j int, el map[string]any) {
			if id, _ := el["action_id"].(string); id == "" {
				el["action_id"] = shortID(seed + "/" + strconv.Itoa(j))
			}
		})
	}
	out, err := json.Marshal(blocks)
	if err != nil {
		return raw
	}
	return out
}

// forEachElement visits a block's interactive elements: an actions block's
// elements, a section's accessory, an input's element.
func forEachElement(b map[string]any, fn func(i int, el map[string]any)) {
	switch b["type"] {
	case "actions":
		els, _ := b["elements"].([]any)
		for j, e := range els {
			if el, ok := e.(map[string]any); ok {
				fn(j, el)
			}
		}
	case "section":
		if el, ok := b["accessory"].(map[string]any); ok {
			fn(0, el)
		}
	case "input":
		if el, ok := b["element"].(map[string]any); ok {
			fn(0, el)
		}
	}
}

// foundElement is an element located by action_id, with its block.
type foundElement struct {
	block   map[string]any
	blockID string
	element map[string]any
}

// findElement looks an action_id up in a blocks array.
func findElement(raw json.RawMessage, actionID string) (foundElement, bool) {
	var blocks []map[string]any
	if err := decodeJSON(raw, &blocks); err != nil {
		return foundElement{}, false
	}
	var out foundElement
	found := false
	for _, b := range blocks {
		forEachElement(b, func(_ int, el map[string]any) {
			if !found && el["action_id"] == actionID {
				id, _ := b["block_id"].(string)
				out, found = foundElement{block: b, blockID: id, element: el}, true
			}
		})
		if found {
			break
		}
	}
	return out, found
}

// inputBlocks returns a view's input blocks.
func inputBlocks(raw json.RawMessage) []map[string]any {
	var blocks []map[string]any
	_ = decodeJSON(raw, &blocks)
	var out []map[string]any
	for _, b := range blocks {
		if b["type"] == "input" {
			out = append(out, b)
		}
	}
	return out
}
