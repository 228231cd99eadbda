package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"time"

	"github.com/gantryhq/gantry/internal/errkind"
)

// newErrorID returns a short id that links what a person sees to the log
// line that explains it.
func newErrorID() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// report tells the person that their request failed, in words that fit the
// failure, and logs it with the same id:
//
//   - their input was wrong, or not found, or not allowed: the sentence the
//     domain wrote for them (errkind Invalid, NotFound, Forbidden, Conflict);
//   - Slack or the database is down: which, and "try again in a minute";
//   - anything else (a bug, a panic): "something went wrong (id …)".
func (b *Bot) report(ctx context.Context, r *Request, err error, panicked bool) {
	id := newErrorID()
	var (
		reason string
		msg    Message
		ae     *APIError
	)
	kind := errkind.Of(err)
	switch {
	case panicked:
		reason, msg = "panic", SomethingWentWrong(id)
	case ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)):
		reason = "cancelled"
		r.Log.Warn("handler stopped: its time ran out or Gantry is shutting down", "err", err, "error_id", id)
		b.metrics.HandlerErrors.WithLabelValues(r.Route, reason).Inc()
		return
	case errors.As(err, &ae) && (ae.Local || ae.IsAuth()):
		// A payload we built wrong, or our own token: not the person's doing.
		reason, msg = string(kind), SomethingWentWrong(id)
		r.Log.Error("Slack refused a call", "err", err, "error_id", id)
	case errors.As(err, &ae):
		reason, msg = string(kind), UnavailableMessage(ae.UserMessage(), id)
		r.Log.Warn("a Slack call failed", "err", err, "error_id", id)
	case kind == errkind.Unavailable:
		reason, msg = string(kind), UnavailableMessage("Gantry can't reach what it needs right now ("+err.Error()+"); please try again in a minute.", id)
		r.Log.Warn("a dependency is unavailable", "err", err, "error_id", id)
	case kind != "":
		reason, msg = string(kind), ProblemMessage(err.Error())
		r.Log.Info("request refused", "kind", kind, "err", err)
	default:
		reason, msg = "internal", SomethingWentWrong(id)
		r.Log.Error("handler failed", "err", err, "error_id", id)
	}
	if panicked {
		r.Log.Error("handler panicked; the person is told", "error_id", id)
	}
	b.metrics.HandlerErrors.WithLabelValues(r.Route, reason).Inc()
	// The handler's own context may be nearly spent; the notice gets its own.
	nctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if serr := r.Respond.Ephemeral(nctx, msg); serr != nil {
		r.Log.Error("could not tell the person their request failed", "err", serr, "error_id", id)
	}
}
