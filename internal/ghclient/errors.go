package ghclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/google/go-github/v60/github"

	"github.com/gantryhq/gantry/internal/errkind"
)

// PermissionError is GitHub refusing a request for want of a permission,
// which it names (X-Accepted-GitHub-Permissions for Apps and fine-grained
// tokens, X-Accepted-OAuth-Scopes for classic tokens).
type PermissionError struct {
	Method, Path string
	// Permission is what the request needs, as GitHub names it
	// ("contents=read"); Scopes the OAuth scopes a classic token needs.
	Permission string
	Scopes     string
	Message    string // GitHub's message
}

func (e *PermissionError) Error() string {
	var need string
	switch {
	case e.Permission != "":
		need = "the token or GitHub App lacks the " + describePermission(e.Permission) + " permission"
	case e.Scopes != "":
		need = "the classic token lacks the OAuth scope " + e.Scopes
	default:
		need = "the token or GitHub App may not do this"
	}
	return fmt.Sprintf("GitHub refused %s %s (403 %s): %s", e.Method, e.Path, e.Message, need)
}

// Is makes a PermissionError an errkind.Forbidden.
func (e *PermissionError) Is(target error) bool { return target == errkind.Forbidden }

// describePermission writes "contents=read" the way GitHub's settings page
// says it: "Contents: read" (several are comma-separated alternatives).
func describePermission(p string) string {
	var parts []string
	for _, one := range strings.Split(p, ",") {
		name, level, _ := strings.Cut(strings.TrimSpace(one), "=")
		name = strings.ReplaceAll(name, "_", " ")
		if name == "" {
			continue
		}
		parts = append(parts, fmt.Sprintf("%q", strings.ToUpper(name[:1])+name[1:]+": "+level))
	}
	return strings.Join(parts, " or ")
}

// StatusOf returns the HTTP status of a go-github error, or 0.
func StatusOf(err error) int {
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return er.Response.StatusCode
	}
	var rl *github.RateLimitError
	if errors.As(err, &rl) && rl.Response != nil {
		return rl.Response.StatusCode
	}
	var ab *github.AbuseRateLimitError
	if errors.As(err, &ab) && ab.Response != nil {
		return ab.Response.StatusCode
	}
	return 0
}

// Explain turns an error from a GitHub call into one a person can act on,
// prefixed with what was being done, and gives it a kind:
// errkind.Forbidden for bad credentials and missing permissions (a
// *PermissionError naming the permission), errkind.NotFound for a 404,
// errkind.Unavailable for rate limits, 5xx answers and network failures.
// A nil err stays nil.
func Explain(what string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", what, err)
	}
	var rl *github.RateLimitError
	var ab *github.AbuseRateLimitError
	switch {
	case errors.As(err, &rl):
		return errkind.New(errkind.Unavailable, "%s: GitHub's rate limit is spent until %s: %w", what, rl.Rate.Reset.Time.Format("15:04:05 MST"), err)
	case errors.As(err, &ab):
		return errkind.New(errkind.Unavailable, "%s: GitHub's secondary rate limit still holds after waiting: %w", what, err)
	}
	var er *github.ErrorResponse
	if !errors.As(err, &er) || er.Response == nil {
		var ne net.Error
		if errors.As(err, &ne) {
			return errkind.New(errkind.Unavailable, "%s: GitHub cannot be reached: %w", what, err)
		}
		return fmt.Errorf("%s: %w", what, err)
	}
	resp := er.Response
	method, path := "", ""
	if resp.Request != nil {
		method, path = resp.Request.Method, resp.Request.URL.Path
	}
	switch code := resp.StatusCode; {
	case code == http.StatusUnauthorized:
		return errkind.New(errkind.Forbidden, "%s: GitHub rejected the credentials (401 %s): check the token (github.token_env) or the GitHub App's id, installation and key", what, er.Message)
	case code == http.StatusForbidden:
		pe := &PermissionError{Method: method, Path: path, Message: er.Message,
			Permission: resp.Header.Get("X-Accepted-GitHub-Permissions"), Scopes: resp.Header.Get("X-Accepted-OAuth-Scopes")}
		if pe.Permission == "" {
			pe.Permission = routePermission(method, path)
		}
		return &errkind.Error{Kind: errkind.Forbidden, Msg: what + ": " + pe.Error(), Err: pe}
	case code == http.StatusNotFound:
		return errkind.New(errkind.NotFound, "%s: GitHub answered 404 %s (missing, or invisible to these credentials): %w", what, er.Message, err)
	case code >= 500:
		return errkind.New(errkind.Unavailable, "%s: GitHub answered %d %s: %w", what, code, er.Message, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// routePermission guesses the permission a request needs when GitHub did
// not say (older GitHub Enterprise Server releases).
func routePermission(method, path string) string {
	p := strings.TrimPrefix(path, "/api/v3")
	write := method != http.MethodGet && method != http.MethodHead
	level := "read"
	if write {
		level = "write"
	}
	switch {
	case strings.Contains(p, "/branches/") && strings.HasSuffix(p, "/protection"):
		return "administration=" + level
	case strings.Contains(p, "/pulls"):
		return "pull_requests=" + level
	case strings.Contains(p, "/actions/"):
		return "actions=" + level
	case strings.Contains(p, "/git/") || strings.Contains(p, "/contents") || strings.Contains(p, "/commits"):
		return "contents=" + level
	case strings.HasSuffix(p, "/teams") || strings.Contains(p, "/teams/"):
		return "members=read"
	case strings.Contains(p, "/repos"):
		return "metadata=read"
	}
	return ""
}
