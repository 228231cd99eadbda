package bot

import (
	"context"
	"log/slog"
)

// logKey carries a logger in a context.
type logKey struct{}

// WithLogger returns a context that carries log. What the bot logs about
// work done with that context (a Web API call retried, a rate limit waited
// out, a payload refused, a person not found in Slack) goes to log, so
// that a handler's calls carry its request's envelope_id, route and user.
// Handlers get such a context already; feature code that calls the Web API
// on its own behalf (a digest, an approval) may add its own attributes.
func WithLogger(ctx context.Context, log *slog.Logger) context.Context {
	if log == nil {
		return ctx
	}
	return context.WithValue(ctx, logKey{}, log)
}

// loggerFrom returns the logger ctx carries, or def.
func loggerFrom(ctx context.Context, def *slog.Logger) *slog.Logger {
	if l, ok := ctx.Value(logKey{}).(*slog.Logger); ok {
		return l
	}
	return def
}
