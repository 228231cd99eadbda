package scorecard

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/internal/clock"
	"github.com/gantryhq/gantry/internal/errkind"
	"github.com/gantryhq/gantry/internal/expr"
)

// Clock is what scorecards read the time from and wait on (evaluation
// times, digest schedules, leases, retries): clock.Wall unless a test
// gives bottest.Clock.
type Clock interface {
	Now() time.Time
	// Sleep waits for d, or returns ctx's error if ctx ends first.
	Sleep(ctx context.Context, d time.Duration) error
}

// Options configure a Service. Scorecards, Catalog and History are
// required.
type Options struct {
	Scorecards *Set
	Catalog    *catalog.Catalog
	Facts      FactStore
	History    HistoryStore
	// Prometheus is the optional fact source (nil: none).
	Prometheus *Prometheus
	// FallbackChannel is where digests go for teams without a channel,
	// when a scorecard's digest names none.
	FallbackChannel string
	// Retention is how long history is kept (default 400 days).
	Retention time.Duration
	// Lock, when set, is taken around each evaluation so that replicas
	// sharing a database evaluate one at a time (store.DB.TryLockSync);
	// ok false means another holds it and this evaluation is skipped.
	Lock func(ctx context.Context, name string) (release func(), ok bool, err error)
	// LiveCI, when set, reads the latest workflow run on a repository's
	// default branch ("" when not known) from GitHub for /gantry status,
	// instead of the facts the last sync recorded.
	LiveCI func(ctx context.Context, repo, branch string) (*CIStatus, error)
	// Workers bounds the goroutines evaluating rules (default GOMAXPROCS).
	Workers int
	Clock   Clock
	Log     *slog.Logger
}

// Service is scorecards at work over one catalog: it evaluates, answers
// cards, trends and status, and composes digests. It is safe for
// concurrent use.
type Service struct {
	o     Options
	query *expr.Env

	mu        sync.Mutex // one evaluation at a time in this process
	lastPrune time.Time
}

