package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/internal/errkind"
	"github.com/gantryhq/gantry/scorecard"
)

// ScorecardService is what the bot asks of scorecards;
// *scorecard.Service implements it.
type ScorecardService interface {
	Scorecards() *scorecard.Set
	Lookup(ctx context.Context, q string) (*catalog.Entity, error)
	EntityCard(ctx context.Context, e *catalog.Entity) (*scorecard.EntityCard, error)
	TeamCards(ctx context.Context, team *catalog.Entity, only string) ([]*scorecard.Digest, error)
	TeamDigest(ctx context.Context, scorecard, team string) (*scorecard.Digest, error)
	Status(ctx context.Context, e *catalog.Entity) (*scorecard.Status, error)
	FixInputs(ctx context.Context, scorecard, rule, entity string) (string, map[string]string, error)
}

// ScorecardOptions wire scorecards into the bot.
type ScorecardOptions struct {
	Service ScorecardService
	// Adopt opens the pull request adding catalog-info.yaml to repo
	// ("org/repo") with what Gantry inferred (App.Adopt); nil tells the
	// person to run `gantry catalog adopt`.
	Adopt func(ctx context.Context, repo string) (url string, created bool, err error)
	// StartFix opens the form of a fix's action for the person, prefilled
	// with inputs, using the click's trigger_id: Bot.OpenActionForm, when
	// self-service actions are enabled. When nil, the Fix button runs
	// "/gantry run <action>" (the form, not prefilled) if that subcommand
	// is registered, and otherwise says which action to run.
	StartFix func(ctx context.Context, r *Request, action string, inputs map[string]string) error
}

// scorecardGlue is the Slack side of scorecards.
type scorecardGlue struct {
	b *Bot
	o ScorecardOptions
}

// EnableScorecards registers "/gantry scorecard", "/gantry status" and the
// digest's buttons (Details, Fix, Adopt).
func (b *Bot) EnableScorecards(o ScorecardOptions) {
	g := &scorecardGlue{b: b, o: o}
	rt := b.router
	rt.Subcommand(Subcommand{Name: "scorecard", Usage: "scorecard [service | team] [scorecard]",
		Help:     "a service's or a team's scorecard: level, score, trend, what to fix next",
		Examples: []string{"checkout", "payments", ""}, Handler: g.handleScorecard})
	rt.Subcommand(Subcommand{Name: "status", Usage: "status <service>",
		Help:     "is it OK right now? live signals, CI on the default branch, level, who is on call",
		Examples: []string{"checkout"}, Handler: g.handleStatus})
	rt.Action(actionScorecardDetails+"*", g.handleDetails)
	rt.Action(actionScorecardFix+"*", g.handleFix)
	rt.Action(actionScorecardAdopt+"*", g.handleAdopt)
}

// handleScorecard answers "/gantry scorecard [service | team] [scorecard]";
// without arguments, the card of the person's first team.
func (g *scorecardGlue) handleScorecard(ctx context.Context, r *Request) error {
	words := strings.Fields(r.ArgText())
	var target *catalog.Entity
	var err error
	only := ""
	if len(words) > 1 {
		only = words[1]
	}
	if len(words) == 0 {
		if target = g.personsTeam(ctx, r); target == nil {
			return r.Respond.Ephemeral(ctx, ScorecardUsage())
		}
	} else if target, err = g.o.Service.Lookup(ctx, words[0]); err != nil {
		return err
	}
	if target.Is(catalog.KindGroup) {
		ds, err := g.o.Service.TeamCards(ctx, target, only)
		if err != nil {
			return err
		}
		title := target.Title()
		if d := target.SpecString("profile.displayName"); d != "" {
			title = d
		}
		return r.Respond.Ephemeral(ctx, ScorecardTeamMessage(title, ds))
	}
	card, err := g.o.Service.EntityCard(ctx, target)
	if err != nil {
		return err
	}
	if only != "" {
		kept := card.Scores[:0]
		for _, s := range card.Scores {
			if s.Scorecard == only {
				kept = append(kept, s)
			}
		}
		card.Scores = kept
	}
	return r.Respond.Ephemeral(ctx, ScorecardEntityMessage(card))
}

// personsTeam is the first team of the person asking, if the catalog
// knows them.
func (g *scorecardGlue) personsTeam(ctx context.Context, r *Request) *catalog.Entity {
	u := r.CatalogUser(ctx)
	if u == nil {
		return nil
	}
	for _, t := range u.SpecStrings("memberOf") {
		ref, err := catalog.ParseRef(t, "group", u.Metadata.Namespace)
		if err != nil {
			continue
		}
		if e, err := g.o.Service.Lookup(ctx, ref.String()); err == nil {
			return e
		}
	}
	return nil
}

// handleStatus answers "/gantry status <service>".
func (g *scorecardGlue) handleStatus(ctx context.Context, r *Request) error {
	q := r.ArgText()
	if q == "" {
		return r.Respond.Ephemeral(ctx, StatusUsage())
	}
	e, err := g.o.Service.Lookup(ctx, q)
	if err != nil {
		return err
	}
	if e.Is(catalog.KindGroup) || e.Is(catalog.KindUser) {
		return errkind.New(errkind.Invalid, "status is about a service; for a team's services, try `/gantry scorecard %s`", e.Metadata.Name)
	}
	st, err := g.o.Service.Status(ctx, e)
	if err != nil {
		return err
	}
	var ids map[string]string
	if st.Oncall != nil {
		ids = g.b.people.slackIDs(ctx, st.Oncall.Person)
	}
	return r.Respond.Ephemeral(ctx, StatusMessage(StatusView{Status: st, IDs: ids}))
}

