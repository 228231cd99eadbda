package blocklimits

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func divider(n int) string {
	return "[" + strings.TrimSuffix(strings.Repeat(`{"type":"divider"},`, n), ",") + "]"
}

func section(text string) string {
	return fmt.Sprintf(`{"type":"section","text":{"type":"mrkdwn","text":%q}}`, text)
}

func TestCheckMessageBlocks(t *testing.T) {
	tests := []struct {
		name     string
		blocks   string
		wantCode string
		wantMsg  string
	}{
		{"empty", ``, "", ""},
		{"50 blocks", divider(50), "", ""},
		{"51 blocks", divider(51), CodeInvalidBlocks, "[ERROR] no more than 50 items allowed [json-pointer:/blocks]"},
		{"not an array", `{"type":"divider"}`, CodeInvalidBlocksFormat, ""},
		{"not JSON", `[{`, CodeInvalidBlocksFormat, ""},
		{"section 3000", "[" + section(strings.Repeat("é", 3000)) + "]", "", ""},
		{"section 3001 at 3", `[{"type":"divider"},{"type":"divider"},{"type":"divider"},` + section(strings.Repeat("x", 3001)) + `]`,
			CodeInvalidBlocks, "[ERROR] must be less than 3001 characters [json-pointer:/blocks/3/text/text]"},
		{"section without text or fields", `[{"type":"section"}]`, CodeInvalidBlocks, "[ERROR] must provide either text or fields [json-pointer:/blocks/0]"},
		{"11 fields", `[{"type":"section","fields":[` + strings.TrimSuffix(strings.Repeat(`{"type":"mrkdwn","text":"f"},`, 11), ",") + `]}]`,
			CodeInvalidBlocks, "[ERROR] no more than 10 items allowed [json-pointer:/blocks/0/fields]"},
		{"header 151", fmt.Sprintf(`[{"type":"header","text":{"type":"plain_text","text":%q}}]`, strings.Repeat("h", 151)),
			CodeInvalidBlocks, "[ERROR] must be less than 151 characters [json-pointer:/blocks/0/text/text]"},
		{"header in mrkdwn", `[{"type":"header","text":{"type":"mrkdwn","text":"h"}}]`, CodeInvalidBlocks, "[ERROR] must be plain_text [json-pointer:/blocks/0/text/type]"},
		{"block_id 256", fmt.Sprintf(`[{"type":"divider","block_id":%q}]`, strings.Repeat("b", 256)),
			CodeInvalidBlocks, "[ERROR] must be less than 256 characters [json-pointer:/blocks/0/block_id]"},
		{"duplicate block_id", `[{"type":"divider","block_id":"a"},{"type":"divider","block_id":"a"}]`,
			CodeInvalidBlocks, "[ERROR] duplicate block_id: a [json-pointer:/blocks/1/block_id]"},
		{"button text 76", fmt.Sprintf(`[{"type":"actions","elements":[{"type":"button","action_id":"a","text":{"type":"plain_text","text":%q}}]}]`, strings.Repeat("t", 76)),
			CodeInvalidBlocks, "[ERROR] must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]"},
		{"duplicate action_id in a block", `[{"type":"actions","elements":[{"type":"button","action_id":"a","text":{"type":"plain_text","text":"1"}},{"type":"button","action_id":"a","text":{"type":"plain_text","text":"2"}}]}]`,
			CodeInvalidBlocks, "[ERROR] duplicate action_id: a [json-pointer:/blocks/0/elements/1/action_id]"},
		{"101 options", `[{"type":"section","text":{"type":"mrkdwn","text":"pick"},"accessory":{"type":"static_select","action_id":"s","options":[` +
			strings.TrimSuffix(strings.Repeat(`{"text":{"type":"plain_text","text":"o"},"value":"o"},`, 101), ",") + `]}}]`,
			CodeInvalidBlocks, "[ERROR] no more than 100 items allowed [json-pointer:/blocks/0/accessory/options]"},
		{"unknown type", `[{"type":"sectoin"}]`, CodeInvalidBlocks, "[ERROR] unsupported block type: sectoin [json-pointer:/blocks/0/type]"},
		{"rich text passes", `[{"type":"rich_text","elements":[]}]`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, CheckMessageBlocks(json.RawMessage(tt.blocks)), tt.wantCode, tt.wantMsg)
		})
	}
}

