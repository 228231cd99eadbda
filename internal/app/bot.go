package app

import (
	"context"

	"github.com/gantryhq/gantry/bot"
	"github.com/gantryhq/gantry/internal/ops"
)

// startBot builds the Slack bot when both tokens are configured, registers
// Gantry's Slack features on it, adds the "slack" readiness check and the
// bot's metrics to srv, and checks both tokens with Slack. A refused token
// is an errkind.Invalid error naming the setting (serve exits with it).
// Without tokens it returns (nil, nil) and logs how to connect Slack:
// everything else keeps working.
func (a *App) startBot(ctx context.Context, srv *ops.Server) (*bot.Bot, error) {
	s := a.Config.Slack
	if !s.Configured() {
		a.Log.Info("Slack is not connected: set SLACK_APP_TOKEN (xapp-…) and SLACK_BOT_TOKEN (xoxb-…), or slack.app_token and slack.bot_token, to answer in Slack; the catalog, health and metrics work without it",
			"how", "create the app from manifest.yaml (api.slack.com/apps → Create New App → From a manifest), install it, then copy the two tokens")
		return nil, nil
	}
	opts := bot.Options{
		AppToken: s.AppToken, BotToken: s.BotToken, APIURL: s.APIURL, AdminGroup: s.AdminGroup,
		Workers: s.Workers, Catalog: a.botCatalog(), Logger: a.Log, Registerer: srv.Registry,
	}
	if a.DB != nil {
		opts.Claims = a.DB // redelivered events and double clicks handled once across restarts and replicas
	}
	b, err := bot.New(opts)
	if err != nil {
		return nil, err
	}
	a.registerSlack(b)
	srv.AddCheck("slack", b.Ready)
	if err := b.Start(ctx); err != nil {
		return nil, err
	}
	return b, nil
}

// registerSlack is where Gantry's features add their Slack commands,
// buttons and modals to the bot (the discovery commands are built in).
func (a *App) registerSlack(b *bot.Bot) {
	b.Router().Subcommand(a.SyncSubcommand(b))
	a.registerActions(b)
	a.registerScorecards(b)
}

// runBot runs b until ctx ends and reports how it stopped on the returned
// channel; nil (a channel never ready) when Slack is not configured.
func runBot(ctx context.Context, b *bot.Bot) chan error {
	if b == nil {
		return nil
	}
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	return done
}

// waitBot waits for the bot started by runBot to stop (at once if none).
func waitBot(done chan error) error {
	if done == nil {
		return nil
	}
	return <-done
}
