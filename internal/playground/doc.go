// Package playground is Gantry's local mode: a sandbox that puts the real
// bot in front of a person without a Slack workspace.
//
// A Sandbox runs two loopback servers, a Slack-compatible one
// (internal/slackfake: the Web API and Socket Mode over real websockets)
// and a GitHub-compatible one (internal/githubfake), and serves a web
// client that lets a person act in the Slack workspace as any of its
// members. The caller (internal/app's local mode) points the production
// bot at the Slack sandbox exactly as it would at Slack, and the actions'
// GitHub steps at the GitHub sandbox, so what the page shows is what
// Gantry does in Slack.
//
// # What the sandbox holds
//
//   - People and channels come from the caller's Directory (the catalog's
//     users, with their gantry.dev/slack-user-id, and #general plus each
//     team's gantry.dev/slack-channel).
//   - GitHub starts from a fixture (by default fixtures/bramble-github.yaml,
//     the example organisation: its teams, the service template and one
//     repository per service of the example catalog).
//   - Both servers' state is saved in the caller's Store (the same database
//     as everything else) as it changes and on Close, and restored by New,
//     so a restart keeps the conversation, the open modals and the
//     repositories created.
//
// # The web client
//
// Handler serves the built front-end (dist/, from web/ by `make web`,
// embedded so that nothing is fetched at run time) and its JSON API under
// /api/: the workspace (people, channels, the DM with the app, the slash
// commands of manifest.yaml), messages, views, and the person's actions
// (slash commands, messages, clicks, selections, modal submissions and
// closes, App Home, external select options), each done through
// slackfake's Go API so that the app receives exactly what Slack would
// send. Changes stream to the page over server-sent events
// (/api/events), filtered to what the acting person may see.
package playground
