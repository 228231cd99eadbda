package bot

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/gantryhq/gantry/internal/errkind"
)

// APIError is a Web API call (or a response_url post) that failed after the
// retries it deserved. Its Error is a sentence for the person who runs
// Gantry; UserMessage is the shorter one for the person in Slack. It
// carries an errkind: errors.Is(err, errkind.Unavailable) is true for
// outages and rate limits, errkind.Invalid for bad tokens and for payloads
// Slack refuses, and so on.
type APIError struct {
	Method   string   // "chat.postMessage", "response_url", ...
	Code     string   // Slack's error code ("channel_not_found"), or "" for an HTTP or network failure
	Status   int      // the last HTTP status; 0 for a network failure
	Attempts int      // how many times the call was tried
	Messages []string // response_metadata.messages, e.g. "[ERROR] … [json-pointer:/blocks/3/text]"
	// Local is set when the payload never left: it broke Slack's limits.
	Local bool
	// Unsure is set when a call that is not idempotent (a post,
	// views.open) failed in a way that Slack may have carried it out
	// anyway (HTTP 500, internal_error, a timeout after sending), so it was
	// not sent again: a second attempt could post twice.
	Unsure bool
	// Host is the server called, for network failures.
	Host string
	Err  error // the network error, if any
}

func (e *APIError) Unwrap() error { return e.Err }

// Is lets errors.Is match the error's errkind.
func (e *APIError) Is(target error) bool {
	k, ok := target.(errkind.Kind)
	return ok && k == e.Kind()
}

// Kind classifies the failure.
func (e *APIError) Kind() errkind.Kind {
	switch {
	case e.Code == "":
		return errkind.Unavailable // HTTP 5xx or network
	case authCodes[e.Code]:
		return errkind.Invalid
	}
	switch e.Code {
	case "ratelimited", "internal_error", "fatal_error", "request_timeout", "service_unavailable", "team_added_to_org":
		return errkind.Unavailable
	case "channel_not_found", "user_not_found", "users_not_found", "message_not_found", "not_found", "invalid_url":
		return errkind.NotFound
	case "not_in_channel", "is_archived", "missing_scope", "user_not_in_channel", "restricted_action", "cant_update_message", "cant_delete_message", "not_allowed_token_type":
		return errkind.Forbidden
	case "hash_conflict", "exchanged_trigger_id", "expired_trigger_id", "used_url", "expired_url", "duplicate_external_id", "push_limit_reached":
		return errkind.Conflict
	}
	return errkind.Invalid
}

// authCodes are the codes that mean a token is wrong, not the request.
var authCodes = map[string]bool{
	"invalid_auth": true, "not_authed": true, "token_revoked": true, "token_expired": true,
	"account_inactive": true, "not_allowed_token_type": true, "no_permission": true, "org_login_required": true,
	"ekm_access_denied": true, "invalid_token": true,
}

// IsAuth reports whether the failure is a refused token, which no retry
// will fix.
func (e *APIError) IsAuth() bool { return authCodes[e.Code] }

// TokenName names the setting that holds the token a method uses.
func TokenName(method string) string {
	if method == "apps.connections.open" {
		return "SLACK_APP_TOKEN (slack.app_token)"
	}
	return "SLACK_BOT_TOKEN (slack.bot_token)"
}

func (e *APIError) Error() string {
	return fmt.Sprintf("slack %s: %s", e.Method, e.explain())
}