// New returns a Service.
func New(o Options) (*Service, error) {
	if o.Scorecards == nil {
		o.Scorecards = NewSet(nil)
	}
	if o.Catalog == nil || o.History == nil {
		return nil, errors.New("scorecard: a catalog and a history store are required")
	}
	if o.Clock == nil {
		o.Clock = clock.Wall{}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Retention <= 0 {
		o.Retention = 400 * 24 * time.Hour
	}
	env, err := expr.NewEnv([]string{"entity", "facts"})
	if err != nil {
		return nil, err
	}
	return &Service{o: o, query: env}, nil
}

// Scorecards returns the loaded scorecards.
func (s *Service) Scorecards() *Set { return s.o.Scorecards }

// Clock returns the service's clock.
func (s *Service) Clock() Clock { return s.o.Clock }

// Prometheus returns the Prometheus fact source, or nil.
func (s *Service) Prometheus() *Prometheus { return s.o.Prometheus }

func (s *Service) maxAge() map[string]time.Duration {
	m := map[string]time.Duration{}
	if s.o.Prometheus != nil {
		m[ProviderPrometheus] = s.o.Prometheus.MaxAge()
	}
	return m
}

// Evaluate reads the facts that are due (Prometheus), runs every
// scorecard over the catalog and records the results; trigger says why
// ("sync", "cli", "slack", "start"). A fact source failing is a problem of
// the evaluation, not its end. When another replica is evaluating (Lock),
// it returns errkind.Conflict.
func (s *Service) Evaluate(ctx context.Context, trigger string) (*Evaluation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.o.Lock != nil {
		release, ok, err := s.o.Lock(ctx, "scorecard evaluation") // not a source name: no clash with a sync
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, errkind.New(errkind.Conflict, "another replica is evaluating the scorecards")
		}
		defer release()
	}
	started := s.o.Clock.Now()
	var problems []string
	if s.o.Prometheus.HasFacts() && s.o.Facts != nil {
		st, err := s.o.Prometheus.Collect(ctx, s.o.Catalog.Store(), s.o.Facts, started)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			problems = append(problems, err.Error())
			s.o.Log.Warn("scorecards: reading Prometheus facts", "err", err)
		} else if st.Queried > 0 {
			s.o.Log.Info("scorecards: Prometheus facts read", "entities", st.Queried, "queries", st.Queries, "failed", st.Failed)
		}
	}
	ev := &evaluator{cards: s.o.Scorecards.All(), store: s.o.Catalog.Store(), facts: s.o.Facts,
		maxAge: s.maxAge(), now: s.o.Clock.Now(), workers: s.o.Workers}
	out, err := ev.run(ctx)
	if err != nil {
		return nil, err
	}
	out.Trigger, out.StartedAt, out.FinishedAt = trigger, started, s.o.Clock.Now()
	out.Problems = append(problems, out.Problems...)
	if err := s.o.History.SaveEvaluation(ctx, out); err != nil {
		return nil, fmt.Errorf("recording the scorecards' results: %w", err)
	}
	s.o.Log.Info("scorecards evaluated", "trigger", trigger, "entities", out.Entities, "results", len(out.Results),
		"changed", out.Written, "problems", len(out.Problems), "took", out.FinishedAt.Sub(started))
	for _, p := range out.Problems {
		s.o.Log.Warn("scorecards: "+p, "evaluation", out.ID)
	}
	if out.FinishedAt.Sub(s.lastPrune) > 24*time.Hour {
		s.lastPrune = out.FinishedAt
		if n, err := s.o.History.PruneHistory(ctx, out.FinishedAt.Add(-s.o.Retention)); err != nil {
			s.o.Log.Warn("scorecards: pruning history", "err", err)
		} else if n > 0 {
			s.o.Log.Info("scorecards: history pruned", "rows", n)
		}
	}
	return out, nil
}

// ensureEvaluated evaluates now when nothing was ever recorded, so the
// first question after installing gets an answer.
func (s *Service) ensureEvaluated(ctx context.Context) (EvaluationInfo, error) {
	info, ok, err := s.o.History.LastEvaluation(ctx, time.Time{})
	if err != nil || ok {
		return info, err
	}
	ev, err := s.Evaluate(ctx, "on-demand")
	if err != nil {
		return EvaluationInfo{}, err
	}
	return EvaluationInfo{ID: ev.ID, Trigger: ev.Trigger, StartedAt: ev.StartedAt, FinishedAt: ev.FinishedAt}, nil
}

// Lookup finds the entity a person named ("checkout", "payments",
// "component:default/checkout"). Errors: errkind.NotFound with
// suggestions, errkind.Conflict when ambiguous.
func (s *Service) Lookup(ctx context.Context, q string) (*catalog.Entity, error) {
	q = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(q), "#"))
	if q == "" {
		return nil, errkind.New(errkind.Invalid, "say which service or team")
	}
	if !strings.Contains(q, ":") {
		// A team's channel ("#team-payments") names the team.
		if teams, err := s.o.Catalog.TeamsByChannel(ctx, q); err == nil && len(teams) == 1 {
			return &teams[0], nil
		}
	}
	return s.o.Catalog.Get(ctx, q)
}

// results reads results from history, aligned with the definition.
func (s *Service) results(ctx context.Context, sc *Scorecard, q ResultQuery) ([]EntityResult, error) {
	rs, err := s.o.History.ResultsAsOf(ctx, q)
	if err != nil {
		return nil, err
	}
	sc.align(rs)
	return rs, nil
}

// Results returns a scorecard's results as they stood at t (the latest
// when zero), for `gantry scorecard eval` and tests.
func (s *Service) Results(ctx context.Context, scorecard string, t time.Time) ([]EntityResult, error) {
	sc, err := s.o.Scorecards.Get(scorecard)
	if err != nil {
		return nil, err
	}
	return s.results(ctx, sc, ResultQuery{Scorecard: sc.Name, At: t})
}

