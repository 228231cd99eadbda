// Package blocklimits checks Block Kit payloads against the limits Slack
// enforces, and reports violations the way Slack does: an error code
// ("invalid_blocks", "invalid_arguments", "msg_too_long", ...) plus one
// "[ERROR] ... [json-pointer:/blocks/3/text/text]" line per violation, as in a
// Web API response's response_metadata.messages.
//
// It has no dependencies beyond the standard library so that production code
// (the bot's pre-send check) and the Slack fake used by tests share one set of
// rules: a payload the fake rejects is a payload the bot refuses to send.
//
// The rules cover the limits that bite in practice (block counts, text
// lengths, ids, option counts, modal title and buttons, message text, the
// Socket Mode response size); they are not a full Block Kit schema validator.
package blocklimits

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits Slack documents for Block Kit surfaces. Lengths count characters.
const (
	MaxMessageBlocks      = 50
	MaxViewBlocks         = 100
	MaxMessageText        = 40000
	MaxSectionText        = 3000
	MaxSectionFields      = 10
	MaxSectionFieldText   = 2000
	MaxHeaderText         = 150
	MaxBlockID            = 255
	MaxActionID           = 255
	MaxActionsElements    = 25
	MaxContextElements    = 10
	MaxButtonText         = 75
	MaxButtonValue        = 2000
	MaxURL                = 3000
	MaxPlaceholder        = 150
	MaxOptions            = 100
	MaxOptionGroups       = 100
	MaxOverflowOptions    = 5
	MaxCheckboxOptions    = 10
	MaxOptionText         = 75
	MaxOptionValue        = 150
	MaxLabel              = 2000
	MaxHint               = 2000
	MaxAltText            = 2000
	MaxInputLength        = 3000
	MaxModalTitle         = 24
	MaxModalButton        = 24
	MaxPrivateMetadata    = 3000
	MaxCallbackID         = 255
	MaxExternalID         = 255
	MaxViewBytes          = 250 * 1024
	MaxSocketModeResponse = 20 * 1024
)

// Error codes, as Slack's Web API returns them. CodeAckTooLarge is not a
// Slack code: Slack silently drops an oversized Socket Mode response, so the
// checker (and the fake) name the failure themselves.
const (
	CodeInvalidBlocks       = "invalid_blocks"
	CodeInvalidBlocksFormat = "invalid_blocks_format"
	CodeInvalidArguments    = "invalid_arguments"
	CodeMsgTooLong          = "msg_too_long"
	CodeViewTooLarge        = "view_too_large"
	CodeAckTooLarge         = "socket_mode_response_too_large"
)

// Error is a limits violation. Code is the Slack error code and Messages the
// lines Slack puts in response_metadata.messages, each naming the offending
// field with a JSON pointer.
type Error struct {
	Code     string
	Messages []string
}

func (e *Error) Error() string {
	if len(e.Messages) == 0 {
		return e.Code
	}
	return e.Code + ": " + strings.Join(e.Messages, "; ")
}

// CheckMessageBlocks checks the blocks argument of chat.postMessage,
// chat.postEphemeral, chat.update or a response_url/ack payload. An empty
// argument is valid (the message then needs text). Violations are reported
// as CodeInvalidBlocks with pointers rooted at /blocks, as Slack does.
func CheckMessageBlocks(blocks json.RawMessage) error {
	if len(bytes.TrimSpace(blocks)) == 0 || string(bytes.TrimSpace(blocks)) == "null" {
		return nil
	}
	v, err := decode(blocks)
	if err != nil {
		return &Error{Code: CodeInvalidBlocksFormat, Messages: []string{"[ERROR] blocks must be a JSON array: " + err.Error()}}
	}
	arr, ok := v.([]any)
	if !ok {
		return &Error{Code: CodeInvalidBlocksFormat, Messages: []string{"[ERROR] blocks must be a JSON array"}}
	}
	c := &checker{}
	c.blocks("/blocks", arr, MaxMessageBlocks)
	return c.result(CodeInvalidBlocks)
}

// CheckMessageText checks a message's top-level text (msg_too_long).
func CheckMessageText(text string) error {
	if n := utf8.RuneCountInString(text); n > MaxMessageText {
		return &Error{Code: CodeMsgTooLong, Messages: []string{fmt.Sprintf("[ERROR] text is %d characters, more than %d", n, MaxMessageText)}}
	}
	return nil
}