func TestCheckView(t *testing.T) {
	modal := func(title, blocks string, extra string) string {
		return fmt.Sprintf(`{"type":"modal","title":{"type":"plain_text","text":%q},"blocks":%s%s}`, title, blocks, extra)
	}
	input := `[{"type":"input","block_id":"name","label":{"type":"plain_text","text":"Name"},"element":{"type":"plain_text_input","action_id":"v"}}]`
	tests := []struct {
		name     string
		view     string
		wantCode string
		wantMsg  string
	}{
		{"ok", modal("Create a service", divider(3), ""), "", ""},
		{"title 24", modal(strings.Repeat("t", 24), divider(1), ""), "", ""},
		{"title 25", modal(strings.Repeat("t", 25), divider(1), ""), CodeInvalidArguments, "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]"},
		{"no title", `{"type":"modal","blocks":[]}`, CodeInvalidArguments, "[ERROR] missing required field [json-pointer:/view/title]"},
		{"submit 25", modal("t", divider(1), `,"submit":{"type":"plain_text","text":"`+strings.Repeat("s", 25)+`"}`), CodeInvalidArguments,
			"[ERROR] must be less than 25 characters [json-pointer:/view/submit/text]"},
		{"input without submit", modal("t", input, ""), CodeInvalidArguments, "[ERROR] must provide submit when blocks contain an input block [json-pointer:/view/submit]"},
		{"100 blocks", modal("t", divider(100), ""), "", ""},
		{"101 blocks", modal("t", divider(101), ""), CodeInvalidArguments, "[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]"},
		{"home 101 blocks", `{"type":"home","blocks":` + divider(101) + `}`, CodeInvalidArguments, "[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]"},
		{"section in a view names /view", modal("t", "["+section(strings.Repeat("x", 3001))+"]", ""), CodeInvalidArguments,
			"[ERROR] must be less than 3001 characters [json-pointer:/view/blocks/0/text/text]"},
		{"private_metadata 3001", modal("t", divider(1), `,"private_metadata":"`+strings.Repeat("m", 3001)+`"`), CodeInvalidArguments,
			"[ERROR] must be less than 3001 characters [json-pointer:/view/private_metadata]"},
		{"bad type", `{"type":"page","blocks":[]}`, CodeInvalidArguments, "[ERROR] must be one of modal, home [json-pointer:/view/type]"},
		{"250 KiB", `{"type":"home","blocks":[],"private_metadata":"` + strings.Repeat("x", MaxViewBytes) + `"}`, CodeViewTooLarge, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, CheckView(json.RawMessage(tt.view)), tt.wantCode, tt.wantMsg)
		})
	}
}

func TestCheckMessageTextAndAck(t *testing.T) {
	checkErr(t, CheckMessageText(strings.Repeat("x", MaxMessageText)), "", "")
	checkErr(t, CheckMessageText(strings.Repeat("x", MaxMessageText+1)), CodeMsgTooLong, "")
	checkErr(t, CheckMessage("", json.RawMessage(divider(51))), CodeInvalidBlocks, "")
	checkErr(t, CheckSocketModeResponse(make([]byte, MaxSocketModeResponse-1)), "", "")
	checkErr(t, CheckSocketModeResponse(make([]byte, MaxSocketModeResponse)), CodeAckTooLarge, "")
}

func checkErr(t *testing.T, err error, wantCode, wantMsg string) {
	t.Helper()
	if wantCode == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var le *Error
	if !errors.As(err, &le) {
		t.Fatalf("error %v, want a *Error with code %s", err, wantCode)
	}
	if le.Code != wantCode {
		t.Fatalf("code %q, want %q (%v)", le.Code, wantCode, le.Messages)
	}
	if wantMsg != "" && !slices.Contains(le.Messages, wantMsg) {
		t.Fatalf("messages %q lack %q", le.Messages, wantMsg)
	}
}
