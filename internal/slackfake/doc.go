// Package slackfake is a Slack workspace on loopback: the Web API, response
// URLs and Socket Mode, speaking Slack's wire protocol, so that the bot's
// production code (slack-go's slack.Client and socketmode.Client, unchanged)
// can be tested against it, and so that a local playground can put people in
// front of it.
//
// Wiring a bot to it:
//
//	fake := slackfake.NewServer(t, slackfake.Options{Now: clock.Now})
//	ada := fake.AddUser(slackfake.User{RealName: "Ada", Email: "ada@example.com"})
//	gen := fake.AddChannel("general")
//	api := slack.New(fake.BotToken(), slack.OptionAPIURL(fake.APIURL()),
//		slack.OptionAppLevelToken(fake.AppToken()))
//	go runBot(ctx, socketmode.New(api))            // the production loop
//	fake.WaitConnected(ctx, 1)
//	d, _ := fake.SlashCommand(ctx, ada.ID, gen.ID, "/whoowns", "checkout")
//	ack, _ := d.Wait(ctx)                           // ack.Message: the reply
//	ev, _ := fake.WaitFor(ctx, slackfake.IsMessage(gen.ID))
//
// # What is faithful
//
//   - Transport: real HTTP for the Web API (form, query or JSON bodies;
//     Authorization: Bearer or a token field), real websockets for Socket
//     Mode. apps.connections.open hands out a one-time ticket URL; the socket
//     gets "hello" (num_connections, debug_info, connection_info), websocket
//     pings every PingInterval, envelopes with envelope_id, payload,
//     accepts_response_payload and, for events_api, retry_attempt and
//     retry_reason.
//   - Tokens: bot token for the Web API, app-level token only for
//     apps.connections.open (not_allowed_token_type otherwise), invalid_auth
//     and not_authed.
//   - Payload shapes: slash commands (string fields, as Slack sends them),
//     block_actions (container, actions, state, response_url),
//     view_submission (view with state.values), view_closed, shortcut,
//     message_action, and event_callback wrappers for app_mention,
//     app_home_opened and message.im; slack-go parses each into its types.
//   - Acks: tracked per envelope against AckTimeout (3 s); unacked events_api
//     envelopes are redelivered up to 3 times with retry_reason "timeout",
//     interactive and slash envelopes are not (as on Slack, the user sees an
//     error); acks of 20 KiB or more are dropped like Slack drops them, and
//     reported (Delivery.AckErrors, EventAckRejected). A slash command's ack
//     payload becomes a message, ephemeral unless response_type is
//     in_channel; a view_submission's response_action errors / update /
//     push / clear acts on the modal stack, no action closes the modal.
//   - Sockets: up to 10 per app, envelopes spread round robin; an 11th gets
//     a "disconnect" with reason too_many_websockets. Disconnect sends
//     warning / refresh_requested / link_disabled frames; KillSockets drops
//     TCP without a close frame.
//   - Expiry and limits: trigger_ids work once within 3 s
//     (exchanged_trigger_id, expired_trigger_id); response_urls take 5 uses
//     within 30 minutes; chat.postMessage is limited per channel (about one
//     per second, burst 3) with HTTP 429 and Retry-After; Block Kit limits
//     (package blocklimits) with Slack's error codes and json-pointer
//     messages; views.update checks hash (hash_conflict); modal stacks stop
//     at 3 (push_limit_reached).
//   - Generated ids: Slack fills in missing block_id and action_id; so does
//     the fake, deterministically.
//
// # What is simplified
//
//   - One workspace, one app, one bot user; no OAuth, scopes, Enterprise Grid
//     or shared channels. Channel membership is only the bot's (IsMember) and
//     an optional Members list; there is no conversations.history,
//     pagination, files, reactions or unfurls.
//   - Error precedence and a few statuses are approximations where Slack does
//     not document them: a used or expired response_url answers HTTP 404 with
//     used_url / expired_url; views.push without an open modal answers
//     not_found; a view's schema errors are invalid_arguments (as observed
//     from Slack), only an oversized (250 KB) view is view_too_large.
//   - The Block Kit checker enforces the limits that matter in practice
//     (counts, lengths, ids, options), not the whole schema.
//   - Rate limiting covers chat.postMessage only; other tiers are not
//     modelled, but RateLimitNext forces a 429 on any method.
//   - Redelivery happens at each ack deadline rather than on Slack's
//     backoff schedule. "link_disabled" is only a frame: the app can
//     reconnect.
//   - Time: everything that expires runs on Options.Now; deadlines fire when
//     Tick runs (every SweepInterval in real time, or when a test calls it
//     after moving its clock).
//
// # Using it from tests and from a UI
//
// State changes are published as Events (WaitFor, WaitSince, Subscribe),
// so tests wait on a channel instead of sleeping and a UI can stream them.
// Readers (Messages, Ephemerals, DMs, Views, Home, ...) return copies.
// Snapshot and Restore save and load the workspace as JSON. Counters
// (APICalls, EnvelopeStats, Envelopes) and fault injection (FailNext,
// FailNextError, FailNextAfterProcessing, RateLimitNext, SetLatency,
// Disconnect, KillSockets) cover the failure modes the design document
// asks the bot to survive.
package slackfake
