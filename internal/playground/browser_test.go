package playground_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/gantryhq/gantry/internal/app"
	"github.com/gantryhq/gantry/internal/config"
	"github.com/gantryhq/gantry/internal/slackfake"
)

// TestBrowser is the walk through the playground, in headless
// Chromium against `gantry serve --local` (the same code, in process):
// /whoowns shows the owner (and @gantry answers in a thread);
// /create-service opens the form; a bad name is
// refused under its field; a good one posts the approval request; a
// platform engineer approves, and the request follows the run live to
// done; /whoowns answers for the new service; "Run digest now" posts the
// digest in a team channel. A screenshot of each step is written to
// $GANTRY_SCREENSHOTS, or internal/playground/screenshots (not committed).
func TestBrowser(t *testing.T) {
	browser, shots := needBrowser(t)
	p := openPlayground(t, browser, shots)

	// Priya, a payments developer, asks who owns checkout in #general.
	p.switchUser("priya", "Priya Raman")
	p.openChannel("general")
	p.typeCommand("/whoowns checkout")
	whoowns := p.waitMessage("the owner of checkout", "Owner:", "Payments", "#team-payments")
	p.shot("whoowns-checkout")
	// Its repository link leads to the sandbox's page, not to github.com.
	if href := p.jsString(fmt.Sprintf(`[...document.querySelectorAll('[data-ts="%s"] a')].map(a => a.getAttribute('href')).find(h => h.includes('bramble/checkout')) || ''`, whoowns)); !strings.HasPrefix(href, "/github/bramble/checkout") {
		t.Fatalf("the repository link is %q", href)
	}

	// A repository the catalog files do not name, read from the GitHub
	// sandbox: its owner comes from CODEOWNERS.
	p.typeCommand("/whoowns secrets-rotator")
	p.waitMessage("the inferred owner", "Platform", "inferred from CODEOWNERS")

	// Help is mrkdwn: bold, never asterisks.
	p.typeCommand("/gantry help")
	help := p.waitMessage("the help", "/whoowns", "/gantry search")
	if txt := p.jsString(fmt.Sprintf(`document.querySelector('[data-ts="%s"]').innerText`, help)); strings.Contains(txt, "*") {
		t.Fatalf("the help shows asterisks:\n%s", txt)
	}
	p.wait("bold commands in the help", fmt.Sprintf(`[...document.querySelectorAll('[data-ts="%s"] strong')].some(e => e.innerText.startsWith('/whoowns'))`, help))
	p.shot("gantry-help")

	// Mentioning @gantry: it answers in a thread, which opens beside.
	p.do(chromedp.SendKeys(chromedp.CSS(`[data-testid=composer]`), "@gantry who owns search?"), enter)
	p.wait("the answer in a thread", `((document.querySelector('[data-testid=thread]')||{}).innerText||'').includes('Search & Discovery')`)
	p.shot("mention-answered-in-thread")

	// /create-service opens the form.
	p.typeCommand("/create-service")
	p.wait("the form", `(document.querySelector('[data-testid=modal-title]')||{}).innerText === 'Create a service'`)
	p.shot("create-service-form")

	// A bad name is refused, under its field.
	p.fill(`[data-block-id=name] input`, "Orders Service!")
	p.fill(`[data-block-id=description] input`, "Keeps the orders of the marketplace.")
	p.pick("owner", "group:default/payments")
	p.do(chromedp.Click(chromedp.CSS(`[data-block-id=database] input[type=checkbox]`)))
	p.do(chromedp.Click(chromedp.CSS(`[data-testid=modal-submit]`)))
	p.wait("the field error", `((document.querySelector('[data-block-id=name] .field-error')||{}).innerText||'').includes('lowercase')`)
	p.shot("bad-name-refused")

	// A good name: the request goes to the platform team.
	service := fmt.Sprintf("orders-%d", time.Now().UnixNano()%100000)
	p.fill(`[data-block-id=name] input`, service)
	p.do(chromedp.Click(chromedp.CSS(`[data-testid=modal-submit]`)))
	p.wait("the form to say it was sent", `!document.querySelector('[data-block-id=name]')`)
	p.shot("request-submitted")
	p.closeModal()
	p.openChannel("team-platform")
	request := p.waitMessage("the approval request", "Approval request: Create a service", service, "Approve")
	p.shot("approval-request")

	// Alice, of the platform team, approves; the request follows the run.
	p.switchUser("alice", "Alice Nakamura")
	p.openChannel("team-platform")
	p.waitMessage("the request, as Alice sees it", "Approval request", service)
	p.js(fmt.Sprintf(`window.__seen = []; window.__watch = setInterval(() => {
		const m = document.querySelector('[data-testid=messages] [data-ts="%s"]');
		if (m && !window.__seen.includes(m.innerText)) window.__seen.push(m.innerText);
	}, 40); true`, request))
	p.wait("the watch on the request", `window.__seen.length > 0`)
	p.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-ts="%s"] button[data-action-id="actions.approve"]`, request))))
	p.wait("the run to finish", fmt.Sprintf(`((document.querySelector('[data-testid=messages] [data-ts="%s"]')||{}).innerText||'').includes('Done.')`, request), 60*time.Second)
	// The page was never reloaded: each version came over the event stream
	// (how many depends on how fast the run is, and on Slack's pacing).
	seen := p.jsStrings(`clearInterval(window.__watch); window.__seen`)
	if len(seen) < 2 || !strings.Contains(seen[0], "Needs 1 approval") || !strings.Contains(seen[len(seen)-1], "Approved by") {
		t.Fatalf("the request was not updated live from waiting to done (%d versions seen):\n%s", len(seen), strings.Join(seen, "\n-----\n"))
	}
	t.Logf("the approval request went through %d versions on the page", len(seen))
	if rev := p.jsString(fmt.Sprintf(`document.querySelector('[data-ts="%s"]').dataset.rev`, request)); rev == "0" {
		t.Fatal("the request was posted again instead of updated in place")
	}
	p.shot("approved-and-done")

	// Priya's own message went to done too, saying what was skipped.
	p.switchUser("priya", "Priya Raman")
	p.do(chromedp.Click(chromedp.CSS(`[data-testid=open-dm]`)))
	p.waitMessage("Priya's progress message", "Done.", service+" is ready", "skipped: the local sandbox has no PostgreSQL server")
	p.shot("requester-progress-done")

	// The catalog knows the new service at once.
	p.openChannel("general")
	p.typeCommand("/whoowns " + service)
	p.waitMessage("the owner of the new service", "Owner:", "Payments", "component:default/"+service)
	p.shot("whoowns-new-service")

	// The weekly digest, now, in a team channel.
	p.do(chromedp.Click(chromedp.CSS(`[data-testid=run-digest]`)))
	p.wait("the digest's notice", `!!document.querySelector('[data-testid=toast-info]')`, 90*time.Second)
	p.waitMessage("the digest in a team channel", "Production readiness")
	title := p.text(`[data-testid=conversation-title]`)
	if !strings.HasPrefix(title, "#team-") {
		t.Fatalf("the digest opened %q, not a team channel", title)
	}
	p.shot("digest-posted")

	// Gantry's Home tab renders for Priya.
	p.do(chromedp.Click(chromedp.CSS(`[data-testid=open-app]`)))
	p.wait("the Home tab", `!!document.querySelector('[data-testid=home] .blocks')`)
	p.shot("app-home")
}

// needBrowser finds Chromium, or skips the test saying how to get it, and
// prepares the screenshots' folder (emptied once per run).
func needBrowser(t *testing.T) (browser, shots string) {
	t.Helper()
	browser = findChromium()
	if browser == "" {
		t.Skip("no Chromium to drive: install Debian's chromium (apt-get install -y chromium) or set GANTRY_CHROMIUM to a Chrome or Chromium binary")
	}
	shots = os.Getenv("GANTRY_SCREENSHOTS")
	if shots == "" {
		shots, _ = filepath.Abs("screenshots")
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	clearShots.Do(func() {
		old, _ := filepath.Glob(filepath.Join(shots, "*.png"))
		for _, f := range old {
			os.Remove(f)
		}
	})
	t.Logf("screenshots: %s", shots)
	return browser, shots
}

var clearShots sync.Once

// openPlayground serves the playground and opens it in the browser.
func openPlayground(t *testing.T, browser, shots string) *page {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	t.Cleanup(cancel)
	base := serveLocal(t, ctx)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1400, 900), chromedp.UserDataDir(t.TempDir()))
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(cancelBrowser)
	// The first run starts the browser, which lives as long as its context:
	// this one, not the timeouts of the steps below.
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting %s: %v", browser, err)
	}
	p := &page{t: t, ctx: bctx, dir: shots, prefix: strings.TrimPrefix(t.Name(), "TestBrowser"), base: base}
	p.do(chromedp.Navigate(base))
	p.wait("the workspace", `!!document.querySelector('[data-testid=acting-as]') && document.querySelector('[data-testid=bot-status]').innerText.includes('is connected')`)
	if !strings.Contains(p.text(`[data-testid=sandbox-banner]`), "Local sandbox") {
		t.Fatal("the page does not say it is a local sandbox")
	}
	return p
}

// page drives one browser tab, failing the test with what it waited for.
type page struct {
	t      *testing.T
	ctx    context.Context
	dir    string
	prefix string // of the screenshots' names
	base   string // the playground's URL
	n      int
}

func (p *page) do(steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		p.fail(err.Error())
	}
}

func (p *page) fail(msg string) {
	p.t.Helper()
	p.shot("FAILED")
	p.t.Fatal(msg)
}

func (p *page) js(expr string) any {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[any](expr))
	if err != nil {
		p.fail(fmt.Sprintf("%s: %v", expr, err))
	}
	return v
}

func (p *page) jsString(expr string) string {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		p.fail(fmt.Sprintf("%s: %v", expr, err))
	}
	return v
}

func (p *page) jsStrings(expr string) []string {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]string](expr))
	if err != nil {
		p.fail(fmt.Sprintf("%s: %v", expr, err))
	}
	return v
}

func (p *page) text(css string) string {
	p.t.Helper()
	return p.jsString(fmt.Sprintf(`(document.querySelector(%q)||{}).innerText||''`, css))
}

// wait polls a JavaScript condition until it is true.
func (p *page) wait(what, cond string, timeout ...time.Duration) {
	p.t.Helper()
	limit := 20 * time.Second
	if len(timeout) > 0 {
		limit = timeout[0]
	}
	deadline := time.Now().Add(limit)
	for {
		ok, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](cond))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) || p.ctx.Err() != nil {
			p.fail(fmt.Sprintf("waited %s for %s: %s (last error: %v)", limit, what, cond, err))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitMessage waits for a message in the open conversation holding every
// one of want, and returns its ts.
func (p *page) waitMessage(what string, want ...string) string {
	p.t.Helper()
	cond := `[...document.querySelectorAll('[data-testid=messages] [data-testid=message]')].find(e => ` +
		strings.Join(mapStrings(want, func(w string) string { return fmt.Sprintf("e.innerText.includes(%q)", w) }), " && ") + `)`
	p.wait(what, "!!"+cond, 30*time.Second)
	return p.jsString(cond + ".dataset.ts")
}

func mapStrings(in []string, f func(string) string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = f(s)
	}
	return out
}

func (p *page) shot(name string) {
	p.t.Helper()
	p.n++
	buf, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Logf("screenshot %s: %v", name, err)
		return
	}
	if p.prefix != "" {
		name = p.prefix + "-" + name
	}
	path := filepath.Join(p.dir, fmt.Sprintf("%02d-%s.png", p.n, name))
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		p.t.Logf("screenshot %s: %v", name, err)
	}
}

func (p *page) switchUser(name, realName string) {
	p.t.Helper()
	p.do(chromedp.Click(chromedp.CSS(`[data-testid=user-switcher]`)),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-user-name=%q]`, name))))
	p.wait("acting as "+realName, fmt.Sprintf(`document.querySelector('[data-testid=acting-as]').innerText === %q`, realName))
}