// CheckMessage checks a whole message: its text, then its blocks.
func CheckMessage(text string, blocks json.RawMessage) error {
	if err := CheckMessageText(text); err != nil {
		return err
	}
	return CheckMessageBlocks(blocks)
}

// CheckView checks the view argument of views.open, views.push, views.update
// or views.publish (a modal or a home tab), or the view of a view_submission
// response_action. Slack reports schema violations of a view as
// CodeInvalidArguments with pointers rooted at /view, and an oversized view
// as CodeViewTooLarge.
func CheckView(view json.RawMessage) error {
	if len(view) > MaxViewBytes {
		return &Error{Code: CodeViewTooLarge, Messages: []string{fmt.Sprintf("[ERROR] view is %d bytes, more than %d", len(view), MaxViewBytes)}}
	}
	v, err := decode(view)
	if err != nil {
		return &Error{Code: CodeInvalidArguments, Messages: []string{"[ERROR] view must be a JSON object: " + err.Error() + " [json-pointer:/view]"}}
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return &Error{Code: CodeInvalidArguments, Messages: []string{"[ERROR] must be an object [json-pointer:/view]"}}
	}
	c := &checker{}
	typ, _ := obj["type"].(string)
	switch typ {
	case "modal":
		c.text("/view/title", obj["title"], MaxModalTitle, true, true)
		c.text("/view/close", obj["close"], MaxModalButton, true, false)
		c.text("/view/submit", obj["submit"], MaxModalButton, true, false)
		if obj["submit"] == nil && hasInputBlock(obj["blocks"]) {
			c.add("/view/submit", "[ERROR] must provide submit when blocks contain an input block")
		}
	case "home":
	case "":
		c.add("/view/type", "[ERROR] missing required field: type")
	default:
		c.add("/view/type", "[ERROR] must be one of modal, home")
	}
	c.maxString("/view/private_metadata", obj["private_metadata"], MaxPrivateMetadata)
	c.maxString("/view/callback_id", obj["callback_id"], MaxCallbackID)
	c.maxString("/view/external_id", obj["external_id"], MaxExternalID)
	switch b := obj["blocks"].(type) {
	case []any:
		c.blocks("/view/blocks", b, MaxViewBlocks)
	case nil:
		c.add("/view/blocks", "[ERROR] missing required field: blocks")
	default:
		c.add("/view/blocks", "[ERROR] must be an array")
	}
	return c.result(CodeInvalidArguments)
}

// CheckSocketModeResponse checks the size of one Socket Mode response (an
// envelope ack) as written on the wire. Slack drops responses of 20 KiB or
// more without telling anyone, so this is the only place the failure shows.
func CheckSocketModeResponse(wire []byte) error {
	if len(wire) >= MaxSocketModeResponse {
		return &Error{Code: CodeAckTooLarge, Messages: []string{fmt.Sprintf("[ERROR] Socket Mode response is %d bytes; Slack drops responses of %d bytes or more", len(wire), MaxSocketModeResponse)}}
	}
	return nil
}

