package actions_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"
	"github.com/jackc/pgx/v5"

	"github.com/gantryhq/gantry/actions"
	"github.com/gantryhq/gantry/internal/githubfake"
	"github.com/gantryhq/gantry/internal/testdb"
)

// postgresEnv is the store on the real PostgreSQL, where the faults are
// tested (the databases the steps create live on the same server).
func postgresEnv(t *testing.T) (*env, string) {
	server := pgServer(t)
	return newEnv(t, testdb.Engines()[1]), server
}

func createServiceInputs(name string, database bool) map[string]string {
	db := "false"
	if database {
		db = "true"
	}
	return map[string]string{"name": name, "description": "Takes card payments for the checkout.",
		"owner": "group:default/payments", "system": "system:default/payments-platform", "visibility": "private", "database": db}
}

// TestCreateServiceAllSteps runs the example /create-service through the
// engine against the fake GitHub and the real PostgreSQL: every effect
// happens once, the password reaches only the requester, and the new
// service is in the catalog with its owner.
func TestCreateServiceAllSteps(t *testing.T) {
	e, server := postgresEnv(t)
	gh := newGitHub(t, brambleGitHub())
	note := &notifier{}
	en := e.engine(e.allSteps(gh.client, func() string { return server }), nil)
	en.SetNotifier(note)
	serve(t, en)
	name := uniqueName("orders")
	dbName := strings.ReplaceAll(name, "-", "_")
	dropDatabase(t, server, dbName)

	def := exampleAction(t, "create-service")
	run, errs, err := en.Submit(e.ctx, actions.SubmitRequest{Action: def, Requester: priya, Inputs: createServiceInputs(name, true)})
	if err != nil || len(errs) > 0 {
		t.Fatalf("submit: %v %v", err, errs)
	}
	plan := en.Plan(e.ctx, run)
	if len(plan) != 6 || !strings.Contains(plan[0].Text, "bramble/"+name+" from template bramble/service-template (private)") ||
		!strings.Contains(plan[4].Text, "database "+dbName) || plan[4].Skipped {
		t.Fatalf("plan: %+v", plan)
	}
	if _, _, err := en.Decide(e.ctx, run.ID, alice, true, ""); err != nil {
		t.Fatal(err)
	}
	r := waitState(t, en, run.ID, actions.StateSucceeded, actions.StateFailed)
	if r.State != actions.StateSucceeded {
		t.Fatalf("run failed at %s: %s", r.FailedStep, r.Error)
	}

	info, ok := gh.fake.Repo("bramble", name)
	if !ok || info.Template != "bramble/service-template" || !info.Private {
		t.Fatalf("repository: %+v", info)
	}
	catalogInfo, _ := gh.fake.File("bramble", name, "main", "catalog-info.yaml")
	if !strings.Contains(catalogInfo, "owner: group:default/payments") || !strings.Contains(catalogInfo, "system: system:default/payments-platform") {
		t.Fatalf("catalog-info.yaml:\n%s", catalogInfo)
	}
	if co, _ := gh.fake.File("bramble", name, "main", "CODEOWNERS"); strings.TrimSpace(co) != "* @bramble/payments" {
		t.Fatalf("CODEOWNERS %q", co)
	}
	if readme, _ := gh.fake.File("bramble", name, "main", "README.md"); readme != "# A Bramble service\n" {
		t.Fatalf("template files lost: %q", readme)
	}
	if teams := gh.fake.RepoTeams("bramble", name); teams["payments"] != "maintain" {
		t.Fatalf("teams %v", teams)
	}
	if p, ok := gh.fake.Protection("bramble", name, "main"); !ok || p.RequiredPullRequestReviews == nil || !p.RequiredPullRequestReviews.RequireCodeOwnerReviews {
		t.Fatalf("protection %+v", p)
	}
	commits, _ := gh.fake.Commits("bramble", name, "main")
	if len(commits) != 2 || !strings.Contains(commits[0].Message, "Gantry-Run: "+run.ID+"/files") {
		t.Fatalf("commits: %+v", commits)
	}

	// The database exists once; the password works, and reached only priya.
	if dbs, roles := databaseCount(t, server, dbName); dbs != 1 || roles != 1 {
		t.Fatalf("%d databases, %d roles", dbs, roles)
	}
	secrets := note.Secrets()
	if len(secrets) != 1 || !secrets[0].to.Same(priya) {
		t.Fatalf("credentials delivered %d times: %+v", len(secrets), secrets)
	}
	password := secrets[0].field("Password")
	checkPassword(t, server, dbName, password)
	conn, err := pgx.Connect(e.ctx, secrets[0].field("URL")+"?sslmode=disable")
	if err != nil {
		t.Fatalf("the delivered URL does not work: %v", err)
	}
	var who string
	conn.QueryRow(e.ctx, "SELECT current_user").Scan(&who)
	conn.Close(e.ctx)
	if who != dbName || len(password) < 24 {
		t.Fatalf("connected as %q", who)
	}
	assertNowhere(t, e, run.ID, password)

	// The service is in the catalog at once, with its owner.
	own, err := e.cat.WhoOwns(e.ctx, name)
	if err != nil || len(own.Matches) != 1 || own.Matches[0].Owner == nil || own.Matches[0].Owner.Ref != "group:default/payments" {
		t.Fatalf("whoowns %s: %v %+v", name, err, own)
	}
	if r.Result.Text != name+" is ready, owned by payments. Try /whoowns "+name+"." || !strings.HasSuffix(r.Result.Links[0].URL, "/bramble/"+name) {
		t.Fatalf("output %+v", r.Result)
	}
	if calls := gh.fake.Calls().Route("POST /repos/{owner}/{repo}/generate").OK; calls != 1 {
		t.Fatalf("%d repositories generated", calls)
	}
}