// RuleLine is one rule's outcome, with what a person needs to act on it.
type RuleLine struct {
	ID         string  `json:"id"`
	Title      string  `json:"title"`
	Level      string  `json:"level"`
	LevelIndex int     `json:"levelIndex"`
	Weight     float64 `json:"weight"`
	State      State   `json:"state"`
	Detail     string  `json:"detail,omitempty"`
	Fix        Fix     `json:"fix"`
}

// EntityScore is an entity's standing on one scorecard, with its trend.
type EntityScore struct {
	Scorecard      string       `json:"scorecard"`
	ScorecardTitle string       `json:"scorecardTitle"`
	Levels         []Level      `json:"levels"`
	Result         EntityResult `json:"result"`
	// Trend compares with the result a week before.
	Trend Trend      `json:"trend"`
	Rules []RuleLine `json:"rules"`
}

// Next returns the next level's name ("" at the top).
func (e *EntityScore) Next() string {
	if e.Result.Level+1 < len(e.Levels) {
		return e.Levels[e.Result.Level+1].Name
	}
	return ""
}

// EntityCard is "/gantry scorecard <service>": the entity on every
// scorecard that applies to it.
type EntityCard struct {
	Entity      string        `json:"entity"`
	Title       string        `json:"title"`
	Kind        string        `json:"kind"`
	Team        string        `json:"team,omitempty"`
	EvaluatedAt time.Time     `json:"evaluatedAt"`
	Scores      []EntityScore `json:"scores"`
}

// TrendWindow is how far back cards compare: a week.
const TrendWindow = 7 * 24 * time.Hour

// EntityCard returns the entity's card. An entity no scorecard applies to
// has no Scores.
func (s *Service) EntityCard(ctx context.Context, e *catalog.Entity) (*EntityCard, error) {
	info, err := s.ensureEvaluated(ctx)
	if err != nil {
		return nil, err
	}
	ref := e.Ref().String()
	card := &EntityCard{Entity: ref, Title: e.Title(), Kind: e.Kind, EvaluatedAt: info.FinishedAt, Scores: []EntityScore{}}
	weekAgo := s.o.Clock.Now().Add(-TrendWindow)
	for _, sc := range s.o.Scorecards.All() {
		now, err := s.results(ctx, sc, ResultQuery{Scorecard: sc.Name, Entities: []string{ref}})
		if err != nil {
			return nil, err
		}
		if len(now) == 0 {
			continue
		}
		before, err := s.results(ctx, sc, ResultQuery{Scorecard: sc.Name, Entities: []string{ref}, At: weekAgo})
		if err != nil {
			return nil, err
		}
		var b *EntityResult
		if len(before) > 0 {
			b = &before[0]
		}
		card.Team = now[0].Team
		card.Scores = append(card.Scores, EntityScore{Scorecard: sc.Name, ScorecardTitle: sc.DisplayTitle(), Levels: sc.Levels,
			Result: now[0], Trend: sc.CompareResults(b, &now[0]), Rules: sc.ruleLines(&now[0])})
	}
	return card, nil
}

func (sc *Scorecard) ruleLines(r *EntityResult) []RuleLine {
	out := make([]RuleLine, len(sc.Rules))
	for i, rule := range sc.Rules {
		rr := r.Rule(rule.ID)
		out[i] = RuleLine{ID: rule.ID, Title: rule.DisplayTitle(), Level: rule.Level, LevelIndex: rule.level, Weight: rule.Weight,
			State: rr.State, Detail: rr.Detail, Fix: rule.Fix}
	}
	return out
}

// RuleLines returns the rules of a result in definition order.
func (sc *Scorecard) RuleLines(r *EntityResult) []RuleLine { return sc.ruleLines(r) }