func (p *page) openChannel(name string) {
	p.t.Helper()
	p.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-channel-name=%q]`, name))))
	p.wait("#"+name, fmt.Sprintf(`document.querySelector('[data-testid=conversation-title]').innerText === %q && !!document.querySelector('[data-testid=messages]')`, "#"+name))
}

// typeCommand types into the composer, as a person does, and sends.
func (p *page) typeCommand(text string) {
	p.t.Helper()
	p.do(chromedp.SendKeys(chromedp.CSS(`[data-testid=composer]`), text))
	p.wait("the usage hint or the autocomplete", `!!document.querySelector('[data-testid=usage-hint] .cmd') || !!document.querySelector('[data-testid=autocomplete]')`)
	p.do(enter)
	p.wait("the composer to empty", `document.querySelector('[data-testid=composer]').value === ''`)
}

// enter presses Enter as a keyboard does: keydown and keyup. (SendKeys
// adds a char event, which types a line break that a real browser does not
// once the composer's keydown handler cancels the key.)
var enter = chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
	for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeRawKeyDown, input.DispatchKeyEventTypeKeyUp} {
		if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, input.DispatchKeyEventParams{
			Type: typ, Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13,
		}); err != nil {
			return err
		}
	}
	return nil
})

// fill replaces a text input's value by typing.
func (p *page) fill(css, text string) {
	p.t.Helper()
	p.js(fmt.Sprintf(`(() => { const el = document.querySelector(%q);
		Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(el, '');
		el.dispatchEvent(new Event('input', {bubbles: true})); return true })()`, css))
	p.do(chromedp.SendKeys(chromedp.CSS(css), text))
}

// pick chooses an option of a modal's select.
func (p *page) pick(block, value string) {
	p.t.Helper()
	p.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-block-id=%q] .select-trigger`, block))),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-block-id=%q] [role=option][data-value=%q]`, block, value))))
}

func (p *page) closeModal() {
	p.t.Helper()
	p.do(chromedp.Click(chromedp.CSS(`[data-testid=modal] .modal-head .close-x:not(.back)`)))
	p.wait("the modal to close", `!document.querySelector('[data-testid=modal]')`)
}

// findChromium returns a Chrome or Chromium to drive, or "".
func findChromium() string {
	if p := os.Getenv("GANTRY_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// serveLocal runs `gantry serve` (app.Run, as the binary does) over
// examples/gantry.yaml in a fresh SQLite database, without Slack tokens,
// and returns the URL it prints first.
func serveLocal(t *testing.T, ctx context.Context) string {
	t.Helper()
	t.Setenv("GANTRY_LOCAL_POSTGRES", "")
	dir := t.TempDir()
	cfg, err := config.Load("../../examples/gantry.yaml", func(k string) string {
		if k == "GANTRY_DATABASE_URL" {
			return "sqlite:" + filepath.Join(dir, "gantry.db")
		}
		return "" // no tokens from the environment: the sandbox it is
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Server.Listen = "127.0.0.1:0"
	logs := &syncBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("gantry's log:\n%s", logs.String())
		}
	})
	sctx, stop := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		// What `gantry serve` runs: no tokens, a loopback address, so
		// local mode, as on a newcomer's machine.
		err := app.Run(sctx, cfg, app.ServeOptions{Out: pw, Logs: logs, Local: app.LocalAuto})
		pw.Close()
		done <- err
	}()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	lines := bufio.NewScanner(pr)
	if !lines.Scan() {
		t.Fatalf("serve printed nothing: %v", <-done)
	}
	base := regexp.MustCompile(`http://[0-9.:]+/`).FindString(lines.Text())
	if base == "" {
		t.Fatalf("the first line does not give the URL: %q", lines.Text())
	}
	go io.Copy(io.Discard, pr)
	return base
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestBrowserBlockKit checks the drawing of what the walk above does not
// reach: a message that Gantry could send (posted here through the
// sandbox's Web API, as the bot) with mrkdwn of every kind, fields, an
// image that cannot load, a danger button behind a confirm dialog, static
// and users selects, an overflow menu, radio buttons and checkboxes.
func TestBrowserBlockKit(t *testing.T) {
	browser, shots := needBrowser(t)
	p := openPlayground(t, browser, shots)
	var ws struct {
		Channels []struct{ ID, Name string }
		Sandbox  struct {
			SlackURL string `json:"slack_api_url"`
		}
	}
	resp, err := http.Get(p.base + "api/workspace")
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&ws)
	resp.Body.Close()
	ids := map[string]string{}
	for _, c := range ws.Channels {
		ids[c.Name] = c.ID
	}
	plain := func(s string) map[string]any { return map[string]any{"type": "plain_text", "text": s} }
	option := func(text, value string) map[string]any { return map[string]any{"text": plain(text), "value": value} }
	blocks := []any{
		map[string]any{"type": "header", "text": plain("Block Kit in the playground")},
		map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn",
			"text": "*bold* _italic_ ~strike~ `code` <https://example.com|a link> <@U0PLT0001> <#" + ids["team-platform"] + "|team-platform> :white_check_mark:"},
			"accessory": map[string]any{"type": "button", "action_id": "kit.delete", "text": plain("Delete"), "style": "danger", "value": "x",
				"confirm": map[string]any{"title": plain("Delete it?"), "text": map[string]any{"type": "mrkdwn", "text": "This *cannot* be undone."},
					"confirm": plain("Delete"), "deny": plain("Keep it"), "style": "danger"}}},
		map[string]any{"type": "section", "fields": []any{map[string]any{"type": "mrkdwn", "text": "*Owner*\npayments"},
			map[string]any{"type": "mrkdwn", "text": "*On call*\n<@U0PAY0001>"}}},
		map[string]any{"type": "divider"},
		map[string]any{"type": "image", "image_url": "http://127.0.0.1:9/diagram.png", "alt_text": "the architecture diagram", "title": plain("Architecture")},
		map[string]any{"type": "context", "elements": []any{map[string]any{"type": "mrkdwn", "text": "Updated :clock1: just now"}}},
		map[string]any{"type": "actions", "block_id": "kit", "elements": []any{
			map[string]any{"type": "button", "action_id": "kit.go", "text": plain("Go"), "style": "primary", "value": "go"},
			map[string]any{"type": "static_select", "action_id": "kit.env", "placeholder": plain("Environment"),
				"options": []any{option("staging", "staging"), option("production", "production")}},
			map[string]any{"type": "users_select", "action_id": "kit.who", "placeholder": plain("Someone")},
			map[string]any{"type": "overflow", "action_id": "kit.more", "options": []any{option("Edit", "edit")}},
		}},
		map[string]any{"type": "actions", "block_id": "kit2", "elements": []any{
			map[string]any{"type": "radio_buttons", "action_id": "kit.size", "options": []any{option("Small", "s"), option("Large", "l")}},
			map[string]any{"type": "checkboxes", "action_id": "kit.flags", "options": []any{
				map[string]any{"text": map[string]any{"type": "mrkdwn", "text": "*Canary*"}, "value": "canary"}}},
		}},
	}
	raw, _ := json.Marshal(blocks)
	form := url.Values{"channel": {ids["general"]}, "text": {"Block Kit in the playground"}, "blocks": {string(raw)}}
	req, _ := http.NewRequest(http.MethodPost, ws.Sandbox.SlackURL+"chat.postMessage", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+slackfake.New(slackfake.Options{}).BotToken())
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var posted struct {
		OK    bool
		Error string
		TS    string
	}
	json.NewDecoder(resp.Body).Decode(&posted)
	resp.Body.Close()
	if !posted.OK {
		t.Fatalf("chat.postMessage: %s", posted.Error)
	}

	p.switchUser("priya", "Priya Raman")
	p.openChannel("general")
	msg := fmt.Sprintf(`[data-testid=messages] [data-ts=%q]`, posted.TS)
	p.wait("the message", "!!document.querySelector('"+msg+"')")
	for what, cond := range map[string]string{
		"bold":            `m.querySelector('strong').innerText === 'bold'`,
		"italic":          `[...m.querySelectorAll('em')].some(e => e.innerText === 'italic')`,
		"strike":          `m.querySelector('s').innerText === 'strike'`,
		"code":            `[...m.querySelectorAll('code')].some(e => e.innerText === 'code')`,
		"link":            `m.querySelector('a[href="https://example.com"]').innerText === 'a link'`,
		"user mention":    `[...m.querySelectorAll('.slack_user')].some(e => e.innerText === '@Alice Nakamura')`,
		"channel mention": `[...m.querySelectorAll('.slack_channel')].some(e => e.innerText === '#team-platform')`,
		"emoji":           `m.innerText.includes('✅') && m.innerText.includes('🕐')`,
		"fields":          `m.innerText.includes('Owner') && m.innerText.includes('@Priya Raman')`,
		"header":          `m.innerText.includes('Block Kit in the playground')`,
		"image's alt":     `m.querySelector('.img-missing').innerText.includes('the architecture diagram')`,
		"primary button":  `m.querySelector('button[data-action-id="kit.go"]').classList.contains('primary')`,
	} {
		p.wait(what, "(() => { const m = document.querySelector('"+msg+"'); return "+cond+" })()")
	}

	// A danger button asks first.
	p.do(chromedp.Click(chromedp.CSS(msg + ` button[data-action-id="kit.delete"]`)))
	p.wait("the confirm dialog", `((document.querySelector('[data-testid=confirm]')||{}).innerText||'').includes('Delete it?')`)
	p.shot("confirm-dialog")
	p.do(chromedp.Click(chromedp.CSS(`[data-testid=confirm] button.danger-solid`)))
	p.wait("the dialog to close", `!document.querySelector('[data-testid=confirm]')`)

	// A users select offers the workspace's people.
	p.do(chromedp.Click(chromedp.CSS(msg + ` [data-action-id="kit.who"] .select-trigger`)))
	p.wait("the people", `[...document.querySelectorAll('[data-action-id="kit.who"] [role=option]')].some(e => e.innerText.includes('Alice Nakamura'))`)
	p.do(chromedp.Click(chromedp.CSS(msg + ` [data-action-id="kit.who"] [role=option][data-value=U0PLT0001]`)))
	p.wait("the choice", `document.querySelector('`+msg+` [data-action-id="kit.who"] .select-trigger').innerText.includes('Alice Nakamura')`)
	p.do(chromedp.Click(chromedp.CSS(msg + ` [data-action-id="kit.size"] input[value=l]`)))
	p.wait("the radio button", `document.querySelector('`+msg+` [data-action-id="kit.size"] input[value=l]').checked`)
	p.shot("block-kit")
	if n := p.jsString(`String(document.querySelectorAll('[data-testid=toast-error]').length)`); n != "0" {
		t.Fatalf("errors shown: %s", p.text(`[data-testid=toast-error]`))
	}
}