// assertNowhere checks that secret is in no stored part of a run: its
// row, steps, audit trail.
func assertNowhere(t *testing.T, e *env, id, secret string) {
	t.Helper()
	r, err := e.db.GetRun(e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	trail, err := e.db.Audit(e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []any{r, trail} {
		b, _ := json.Marshal(v)
		if strings.Contains(string(b), secret) {
			t.Fatalf("the secret is stored in clear: %s", b)
		}
	}
}

// TestRestartBetweenSteps: the process stops between two steps (and, in
// a second run, dies without releasing its lease); another engine finishes
// the run with no duplicate repository or database.
func TestRestartBetweenSteps(t *testing.T) {
	e, server := postgresEnv(t)
	gh := newGitHub(t, brambleGitHub())
	def := exampleAction(t, "create-service")
	for _, hard := range []bool{false, true} {
		name := uniqueName("restart")
		dbName := strings.ReplaceAll(name, "-", "_")
		dropDatabase(t, server, dbName)
		clk := newClock()

		// Engine A stops as the second step begins.
		ctxA, stopA := context.WithCancel(context.Background())
		steps := e.allSteps(gh.client, func() string { return server })
		commit := steps[actions.UsesCommitFiles]
		var once sync.Once
		steps[actions.UsesCommitFiles] = actions.StepFunc(func(ctx context.Context, sc *actions.StepContext) (map[string]any, error) {
			once.Do(stopA)
			<-ctx.Done()
			return nil, ctx.Err()
		})
		a := e.engine(steps, func(o *actions.Options) { o.Now, o.Instance = clk.Now, "engine-a" })
		doneA := make(chan struct{})
		go func() { defer close(doneA); a.Serve(ctxA) }()
		t.Cleanup(func() { stopA(); <-doneA })
		run, _, err := a.Submit(e.ctx, actions.SubmitRequest{Action: def, Requester: priya, Inputs: createServiceInputs(name, true)})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.Decide(e.ctx, run.ID, bash, true, ""); err != nil {
			t.Fatal(err)
		}
		waitClosed(t, doneA, "engine A stopping at the second step")
		r, _ := a.Get(e.ctx, run.ID)
		if r.State != actions.StateRunning || r.NextStep != 1 {
			t.Fatalf("after the stop: %s at step %d", r.State, r.NextStep)
		}
		if hard {
			// A crash leaves the lease held until it ends.
			e.db.UpdateRun(e.ctx, run.ID, func(r *actions.Run) ([]actions.AuditEvent, error) {
				r.LeaseOwner, r.LeaseUntil = "engine-a", clk.Now().Add(2*time.Minute)
				return nil, nil
			})
		}

		steps[actions.UsesCommitFiles] = commit
		b := e.engine(steps, func(o *actions.Options) { o.Now, o.Instance = clk.Now, "engine-b" })
		b.SetNotifier(&notifier{})
		stopB := serve(t, b)
		if hard {
			time.Sleep(200 * time.Millisecond)
			if r, _ := b.Get(e.ctx, run.ID); r.LeaseOwner != "engine-a" {
				t.Fatalf("engine B took a run whose lease had not ended")
			}
			clk.Advance(3 * time.Minute)
			b.Kick()
		}
		r = waitState(t, b, run.ID, actions.StateSucceeded, actions.StateFailed)
		if r.State != actions.StateSucceeded {
			t.Fatalf("resumed run failed at %s: %s", r.FailedStep, r.Error)
		}
		if s, _ := r.Step("repo"); s.Attempts != 1 {
			t.Fatalf("the repository step ran %d times", s.Attempts)
		}
		if repos := gh.fake.Repos("bramble"); countNamed(repos, name) != 1 {
			t.Fatalf("repositories named %s: %d", name, countNamed(repos, name))
		}
		if dbs, roles := databaseCount(t, server, dbName); dbs != 1 || roles != 1 {
			t.Fatalf("%d databases, %d roles", dbs, roles)
		}
		trail := strings.Join(events(t, b, run.ID), ",")
		if !strings.Contains(trail, "run.claimed,step.started files") || strings.Count(trail, "step.started repo") != 1 {
			t.Fatalf("audit %s", trail)
		}
		// Engine B must not outlive its pass: serving still, it would
		// claim the next pass's run before engine A, which then never
		// reaches the step that stops it.
		stopB()
	}
}

// waitClosed waits for done to close, failing the test (rather than
// hanging it) when it does not within a generous deadline.
func waitClosed(t testing.TB, done <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatalf("gave up waiting for %s", what)
	}
}

func countNamed(repos []githubfake.RepoInfo, name string) int {
	n := 0
	for _, r := range repos {
		if r.Name == name {
			n++
		}
	}
	return n
}

// TestCrashInsideCreateRepo: the process dies after GitHub created the
// repository but before the step recorded it; the next attempt recognises
// its repository instead of failing on "name already exists".
func TestCrashInsideCreateRepo(t *testing.T) {
	e, server := postgresEnv(t)
	gh := newGitHub(t, brambleGitHub())
	def := exampleAction(t, "create-service")
	name := uniqueName("crash")

	ctxA, stopA := context.WithCancel(context.Background())
	cutter := &afterRoute{next: http.DefaultTransport, match: "/generate", then: stopA}
	a := e.engine(e.allSteps(ghClient(t, gh.fake, cutter), func() string { return server }), func(o *actions.Options) { o.Instance = "engine-a" })
	doneA := make(chan struct{})
	go func() { defer close(doneA); a.Serve(ctxA) }()
	t.Cleanup(func() { stopA(); <-doneA })
	run, _, err := a.Submit(e.ctx, actions.SubmitRequest{Action: def, Requester: priya, Inputs: createServiceInputs(name, false)})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Decide(e.ctx, run.ID, alice, true, ""); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, doneA, "engine A stopping after GitHub created the repository")
	if _, ok := gh.fake.Repo("bramble", name); !ok {
		t.Fatal("GitHub did not create the repository before the crash")
	}
	b := e.engine(e.allSteps(gh.client, func() string { return server }), func(o *actions.Options) { o.Instance = "engine-b" })
	serve(t, b)
	r := waitState(t, b, run.ID, actions.StateSucceeded, actions.StateFailed)
	if r.State != actions.StateSucceeded {
		t.Fatalf("resumed run: %s at %s", r.Error, r.FailedStep)
	}
	if s, _ := r.Step("repo"); s.Attempts != 2 {
		t.Fatalf("repo step attempts %d, want 2 (one cut short)", s.Attempts)
	}
	if n := gh.fake.Calls().Route("POST /repos/{owner}/{repo}/generate").OK; n != 1 {
		t.Fatalf("%d generate calls", n)
	}
	// The repository was recognised by its mark, which is gone once the
	// step recorded it.
	if info, _ := gh.fake.Repo("bramble", name); info.Description != "Takes card payments for the checkout." {
		t.Fatalf("description after the resumed step: %q", info.Description)
	}
}

