package actions_test

import (
	"context"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"
	"github.com/jackc/pgx/v5"

	"github.com/gantryhq/gantry/actions"
	"github.com/gantryhq/gantry/catalog/ingest"
	"github.com/gantryhq/gantry/internal/ghclient"
	"github.com/gantryhq/gantry/internal/githubfake"
	"github.com/gantryhq/gantry/internal/testdb"
)

const ghToken = "ghp_gantry_test"

// brambleGitHub is Bramble's GitHub organisation: the teams of the
// example catalog, the service template and a service with a deploy
// workflow.
func brambleGitHub() *githubfake.Fixture {
	teams := []githubfake.Team{}
	for _, slug := range []string{"platform", "payments", "storefront", "search", "logistics"} {
		teams = append(teams, githubfake.Team{Slug: slug, Name: slug})
	}
	return &githubfake.Fixture{
		Orgs: []githubfake.Org{{Login: "bramble", Name: "Bramble", Teams: teams}},
		Repos: []githubfake.Repo{
			{Owner: "bramble", Name: "service-template", IsTemplate: true, Files: map[string]string{
				"README.md": "# A Bramble service\n", "main.go": "package main\n\nfunc main() {}\n",
				".github/workflows/ci.yml": "name: ci\non: [push]\n"}},
			{Owner: "bramble", Name: "notification-service", Files: map[string]string{
				"README.md": "# notifications\n", ".github/workflows/deploy.yml": "name: deploy\non:\n  workflow_dispatch:\n    inputs: {version: {}}\n"},
				Workflows: []githubfake.Workflow{{Path: ".github/workflows/deploy.yml", Name: "deploy"}}},
		},
		Tokens: []githubfake.Token{{Token: ghToken, Login: "gantry-bot"}},
	}
}

// gitHub is a running fake and a client for it.
type gitHub struct {
	fake   *githubfake.Server
	client *github.Client
}

func newGitHub(t testing.TB, f *githubfake.Fixture, opts ...githubfake.Option) *gitHub {
	t.Helper()
	fake, err := githubfake.New(f, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := fake.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fake.Close() })
	return &gitHub{fake: fake, client: ghClient(t, fake, nil)}
}

func ghClient(t testing.TB, fake *githubfake.Server, base http.RoundTripper) *github.Client {
	t.Helper()
	c, err := ghclient.New(ghclient.Config{BaseURL: fake.URL() + "/api/v3/", Token: ghToken, PerMinute: -1, Base: base})
	if err != nil {
		t.Fatal(err)
	}
	return c.Client
}

// registrar adapts ingest's Registrar to actions.Registrar, as the app does.
type registrar struct{ r *ingest.Registrar }

func (a registrar) Register(ctx context.Context, l actions.Location) ([]string, string, error) {
	loc := ingest.RegisteredLocation{Repo: l.Repo, Path: l.Path, Ref: l.Ref, RunID: l.RunID, AddedBy: l.By}
	refs, err := a.r.Register(ctx, loc)
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.String()
	}
	return out, loc.Target(), err
}

// allSteps are every step kind over the fake GitHub and PostgreSQL at pgURL.
func (e *env) allSteps(gh *github.Client, pgURL func() string) map[string]actions.StepRunner {
	steps := map[string]actions.StepRunner{}
	for k, v := range actions.GitHubSteps(gh) {
		steps[k] = v
	}
	for k, v := range actions.PostgresSteps(pgURL) {
		steps[k] = v
	}
	for k, v := range actions.HTTPSteps(nil) {
		steps[k] = v
	}
	src := ingest.NewRegisteredSource(e.db, gh)
	for k, v := range actions.CatalogSteps(registrar{ingest.NewRegistrar(e.db, src, ingest.NewSyncer(e.db, nil).Sync)}) {
		steps[k] = v
	}
	return steps
}

// notifier records what the engine tells people.
type notifier struct {
	mu      sync.Mutex
	secrets []delivered
	changed int
}

type delivered struct {
	to     actions.Actor
	secret actions.Secret
}

func (n *notifier) RunChanged(context.Context, string) error {
	n.mu.Lock()
	n.changed++
	n.mu.Unlock()
	return nil
}

func (n *notifier) DeliverSecret(_ context.Context, run *actions.Run, s actions.Secret) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.secrets = append(n.secrets, delivered{to: run.Requester, secret: s})
	return nil
}

func (n *notifier) Secrets() []delivered {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]delivered(nil), n.secrets...)
}

func (d delivered) field(label string) string {
	for _, f := range d.secret.Fields {
		if f.Label == label {
			return f.Value
		}
	}
	return ""
}