// Teams returns the catalog's groups by ref, with their titles and
// channels.
func (s *Service) Teams(ctx context.Context) (map[string]TeamInfo, error) {
	ix, err := buildIndex(ctx, s.o.Catalog.Store())
	if err != nil {
		return nil, err
	}
	out := make(map[string]TeamInfo, len(ix.groups))
	for r, g := range ix.groups {
		out[r.String()] = TeamInfo{Ref: r.String(), Title: g.Title, Channel: g.Channel}
	}
	return out, nil
}

// TeamCards returns a team's cards on every scorecard (or the one named)
// where it owns something, compared with a week before: what
// "/gantry scorecard <team>" shows. Errors: errkind.NotFound for an
// unknown scorecard.
func (s *Service) TeamCards(ctx context.Context, team *catalog.Entity, only string) ([]*Digest, error) {
	cards, err := s.pick(only)
	if err != nil {
		return nil, err
	}
	var out []*Digest
	for _, sc := range cards {
		d, err := s.TeamDigest(ctx, sc.Name, team.Ref().String())
		if err != nil {
			return nil, err
		}
		if len(d.Services) > 0 {
			out = append(out, d)
		}
	}
	return out, nil
}

// TeamDigest returns one team's card of one scorecard as it stands, compared
// with a week before; team "" is the services nobody known owns. Errors:
// errkind.NotFound for an unknown scorecard.
func (s *Service) TeamDigest(ctx context.Context, scorecard, team string) (*Digest, error) {
	sc, err := s.o.Scorecards.Get(scorecard)
	if err != nil {
		return nil, err
	}
	info, err := s.ensureEvaluated(ctx)
	if err != nil {
		return nil, err
	}
	teams, err := s.Teams(ctx)
	if err != nil {
		return nil, err
	}
	now, err := s.results(ctx, sc, ResultQuery{Scorecard: sc.Name, Teams: []string{team}})
	if err != nil {
		return nil, err
	}
	weekAgo := s.o.Clock.Now().Add(-TrendWindow)
	var before []EntityResult
	if len(now) > 0 {
		refs := make([]string, len(now))
		for i, r := range now {
			refs[i] = r.Entity
		}
		if before, err = s.results(ctx, sc, ResultQuery{Scorecard: sc.Name, Entities: refs, At: weekAgo}); err != nil {
			return nil, err
		}
	}
	for i := range before {
		before[i].Team = team // compared with itself, wherever it was then
	}
	ds := s.composeAll(sc, teams, now, before, time.Time{}, weekAgo, info.FinishedAt)
	for _, d := range ds {
		if d.Team == team {
			return d, nil
		}
	}
	t, ok := teams[team]
	if !ok {
		t = TeamInfo{Ref: team, Title: refName(team)}
	}
	d := sc.ComposeDigest(t, nil, nil)
	d.Previous, d.EvaluatedAt = weekAgo, info.FinishedAt
	return d, nil
}

func (s *Service) pick(only string) ([]*Scorecard, error) {
	if only == "" {
		return s.o.Scorecards.All(), nil
	}
	sc, err := s.o.Scorecards.Get(only)
	if err != nil {
		return nil, err
	}
	return []*Scorecard{sc}, nil
}