// TestRepoMadeByAnotherRun: a repository created between this step's
// check and its creation (GitHub's 422) from the same template, moments
// later, is not adopted: the step fails on the name, naming the run that
// made it when that was a Gantry run, and the repository is left as it is.
func TestRepoMadeByAnotherRun(t *testing.T) {
	e, server := postgresEnv(t)
	gh := newGitHub(t, brambleGitHub())
	def := exampleAction(t, "create-service")
	for _, tc := range []struct{ desc, want string }{
		{"Made by hand.", "already exists on GitHub. Choose another name."},
		{"Payments, by another run. [gantry-run ROTHERRUN0001/repo]", "Gantry run ROTHERRUN0001 created it, not this run"},
	} {
		name := uniqueName("taken")
		errorsBefore := gh.fake.Calls().Route("POST /repos/{owner}/{repo}/generate").Errors
		// Just before this run's generate call, another creates the same
		// repository from the same template.
		intruder := &beforeRoute{next: http.DefaultTransport, match: "/generate", first: func() {
			_, _, err := gh.client.Repositories.CreateFromTemplate(context.Background(), "bramble", "service-template",
				&github.TemplateRepoRequest{Name: github.String(name), Owner: github.String("bramble"), Description: github.String(tc.desc), Private: github.Bool(true)})
			if err != nil {
				t.Errorf("the other creation: %v", err)
			}
		}}
		en := e.engine(e.allSteps(ghClient(t, gh.fake, intruder), func() string { return server }), nil)
		stop := serve(t, en)
		run, errs, err := en.Submit(e.ctx, actions.SubmitRequest{Action: def, Requester: priya, Inputs: createServiceInputs(name, false)})
		if err != nil || len(errs) > 0 {
			t.Fatalf("submit: %v %v", err, errs)
		}
		if _, _, err := en.Decide(e.ctx, run.ID, alice, true, ""); err != nil {
			t.Fatal(err)
		}
		r := waitState(t, en, run.ID, actions.StateFailed, actions.StateSucceeded)
		stop()
		if r.State != actions.StateFailed || r.FailedStep != "repo" || r.ErrorInput != "name" || !strings.Contains(r.Error, tc.want) {
			t.Fatalf("run: %s step %q input %q: %s", r.State, r.FailedStep, r.ErrorInput, r.Error)
		}
		info, ok := gh.fake.Repo("bramble", name)
		if !ok || info.Description != tc.desc || len(info.Topics) > 0 {
			t.Fatalf("the other repository was touched: %+v", info)
		}
		if got := gh.fake.Calls().Route("POST /repos/{owner}/{repo}/generate").Errors; got <= errorsBefore {
			t.Fatal("this run's generate call did not meet the 422")
		}
	}
}