// explain is the sentence for an operator: what happened and what to do.
func (e *APIError) explain() string {
	if e.Unsure {
		what := fmt.Sprintf("the connection failed after the request was sent (%v)", e.Err)
		if e.Err == nil {
			what = fmt.Sprintf("Slack answered HTTP %d", e.Status)
			if e.Code != "" {
				what += " (" + e.Code + ")"
			}
		}
		return fmt.Sprintf("%s after %d attempt(s); Slack may have carried it out anyway, so it was not sent again", what, e.Attempts)
	}
	token := TokenName(e.Method)
	switch e.Code {
	case "":
		if e.Status == 0 {
			return fmt.Sprintf("could not reach Slack at %s after %d attempt(s): %v; check the network and slack.api_url (SLACK_API_URL)", e.Host, e.Attempts, e.Err)
		}
		return fmt.Sprintf("Slack answered HTTP %d %d time(s) in a row; it may be having an outage (https://slack-status.com)", e.Status, e.Attempts)
	case "invalid_auth", "invalid_token":
		if e.Method == "apps.connections.open" {
			return fmt.Sprintf("Slack refused %s (invalid_auth): use the app-level token (xapp-…) from the app's Basic Information page → App-Level Tokens, with the connections:write scope", token)
		}
		return fmt.Sprintf("Slack refused %s (invalid_auth): use the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page, for the workspace the app is installed in", token)
	case "not_authed":
		return fmt.Sprintf("no token was sent: set %s", token)
	case "token_revoked", "token_expired":
		return fmt.Sprintf("%s was revoked or has expired (%s): reinstall the app (or generate a new app-level token) and update the setting", token, e.Code)
	case "account_inactive":
		return fmt.Sprintf("%s belongs to a deactivated account or an uninstalled app (account_inactive): reinstall the app", token)
	case "not_allowed_token_type":
		if e.Method == "apps.connections.open" {
			return fmt.Sprintf("%s is not an app-level token (not_allowed_token_type): Socket Mode needs the xapp- token, not the bot token", token)
		}
		return fmt.Sprintf("%s is the wrong kind of token (not_allowed_token_type): the Web API needs the bot token (xoxb-), not the app-level token", token)
	case "missing_scope":
		return "the app lacks a scope this needs (missing_scope): add it to manifest.yaml's bot scopes, update the app from the manifest and reinstall it" + e.detail()
	case "ratelimited":
		return fmt.Sprintf("Slack kept rate-limiting the call (HTTP 429) after %d attempt(s)", e.Attempts)
	case "internal_error", "fatal_error", "request_timeout", "service_unavailable":
		return fmt.Sprintf("Slack failed %d time(s) in a row (%s); it may be having an outage", e.Attempts, e.Code)
	}
	if e.Local {
		return fmt.Sprintf("the payload breaks Slack's Block Kit limits (%s), so it was not sent%s", e.Code, e.detail())
	}
	if s := userSentences[e.Code]; s != "" {
		return s + " (" + e.Code + ")" + e.detail()
	}
	return "Slack answered " + e.Code + e.detail()
}

func (e *APIError) detail() string {
	if len(e.Messages) == 0 {
		return ""
	}
	return ": " + strings.Join(e.Messages, "; ")
}

// userSentences are what a person in Slack is told for the codes they can
// act on.
var userSentences = map[string]string{
	"channel_not_found":     "Slack can't find that conversation, or Gantry can't see it (for a private channel, invite @Gantry first)",
	"not_in_channel":        "Gantry isn't a member of that channel: add it with /invite @Gantry",
	"is_archived":           "that channel is archived",
	"user_not_found":        "Slack has no such user",
	"users_not_found":       "Slack has no user with that e-mail address",
	"user_not_in_channel":   "that person isn't in this channel",
	"expired_trigger_id":    "Slack's 3-second window for opening the form passed before Gantry got to it; please try again",
	"exchanged_trigger_id":  "that form was already opened once; please try again",
	"invalid_trigger_id":    "Slack didn't accept the request to open a form; please try again",
	"hash_conflict":         "the view changed while Gantry was updating it; please try again",
	"push_limit_reached":    "too many forms are stacked on each other; close one and try again",
	"message_not_found":     "that message no longer exists",
	"cant_update_message":   "Gantry can only change its own messages",
	"cant_delete_message":   "Gantry can only delete its own messages",
	"used_url":              "this message can't be changed any more (Slack allows 5 replies within 30 minutes); run the command again",
	"expired_url":           "this message is too old to change (Slack allows 30 minutes); run the command again",
	"invalid_url":           "Slack doesn't recognise this message's reply address any more; run the command again",
	"not_found":             "that view or form is no longer open",
	"duplicate_external_id": "that form is already open",
	"no_text":               "the message was empty",
	"restricted_action":     "a workspace setting stops Gantry from posting there",
}

// UserMessage is the sentence shown in Slack to the person who asked.
func (e *APIError) UserMessage() string {
	if e.Unsure {
		return fmt.Sprintf("Slack didn't confirm Gantry's %s; it may have gone through anyway. If you don't see it, please try again in a minute.", e.Method)
	}
	switch e.Kind() {
	case errkind.Unavailable:
		if e.Code == "ratelimited" {
			return "Slack is rate-limiting Gantry right now; please try again in a minute."
		}
		return fmt.Sprintf("Slack isn't answering right now (%s failed %d time(s)); please try again in a minute.", e.Method, max(e.Attempts, 1))
	}
	if e.IsAuth() {
		return "Gantry's connection to Slack is misconfigured; the people who run Gantry have been told in its logs."
	}
	if s := userSentences[e.Code]; s != "" {
		return upperFirst(s) + "."
	}
	return fmt.Sprintf("Slack refused Gantry's %s (%s).", e.Method, e.Code)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// hostOf names a URL's host for messages; it never includes the path,
// which for response_urls is a secret.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "the configured Slack API URL"
	}
	return u.Scheme + "://" + u.Host
}
