package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/gantryhq/gantry/bot"
	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/internal/defload"
	"github.com/gantryhq/gantry/internal/errkind"
	"github.com/gantryhq/gantry/scorecard"
)

// scorecardDeps is what the App keeps for scorecards: the service, built
// once from the config's definitions, and what tests tune.
type scorecardDeps struct {
	once     sync.Once
	svc      *scorecard.Service
	problems []catalog.Problem
	err      error

	// clock is the scorecards' time (evaluations, schedules, leases); nil
	// is the wall clock. Tests set it before Serve.
	clock scorecard.Clock
	// concurrency is how many teams a digest run posts at once (0: default).
	concurrency int
	// lease overrides the digest claims' lease (0: default).
	lease time.Duration
}

// ScorecardsConfigured reports whether any scorecard path is configured.
func (a *App) ScorecardsConfigured() bool { return len(a.Config.Scorecards.Paths) > 0 }

// LoadScorecards reads and validates the configured definitions (or
// paths, when given): the valid scorecards and one problem per mistake,
// including fixes that name an action the config does not define.
func (a *App) LoadScorecards(paths ...string) (*scorecard.Set, []catalog.Problem, error) {
	if len(paths) == 0 {
		for _, p := range a.Config.Scorecards.Paths {
			paths = append(paths, a.Config.Resolve(p))
		}
	}
	if len(paths) == 0 {
		return scorecard.NewSet(nil), nil, nil
	}
	set, problems, err := scorecard.Load(paths, scorecard.LoadOptions{CostLimit: a.Config.Scorecards.CostLimit})
	if err != nil {
		return nil, nil, errkind.Wrap(errkind.Invalid, err)
	}
	problems = append(problems, a.fixActionProblems(set)...)
	defload.Sort(problems)
	return set, problems, nil
}

// Prometheus builds the Prometheus fact source the config describes, or
// nil when none is configured.
func (a *App) Prometheus() (*scorecard.Prometheus, error) {
	p := a.Config.Scorecards.Prometheus
	if p == nil {
		return nil, nil
	}
	var status []scorecard.StatusQuery
	for _, s := range p.Status {
		status = append(status, scorecard.StatusQuery{Name: s.Name, Query: s.Query, Unit: s.Unit, WarnAbove: s.WarnAbove, WarnBelow: s.WarnBelow})
	}
	prom, err := scorecard.NewPrometheus(scorecard.PrometheusOptions{URL: p.URL, Token: p.BearerToken(os.Getenv),
		Timeout: p.TimeoutDuration(), Interval: p.IntervalDuration(), Concurrency: p.Concurrency, Filter: p.Filter,
		Facts: p.Facts, Status: status})
	if err != nil {
		return nil, fmt.Errorf("scorecards.prometheus in %s: %w", a.Config.Path, err)
	}
	return prom, nil
}

// Scorecards returns the scorecard service, built once. Definitions with
// problems are left out (each problem is logged as FILE:LINE: message);
// the others work.
func (a *App) Scorecards() (*scorecard.Service, error) {
	a.sc.once.Do(func() {
		set, problems, err := a.LoadScorecards()
		if err != nil {
			a.sc.err = err
			return
		}
		a.sc.problems = problems
		for _, p := range problems {
			a.Log.Error("scorecard definition: "+p.String(), "hint", "the other scorecards still work; `gantry scorecard validate` lists every problem")
		}
		prom, err := a.Prometheus()
		if err != nil {
			a.sc.err = err
			return
		}
		var liveCI func(context.Context, string, string) (*scorecard.CIStatus, error)
		if g := a.Config.GitHub; g.Token != "" || g.App != nil {
			liveCI = a.liveCI
		}
		a.sc.svc, a.sc.err = scorecard.New(scorecard.Options{
			Scorecards: set, Catalog: a.Catalog, Facts: a.DB, History: a.DB, Prometheus: prom,
			FallbackChannel: a.Config.Scorecards.FallbackChannel, Retention: a.Config.Scorecards.HistoryRetention(),
			Lock: a.DB.TryLockSync, LiveCI: liveCI, Clock: a.sc.clock, Log: a.Log.With("component", "scorecards"),
		})
	})
	return a.sc.svc, a.sc.err
}

