package bot

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/internal/errkind"
)

// handleHome publishes the App Home tab when a person opens it.
func (b *Bot) handleHome(ctx context.Context, r *Request) error {
	if r.Text != "" && r.Text != "home" {
		return nil // the Messages tab
	}
	return r.Respond.PublishHome(ctx, b.homeTab(ctx, r, 0))
}

// homeTab builds a person's home: known, unknown, or the catalog is down.
func (b *Bot) homeTab(ctx context.Context, r *Request, offset int) slack.HomeTabViewRequest {
	u, err := b.people.catalogUser(ctx, r.User.ID)
	if err != nil {
		id := newErrorID()
		r.Log.Error("could not look the person up for their home tab", "err", err, "error_id", id)
		return HomeErrorTab(id)
	}
	if u == nil {
		return HomeUnknownTab(r.User.ID, b.people.email(ctx, r.User.ID))
	}
	p, err := b.cat.Profile(ctx, u.Ref())
	if err != nil {
		id := newErrorID()
		r.Log.Error("could not read the person's profile", "err", err, "error_id", id)
		return HomeErrorTab(id)
	}
	var ps []catalog.Person
	for _, t := range p.Teams {
		if t.Oncall != nil {
			ps = append(ps, t.Oncall.Person)
		}
	}
	return HomeTab(HomeView{Profile: p, IDs: b.people.slackIDs(ctx, ps...), Offset: offset})
}

// handleHomePage turns the "What you own" page.
func (b *Bot) handleHomePage(ctx context.Context, r *Request) error {
	p, ok := readPage(r.Action.Value)
	if !ok {
		p.O = 0
	}
	return r.Respond.PublishHome(ctx, b.homeTab(ctx, r, p.O))
}

// openModal returns a handler that opens the modal view builds.
func (b *Bot) openModal(view func() slack.ModalViewRequest) HandlerFunc {
	return func(ctx context.Context, r *Request) error {
		_, err := r.Respond.OpenModal(ctx, view())
		return err
	}
}

func (b *Bot) openHelpModal(ctx context.Context, r *Request) error {
	_, err := r.Respond.OpenModal(ctx, HelpModal(b.helpView("", nil)))
	return err
}

// validateQuery checks a query modal's input in the ack: empty or too long
// keeps the form open with a message under the field; otherwise the form
// becomes a "Looking up…" view that the continuation fills in.
func validateQuery(title, doing string) func(r *Request) *ViewResponse {
	return func(r *Request) *ViewResponse {
		q := strings.TrimSpace(r.Value(inputQueryBlock, inputQueryAction))
		switch {
		case q == "":
			return ViewErrors(map[string]string{inputQueryBlock: "Type something to look for."})
		case utf8.RuneCountInString(q) > maxQueryLength:
			return ViewErrors(map[string]string{inputQueryBlock: "That's too long; a name or a few words will do."})
		}
		return ViewUpdate(LoadingModal(title, doing+" "+quote(q)+"…", resultExternalID(r)))
	}
}

// resultExternalID names the modal a submission turned into.
func resultExternalID(r *Request) string { return "gantry-result-" + r.EnvelopeID }

// whoOwnsModalThen fills the "Looking up…" modal with the answer.
func (b *Bot) whoOwnsModalThen(ctx context.Context, r *Request) error {
	q := strings.TrimSpace(r.Value(inputQueryBlock, inputQueryAction))
	var msg Message
	ans, err := b.cat.WhoOwns(ctx, q)
	switch {
	case err == nil:
		msg = WhoOwnsMessage(OwnershipView{Answer: ans, IDs: b.mentions(ctx, ans), Style: AnswerModal})
	case errkind.Of(err) != "" && errkind.Of(err) != errkind.Unavailable:
		msg = ProblemMessage(err.Error())
	default:
		return err
	}
	return b.fillResult(ctx, r, ResultModal("Who owns…", msg))
}

// searchModalThen fills the "Searching…" modal with the first page.
func (b *Bot) searchModalThen(ctx context.Context, r *Request) error {
	q := strings.TrimSpace(r.Value(inputQueryBlock, inputQueryAction))
	msg, err := b.searchPage(ctx, q, 0)
	if err != nil {
		if k := errkind.Of(err); k == "" || k == errkind.Unavailable {
			return err
		}
		msg = ProblemMessage(err.Error())
	}
	return b.fillResult(ctx, r, ResultModal("Search", msg))
}

// fillResult updates the modal a submission turned into. Slack applies the
// ack's response_action on its side; if the update arrives first, the view
// is not there yet (not_found), so it is tried again shortly.
func (b *Bot) fillResult(ctx context.Context, r *Request, v slack.ModalViewRequest) error {
	ext := resultExternalID(r)
	v.ExternalID = ext
	wait := 50 * time.Millisecond
	for attempt := 0; ; attempt++ {
		err := b.api.UpdateViewByExternalID(ctx, ext, v)
		var ae *APIError
		if err == nil || attempt == 5 || !errors.As(err, &ae) || ae.Code != "not_found" {
			return err
		}
		if err := b.opts.Clock.Sleep(ctx, wait); err != nil {
			return err
		}
		wait *= 2
	}
}
