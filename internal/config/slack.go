package config

import "strings"

// Slack configures the Slack app. Tokens are secrets: set them in the
// environment (SLACK_APP_TOKEN, SLACK_BOT_TOKEN) rather than in the file.
type Slack struct {
	// AppToken is the app-level token (xapp-...) for Socket Mode.
	AppToken string `yaml:"app_token"`
	// BotToken is the bot token (xoxb-...) for the Web API.
	BotToken string `yaml:"bot_token"`
	// APIURL is the Web API base; default Slack's. Set it (or SLACK_API_URL)
	// to point Gantry at a Slack-compatible server.
	APIURL string `yaml:"api_url"`
	// AdminGroup is the catalog group whose members may run admin commands
	// such as /gantry sync (e.g. group:default/platform).
	AdminGroup string `yaml:"admin_group"`
	// Workers bounds the handlers running at once; default 16.
	Workers int `yaml:"workers"`
}

// Configured reports whether both tokens are set.
func (s Slack) Configured() bool { return s.AppToken != "" && s.BotToken != "" }

func (s *Slack) applyEnv(getenv func(string) string) {
	if v := getenv("SLACK_APP_TOKEN"); v != "" {
		s.AppToken = v
	}
	if v := getenv("SLACK_BOT_TOKEN"); v != "" {
		s.BotToken = v
	}
	if v := getenv("SLACK_API_URL"); v != "" {
		s.APIURL = v
	}
}

func (s Slack) validate(where string) []string {
	var errs []string
	if s.AppToken != "" && !strings.HasPrefix(s.AppToken, "xapp-") {
		errs = append(errs, where+": slack.app_token (or SLACK_APP_TOKEN) must be an app-level token starting with xapp-")
	}
	if s.BotToken != "" && !strings.HasPrefix(s.BotToken, "xoxb-") {
		errs = append(errs, where+": slack.bot_token (or SLACK_BOT_TOKEN) must be a bot token starting with xoxb-")
	}
	if (s.AppToken == "") != (s.BotToken == "") {
		errs = append(errs, where+": Slack needs both tokens: SLACK_APP_TOKEN (xapp-) and SLACK_BOT_TOKEN (xoxb-)")
	}
	if s.Workers < 0 {
		errs = append(errs, where+": slack.workers must be positive")
	}
	return errs
}
