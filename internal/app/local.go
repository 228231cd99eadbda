package app

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/gantryhq/gantry/actions"
	"github.com/gantryhq/gantry/bot"
	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/internal/config"
	"github.com/gantryhq/gantry/internal/ops"
	"github.com/gantryhq/gantry/internal/playground"
	"github.com/gantryhq/gantry/scorecard"
)

// Local mode: Gantry without a Slack workspace. The bot connects over
// Socket Mode to a Slack-compatible sandbox on 127.0.0.1 (package
// playground), exactly as it would to Slack; GitHub steps run against a
// GitHub sandbox seeded with the example organisation; PostgreSQL steps
// run against GANTRY_LOCAL_POSTGRES when it is set and are skipped, saying
// so, otherwise; and the server's address serves a web client in which a
// person acts as any catalog user. The sandbox is saved in the database,
// so a restart keeps the conversation.

// LocalMode says when Serve runs the local playground.
type LocalMode int

const (
	// LocalOff never runs it: without Slack tokens the bot is simply off
	// (gantry serve --local=false).
	LocalOff LocalMode = iota
	// LocalAuto runs it when no Slack tokens are configured and
	// server.listen is a loopback address (gantry serve): the page has no
	// login, so it is never offered to a network on its own.
	LocalAuto
	// LocalOn always runs it, even with tokens or on a network address
	// (gantry serve --local).
	LocalOn
)

// runs reports whether Serve runs the playground with cfg.
func (m LocalMode) runs(cfg config.Config) bool {
	switch m {
	case LocalOn:
		return true
	case LocalAuto:
		return !cfg.Slack.Configured() && loopback(cfg.Server.Listen)
	}
	return false
}

// LocalGitHubSource names the catalog source that local mode reads the
// GitHub sandbox's organisation with.
const LocalGitHubSource = "sandbox-github"

// LocalPostgresEnv names the PostgreSQL server (a URL whose role may
// create roles and databases) that local mode's database steps use.
const LocalPostgresEnv = "GANTRY_LOCAL_POSTGRES"

// localMode is a running playground and what Serve needs from it.
type localMode struct {
	a        *App
	sb       *playground.Sandbox
	postgres bool     // database steps run (GANTRY_LOCAL_POSTGRES is set)
	tokens   bool     // Slack tokens were configured (--local), and are not used
	dropped  []string // the configuration's github sources, not read in local mode

	dirMu sync.Mutex // one directory update at a time (syncs may overlap)
}

// startLocal starts the playground when on (nil otherwise): the
// sandboxes, Slack and GitHub pointed at them, a github catalog source
// over the GitHub sandbox's organisation, and the web client on srv. The
// workspace's people and channels come from the catalog after each sync
// (afterSync). It must run before anything builds the bot, the GitHub
// client or the actions' engine, which read the configuration it changes.
func (a *App) startLocal(ctx context.Context, srv *ops.Server, on bool) (*localMode, error) {
	if !on {
		return nil, nil
	}
	pgURL := strings.TrimSpace(os.Getenv(LocalPostgresEnv))
	sb, err := playground.New(ctx, playground.Options{Store: a.DB, Postgres: describePostgres(pgURL), Log: a.Log})
	if err != nil {
		return nil, err
	}
	l := &localMode{a: a, sb: sb, postgres: pgURL != "", tokens: a.Config.Slack.Configured()}
	a.local = l
	fake := sb.Slack()
	a.Config.Slack.AppToken, a.Config.Slack.BotToken, a.Config.Slack.APIURL = fake.AppToken(), fake.BotToken(), fake.APIURL()
	a.Config.GitHub = config.GitHub{BaseURL: sb.GitHub().URL() + "/api/v3/", Token: playground.GitHubToken}
	a.Config.Actions.Postgres.URLEnv = LocalPostgresEnv
	// GitHub is the sandbox: its organisation is read like a real one
	// (declared and inferred entities, facts for the scorecards), and the
	// configuration's own github sources, which name real organisations,
	// are not read.
	var sources []config.Source
	for _, s := range a.Config.Catalog.Sources {
		if s.Type == "github" {
			l.dropped = append(l.dropped, s.Name)
			continue
		}
		sources = append(sources, s)
	}
	for i, org := range sb.Orgs() {
		name := LocalGitHubSource
		if i > 0 {
			name += "-" + org
		}
		sources = append(sources, config.Source{Name: name, Type: "github", GitHubSource: config.GitHubSource{Org: org}})
	}
	a.Config.Catalog.Sources = sources
	srv.Mux.Handle("/", sb.Handler())
	return l, nil
}

// gitHubPerMinute is the GitHub client's pace (ghclient.Config.PerMinute):
// the default against GitHub, none against the sandbox on this machine,
// where pacing under GitHub's secondary limit only made the first sync of
// the sandbox's organisation last ten seconds instead of one.
func (l *localMode) gitHubPerMinute() int {
	if l == nil {
		return 0
	}
	return -1
}

