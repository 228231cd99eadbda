// Package bot is Gantry's Slack transport: the Socket Mode loop, the router,
// the bounded worker pool, the one Web API client, the Block Kit views and
// the handlers of the discovery commands (/whoowns, /gantry help, search,
// info, oncall, query), App Home and mentions. It holds no business rules:
// answers come from the catalog (and, later, actions and scorecards); the
// bot turns questions into calls and answers into Block Kit.
//
// # How an envelope flows
//
//	Slack ──ws──▶ socketmode.Client ──Events──▶ read loop (Run)
//	                                              │ route (Router)
//	                                              │ view_submission: Validate, in the loop
//	                                              │ queue the handler (pool), or "busy"
//	                                              │ ack (payload: busy text / ViewResponse)
//	                                              ▼
//	                                        worker: HandlerFunc(ctx, *Request)
//	                                              │ Request.Respond (Responder)
//	                                              ▼
//	                                        WebAPI: limits check → pacing → HTTP
//	                                                (429: Retry-After; 5xx: backoff)
//
// The read loop never waits on a handler, the database or Slack's Web API:
// every envelope is acked within microseconds of being read (Slack's
// deadline is 3 s). Handlers run on Options.Workers goroutines behind a
// queue of Options.QueueSize; when both are full the person is told Gantry
// is busy (in the slash command's ack, under a modal's first field, or in an
// ephemeral message) instead of the loop stalling. A handler's panic is
// recovered and reported to the person as "something went wrong (id …)",
// with the id in the log line. Events that Slack redelivers (retry_attempt
// > 0) after the first delivery was handled are acked and dropped, by
// event_id.
//
// # Extending the bot
//
// Feature packages register on Bot.Router before Bot.Run, and keep their
// Slack glue in bot/<feature>_*.go or in their own package:
//
//	b.Router().Command(bot.SlashCommand{Name: "/create-service", Usage: "/create-service", Help: "…", Handler: h})
//	b.Router().Subcommand(bot.Subcommand{Name: "sync", Usage: "sync [source]", Help: "…", Allow: b.RequireAdmin, Handler: h})
//	b.Router().Action("run.approve:*", approve)            // prefix match: "run.approve:<run id>"
//	b.Router().ViewSubmission("run.form", bot.ViewSubmission{
//		Validate: func(r *bot.Request) *bot.ViewResponse { // in the ack: no I/O
//			if r.Value("name", "name") == "" {
//				return bot.ViewErrors(map[string]string{"name": "A service needs a name."})
//			}
//			return nil // close the modal; Then runs next
//		},
//		Then: startRun, // after the ack, in the pool
//	})
//	b.Router().ViewClosed("run.form", h)
//	b.Router().Shortcut("new_service", h)
//	b.Router().Event("app_home_opened", h)
//
// A handler gets a *Request (envelope id, user and their catalog User,
// channel, trigger_id, response_url, the action or view, a logger) and
// answers through Request.Respond: Ephemeral, InChannel, Update (the message
// or modal acted on, in place), Delete, OpenModal, PushModal, UpdateModal,
// PublishHome, DM. Errors it returns are shown to the person: errkind
// errors as their sentence, Slack and database outages as "try again in a
// minute (id …)", anything else as "something went wrong (id …)".
//
// Code that posts on its own (digests, approval requests) uses Bot.API: the
// same client, so the same limits check, per-channel pacing (about one
// message per second per channel, short bursts allowed) and retries.
// Keep state in the database or in private_metadata and button values, never
// only in memory: Request.Once deduplicates clicks within one process only.
//
// # Views
//
// Views (views_*.go) are pure functions from data to Block Kit, each with a
// golden file in testdata/golden (go test ./bot -run Golden -update
// rewrites them) and a check against package blocklimits. Lists longer than
// a page carry Previous/Next buttons whose values hold the state; nothing is
// cut without saying how many more there are.
//
// # Slack-compatible servers
//
// Nothing assumes slack.com: Options.APIURL points the Web API (and so
// apps.connections.open and the Socket Mode URL it returns) anywhere, and
// response_urls are used as Slack hands them out. The tests run the
// production code against internal/slackfake over loopback websockets;
// the local playground does the same.
package bot
