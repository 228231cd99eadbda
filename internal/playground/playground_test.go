package playground

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"
	"github.com/slack-go/slack"

	"github.com/gantryhq/gantry/actions"
	"github.com/gantryhq/gantry/bot"
	"github.com/gantryhq/gantry/internal/slackfake"
)

// memStore is a Store in memory.
type memStore struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (s *memStore) SandboxState(_ context.Context, name string) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.m[name]
	return d, ok, nil
}

func (s *memStore) SaveSandboxState(_ context.Context, name string, data []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string][]byte{}
	}
	s.m[name] = bytes.Clone(data)
	return nil
}

var bramble = Directory{
	People: []Person{
		{SlackID: "U0PAY0001", Name: "priya", RealName: "Priya Raman", Email: "priya@bramble.example", Teams: []string{"Payments"}},
		{SlackID: "U0PLT0001", Name: "alice", RealName: "Alice Nakamura", Email: "alice@bramble.example", Teams: []string{"Platform"}, Role: "approves actions"},
		{Name: "lena", RealName: "Lena Fischer", Email: "lena@bramble.example", Teams: []string{"Storefront"}},
	},
	Channels: []Channel{{Name: "general"}, {Name: "#team-payments", Purpose: "Payments"}, {Name: "#general"}},
	Default:  "priya",
}

func newSandbox(t *testing.T, store Store) *Sandbox {
	t.Helper()
	sb, err := New(context.Background(), Options{Store: store, Directory: bramble})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	return sb
}

// TestEmbeddedManifestIsCurrent: the composer's commands come from the
// copy of manifest.yaml in dist, which `make web` refreshes.
func TestEmbeddedManifestIsCurrent(t *testing.T) {
	want, err := os.ReadFile("../../manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("dist/manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("internal/playground/dist/manifest.yaml differs from manifest.yaml: run `make web` (or copy it)")
	}
	cmds, err := Commands()
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]string{}
	for _, c := range cmds {
		found[c.Command] = c.UsageHint
	}
	if found["/whoowns"] == "" || found["/create-service"] == "" {
		t.Fatalf("commands: %+v", cmds)
	}
	if _, err := assets().Open("index.html"); err != nil {
		t.Fatalf("the built client is not embedded: %v", err)
	}
}

func TestBrambleFixture(t *testing.T) {
	f, err := BrambleFixture()
	if err != nil {
		t.Fatal(err)
	}
	var template bool
	for _, r := range f.Repos {
		template = template || (r.Name == "service-template" && r.IsTemplate)
	}
	if !template || len(f.Orgs) != 1 || len(f.Orgs[0].Teams) != 5 || f.Tokens[0].Token != GitHubToken {
		t.Fatalf("fixture: template %v, orgs %+v", template, f.Orgs)
	}
}

// TestFixtureDatesFollowTheClock: a fresh sandbox moves the fixture's
// dates so that its day (fixtureAsOf) is today: a pull request open for
// 83 days on 2026-06-01 is 83 days old whenever the playground starts,
// and the repositories read by the github source are varied (declared and
// not, protected and not, with a deploy workflow for /rollback).
func TestFixtureDatesFollowTheClock(t *testing.T) {
	sb := newSandbox(t, nil)
	pulls := sb.GitHub().Pulls("bramble", "fraud-rules")
	if len(pulls) != 1 {
		t.Fatalf("fraud-rules pulls: %+v", pulls)
	}
	want := time.Since(time.Date(2026, 3, 10, 11, 0, 0, 0, time.UTC).Add(time.Since(fixtureAsOf).Truncate(24 * time.Hour)))
	if age := time.Since(pulls[0].CreatedAt); age < want-time.Minute || age > want+time.Minute || age < 80*24*time.Hour || age > 84*24*time.Hour {
		t.Fatalf("the pull request is %v old, want %v (83 days)", age, want)
	}
	if _, ok := sb.GitHub().Protection("bramble", "deploy-bot", "main"); !ok {
		t.Error("deploy-bot's main is not protected")
	}
	if _, ok := sb.GitHub().Protection("bramble", "secrets-rotator", "main"); ok {
		t.Error("secrets-rotator's main is protected")
	}
	if _, ok := sb.GitHub().File("bramble", "checkout", "main", ".github/workflows/deploy.yml"); !ok {
		t.Error("checkout has no deploy workflow to roll back with")
	}
	if _, ok := sb.GitHub().File("bramble", "old-admin-panel", "main", ".github/CODEOWNERS"); ok {
		t.Error("old-admin-panel has an owner")
	}
}