// PeriodKey writes a period's start as the digest records key it.
func PeriodKey(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// ComposeDigests composes the digest of every team owning something the
// scorecard applies to, for the period starting at period, compared with
// the results at previous (zero: no comparison). Each digest's Channel is
// where it goes ("" when nowhere: no channel and no fallback). Teams come
// sorted by ref, the unowned last.
func (s *Service) ComposeDigests(ctx context.Context, sc *Scorecard, period, previous time.Time) ([]*Digest, error) {
	info, err := s.ensureEvaluated(ctx)
	if err != nil {
		return nil, err
	}
	now, err := s.results(ctx, sc, ResultQuery{Scorecard: sc.Name})
	if err != nil {
		return nil, err
	}
	var before []EntityResult
	if !previous.IsZero() {
		if before, err = s.results(ctx, sc, ResultQuery{Scorecard: sc.Name, At: previous}); err != nil {
			return nil, err
		}
	}
	teams, err := s.Teams(ctx)
	if err != nil {
		return nil, err
	}
	return s.composeAll(sc, teams, now, before, period, previous, info.FinishedAt), nil
}

// composeAll groups results by team and composes each team's digest.
func (s *Service) composeAll(sc *Scorecard, teams map[string]TeamInfo, now, before []EntityResult, period, previous, evaluatedAt time.Time) []*Digest {
	byTeam := map[string][]EntityResult{}
	for _, r := range now {
		byTeam[r.Team] = append(byTeam[r.Team], r)
	}
	beforeByTeam := map[string][]EntityResult{}
	for _, r := range before {
		beforeByTeam[r.Team] = append(beforeByTeam[r.Team], r)
	}
	refs := make([]string, 0, len(byTeam))
	for t := range byTeam {
		refs = append(refs, t)
	}
	sort.Slice(refs, func(i, j int) bool {
		if (refs[i] == "") != (refs[j] == "") {
			return refs[j] == ""
		}
		return refs[i] < refs[j]
	})
	var out []*Digest
	for _, ref := range refs {
		t, ok := teams[ref]
		if !ok {
			t = TeamInfo{Ref: ref, Title: refName(ref)}
		}
		if ref == "" {
			t = TeamInfo{Title: "Services without a known owner"}
		}
		// Compare each service with its own earlier result, wherever it
		// was then (a service that moved teams keeps its history).
		d := sc.ComposeDigest(t, byTeam[ref], s.earlierOf(byTeam[ref], before, beforeByTeam[ref]))
		d.Period, d.Previous, d.EvaluatedAt = inZone(sc, period), inZone(sc, previous), evaluatedAt
		if !period.IsZero() {
			d.PeriodKey = PeriodKey(period)
		}
		d.Channel, d.NoChannel = s.destination(sc, t)
		out = append(out, d)
	}
	return out
}

// earlierOf returns the earlier results of the services in now: the team's
// own, plus those of services that were elsewhere then.
func (s *Service) earlierOf(now, all, team []EntityResult) []EntityResult {
	if len(all) == 0 {
		return nil
	}
	in := make(map[string]bool, len(team))
	for _, r := range team {
		in[r.Entity] = true
	}
	out := append([]EntityResult(nil), team...)
	var missing map[string]bool
	for _, r := range now {
		if !in[r.Entity] {
			if missing == nil {
				missing = map[string]bool{}
			}
			missing[r.Entity] = true
		}
	}
	if missing == nil {
		return out
	}
	for _, r := range all {
		if missing[r.Entity] {
			out = append(out, r)
		}
	}
	return out
}

// destination says where a team's digest goes, and whether that is the
// fallback because the team has no channel.
func (s *Service) destination(sc *Scorecard, t TeamInfo) (string, bool) {
	fallback := s.o.FallbackChannel
	own := ChannelOwner
	if sc.Digest != nil {
		if sc.Digest.Fallback != "" {
			fallback = sc.Digest.Fallback
		}
		own = sc.Digest.Channel
	}
	switch {
	case own != "" && own != ChannelOwner:
		return own, false
	case t.Ref != "" && t.Channel != "":
		return t.Channel, false
	}
	return fallback, true
}

// inZone shows t in the scorecard's digest time zone.
func inZone(sc *Scorecard, t time.Time) time.Time {
	if t.IsZero() || sc.Digest == nil {
		return t
	}
	return t.In(sc.Digest.Location())
}

func refName(ref string) string {
	if r, err := catalog.ParseRef(ref, "group", catalog.DefaultNamespace); err == nil {
		return r.Short()
	}
	return ref
}

// CIStatus is the latest workflow run on a repository's default branch,
// as the github source last read it.
type CIStatus struct {
	Repo       string    `json:"repo"`
	Branch     string    `json:"branch"`
	Conclusion string    `json:"conclusion"` // success, failure, in_progress, none, …
	At         time.Time `json:"at,omitzero"`
	ReadAt     time.Time `json:"readAt"`
}

// Status is "/gantry status <service>": is it OK right now?
type Status struct {
	Entity    string              `json:"entity"`
	Title     string              `json:"title"`
	Kind      string              `json:"kind"`
	CheckedAt time.Time           `json:"checkedAt"`
	Signals   []Signal            `json:"signals"`
	CI        *CIStatus           `json:"ci"`
	Scores    []EntityScore       `json:"scores"`
	Owner     *catalog.Owner      `json:"owner"`
	Oncall    *catalog.Oncall     `json:"oncall"`
	Match     *catalog.OwnerMatch `json:"-"`
	// Prometheus says whether live signals are configured at all.
	Prometheus bool `json:"prometheus"`
}

// Warnings counts what is not OK: signals beyond their thresholds, a CI
// run that did not succeed.
func (st *Status) Warnings() int {
	n := 0
	for _, s := range st.Signals {
		if s.Warn {
			n++
		}
	}
	if st.CI != nil && st.CI.Conclusion != "success" && st.CI.Conclusion != "none" && st.CI.Conclusion != "" &&
		st.CI.Conclusion != "in_progress" && st.CI.Conclusion != "queued" {
		n++
	}
	return n
}

// Status gathers e's live signals (Prometheus status queries, run now),
// its latest CI run, its levels and who is on call.
func (s *Service) Status(ctx context.Context, e *catalog.Entity) (*Status, error) {
	st := &Status{Entity: e.Ref().String(), Title: e.Title(), Kind: e.Kind, CheckedAt: s.o.Clock.Now(),
		Signals: []Signal{}, Scores: []EntityScore{}, Prometheus: s.o.Prometheus != nil && len(s.o.Prometheus.status) > 0}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		st.Signals = append(st.Signals, s.o.Prometheus.Status(ctx, e)...)
	}()
	if s.o.Facts != nil {
		facts, err := s.o.Facts.Facts(ctx, st.Entity)
		if err != nil {
			wg.Wait()
			return nil, err
		}
		if gh, ok := facts[ProviderGitHub]; ok {
			ci := &CIStatus{ReadAt: gh.ReadAt}
			ci.Repo, _ = gh.Facts["repo"].(string)
			ci.Branch, _ = gh.Facts["default_branch"].(string)
			ci.Conclusion, _ = gh.Facts["latest_run_conclusion"].(string)
			if at, _ := gh.Facts["latest_run_at"].(string); at != "" {
				ci.At, _ = time.Parse(time.RFC3339, at)
			}
			st.CI = ci
		}
	}
	if repo := s.ciRepo(st.CI, e); s.o.LiveCI != nil && repo != "" {
		branch := ""
		if st.CI != nil {
			branch = st.CI.Branch
		}
		lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		live, err := s.o.LiveCI(lctx, repo, branch)
		cancel()
		if err == nil && live != nil {
			live.ReadAt = s.o.Clock.Now()
			st.CI = live
		} else if err != nil {
			s.o.Log.Warn("/gantry status: reading CI from GitHub; showing the last sync's", "repo", repo, "err", err)
		}
	}
	if card, err := s.EntityCard(ctx, e); err == nil {
		st.Scores = card.Scores
	} else {
		s.o.Log.Warn("/gantry status: scorecards", "entity", st.Entity, "err", err)
	}
	if ans, err := s.o.Catalog.WhoOwns(ctx, st.Entity); err == nil && len(ans.Matches) > 0 {
		m := ans.Matches[0]
		st.Owner, st.Oncall = m.Owner, m.Oncall
	}
	wg.Wait()
	return st, nil
}

