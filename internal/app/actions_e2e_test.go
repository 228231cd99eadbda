package app

import (
	"context"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gantryhq/gantry/actions"
	"github.com/gantryhq/gantry/internal/config"
	"github.com/gantryhq/gantry/internal/githubfake"
	"github.com/gantryhq/gantry/internal/slackfake"
	"github.com/gantryhq/gantry/internal/testdb"
)

// TestCreateServiceEndToEnd is the "done when": gantry serve, on
// PostgreSQL, with Slack (slackfake) and GitHub (githubfake). Priya runs
// /create-service: the form, a field refused in the ack, the submission;
// Marco may not approve, Alice approves in #team-platform; Priya's
// message follows the run to done; the database's password reaches her
// DM and nowhere else; and `gantry whoowns <service>` names the owner.
func TestCreateServiceEndToEnd(t *testing.T) {
	testdb.NeedPostgres(t)
	server := os.Getenv(testdb.PostgresEnv)
	t.Setenv(config.DefaultPostgresURLEnv, server)
	b := make([]byte, 4)
	rand.Read(b)
	name := "orders-" + hex.EncodeToString(b)
	dbName := strings.ReplaceAll(name, "-", "_")
	t.Cleanup(func() { dropServiceDatabase(server, dbName) })

	gh, err := githubfake.New(&githubfake.Fixture{
		Orgs: []githubfake.Org{{Login: "bramble", Teams: []githubfake.Team{{Slug: "payments"}, {Slug: "platform"}}}},
		Repos: []githubfake.Repo{{Owner: "bramble", Name: "service-template", IsTemplate: true,
			Files: map[string]string{"README.md": "# A Bramble service\n", "main.go": "package main\n"}}},
		Tokens: []githubfake.Token{{Token: "ghp_e2e"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := gh.Start(); err != nil {
		t.Fatal(err)
	}
	defer gh.Close()

	fake := slackfake.NewServer(t, slackfake.Options{})
	priya := fake.AddUser(slackfake.User{ID: "U0PAY0001", Name: "priya", RealName: "Priya Raman", Email: "priya@bramble.example"})
	marco := fake.AddUser(slackfake.User{ID: "U0PAY0002", Name: "marco", RealName: "Marco Bianchi", Email: "marco@bramble.example"})
	alice := fake.AddUser(slackfake.User{ID: "U0PLT0001", Name: "alice", RealName: "Alice Nakamura", Email: "alice@bramble.example"})
	general := fake.AddChannel("general")
	platform := fake.AddChannel("team-platform")

	cfg := exampleConfig(t)
	cfg.Database = testdb.Postgres(t)
	cfg.Slack = config.Slack{AppToken: fake.AppToken(), BotToken: fake.BotToken(), APIURL: fake.APIURL(), AdminGroup: "group:default/platform"}
	cfg.GitHub = config.GitHub{BaseURL: gh.URL() + "/api/v3/", Token: "ghp_e2e"}
	examples, _ := filepath.Abs("../../examples/actions")
	cfg.Actions = config.Actions{Paths: []string{examples}, Secrets: []string{"INCIDENT_WEBHOOK_URL"}}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	s, err := serve(t, ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := fake.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}

	// The form opens from the slash command.
	mark := fake.Mark()
	d, err := fake.SlashCommand(ctx, priya.ID, general.ID, "/create-service", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	ev, err := fake.WaitSince(ctx, mark, slackfake.IsType(slackfake.EventViewOpened))
	if err != nil {
		t.Fatalf("no form: %v", err)
	}
	form := *ev.View
	values := func(service string) slackfake.Values {
		return slackfake.Values{"name": {"v": service}, "description": {"v": "Keeps the orders of the marketplace."},
			"owner": {"v": "group:default/payments"}, "visibility": {"v": "private"}, "database": {"v": []string{"true"}}}
	}

	// A bad name: refused on the field, in the ack.
	res, err := fake.SubmitView(ctx, priya.ID, form.ID, values("Orders Service!"))
	if err != nil || res.ResponseAction != "errors" || !strings.Contains(res.Errors["name"], "lowercase letters") {
		t.Fatalf("bad name: %v %+v", err, res)
	}
	// A good one: the run is created and waits for the platform team.
	mark = fake.Mark()
	if res, err = fake.SubmitView(ctx, priya.ID, form.ID, values(name)); err != nil || res.ResponseAction != "update" {
		t.Fatalf("submit: %v %+v", err, res)
	}
	request := waitMessage(t, ctx, fake, mark, platform.ID, "Approval request: Create a service", name, "Create PostgreSQL database "+dbName)
	dm, _ := fake.DMChannel(priya.ID)
	progress := waitMessage(t, ctx, fake, mark, dm, "Waiting for approval by platform")

	// Marco is no approver; Alice is.
	mark = fake.Mark()
	click(t, ctx, fake, marco.ID, request, "actions.approve")
	if _, err := fake.WaitSince(ctx, mark, func(e slackfake.Event) bool {
		return e.Type == slackfake.EventMessagePosted && e.Message.Ephemeral && e.Message.VisibleTo == marco.ID &&
			strings.Contains(e.Message.Text, "not an approver of this action")
	}); err != nil {
		t.Fatalf("marco was not refused: %v", err)
	}
	click(t, ctx, fake, alice.ID, request, "actions.approve")
	waitMessage(t, ctx, fake, mark, platform.ID, "Approved by <@U0PLT0001>")

	// Priya's message goes to done, in place.
	done := waitMessage(t, ctx, fake, mark, dm, "Done.", name+" is ready, owned by payments")
	if done.TS != progress.TS {
		t.Fatal("the progress message was posted again instead of updated")
	}

	// The password: in Priya's DM, valid, and nowhere else.
	var password string
	for _, m := range fake.DMs(priya.ID) {
		if strings.Contains(m.Text, "Credentials for PostgreSQL database "+dbName) {
			password = regexp.MustCompile("\\*Password\\*: `([^`]+)`").FindStringSubmatch(string(m.Blocks))[1]
		}
	}
	if password == "" {
		t.Fatal("no credentials in priya's DM")
	}
	verifyPassword(t, server, dbName, password)
	for _, ch := range fake.Channels() {
		for _, m := range fake.Messages(ch.ID) {
			if ch.ID != dm && strings.Contains(m.Text+string(m.Blocks), password) {
				t.Fatalf("the password is in %s", ch.Name)
			}
		}
	}
	if strings.Contains(s.logs.w.(*strings.Builder).String(), password) {
		t.Fatal("the password is in the logs")
	}

	// `gantry whoowns <service>` (the same App the command opens).
	a, err := Open(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	own, err := a.Catalog.WhoOwns(ctx, name)
	if err != nil || len(own.Matches) != 1 || own.Matches[0].Owner == nil || own.Matches[0].Owner.Ref != "group:default/payments" {
		t.Fatalf("whoowns %s: %v %+v", name, err, own)
	}
	runs, err := a.Runs().ListRuns(ctx, actions.RunFilter{Requester: priya.ID})
	if err != nil || len(runs) != 1 || runs[0].State != actions.StateSucceeded {
		t.Fatalf("runs: %v %+v", err, runs)
	}
	trail, err := a.Runs().Audit(ctx, runs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(trail)
	if strings.Contains(string(raw), password) || !strings.Contains(string(raw), "secret.delivered") {
		t.Fatalf("audit trail: password present or delivery missing:\n%s", raw)
	}
}

func waitMessage(t *testing.T, ctx context.Context, fake *slackfake.Server, mark uint64, channel string, want ...string) slackfake.Message {
	t.Helper()
	ev, err := fake.WaitSince(ctx, mark, func(e slackfake.Event) bool {
		if (e.Type != slackfake.EventMessagePosted && e.Type != slackfake.EventMessageUpdated) || e.Message == nil || e.Message.Channel != channel {
			return false
		}
		text := readable(e.Message.Text + string(e.Message.Blocks))
		for _, w := range want {
			if !strings.Contains(text, w) {
				return false
			}
		}
		return true
	})
	if err != nil {
		t.Fatalf("no message in %s with %q: %v", channel, want, err)
	}
	return *ev.Message
}

// readable undoes JSON's and Slack's escapes of < > &.
func readable(s string) string {
	return strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&", "&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

func click(t *testing.T, ctx context.Context, fake *slackfake.Server, user string, m slackfake.Message, actionID string) {
	t.Helper()
	d, err := fake.ClickButton(ctx, user, m.Target(), actionID, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Wait(ctx); err != nil {
		t.Fatal(err)
	}
}

// verifyPassword checks password against the SCRAM verifier PostgreSQL
// keeps for role (the test server trusts every login, so logging in would
// prove nothing).
func verifyPassword(t *testing.T, server, role, password string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var v string
	if err := conn.QueryRow(ctx, "SELECT rolpassword FROM pg_authid WHERE rolname = $1", role).Scan(&v); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$`).FindStringSubmatch(v)
	if m == nil {
		t.Fatalf("not a SCRAM verifier: %q", v)
	}
	iter, _ := strconv.Atoi(m[1])
	salt, _ := base64.StdEncoding.DecodeString(m[2])
	salted, _ := pbkdf2.Key(sha256.New, password, salt, iter, sha256.Size)
	mac := hmac.New(sha256.New, salted)
	mac.Write([]byte("Client Key"))
	stored := sha256.Sum256(mac.Sum(nil))
	if base64.StdEncoding.EncodeToString(stored[:]) != m[3] {
		t.Fatal("the delivered password does not match the role's")
	}
}

func dropServiceDatabase(server, name string) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		return
	}
	defer conn.Close(ctx)
	conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	conn.Exec(ctx, "DROP ROLE IF EXISTS "+pgx.Identifier{name}.Sanitize())
}