// TestSandboxKeepsItsState: people and channels from the directory (once),
// a conversation and a repository survive a restart on the same store.
func TestSandboxKeepsItsState(t *testing.T) {
	ctx := context.Background()
	store := &memStore{}
	sb, err := New(ctx, Options{Store: store, Directory: bramble})
	if err != nil {
		t.Fatal(err)
	}
	if sb.Restored() {
		t.Fatal("a fresh store restored something")
	}
	lena := findUser(t, sb, "lena")
	general := findChannel(t, sb, "general")
	if _, _, err := sb.Slack().Say(ctx, "U0PAY0001", general, "hello from priya"); err != nil {
		t.Fatal(err)
	}
	gh := sb.GitHub().Client(GitHubToken)
	if _, _, err := gh.Repositories.Create(ctx, "bramble", &github.Repository{Name: github.String("orders")}); err != nil {
		t.Fatal(err)
	}
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}

	again := newSandbox(t, store)
	if !again.Restored() {
		t.Fatal("not restored")
	}
	if id := findUser(t, again, "lena"); id != lena {
		t.Fatalf("lena was %s, is %s", lena, id)
	}
	n := 0
	for _, c := range again.Slack().Channels() {
		if c.Name == "general" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d #general channels", n)
	}
	msgs := again.Slack().Messages(general)
	if len(msgs) != 1 || msgs[0].Text != "hello from priya" {
		t.Fatalf("messages: %+v", msgs)
	}
	if _, _, err := again.GitHub().Client(GitHubToken).Repositories.Get(ctx, "bramble", "orders"); err != nil {
		t.Fatalf("the repository is gone: %v", err)
	}
	people, def := again.members()
	if def != "U0PAY0001" || len(people) != 3 || people[1].Role != "approves actions" {
		t.Fatalf("members: %s %+v", def, people)
	}
}

func findUser(t *testing.T, sb *Sandbox, name string) string {
	t.Helper()
	for _, u := range sb.Slack().Users() {
		if u.Name == name {
			return u.ID
		}
	}
	t.Fatalf("no user %s", name)
	return ""
}

func findChannel(t *testing.T, sb *Sandbox, name string) string {
	t.Helper()
	for _, c := range sb.Slack().Channels() {
		if c.Name == name {
			return c.ID
		}
	}
	t.Fatalf("no channel %s", name)
	return ""
}

