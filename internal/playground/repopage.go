package playground

import (
	"html/template"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gantryhq/gantry/internal/githubfake"
)

// The GitHub sandbox's repositories have github.com addresses (the
// fixture's web_url), which lead nowhere: the web client sends every link
// under that address to /github/OWNER/REPO/..., where this page shows the
// simulated repository (its files, branch protection, pull requests and
// workflow runs), or says plainly that the link is outside the sandbox.

// webURL is the base of the GitHub sandbox's html_url values.
func (sb *Sandbox) webURL() string {
	if sb.fixtureWeb != "" {
		return strings.TrimSuffix(sb.fixtureWeb, "/")
	}
	return "https://github.com"
}

type repoPage struct {
	Path     string // owner/repo/rest, as linked
	Original string // the github.com address the link had
	Found    bool
	Repo     githubfake.RepoInfo
	Files    []string
	Protect  string
	Pulls    []githubfake.Pull
	Runs     []githubfake.Run
	RunID    int64 // the run the link named, if any
	Now      time.Time
}

func (p repoPage) Age(t time.Time) string {
	d := p.Now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return strconv.Itoa(int(d.Minutes())) + " min ago"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d.Hours())) + " h ago"
	}
	return strconv.Itoa(int(d.Hours()/24)) + " days ago"
}

var repoTemplate = template.Must(template.New("repo").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{if .Found}}{{.Repo.FullName}}{{else}}{{.Path}}{{end}} · GitHub sandbox</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d1c1d}
.note{background:#fff8e1;border:1px solid #f2c94c;border-radius:6px;padding:.6rem .9rem}
h1{font-size:1.4rem;margin:.8rem 0 .2rem}h2{font-size:1.05rem;margin:1.4rem 0 .4rem}
code{background:#f4f4f4;padding:0 .25rem;border-radius:3px}ul{padding-left:1.2rem}
.run-hl{background:#e8f5e9}.muted{color:#616061}table{border-collapse:collapse}td{padding:.15rem .8rem .15rem 0}
</style></head><body>
<p class="note">This is the <b>local sandbox's simulated GitHub</b>, not github.com: nothing here exists outside this machine.
With a real GitHub token and organisation in <code>gantry.yaml</code>, these links lead to GitHub itself. <a href="/">Back to the playground</a></p>
{{if .Found}}{{$p := .}}
<h1 data-repo="{{.Repo.FullName}}">{{.Repo.FullName}}</h1>
<p>{{.Repo.Description}}</p>
<p class="muted">{{.Repo.Visibility}} · default branch <code>{{.Repo.DefaultBranch}}</code>{{if .Repo.Template}} · generated from {{.Repo.Template}}{{end}} · last push {{.Age .Repo.PushedAt}} · {{.Protect}}</p>
<h2>Files on {{.Repo.DefaultBranch}}</h2>
{{if .Files}}<ul>{{range .Files}}<li><code>{{.}}</code></li>{{end}}</ul>{{else}}<p class="muted">Empty repository.</p>{{end}}
<h2>Open pull requests</h2>
{{if .Pulls}}<ul>{{range .Pulls}}<li>#{{.Number}} {{.Title}} <span class="muted">by {{.User}}, opened {{$p.Age .CreatedAt}}</span></li>{{end}}</ul>{{else}}<p class="muted">None.</p>{{end}}
<h2>Workflow runs</h2>
{{if .Runs}}<table>{{range .Runs}}<tr{{if eq .ID $p.RunID}} class="run-hl" id="run"{{end}}><td><code>{{.Workflow}}</code> #{{.RunNumber}}</td><td>{{.Event}}</td><td>{{.Status}}{{if .Conclusion}}: <b>{{.Conclusion}}</b>{{end}}</td><td class="muted">{{$p.Age .CreatedAt}}</td></tr>{{end}}</table>{{else}}<p class="muted">None.</p>{{end}}
{{else}}
<h1>Not in the sandbox</h1>
<p>The link <code>{{.Original}}</code> names no repository of the simulated GitHub, so there is nothing to show here.
{{if .Original}}The address on GitHub itself is <a href="{{.Original}}" rel="noreferrer noopener">{{.Original}}</a>, if it exists.{{end}}</p>
{{end}}
</body></html>
`))

// handleRepoPage serves /github/OWNER/REPO/...: the simulated repository.
func (sb *Sandbox) handleRepoPage(w http.ResponseWriter, r *http.Request) {
	rest := strings.Trim(strings.TrimPrefix(r.URL.Path, "/github/"), "/")
	parts := strings.Split(rest, "/")
	p := repoPage{Path: rest, Original: sb.webURL() + "/" + rest, Now: time.Now()}
	if len(parts) >= 2 {
		if info, ok := sb.gh.Repo(parts[0], parts[1]); ok {
			p.Found, p.Repo = true, info
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	if !p.Found {
		w.WriteHeader(http.StatusNotFound)
		_ = repoTemplate.Execute(w, p)
		return
	}
	owner, name := p.Repo.Owner, p.Repo.Name
	if files, err := sb.gh.Files(owner, name, p.Repo.DefaultBranch); err == nil {
		for f := range files {
			p.Files = append(p.Files, f)
		}
		sort.Strings(p.Files)
	}
	p.Protect = "default branch not protected"
	if pr, ok := sb.gh.Protection(owner, name, p.Repo.DefaultBranch); ok {
		p.Protect = "default branch protected"
		if rv := pr.RequiredPullRequestReviews; rv != nil {
			p.Protect += ", " + strconv.Itoa(rv.RequiredApprovingReviewCount) + " approving review(s) required"
		}
	}
	for _, pl := range sb.gh.Pulls(owner, name) {
		if pl.State == "open" {
			p.Pulls = append(p.Pulls, pl)
		}
	}
	p.Runs = sb.gh.Runs(owner, name)
	slices.Reverse(p.Runs) // newest first
	if i := slices.Index(parts, "runs"); i >= 0 && i+1 < len(parts) {
		p.RunID, _ = strconv.ParseInt(parts[i+1], 10, 64)
	}
	_ = repoTemplate.Execute(w, p)
}
