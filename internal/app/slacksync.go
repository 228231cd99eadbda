package app

import (
	"context"
	"time"

	"github.com/gantryhq/gantry/bot"
	"github.com/gantryhq/gantry/catalog/ingest"
)

// SyncSubcommand is "/gantry sync [source]" for members of
// slack.admin_group: it starts a sync of every source (or the one named)
// and answers at once, then tells the person what changed when it ends. A
// sync already running (here, or on another replica) is not started again:
// the person is told so. Register it where the bot is wired:
//
//	b.Router().Subcommand(a.SyncSubcommand(b))
func (a *App) SyncSubcommand(b *bot.Bot) bot.Subcommand {
	return bot.Subcommand{
		Name:     "sync",
		Usage:    "sync [source]",
		Help:     "Sync the catalog now, from every source or the one named (admins)",
		Examples: []string{"", "acme-github"},
		Allow:    b.RequireAdmin,
		Handler: func(ctx context.Context, r *bot.Request) error {
			only := bot.RawArgument(r.Text)
			respond := r.Respond
			err := a.StartSync(ctx, only, func(results []ingest.Result, err error) {
				// The request's context may be over by now; Slack keeps the
				// response URL for 30 minutes.
				ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
				defer cancel()
				if perr := respond.Ephemeral(ctx, bot.Message{Text: SyncSummary(results, err)}); perr != nil {
					a.Log.Warn("/gantry sync: could not report the result", "err", perr)
				}
			})
			if err != nil {
				return err
			}
			what := "every catalog source"
			if only != "" {
				what = "source " + only
			}
			return respond.Ephemeral(ctx, bot.Message{Text: "Syncing " + what + " now; I'll tell you here when it's done."})
		},
	}
}