// TestEventsAreFiltered: a person's stream carries what they may see.
func TestEventsAreFiltered(t *testing.T) {
	sb := newSandbox(t, nil)
	priya, alice := "U0PAY0001", "U0PLT0001"
	dm, _ := sb.Slack().DMChannel(alice)
	general := findChannel(t, sb, "general")
	msg := func(m slackfake.Message) slackfake.Event {
		return slackfake.Event{Type: slackfake.EventMessagePosted, Message: &m}
	}
	cases := []struct {
		name string
		ev   slackfake.Event
		want string
	}{
		{"a channel message", msg(slackfake.Message{Channel: general, TS: "1.1"}), "message"},
		{"her ephemeral", msg(slackfake.Message{Channel: general, TS: "1.2", Ephemeral: true, VisibleTo: priya}), "message"},
		{"someone else's ephemeral", msg(slackfake.Message{Channel: general, TS: "1.3", Ephemeral: true, VisibleTo: alice}), ""},
		{"someone else's DM", msg(slackfake.Message{Channel: dm, TS: "1.4"}), ""},
		{"someone else's modal", slackfake.Event{Type: slackfake.EventViewOpened, View: &slackfake.View{UserID: alice}}, ""},
		{"her modal", slackfake.Event{Type: slackfake.EventViewOpened, View: &slackfake.View{UserID: priya}}, "views"},
		{"a new channel", slackfake.Event{Type: slackfake.EventChannelAdded}, "workspace"},
		{"an envelope", slackfake.Event{Type: slackfake.EventEnvelopeSent}, ""},
	}
	for _, c := range cases {
		u, ok := sb.translate(priya, c.ev)
		if got := map[bool]string{true: u.Type}[ok]; got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

// TestAPIWithoutTheBot: the API answers, and says plainly what a person
// would see when Gantry is not connected.
func TestAPIWithoutTheBot(t *testing.T) {
	sb := newSandbox(t, nil)
	srv := httptest.NewServer(sb.Handler())
	defer srv.Close()
	general := findChannel(t, sb, "general")
	post := func(path, body string) (int, map[string]any) {
		t.Helper()
		resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}

	resp, err := http.Get(srv.URL + "/api/workspace?as=U0PLT0001")
	if err != nil {
		t.Fatal(err)
	}
	var ws workspace
	json.NewDecoder(resp.Body).Decode(&ws)
	resp.Body.Close()
	if ws.Default != "U0PAY0001" || len(ws.People) != 3 || ws.DM == "" || ws.BotOnline || len(ws.Commands) == 0 ||
		ws.Channels[0].Name != "general" || ws.Sandbox.GitHubURL == "" {
		t.Fatalf("workspace: %+v", ws)
	}

	code, out := post("/api/command", `{"as":"U0PAY0001","channel":"`+general+`","command":"/whoowns","text":"checkout"}`)
	if code != http.StatusServiceUnavailable || !strings.Contains(out["error"].(string), "dispatch_failed") {
		t.Fatalf("command without the bot: %d %v", code, out)
	}
	code, out = post("/api/message", `{"as":"U0PAY0001","channel":"`+general+`","text":"hello"}`)
	if code != http.StatusOK || out["delivered"] != false {
		t.Fatalf("message: %d %v", code, out)
	}
	if code, out = post("/api/message", `{"as":"nobody","channel":"`+general+`","text":"hello"}`); code != http.StatusBadRequest {
		t.Fatalf("unknown person: %d %v", code, out)
	}
	if code, out = post("/api/digest", `{"as":"U0PAY0001"}`); code != http.StatusNotImplemented {
		t.Fatalf("digest without scorecards: %d %v", code, out)
	}
	resp, err = http.Get(srv.URL + "/api/messages?as=U0PAY0001&channel=" + general)
	if err != nil {
		t.Fatal(err)
	}
	var msgs struct{ Messages []message }
	json.NewDecoder(resp.Body).Decode(&msgs)
	resp.Body.Close()
	if len(msgs.Messages) != 1 || msgs.Messages[0].Text != "hello" || msgs.Messages[0].User != "U0PAY0001" {
		t.Fatalf("messages: %+v", msgs)
	}
	dm, _ := sb.Slack().DMChannel("U0PAY0001")
	if resp, _ := http.Get(srv.URL + "/api/messages?as=U0PLT0001&channel=" + dm); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("alice reading priya's DM: %d", resp.StatusCode)
	}
	resp, err = http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "app.js") {
		t.Fatalf("index: %s", page)
	}
}

// TestEventStream: the stream opens with "hello" and carries a message
// posted afterwards.
func TestEventStream(t *testing.T) {
	sb := newSandbox(t, nil)
	srv := httptest.NewServer(sb.Handler())
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/events?as=U0PAY0001", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	lines := bufio.NewScanner(resp.Body)
	next := func() update {
		t.Helper()
		for lines.Scan() {
			if data, ok := strings.CutPrefix(lines.Text(), "data: "); ok {
				var u update
				if err := json.Unmarshal([]byte(data), &u); err != nil {
					t.Fatal(err)
				}
				return u
			}
		}
		t.Fatalf("the stream ended: %v", lines.Err())
		return update{}
	}
	if u := next(); u.Type != "hello" {
		t.Fatalf("first event: %+v", u)
	}
	if _, _, err := sb.Slack().Say(ctx, "U0PLT0001", findChannel(t, sb, "general"), "hi all"); err != nil {
		t.Fatal(err)
	}
	if u := next(); u.Type != "message" || u.Message.Text != "hi all" {
		t.Fatalf("second event: %+v", u)
	}
}