// liveCI reads the latest workflow run on repo's default branch from
// GitHub, for /gantry status: what CI says now, not at the last sync.
func (a *App) liveCI(ctx context.Context, repo, branch string) (*scorecard.CIStatus, error) {
	gh, err := a.GitHub()
	if err != nil {
		return nil, err
	}
	owner, name, ok := strings.Cut(repo, "/")
	if !ok {
		return nil, errkind.New(errkind.Invalid, "%q is not owner/name", repo)
	}
	if branch == "" {
		r, _, err := gh.Client.Repositories.Get(ctx, owner, name)
		if err != nil {
			return nil, err
		}
		branch = r.GetDefaultBranch()
	}
	runs, _, err := gh.Client.Actions.ListRepositoryWorkflowRuns(ctx, owner, name, &github.ListWorkflowRunsOptions{
		Branch: branch, ExcludePullRequests: true, ListOptions: github.ListOptions{PerPage: 1}})
	if err != nil {
		return nil, err
	}
	ci := &scorecard.CIStatus{Repo: repo, Branch: branch, Conclusion: "none"}
	if len(runs.WorkflowRuns) > 0 {
		r := runs.WorkflowRuns[0]
		ci.Conclusion, ci.At = r.GetConclusion(), r.GetCreatedAt().Time
		if r.GetStatus() != "completed" {
			ci.Conclusion = r.GetStatus() // queued, in_progress: no conclusion yet
		}
	}
	return ci, nil
}

// EvaluateScorecards evaluates every scorecard now and records the
// results; trigger says why ("cli", "sync", …).
func (a *App) EvaluateScorecards(ctx context.Context, trigger string) (*scorecard.Evaluation, error) {
	svc, err := a.Scorecards()
	if err != nil {
		return nil, err
	}
	return svc.Evaluate(ctx, trigger)
}

// afterSync evaluates the scorecards after a catalog sync. It never fails
// the sync: a problem is logged.
func (a *App) afterSync(ctx context.Context) {
	if !a.ScorecardsConfigured() || ctx.Err() != nil {
		return
	}
	if _, err := a.EvaluateScorecards(ctx, "sync"); err != nil {
		if errkind.Is(err, errkind.Conflict) {
			a.Log.Info("scorecards: another replica is evaluating; skipped", "err", err)
			return
		}
		if ctx.Err() == nil {
			a.Log.Error("scorecards: evaluation after sync failed", "err", err)
		}
	}
}

// digestRunner builds the runner that posts digests through b.
func (a *App) digestRunner(svc *scorecard.Service, b *bot.Bot) *scorecard.DigestRunner {
	return scorecard.NewDigestRunner(scorecard.RunnerOptions{Service: svc, Store: a.DB, Poster: b.DigestPoster(),
		Concurrency: a.sc.concurrency, Lease: a.sc.lease, Log: a.Log.With("component", "digests")})
}

// startDigests runs the digest schedules in the background once ready is
// closed (the first sync and evaluation); the returned channel closes when
// they stopped (after ctx ends: posts under way finished and recorded,
// the other claims given back). Without Slack, or with
// scorecards.digests false, nothing runs.
func (a *App) startDigests(ctx context.Context, b *bot.Bot, ready <-chan struct{}) <-chan struct{} {
	done := make(chan struct{})
	svc, err := a.Scorecards()
	switch {
	case !a.ScorecardsConfigured():
	case err != nil:
		a.Log.Error("scorecards are configured but cannot start", "err", err)
	case b == nil:
		a.Log.Info("scorecard digests are not posted: Slack is not connected")
	case !a.Config.Scorecards.DigestsEnabled():
		a.Log.Info("scorecard digests are turned off on this instance (scorecards.digests: false)")
	default:
		s := &scorecard.Scheduler{Runner: a.digestRunner(svc, b), Log: a.Log.With("component", "digests")}
		go func() {
			defer close(done)
			_ = s.Run(ctx, ready)
		}()
		return done
	}
	close(done)
	return done
}

// registerScorecards adds "/gantry scorecard", "/gantry status" and the
// digest's buttons to the bot, when scorecards are configured. With
// self-service actions, a Fix button opens its action's form prefilled
// with the rule's fix inputs.
func (a *App) registerScorecards(b *bot.Bot) {
	if !a.ScorecardsConfigured() {
		return
	}
	svc, err := a.Scorecards()
	if err != nil {
		a.Log.Error("scorecards: not available in Slack", "err", err)
		return
	}
	o := bot.ScorecardOptions{Service: svc, Adopt: func(ctx context.Context, repo string) (string, bool, error) {
		ad, err := a.Adopt(ctx, repo)
		return ad.PullRequest, ad.Created, err
	}}
	if len(a.Config.Actions.Paths) > 0 {
		if _, _, err := a.Actions(); err == nil {
			o.StartFix = b.OpenActionForm
		}
	}
	b.EnableScorecards(o)
}

// botCatalog is the catalog the bot queries: /gantry query reads `facts`
// beside `entity` when scorecards are configured.
func (a *App) botCatalog() bot.Catalog {
	if !a.ScorecardsConfigured() {
		return a.Catalog
	}
	svc, err := a.Scorecards()
	if err != nil {
		return a.Catalog
	}
	return factsCatalog{Catalog: a.Catalog, svc: svc}
}

// factsCatalog is the catalog with a Query that also sees `facts`.
type factsCatalog struct {
	*catalog.Catalog
	svc *scorecard.Service
}