// decode parses JSON keeping numbers exact (UseNumber) so that checking never
// changes what it checks.
func decode(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

func hasInputBlock(v any) bool {
	arr, _ := v.([]any)
	for _, b := range arr {
		if m, ok := b.(map[string]any); ok && m["type"] == "input" {
			return true
		}
	}
	return false
}

// checker accumulates violations; Slack reports all of them at once, so the
// walk never stops at the first.
type checker struct {
	msgs []string
}

func (c *checker) add(ptr, msg string) {
	c.msgs = append(c.msgs, fmt.Sprintf("%s [json-pointer:%s]", msg, ptr))
}

func (c *checker) result(code string) error {
	if len(c.msgs) == 0 {
		return nil
	}
	return &Error{Code: code, Messages: c.msgs}
}

// maxLen reports s if it is longer than max, in Slack's wording.
func (c *checker) maxLen(ptr, s string, max int) {
	if utf8.RuneCountInString(s) > max {
		c.add(ptr, fmt.Sprintf("[ERROR] must be less than %d characters", max+1))
	}
}

func (c *checker) maxString(ptr string, v any, max int) {
	switch s := v.(type) {
	case nil:
	case string:
		c.maxLen(ptr, s, max)
	default:
		c.add(ptr, "[ERROR] must be a string")
	}
}

func (c *checker) maxItems(ptr string, n, max int) bool {
	if n > max {
		c.add(ptr, fmt.Sprintf("[ERROR] no more than %d items allowed", max))
		return false
	}
	return true
}

func (c *checker) blocks(ptr string, arr []any, max int) {
	c.maxItems(ptr, len(arr), max)
	seen := map[string]bool{}
	for i, b := range arr {
		bp := ptr + "/" + strconv.Itoa(i)
		m, ok := b.(map[string]any)
		if !ok {
			c.add(bp, "[ERROR] must be an object")
			continue
		}
		c.block(bp, m, seen)
	}
}

func (c *checker) block(ptr string, b map[string]any, seenIDs map[string]bool) {
	if id, ok := b["block_id"].(string); ok {
		c.maxLen(ptr+"/block_id", id, MaxBlockID)
		if seenIDs[id] {
			c.add(ptr+"/block_id", "[ERROR] duplicate block_id: "+id)
		}
		seenIDs[id] = true
	}
	typ, _ := b["type"].(string)
	switch typ {
	case "section":
		c.section(ptr, b)
	case "header":
		c.text(ptr+"/text", b["text"], MaxHeaderText, true, true)
	case "actions":
		els, _ := b["elements"].([]any)
		if len(els) == 0 {
			c.add(ptr+"/elements", "[ERROR] must provide at least 1 item")
		}
		c.maxItems(ptr+"/elements", len(els), MaxActionsElements)
		seenActions := map[string]bool{}
		for i, e := range els {
			ep := ptr + "/elements/" + strconv.Itoa(i)
			if em, ok := e.(map[string]any); ok {
				if id, ok := em["action_id"].(string); ok {
					if seenActions[id] {
						c.add(ep+"/action_id", "[ERROR] duplicate action_id: "+id)
					}
					seenActions[id] = true
				}
			}
			c.element(ep, e)
		}
	case "context":
		els, _ := b["elements"].([]any)
		if len(els) == 0 {
			c.add(ptr+"/elements", "[ERROR] must provide at least 1 item")
		}
		c.maxItems(ptr+"/elements", len(els), MaxContextElements)
		for i, e := range els {
			ep := ptr + "/elements/" + strconv.Itoa(i)
			if em, ok := e.(map[string]any); ok && (em["type"] == "plain_text" || em["type"] == "mrkdwn") {
				c.text(ep, e, MaxSectionText, false, true)
				continue
			}
			c.element(ep, e)
		}
	case "input":
		c.text(ptr+"/label", b["label"], MaxLabel, true, true)
		c.text(ptr+"/hint", b["hint"], MaxHint, true, false)
		if b["element"] == nil {
			c.add(ptr+"/element", "[ERROR] missing required field: element")
		} else {
			c.element(ptr+"/element", b["element"])
		}
	case "image":
		c.imageFields(ptr, b)
		c.text(ptr+"/title", b["title"], MaxAltText, true, false)
	case "divider", "file", "rich_text", "rich_text_input", "video", "call", "markdown", "table",
		"context_actions", "data_table", "data_visualization", "task_card", "alert", "auth_provider",
		"plan", "card", "carousel", "container", "layout":
		// Accepted as is: their limits rarely matter to a bot and are not modelled.
	case "":
		c.add(ptr+"/type", "[ERROR] missing required field: type")
	default:
		c.add(ptr+"/type", "[ERROR] unsupported block type: "+typ)
	}
}

func (c *checker) section(ptr string, b map[string]any) {
	fields, hasFields := b["fields"].([]any)
	if b["text"] == nil && !hasFields {
		c.add(ptr, "[ERROR] must provide either text or fields")
	}
	c.text(ptr+"/text", b["text"], MaxSectionText, false, false)
	if hasFields {
		c.maxItems(ptr+"/fields", len(fields), MaxSectionFields)
		for i, f := range fields {
			c.text(ptr+"/fields/"+strconv.Itoa(i), f, MaxSectionFieldText, false, true)
		}
	}
	if acc := b["accessory"]; acc != nil {
		c.element(ptr+"/accessory", acc)
	}
}

// text checks a text object: its type, and the length of its text field.
func (c *checker) text(ptr string, v any, max int, plainOnly, required bool) {
	if v == nil {
		if required {
			c.add(ptr, "[ERROR] missing required field")
		}
		return
	}
	m, ok := v.(map[string]any)
	if !ok {
		c.add(ptr, "[ERROR] must be a text object")
		return
	}
	switch m["type"] {
	case "plain_text":
	case "mrkdwn":
		if plainOnly {
			c.add(ptr+"/type", "[ERROR] must be plain_text")
		}
	default:
		c.add(ptr+"/type", "[ERROR] must be one of plain_text, mrkdwn")
	}
	s, ok := m["text"].(string)
	if !ok {
		c.add(ptr+"/text", "[ERROR] missing required field: text")
		return
	}
	if s == "" && required {
		c.add(ptr+"/text", "[ERROR] must be more than 0 characters")
	}
	c.maxLen(ptr+"/text", s, max)
}

func (c *checker) imageFields(ptr string, m map[string]any) {
	c.maxString(ptr+"/image_url", m["image_url"], MaxURL)
	if alt, ok := m["alt_text"].(string); ok {
		c.maxLen(ptr+"/alt_text", alt, MaxAltText)
	} else if m["alt_text"] == nil {
		c.add(ptr+"/alt_text", "[ERROR] missing required field: alt_text")
	}
}

// element checks an interactive element (or an image element in a context
// or section accessory).
func (c *checker) element(ptr string, v any) {
	m, ok := v.(map[string]any)
	if !ok {
		c.add(ptr, "[ERROR] must be an object")
		return
	}
	c.maxString(ptr+"/action_id", m["action_id"], MaxActionID)
	c.text(ptr+"/placeholder", m["placeholder"], MaxPlaceholder, true, false)
	typ, _ := m["type"].(string)
	switch typ {
	case "button":
		c.text(ptr+"/text", m["text"], MaxButtonText, true, true)
		c.maxString(ptr+"/value", m["value"], MaxButtonValue)
		c.maxString(ptr+"/url", m["url"], MaxURL)
	case "image":
		c.imageFields(ptr, m)
	case "overflow":
		c.options(ptr+"/options", m["options"], MaxOverflowOptions)
	case "checkboxes", "radio_buttons":
		c.options(ptr+"/options", m["options"], MaxCheckboxOptions)
	case "static_select", "multi_static_select":
		if groups, ok := m["option_groups"].([]any); ok {
			c.maxItems(ptr+"/option_groups", len(groups), MaxOptionGroups)
			for i, g := range groups {
				gm, _ := g.(map[string]any)
				gp := ptr + "/option_groups/" + strconv.Itoa(i)
				c.text(gp+"/label", gm["label"], MaxOptionText, true, true)
				c.options(gp+"/options", gm["options"], MaxOptions)
			}
		} else {
			c.options(ptr+"/options", m["options"], MaxOptions)
		}
	case "plain_text_input":
		if n, ok := m["max_length"].(json.Number); ok {
			if v, err := n.Int64(); err == nil && v > MaxInputLength {
				c.add(ptr+"/max_length", fmt.Sprintf("[ERROR] must be less than or equal to %d", MaxInputLength))
			}
		}
		c.maxString(ptr+"/initial_value", m["initial_value"], MaxInputLength)
	case "":
		c.add(ptr+"/type", "[ERROR] missing required field: type")
	}
}

func (c *checker) options(ptr string, v any, max int) {
	if v == nil {
		return // Slack reports missing options itself; the limits are about too many
	}
	opts, ok := v.([]any)
	if !ok {
		c.add(ptr, "[ERROR] must be an array")
		return
	}
	c.maxItems(ptr, len(opts), max)
	for i, o := range opts {
		op := ptr + "/" + strconv.Itoa(i)
		om, ok := o.(map[string]any)
		if !ok {
			c.add(op, "[ERROR] must be an object")
			continue
		}
		c.text(op+"/text", om["text"], MaxOptionText, false, true)
		c.maxString(op+"/value", om["value"], MaxOptionValue)
	}
}