// TestSecretsAreNotSaved: the direct message that hands a person a
// database's password is shown live, and saved only as a note.
func TestSecretsAreNotSaved(t *testing.T) {
	ctx := context.Background()
	store := &memStore{}
	sb, err := New(ctx, Options{Store: store, Directory: bramble})
	if err != nil {
		t.Fatal(err)
	}
	priya := "U0PAY0001"
	api := slack.New(sb.Slack().BotToken(), slack.OptionAPIURL(sb.Slack().APIURL()))
	dm, _, _, err := api.OpenConversation(&slack.OpenConversationParameters{Users: []string{priya}})
	if err != nil {
		t.Fatal(err)
	}
	const password = "s3cr3t-Pa55w0rd-xyz"
	msg := bot.SecretMessage(&actions.Run{ID: "r-1", ActionTitle: "Create a service"}, actions.Secret{
		Title: "Credentials for database orders", Note: "Store it now.",
		Fields: []actions.SecretField{{Label: "User", Value: "orders"}, {Label: "Password", Value: password, Sensitive: true}},
	})
	if _, _, err := api.PostMessage(dm.ID, slack.MsgOptionText(msg.Text, false), slack.MsgOptionBlocks(msg.Blocks...)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := api.PostMessage(dm.ID, slack.MsgOptionText("an ordinary message (only you can see this)", false)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(mustJSON(t, sb.Slack().Messages(dm.ID))), password) {
		t.Fatal("the person does not see the password")
	}
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}
	saved, _, _ := store.SandboxState(ctx, stateSlack)
	if strings.Contains(string(saved), password) || strings.Contains(string(saved), "orders`") {
		t.Fatal("the password is saved in the sandbox's state")
	}
	again := newSandbox(t, store)
	msgs := again.Slack().Messages(dm.ID)
	if len(msgs) != 2 || !strings.HasPrefix(msgs[0].Text, "Credentials for database orders: shown once") ||
		msgs[1].Text != "an ordinary message (only you can see this)" {
		t.Fatalf("after a restart: %+v", msgs)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRepoPage: links to the simulated GitHub lead to a page of the
// sandbox's repository, or to a note when the sandbox has no such thing.
func TestRepoPage(t *testing.T) {
	sb := newSandbox(t, nil)
	srv := httptest.NewServer(sb.Handler())
	defer srv.Close()
	get := func(path string) (int, string) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := get("/github/bramble/fraud-rules/tree/main/")
	for _, want := range []string{"simulated GitHub", `data-repo="bramble/fraud-rules"`, ".github/workflows/deploy.yml", "Block prepaid cards from new accounts", "default branch protected"} {
		if code != 200 || !strings.Contains(body, want) {
			t.Fatalf("fraud-rules page (%d) lacks %q:\n%s", code, want, body)
		}
	}
	code, body = get("/github/someone/elsewhere")
	if code != 404 || !strings.Contains(body, "Not in the sandbox") || !strings.Contains(body, "https://github.com/someone/elsewhere") {
		t.Fatalf("unknown repository: %d\n%s", code, body)
	}
	var ws struct {
		Sandbox struct {
			Web string `json:"github_web_url"`
		}
	}
	resp, err := http.Get(srv.URL + "/api/workspace?as=U0PAY0001")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	json.NewDecoder(resp.Body).Decode(&ws)
	if ws.Sandbox.Web != "https://github.com" {
		t.Fatalf("github_web_url: %q", ws.Sandbox.Web)
	}
}