// ciRepo is the repository whose CI status shows: the one the facts
// name, else the entity's github.com/project-slug.
func (s *Service) ciRepo(ci *CIStatus, e *catalog.Entity) string {
	if ci != nil && ci.Repo != "" {
		return ci.Repo
	}
	return e.Annotation(catalog.AnnotationProjectSlug)
}

// Query is the catalog's Query with `facts` beside `entity`, e.g.
// `!has(entity.spec.owner) && facts.prometheus.errors_per_day > 100`. An
// expression that does not mention facts runs as a plain catalog query.
func (s *Service) Query(ctx context.Context, src string, limit int) (catalog.QueryResult, error) {
	if !strings.Contains(src, "facts") {
		return s.o.Catalog.Query(ctx, src, limit)
	}
	prg, err := s.query.Compile(src)
	if err != nil {
		return catalog.QueryResult{}, err
	}
	ix, err := buildIndex(ctx, s.o.Catalog.Store())
	if err != nil {
		return catalog.QueryResult{}, err
	}
	stored := map[string]map[string]FactSet{}
	if s.o.Facts != nil {
		if stored, err = s.o.Facts.AllFacts(ctx, ""); err != nil {
			return catalog.QueryResult{}, err
		}
	}
	now, maxAge := s.o.Clock.Now(), s.maxAge()
	return s.o.Catalog.Filter(ctx, prg, limit, func(e *catalog.Entity) map[string]any {
		return map[string]any{"facts": factsFor(ix.catalogFacts(e), stored[e.Ref().String()], maxAge, now)}
	})
}

