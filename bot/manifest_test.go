package bot_test

import (
	"os"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/gantryhq/gantry/bot/bottest"
)

// manifest is the part of Slack's app manifest the bot depends on.
type manifest struct {
	Display struct {
		Name            string `yaml:"name"`
		Description     string `yaml:"description"`
		LongDescription string `yaml:"long_description"`
	} `yaml:"display_information"`
	Features struct {
		AppHome struct {
			HomeTab bool `yaml:"home_tab_enabled"`
		} `yaml:"app_home"`
		BotUser struct {
			DisplayName string `yaml:"display_name"`
		} `yaml:"bot_user"`
		Shortcuts []struct {
			Name       string `yaml:"name"`
			Type       string `yaml:"type"`
			CallbackID string `yaml:"callback_id"`
		} `yaml:"shortcuts"`
		SlashCommands []struct {
			Command      string `yaml:"command"`
			Description  string `yaml:"description"`
			UsageHint    string `yaml:"usage_hint"`
			ShouldEscape bool   `yaml:"should_escape"`
		} `yaml:"slash_commands"`
	} `yaml:"features"`
	OAuth struct {
		Scopes struct {
			Bot []string `yaml:"bot"`
		} `yaml:"scopes"`
	} `yaml:"oauth_config"`
	Settings struct {
		Events struct {
			BotEvents []string `yaml:"bot_events"`
		} `yaml:"event_subscriptions"`
		Interactivity struct {
			Enabled bool `yaml:"is_enabled"`
		} `yaml:"interactivity"`
		SocketMode bool `yaml:"socket_mode_enabled"`
	} `yaml:"settings"`
}

// TestManifest keeps manifest.yaml in step with the bot: every command it
// serves is declared (escaped, so mentions and channels arrive as ids), the
// events and shortcuts it handles are subscribed, Socket Mode and the Home
// tab are on, and the scopes are exactly the justified, least-privilege
// set (adding one is a decision: update this list and the README's table).
func TestManifest(t *testing.T) {
	data, err := os.ReadFile("../manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	if m.Display.Name == "" || m.Features.BotUser.DisplayName == "" || !m.Features.AppHome.HomeTab ||
		!m.Settings.SocketMode || !m.Settings.Interactivity.Enabled {
		t.Errorf("manifest basics: %+v", m)
	}
	if n := utf8.RuneCountInString(m.Display.LongDescription); n < 175 || n > 4000 {
		t.Errorf("long_description is %d characters; Slack wants 175 to 4000", n)
	}
	if n := utf8.RuneCountInString(m.Display.Description); n > 140 {
		t.Errorf("description is %d characters; Slack allows 140", n)
	}
	declared := map[string]bool{}
	for _, c := range m.Features.SlashCommands {
		declared[c.Command] = true
		if !c.ShouldEscape || c.Description == "" || c.UsageHint == "" {
			t.Errorf("%s: needs a description, a usage hint and should_escape: true", c.Command)
		}
	}
	b := bottest.Start(t, bottest.Options{NoRun: true}).Bot
	for _, c := range b.Router().Commands() {
		if !declared[c.Name] {
			t.Errorf("the bot serves %s but the manifest does not declare it", c.Name)
		}
	}
	for _, want := range []string{"/whoowns", "/gantry", "/create-service"} {
		if !declared[want] {
			t.Errorf("manifest lacks %s", want)
		}
	}
	if got := m.Settings.Events.BotEvents; !slices.Equal(got, []string{"app_home_opened", "app_mention"}) {
		t.Errorf("bot events %v", got)
	}
	if len(m.Features.Shortcuts) != 1 || m.Features.Shortcuts[0].CallbackID != "whoowns.shortcut" || m.Features.Shortcuts[0].Type != "global" {
		t.Errorf("shortcuts %+v", m.Features.Shortcuts)
	}
	want := []string{"app_mentions:read", "channels:read", "chat:write", "commands", "im:write", "users:read", "users:read.email"}
	if got := m.OAuth.Scopes.Bot; !slices.Equal(got, want) {
		t.Errorf("bot scopes %v, want exactly %v", got, want)
	}
}