// Query runs a CEL expression over `entity` and `facts`.
func (c factsCatalog) Query(ctx context.Context, src string, limit int) (catalog.QueryResult, error) {
	return c.svc.Query(ctx, src, limit)
}

// team resolves a team given by name or ref ("payments",
// "group:default/payments"); "unowned" is the services nobody owns.
func (a *App) team(ctx context.Context, q string) (string, string, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return "", "", errkind.New(errkind.Invalid, "say which team, e.g. --team payments")
	}
	if strings.EqualFold(q, "unowned") {
		return "", "Services without a known owner", nil
	}
	ref, err := catalog.ParseRef(q, "group", catalog.DefaultNamespace)
	if err != nil {
		return "", "", err
	}
	e, err := a.Catalog.Get(ctx, ref.String())
	if err != nil {
		return "", "", err
	}
	if !e.Is(catalog.KindGroup) {
		return "", "", errkind.New(errkind.Invalid, "%s is a %s, not a team", q, e.Kind)
	}
	return e.Ref().String(), e.Title(), nil
}

// DigestPreview composes a team's digests as they would be posted now:
// for each scorecard (or the one named) with a digest schedule, the
// current period's; for a scorecard without one, a card compared with a
// week ago.
func (a *App) DigestPreview(ctx context.Context, teamQ, only string) ([]*scorecard.Digest, error) {
	svc, err := a.Scorecards()
	if err != nil {
		return nil, err
	}
	team, _, err := a.team(ctx, teamQ)
	if err != nil {
		return nil, err
	}
	var out []*scorecard.Digest
	for _, sc := range svc.Scorecards().All() {
		if only != "" && sc.Name != only {
			continue
		}
		period, previous := a.period(svc, sc)
		ds, err := svc.ComposeDigests(ctx, sc, period, previous)
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			if d.Team == team {
				out = append(out, d)
			}
		}
	}
	if only != "" && len(out) == 0 {
		if _, err := svc.Scorecards().Get(only); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// period returns the current period of sc's digest and the one before
// (now and a week ago for a scorecard without a schedule).
func (a *App) period(svc *scorecard.Service, sc *scorecard.Scorecard) (time.Time, time.Time) {
	now := svc.Clock().Now()
	if sc.Digest != nil {
		if start, _, ok := sc.Digest.Period(now); ok {
			prev, _ := sc.Digest.Previous(start)
			return start, prev
		}
	}
	p := now.Truncate(time.Minute)
	return p, p.Add(-scorecard.TrendWindow)
}

// SendDigest posts a team's digests for the current period now, each
// exactly once (a digest already posted for the period is reported, not
// posted again), through the Slack Web API. With retryFailed, a digest of
// the period that failed, was skipped or whose outcome is uncertain is
// posted again (never one recorded as posted).
func (a *App) SendDigest(ctx context.Context, teamQ, only string, retryFailed bool) ([]*scorecard.DigestReport, error) {
	svc, err := a.Scorecards()
	if err != nil {
		return nil, err
	}
	team, _, err := a.team(ctx, teamQ)
	if err != nil {
		return nil, err
	}
	s := a.Config.Slack
	if !s.Configured() {
		return nil, errkind.New(errkind.Invalid, "Slack is not configured: set SLACK_APP_TOKEN and SLACK_BOT_TOKEN (or slack.app_token and slack.bot_token)")
	}
	b, err := bot.New(bot.Options{AppToken: s.AppToken, BotToken: s.BotToken, APIURL: s.APIURL, Catalog: a.Catalog, Logger: a.Log})
	if err != nil {
		return nil, err
	}
	runner := a.digestRunner(svc, b)
	var reports []*scorecard.DigestReport
	var errs []error
	for _, sc := range svc.Scorecards().All() {
		if only != "" && sc.Name != only {
			continue
		}
		period, _ := a.period(svc, sc)
		if retryFailed {
			key := scorecard.DigestKey{Scorecard: sc.Name, Team: team, Period: scorecard.PeriodKey(period)}
			ok, err := a.DB.ReopenDigest(ctx, key, scorecard.DigestFailed, scorecard.DigestSkipped, scorecard.DigestUncertain)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", sc.Name, err))
				continue
			}
			if ok {
				a.Log.Info("digest: reopened to post again", "scorecard", sc.Name, "team", team, "period", key.Period)
			}
		}
		rep, err := runner.Run(ctx, sc, period, team)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", sc.Name, err))
			continue
		}
		if len(rep.Outcomes) > 0 {
			reports = append(reports, rep)
		}
	}
	if len(reports) == 0 && len(errs) == 0 {
		return nil, errkind.New(errkind.NotFound, "no scorecard applies to anything %s owns", teamQ)
	}
	return reports, errors.Join(errs...)
}