// exampleAction loads one of examples/actions.
func exampleAction(t testing.TB, name string) *actions.Action {
	t.Helper()
	set, probs, err := actions.Load([]string{filepath.Join(repoRoot(), "examples", "actions")}, actions.LoadOptions{Secrets: []string{"INCIDENT_WEBHOOK_URL"}})
	if err != nil || len(probs) > 0 {
		t.Fatalf("examples: %v %v", err, probs)
	}
	a, err := set.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// pgServer is the PostgreSQL server tests may create databases on; it
// skips the test when GANTRY_TEST_POSTGRES is not set.
func pgServer(t testing.TB) string {
	t.Helper()
	testdb.NeedPostgres(t)
	return os.Getenv(testdb.PostgresEnv)
}

// uniqueName returns a service name no other test run uses.
func uniqueName(prefix string) string {
	b := make([]byte, 4)
	rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

// dropDatabase removes what a test created on the server.
func dropDatabase(t testing.TB, server, name string) {
	t.Cleanup(func() {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, server)
		if err != nil {
			return
		}
		defer conn.Close(ctx)
		conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
		conn.Exec(ctx, "DROP ROLE IF EXISTS "+pgx.Identifier{name}.Sanitize())
	})
}

// databaseCount counts databases and roles called name on the server.
func databaseCount(t testing.TB, server, name string) (dbs, roles int) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&dbs); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_roles WHERE rolname = $1", name).Scan(&roles); err != nil {
		t.Fatal(err)
	}
	return dbs, roles
}

// tcpProxy forwards a local port to PostgreSQL and can be stopped and
// started again on the same port: "PostgreSQL is down", then back.
type tcpProxy struct {
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func startProxy(t testing.TB, target string) *tcpProxy {
	t.Helper()
	p := &tcpProxy{target: target, addr: "127.0.0.1:0"}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	return p
}

func (p *tcpProxy) Start() error {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.DialTimeout("tcp", p.target, 5*time.Second)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
	return nil
}

func (p *tcpProxy) Stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// via returns server's URL with its host and port replaced by the proxy's.
func (p *tcpProxy) via(server string) string {
	u, err := url.Parse(server)
	if err != nil {
		panic(err)
	}
	u.Host = p.addr
	return u.String()
}

// pgHost returns the host:port of a PostgreSQL URL.
func pgHost(server string) string {
	u, err := url.Parse(server)
	if err != nil {
		panic(err)
	}
	if u.Port() == "" {
		return u.Hostname() + ":5432"
	}
	return u.Host
}

// webhook records the requests it gets.
type webhook struct {
	url  string
	mu   sync.Mutex
	got  []string
	keys map[string]int
}

func newWebhook(t testing.TB) *webhook {
	w := &webhook{keys: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.mu.Lock()
		w.got = append(w.got, string(body))
		w.keys[r.Header.Get("Idempotency-Key")]++
		w.mu.Unlock()
		rw.Header().Set("Content-Type", "application/json")
		rw.Write([]byte(`{"ok": true}`))
	}))
	t.Cleanup(srv.Close)
	w.url = srv.URL + "/hooks/T000/B000/s3cr3t-webhook-path"
	return w
}

func (w *webhook) requests() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.got...)
}

// checkPassword verifies, as PostgreSQL would, that password is the one
// whose SCRAM verifier the server keeps for role (the test server trusts
// every connection, so logging in would prove nothing).
func checkPassword(t testing.TB, server, role, password string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var verifier string
	if err := conn.QueryRow(ctx, "SELECT rolpassword FROM pg_authid WHERE rolname = $1", role).Scan(&verifier); err != nil {
		t.Fatalf("reading %s's password verifier: %v", role, err)
	}
	var iter int
	var salt, stored, serverKey string
	parts := strings.FieldsFunc(strings.TrimPrefix(verifier, "SCRAM-SHA-256$"), func(r rune) bool { return r == '$' || r == ':' })
	if len(parts) != 4 || !strings.HasPrefix(verifier, "SCRAM-SHA-256$") {
		t.Fatalf("not a SCRAM verifier: %q", verifier)
	}
	iter, _ = strconv.Atoi(parts[0])
	salt, stored, serverKey = parts[1], parts[2], parts[3]
	rawSalt, _ := base64.StdEncoding.DecodeString(salt)
	salted, err := pbkdf2.Key(sha256.New, password, rawSalt, iter, sha256.Size)
	if err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, salted)
	mac.Write([]byte("Client Key"))
	sum := sha256.Sum256(mac.Sum(nil))
	if base64.StdEncoding.EncodeToString(sum[:]) != stored || serverKey == "" {
		t.Fatalf("the delivered password is not %s's", role)
	}
}