// beforeRoute calls first once, before forwarding the first POST to a path
// ending in match.
type beforeRoute struct {
	next  http.RoundTripper
	match string
	first func()
	once  sync.Once
}

func (b *beforeRoute) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, b.match) {
		b.once.Do(b.first)
	}
	return b.next.RoundTrip(r)
}

// afterRoute calls then once a response to a path ending in match came back.
type afterRoute struct {
	next  http.RoundTripper
	match string
	then  func()
	once  sync.Once
}

func (a *afterRoute) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := a.next.RoundTrip(r)
	if err == nil && r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, a.match) {
		a.once.Do(a.then)
	}
	return resp, err
}

// TestNameAlreadyExists: a name taken before the form is sent is refused
// on the field; one taken between approval and the step (GitHub's 422
// "name already exists") fails the run with the problem on that input.
func TestNameAlreadyExists(t *testing.T) {
	e, server := postgresEnv(t)
	gh := newGitHub(t, brambleGitHub())
	en := e.engine(e.allSteps(gh.client, func() string { return server }), nil)
	serve(t, en)
	def := exampleAction(t, "create-service")

	_, errs, err := en.Submit(e.ctx, actions.SubmitRequest{Action: def, Requester: priya, Inputs: createServiceInputs("notification-service", false)})
	if err != nil || !strings.Contains(errs["name"], "bramble/notification-service already exists on GitHub") {
		t.Fatalf("taken name at submit: %v %v", err, errs)
	}

	name := uniqueName("race")
	run, errs, err := en.Submit(e.ctx, actions.SubmitRequest{Action: def, Requester: priya, Inputs: createServiceInputs(name, false)})
	if err != nil || len(errs) > 0 {
		t.Fatalf("submit: %v %v", err, errs)
	}
	// Someone creates it meanwhile; GitHub hides it from the first check,
	// so the creation itself meets the 422.
	if _, err := gh.fake.AddRepo(githubfake.Repo{Owner: "bramble", Name: name, CreatedAt: time.Now().Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	gh.fake.FailNext("GET /repos/{owner}/{repo}", http.StatusNotFound, 1)
	if _, _, err := en.Decide(e.ctx, run.ID, alice, true, ""); err != nil {
		t.Fatal(err)
	}
	r := waitState(t, en, run.ID, actions.StateFailed, actions.StateSucceeded)
	if r.State != actions.StateFailed || r.FailedStep != "repo" || r.ErrorInput != "name" || !strings.Contains(r.Error, "already exists on GitHub") {
		t.Fatalf("run: %s step %q input %q: %s", r.State, r.FailedStep, r.ErrorInput, r.Error)
	}
	if gh.fake.Calls().Route("POST /repos/{owner}/{repo}/generate").Total() == 0 {
		t.Fatal("the creation was not attempted: the 422 path was not exercised")
	}
}

// TestPostgresDownThenRetry: the database step fails clearly while the
// server does not answer, and Retry succeeds once it is back.
func TestPostgresDownThenRetry(t *testing.T) {
	e, server := postgresEnv(t)
	gh := newGitHub(t, brambleGitHub())
	proxy := startProxy(t, pgHost(server))
	viaProxy := proxy.via(server)
	proxy.Stop()
	note := &notifier{}
	en := e.engine(e.allSteps(gh.client, func() string { return viaProxy }), nil)
	en.SetNotifier(note)
	serve(t, en)
	name := uniqueName("down")
	dbName := strings.ReplaceAll(name, "-", "_")
	dropDatabase(t, server, dbName)
	def := exampleAction(t, "create-service")
	run, _, err := en.Submit(e.ctx, actions.SubmitRequest{Action: def, Requester: priya, Inputs: createServiceInputs(name, true)})
	if err != nil {
		t.Fatal(err)
	}
	en.Decide(e.ctx, run.ID, alice, true, "")
	r := waitState(t, en, run.ID, actions.StateFailed, actions.StateSucceeded)
	if r.State != actions.StateFailed || r.FailedStep != "db" || !strings.Contains(r.Error, "does not answer") || !strings.Contains(r.Error, "retry once it is back") {
		t.Fatalf("while down: %s at %q: %s", r.State, r.FailedStep, r.Error)
	}
	if len(note.Secrets()) != 0 {
		t.Fatal("credentials were sent for a database that does not exist")
	}
	if err := proxy.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := en.Retry(e.ctx, run.ID, alice); err != nil {
		t.Fatal(err)
	}
	r = waitState(t, en, run.ID, actions.StateSucceeded, actions.StateFailed)
	if r.State != actions.StateSucceeded {
		t.Fatalf("after retry: %s at %s", r.Error, r.FailedStep)
	}
	if dbs, roles := databaseCount(t, server, dbName); dbs != 1 || roles != 1 || len(note.Secrets()) != 1 {
		t.Fatalf("%d databases, %d roles, %d deliveries", dbs, roles, len(note.Secrets()))
	}
	if s, _ := r.Step("repo"); s.Attempts != 1 {
		t.Fatalf("the retry re-ran the repository step (%d attempts)", s.Attempts)
	}
}

// TestDatabaseStepReusesWhatExists: running the step again reuses the
// role and database it created, without a new password once the
// credentials went out, with a new one (delivered) if they had not; a
// same-named database another run made is refused.
func TestDatabaseStepReusesWhatExists(t *testing.T) {
	e, server := postgresEnv(t)
	note := &notifier{}
	en := e.engine(actions.PostgresSteps(func() string { return server }), nil)
	en.SetNotifier(note)
	serve(t, en)
	def := parseAction(t, `apiVersion: gantry.dev/v1
kind: Action
metadata: {name: db}
spec:
  inputs: [{name: name, type: string, pattern: "^[a-z_][a-z0-9_]{2,40}$"}]
  steps:
    - {id: one, uses: postgres.createDatabase, with: {name: "${{ inputs.name }}"}}
`)
	name := strings.ReplaceAll(uniqueName("t_db"), "-", "_")
	dropDatabase(t, server, name)
	run, _, _ := en.Submit(e.ctx, actions.SubmitRequest{Action: def, Requester: priya, Inputs: map[string]string{"name": name}})
	waitState(t, en, run.ID, actions.StateSucceeded)
	rerun := func(delivered bool) *actions.Run {
		e.db.UpdateRun(e.ctx, run.ID, func(r *actions.Run) ([]actions.AuditEvent, error) {
			r.State, r.NextStep = actions.StateQueued, 0
			r.Steps[0].Status = actions.StepPending
			r.Steps[0].Memo["delivered"] = delivered
			return nil, nil
		})
		en.Kick()
		return waitState(t, en, run.ID, actions.StateSucceeded, actions.StateFailed)
	}
	if r := rerun(true); r.State != actions.StateSucceeded || len(note.Secrets()) != 1 {
		t.Fatalf("re-run after delivery: %s %s, %d deliveries", r.State, r.Error, len(note.Secrets()))
	}
	if r := rerun(false); r.State != actions.StateSucceeded || len(note.Secrets()) != 2 {
		t.Fatalf("re-run before delivery: %s %s, %d deliveries", r.State, r.Error, len(note.Secrets()))
	}
	fresh := note.Secrets()[1]
	checkPassword(t, server, name, fresh.field("Password"))
	if fresh.field("Password") == note.Secrets()[0].field("Password") {
		t.Fatal("the password was not renewed")
	}
	if dbs, roles := databaseCount(t, server, name); dbs != 1 || roles != 1 {
		t.Fatalf("%d databases, %d roles", dbs, roles)
	}
	other, _, _ := en.Submit(e.ctx, actions.SubmitRequest{Action: def, Requester: priya, Inputs: map[string]string{"name": name}})
	r := waitState(t, en, other.ID, actions.StateFailed, actions.StateSucceeded)
	if r.State != actions.StateFailed || !strings.Contains(r.Error, "Gantry did not create it for this run") || r.ErrorInput != "name" {
		t.Fatalf("another run, same name: %s %q %s", r.State, r.ErrorInput, r.Error)
	}
}

// TestDispatchWorkflowOnce: the rollback example dispatches the deploy
// workflow, waits for its conclusion and links it; an engine that dies
// after the dispatch does not dispatch again.
func TestDispatchWorkflowOnce(t *testing.T) {
	e := newEnv(t, testdb.Engines()[0])
	var nowMu sync.Mutex
	fakeNow := time.Now()
	gh := newGitHub(t, withProgression(brambleGitHub()), githubfake.WithClock(func() time.Time {
		nowMu.Lock()
		defer nowMu.Unlock()
		fakeNow = fakeNow.Add(20 * time.Second) // each request moves GitHub's time on
		return fakeNow
	}))
	hook := newWebhook(t)
	steps := e.allSteps(gh.client, nil)
	def := exampleAction(t, "rollback")
	en := e.engine(steps, func(o *actions.Options) { o.Secrets = map[string]string{"INCIDENT_WEBHOOK_URL": hook.url} })
	serve(t, en)
	run, errs, err := en.Submit(e.ctx, actions.SubmitRequest{Action: def, Requester: alice,
		Inputs: map[string]string{"service": "component:default/notification-service", "version": "v1.4.2", "reason": "The 1.5 release drops emails."}})
	if err != nil || len(errs) > 0 {
		t.Fatalf("submit: %v %v", err, errs)
	}
	en.Decide(e.ctx, run.ID, bash, true, "")
	r := waitState(t, en, run.ID, actions.StateSucceeded, actions.StateFailed)
	if r.State != actions.StateSucceeded {
		t.Fatalf("rollback: %s at %s", r.Error, r.FailedStep)
	}
	ds := gh.fake.Dispatches("bramble", "notification-service")
	if len(ds) != 1 || ds[0].Inputs["version"] != "v1.4.2" || ds[0].Inputs["requested_by"] != "user:default/alice" {
		t.Fatalf("dispatches %+v", ds)
	}
	s, _ := r.Step("deploy")
	if s.Outputs["conclusion"] != "success" || !strings.Contains(r.Result.Links[0].URL, "/actions/runs/") {
		t.Fatalf("deploy outputs %+v, links %+v", s.Outputs, r.Result.Links)
	}
	if got := hook.requests(); len(got) != 1 || !strings.Contains(got[0], "rolled back to v1.4.2") {
		t.Fatalf("webhook got %v", got)
	}
	// The incident webhook URL is a secret: not in the audit trail.
	assertNowhere(t, e, run.ID, hook.url)

	// Again, with the dispatch step "cut short" after GitHub accepted it.
	e.db.UpdateRun(e.ctx, run.ID, func(r *actions.Run) ([]actions.AuditEvent, error) {
		r.State, r.NextStep = actions.StateQueued, 0
		r.Steps[0].Status, r.Steps[1].Status = actions.StepPending, actions.StepPending
		delete(r.Steps[0].Memo, "runId")
		return nil, nil
	})
	en.Kick()
	waitState(t, en, run.ID, actions.StateSucceeded)
	if n := len(gh.fake.Dispatches("bramble", "notification-service")); n != 1 {
		t.Fatalf("%d dispatches after the resume", n)
	}
	if got := hook.requests(); len(got) != 1 {
		t.Fatalf("the webhook was called %d times", len(got))
	}
}

func withProgression(f *githubfake.Fixture) *githubfake.Fixture {
	f.RunProgression = &githubfake.RunProgression{StartAfter: githubfake.Duration(30 * time.Second), CompleteAfter: githubfake.Duration(90 * time.Second)}
	return f
}
