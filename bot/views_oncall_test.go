package bot_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/bot"
	"github.com/gantryhq/gantry/catalog"
)

// TestOncallBeforeTheRotationStarts: a rotation whose start date is ahead
// puts nobody on call, and the answer says when it starts instead of
// naming an empty person.
func TestOncallBeforeTheRotationStarts(t *testing.T) {
	starts := time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC)
	m := catalog.OwnerMatch{Ref: "component:default/ledger", Kind: catalog.KindComponent, Title: "Ledger",
		Oncall: &catalog.Oncall{Starts: &starts, Rotation: "weekly from 2027-01-04: ana, bo", From: "group:default/payments"}}
	msg := bot.OncallMessage(bot.OncallView{Answer: &catalog.Ownership{Query: "ledger", Matches: []catalog.OwnerMatch{m}}})
	raw, err := json.Marshal(msg.Blocks)
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	for _, want := range []string{"nobody yet: the rotation starts ", fmt.Sprintf("date^%d^", starts.Unix()), "Mon 4 Jan 2027", "rotation of group payments"} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q in %s", want, text)
		}
	}
	if msg.Text != "Nobody is on call for Ledger yet" {
		t.Errorf("notification text %q", msg.Text)
	}
}