// handleDetails shows the full table of a digest or card, privately; its
// Previous/Next buttons turn the page in place.
func (g *scorecardGlue) handleDetails(ctx context.Context, r *Request) error {
	var st scDetailsState
	if err := json.Unmarshal([]byte(r.Action.Value), &st); err != nil || st.O < 0 {
		return errkind.New(errkind.Invalid, "this button is from an older Gantry; ask again with `/gantry scorecard`")
	}
	sc, err := g.o.Service.Scorecards().Get(st.S)
	if err != nil {
		return err
	}
	d, err := g.o.Service.TeamDigest(ctx, st.S, st.T)
	if err != nil {
		return err
	}
	msg := DigestDetailsMessage(d, sc, st.O)
	if r.Action.ActionID == actionScorecardDetails {
		return r.Respond.Ephemeral(ctx, msg)
	}
	return r.Respond.Update(ctx, msg)
}

// handleFix starts the action a rule's fix names, for the service the
// button is about.
func (g *scorecardGlue) handleFix(ctx context.Context, r *Request) error {
	var st scFixState
	if err := json.Unmarshal([]byte(r.Action.Value), &st); err != nil {
		return errkind.New(errkind.Invalid, "this button is from an older Gantry; ask again with `/gantry scorecard`")
	}
	action, inputs, err := g.o.Service.FixInputs(ctx, st.S, st.R, st.E)
	if err != nil {
		return err
	}
	if g.o.StartFix != nil {
		return g.o.StartFix(ctx, r, action, inputs)
	}
	if run, ok := g.b.router.subcommand("run"); ok {
		// "/gantry run <action>" semantics, with this click's trigger_id.
		r.Subcommand, r.Text = run.Name, action
		if run.Allow != nil {
			if err := run.Allow(ctx, r); err != nil {
				return err
			}
		}
		return run.Handler(ctx, r)
	}
	text := fmt.Sprintf("This fix is the self-service action %s: run `/gantry run %s` once actions are set up (actions.paths in gantry.yaml).", code(action), esc(action))
	return r.Respond.Ephemeral(ctx, Message{Text: text, Blocks: blocks(section(text))})
}

// handleAdopt opens the pull request that adds catalog-info.yaml to an
// inferred service's repository.
func (g *scorecardGlue) handleAdopt(ctx context.Context, r *Request) error {
	repo := strings.TrimSpace(r.Action.Value)
	if repo == "" || !strings.Contains(repo, "/") {
		return errkind.New(errkind.Invalid, "this button names no repository")
	}
	if !r.Once("scorecard.adopt:" + repo) {
		return nil // a double click: the first one answers
	}
	if g.o.Adopt == nil {
		text := fmt.Sprintf("Adopting needs a github source for %s: run `gantry catalog adopt %s` where Gantry is configured.", code(repo), esc(repo))
		return r.Respond.Ephemeral(ctx, Message{Text: text, Blocks: blocks(section(text))})
	}
	url, created, err := g.o.Adopt(ctx, repo)
	if err != nil {
		return err
	}
	text := fmt.Sprintf(":seedling: Opened <%s|a pull request> adding `catalog-info.yaml` to %s with what Gantry inferred. Merge it, and the team owns the description from then on.", url, code(repo))
	if !created {
		text = fmt.Sprintf("An adoption pull request is already open for %s: <%s|review it>.", code(repo), url)
	}
	return r.Respond.Ephemeral(ctx, Message{Text: text, Blocks: blocks(section(text))})
}

// DigestPoster posts digests and reports through the bot's Web API, so
// they get its limits check, per-channel pacing (about one message a
// second), Retry-After on 429 and retries on 5xx.
func (b *Bot) DigestPoster() scorecard.Poster { return digestPoster{api: b.api} }

type digestPoster struct{ api *WebAPI }

// PostDigest posts the digest with its key as message metadata, so that
// it can be recognised in the channel's history. A post Slack may have
// carried out although the call failed (APIError.Unsure: an HTTP 500, a
// timeout after sending) matches scorecard.ErrMaybePosted.
func (p digestPoster) PostDigest(ctx context.Context, d *scorecard.Digest) (string, string, error) {
	m := DigestMessage(d)
	var out struct {
		Channel string `json:"channel"`
		TS      string `json:"ts"`
	}
	err := p.api.Call(ctx, "chat.postMessage", args{
		"channel": d.Channel, "text": m.Text, "blocks": m.Blocks, "unfurl_links": false, "unfurl_media": false,
		"metadata": map[string]any{"event_type": "gantry_digest", "event_payload": map[string]any{
			"scorecard": d.Scorecard, "team": d.Team, "period": d.PeriodKey}},
	}, &out)
	if err != nil {
		var ae *APIError
		if errors.As(err, &ae) && ae.Unsure {
			// Slack may have shown it: the runner must not post it again.
			return "", "", fmt.Errorf("%w (%w)", err, scorecard.ErrMaybePosted)
		}
		return "", "", err
	}
	if out.Channel == "" {
		out.Channel = d.Channel
	}
	return out.Channel, out.TS, nil
}

// PostReport posts a digest run's problems.
func (p digestPoster) PostReport(ctx context.Context, channel string, r *scorecard.DigestReport) error {
	_, err := p.api.PostMessage(ctx, channel, DigestReportMessage(r))
	return err
}