// afterSync gives the sandbox workspace the catalog's people and channels
// (those it lacks; nobody is removed). Sync calls it after every sync.
func (l *localMode) afterSync(ctx context.Context) {
	if l == nil {
		return
	}
	l.dirMu.Lock()
	defer l.dirMu.Unlock()
	dir, err := l.a.localDirectory(ctx)
	if err != nil {
		if ctx.Err() == nil {
			l.a.Log.Warn("local mode: the sandbox's people and channels could not be read from the catalog", "err", err)
		}
		return
	}
	l.sb.SetDirectory(dir)
}

// describePostgres names a server for the page (host, port and database:
// never the password); "" for none.
func describePostgres(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "the server in " + LocalPostgresEnv
	}
	return strings.TrimPrefix(u.Host+u.Path, "/")
}

// announce prints, after the URL, what local mode is.
func (l *localMode) announce(out io.Writer) {
	if l == nil {
		return
	}
	if l.tokens {
		fmt.Fprintln(out, "Local mode (--local): the configured Slack tokens are not used; the bot is connected to a Slack-compatible sandbox on this machine, and GitHub is simulated too.")
	} else {
		fmt.Fprintln(out, "Local mode: no Slack tokens, so the bot is connected to a Slack-compatible sandbox on this machine, and GitHub is simulated too.")
		fmt.Fprintln(out, "With SLACK_APP_TOKEN and SLACK_BOT_TOKEN set (see README.md), the same bot answers in your Slack workspace instead.")
	}
	if len(l.dropped) > 0 {
		fmt.Fprintf(out, "The github source(s) %s are not read in local mode: the catalog reads the sandbox's organisation instead.\n", strings.Join(l.dropped, ", "))
	}
	if !l.postgres {
		fmt.Fprintln(out, "PostgreSQL steps are skipped: set "+LocalPostgresEnv+" to a server's URL (a role that may create roles and databases) to run them.")
	}
	if l.sb.Restored() {
		fmt.Fprintln(out, "The sandbox from last time is back: its messages, modals and repositories are kept in the database (make clean starts afresh).")
	}
}

// attach gives the playground the bot, for "Run digest now".
func (l *localMode) attach(b *bot.Bot) {
	if l == nil || b == nil || !l.a.ScorecardsConfigured() {
		return
	}
	l.sb.SetDigest(func(ctx context.Context) (playground.DigestResult, error) {
		return l.a.runDigestsNow(ctx, b, l.channelName)
	})
}

// channelName names a sandbox channel given by id or name, without '#'.
func (l *localMode) channelName(ref string) string {
	if c, ok := l.sb.Slack().Channel(ref); ok && c.Name != "" {
		return c.Name
	}
	return strings.TrimPrefix(ref, "#")
}

// close saves the sandbox and stops it; Serve calls it after the bot
// stopped.
func (l *localMode) close() {
	if l == nil {
		return
	}
	if err := l.sb.Close(); err != nil {
		l.a.Log.Warn("local mode: saving the sandbox failed", "err", err)
	}
}

// localActions adapts the action definitions to the sandbox: without
// GANTRY_LOCAL_POSTGRES, PostgreSQL steps are skipped, and both the step
// and the form's input that asks for it say why.
func (a *App) localActions(set *actions.Set) {
	if a.local == nil || a.local.postgres || set == nil {
		return
	}
	why := "the local sandbox has no PostgreSQL server (set " + LocalPostgresEnv + " to a PostgreSQL URL to run it)"
	for _, def := range set.All() {
		for i := range def.Spec.Steps {
			st := &def.Spec.Steps[i]
			if st.Uses != actions.UsesCreateDatabase {
				continue
			}
			for j := range def.Spec.Inputs {
				in := &def.Spec.Inputs[j]
				if st.If != "" && strings.Contains(st.If, "inputs."+in.Name) {
					in.Help = strings.TrimSpace(in.Help + " In this local sandbox no database is created: set " + LocalPostgresEnv + " to create real ones.")
				}
			}
			st.SkipWhy = why // shown as "skipped: <why>", as every skipped step is
			st.If = "false"
		}
	}
}