// FactsOf returns `facts` as rules see them for one entity.
func (s *Service) FactsOf(ctx context.Context, e *catalog.Entity) (map[string]any, error) {
	ix, err := buildIndex(ctx, s.o.Catalog.Store())
	if err != nil {
		return nil, err
	}
	stored := map[string]FactSet{}
	if s.o.Facts != nil {
		if stored, err = s.o.Facts.Facts(ctx, e.Ref().String()); err != nil {
			return nil, err
		}
	}
	return factsFor(ix.catalogFacts(e), stored, s.maxAge(), s.o.Clock.Now()), nil
}

// FixInputs returns the action a rule's fix names and its inputs rendered
// for the entity, for the digest's "Fix" button. Errors: errkind.NotFound
// for an unknown scorecard, rule or entity; errkind.Invalid when the rule
// names no action.
func (s *Service) FixInputs(ctx context.Context, scorecard, rule, entity string) (string, map[string]string, error) {
	sc, err := s.o.Scorecards.Get(scorecard)
	if err != nil {
		return "", nil, err
	}
	r := sc.Rule(rule)
	if r == nil {
		return "", nil, errkind.New(errkind.NotFound, "scorecard %s has no rule %q any more", scorecard, rule)
	}
	if r.Fix.Action == "" {
		return "", nil, errkind.New(errkind.Invalid, "rule %q names no action to run; its hint: %s", r.DisplayTitle(), r.Fix.Hint)
	}
	inputs := map[string]string{}
	if len(r.Fix.with) == 0 {
		return r.Fix.Action, inputs, nil
	}
	e, err := s.o.Catalog.Get(ctx, entity)
	if err != nil {
		return "", nil, err
	}
	facts, err := s.FactsOf(ctx, e)
	if err != nil {
		return "", nil, err
	}
	vars := map[string]any{"entity": e.Map(), "facts": facts}
	for k, t := range r.Fix.with {
		v, err := t.Render(ctx, vars, nil)
		if err != nil {
			s.o.Log.Warn("scorecards: a fix's input does not render; left empty", "rule", rule, "input", k, "err", err)
			continue
		}
		inputs[k] = v
	}
	return r.Fix.Action, inputs, nil
}