// localDirectory is the sandbox workspace from the catalog: every user
// (with their Slack id when the catalog has one), #general, the channel
// of every group that names one and the digests' fallback channel.
func (a *App) localDirectory(ctx context.Context) (playground.Directory, error) {
	groups, err := a.Catalog.Query(ctx, `entity.kind == "Group"`, 100000)
	if err != nil {
		return playground.Directory{}, fmt.Errorf("local mode: reading the catalog's groups: %w", err)
	}
	users, err := a.Catalog.Query(ctx, `entity.kind == "User"`, 100000)
	if err != nil {
		return playground.Directory{}, fmt.Errorf("local mode: reading the catalog's users: %w", err)
	}
	title := map[string]string{}
	team := map[string]bool{}        // teams with a channel of their own
	members := map[string][]string{} // user ref → group refs, both ways of saying it
	join := func(user, group string) {
		if !slices.Contains(members[user], group) {
			members[user] = append(members[user], group)
		}
	}
	dir := playground.Directory{Channels: []playground.Channel{{Name: "general", Purpose: "Company-wide announcements and work-based matters"}}}
	for _, g := range groups.Entities {
		ref := g.Ref().String()
		title[ref] = g.Title()
		team[ref] = g.SpecString("type") == "team" && g.Annotation(catalog.AnnotationSlackChannel) != ""
		if ch := g.Annotation(catalog.AnnotationSlackChannel); ch != "" {
			dir.Channels = append(dir.Channels, playground.Channel{Name: ch, Purpose: g.Title() + ": " + g.Metadata.Description})
		}
		for _, m := range g.SpecStrings("members") {
			if u, err := catalog.ParseRef(m, catalog.KindUser, g.Ref().Namespace); err == nil {
				join(u.String(), ref)
			}
		}
	}
	if fb := a.Config.Scorecards.FallbackChannel; fb != "" {
		dir.Channels = append(dir.Channels, playground.Channel{Name: fb, Purpose: "Where digests go for teams without a channel of their own"})
	}
	approvers := a.localApprovers()
	for _, u := range users.Entities {
		ref := u.Ref().String()
		for _, g := range u.SpecStrings("memberOf") {
			if gr, err := catalog.ParseRef(g, catalog.KindGroup, u.Ref().Namespace); err == nil {
				join(ref, gr.String())
			}
		}
		p := playground.Person{SlackID: u.Annotation(catalog.AnnotationSlackUserID), Name: u.Metadata.Name,
			RealName: u.SpecString("profile.displayName"), Email: u.SpecString("profile.email")}
		approves, inTeam := false, false
		for _, g := range members[ref] {
			if t, ok := title[g]; ok {
				p.Teams = append(p.Teams, t)
			}
			approves = approves || slices.Contains(approvers, g)
			inTeam = inTeam || team[g]
		}
		if approves {
			p.Role = "approves actions"
		}
		if dir.Default == "" && !approves && inTeam {
			dir.Default = p.Name
		}
		dir.People = append(dir.People, p)
	}
	sort.SliceStable(dir.People, func(i, j int) bool { return dir.People[i].Name < dir.People[j].Name })
	return dir, nil
}

// localApprovers lists the groups that approve the configured actions.
func (a *App) localApprovers() []string {
	if len(a.Config.Actions.Paths) == 0 {
		return nil
	}
	set, _, err := a.Actions()
	if err != nil || set == nil {
		return nil
	}
	var out []string
	for _, def := range set.All() {
		for _, g := range def.Spec.Approval.Groups {
			if ref, err := catalog.ParseRef(g, "group", catalog.DefaultNamespace); err == nil {
				out = append(out, ref.String())
			}
		}
	}
	return out
}

// runDigestsNow posts every scorecard's digest for the current period, as
// the weekly schedule would: each team's once per period, so digests
// already posted are reported, not posted again.
func (a *App) runDigestsNow(ctx context.Context, b *bot.Bot, channelName func(string) string) (playground.DigestResult, error) {
	svc, err := a.Scorecards()
	if err != nil {
		return playground.DigestResult{}, err
	}
	if _, err := a.EvaluateScorecards(ctx, "playground"); err != nil {
		a.Log.Warn("local mode: evaluating the scorecards before the digest failed; the digest uses the last results", "err", err)
	}
	runner := a.digestRunner(svc, b)
	var res playground.DigestResult
	var posted, already, other, fallback []string
	for _, sc := range svc.Scorecards().All() {
		period, _ := a.period(svc, sc)
		rep, err := runner.Run(ctx, sc, period)
		if err != nil {
			return res, err
		}
		for _, o := range rep.Outcomes {
			ch := channelName(o.Channel)
			switch o.Outcome {
			case scorecard.OutcomePosted:
				posted = append(posted, "#"+ch)
				if o.NoChannel {
					fallback = append(fallback, ch)
				} else if !slices.Contains(res.Channels, ch) {
					res.Channels = append(res.Channels, ch)
				}
			case scorecard.OutcomeAlready:
				already = append(already, "#"+ch)
			default:
				other = append(other, fmt.Sprintf("%s: %s %s", o.TeamTitle, o.Outcome, o.Error))
			}
		}
	}
	for _, ch := range fallback { // teams' own channels first
		if !slices.Contains(res.Channels, ch) {
			res.Channels = append(res.Channels, ch)
		}
	}
	var parts []string
	if len(posted) > 0 {
		parts = append(parts, "Digests posted in "+strings.Join(uniq(posted), ", ")+".")
	}
	if len(already) > 0 {
		parts = append(parts, "Already posted this period (each team gets one per period, even across restarts): "+strings.Join(uniq(already), ", ")+".")
	}
	if len(other) > 0 {
		parts = append(parts, "Not posted: "+strings.Join(other, "; ")+".")
	}
	if len(parts) == 0 {
		parts = append(parts, "No scorecard applies to anything in the catalog, so there was no digest to post.")
	}
	res.Summary = strings.Join(parts, " ")
	return res, nil
}

func uniq(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}
