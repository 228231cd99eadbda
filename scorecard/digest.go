package scorecard

import (
	"math"
	"sort"
	"strings"
	"time"
)

// Digest is one team's card of one scorecard, as data: what the weekly
// digest posts, what "/gantry scorecard <team>" shows, and what
// `gantry digest preview` prints. The bot renders it; nothing here knows
// Slack.
type Digest struct {
	Scorecard      string  `json:"scorecard"`
	ScorecardTitle string  `json:"scorecardTitle"`
	Levels         []Level `json:"levels"`
	// Team is the group's ref; "" for the services nobody known owns.
	Team      string `json:"team"`
	TeamTitle string `json:"teamTitle"`
	// Channel is where the digest goes: the team's own channel, or the
	// fallback when NoChannel (the team has none).
	Channel   string `json:"channel"`
	NoChannel bool   `json:"noChannel,omitempty"`
	// Period is the scheduled time the digest is for (zero for a card shown
	// on demand); Previous is the time it is compared with.
	Period    time.Time `json:"period,omitzero"`
	PeriodKey string    `json:"periodKey,omitempty"`
	Previous  time.Time `json:"previous,omitzero"`
	// EvaluatedAt is when the results shown were computed.
	EvaluatedAt time.Time `json:"evaluatedAt,omitzero"`

	Services []DigestService `json:"services"`
	// Fixes are the most useful fixes, at most MaxFixes.
	Fixes []DigestFix `json:"fixes"`
	// Counts are how many services stand at each level now and before,
	// index 0 for "below the first level".
	Counts         []LevelCount `json:"counts"`
	Improved       int          `json:"improved"`
	Regressed      int          `json:"regressed"`
	New            int          `json:"new"`
	Score          float64      `json:"score"`                   // average, now
	PreviousScore  *float64     `json:"previousScore,omitempty"` // average, before
	UnknownResults int          `json:"unknownResults"`          // rule outcomes unknown, all services
}

// MaxFixes is how many fixes a digest suggests.
const MaxFixes = 3

// DigestService is one service of a digest.
type DigestService struct {
	Entity   string `json:"entity"`
	Title    string `json:"title"`
	Inferred bool   `json:"inferred,omitempty"`
	Repo     string `json:"repo,omitempty"`
	Level    int    `json:"level"`
	Score    float64
	// Before is the level and score at Previous; nil when the service was
	// not scored then (new).
	Before  *LevelScore `json:"before"`
	Flipped []RuleFlip  `json:"flipped"`
	// Next is the next level's name ("" at the top) and ToNext the rules
	// in the way of it.
	Next    string   `json:"next,omitempty"`
	ToNext  []string `json:"toNext,omitempty"`
	Unknown int      `json:"unknown"` // rules with a missing fact
	Result  EntityResult
}

// LevelScore is a level and a score.
type LevelScore struct {
	Level int     `json:"level"`
	Score float64 `json:"score"`
}

// Change is +1 (up a level), -1 (down) or 0.
func (s DigestService) Change() int {
	switch {
	case s.Before == nil:
		return 0
	case s.Level > s.Before.Level:
		return 1
	case s.Level < s.Before.Level:
		return -1
	}
	return 0
}

// DigestFix is one suggested fix: a rule failing on some of the team's
// services.
type DigestFix struct {
	Rule   string `json:"rule"`
	Title  string `json:"title"`
	Level  string `json:"level"`
	Hint   string `json:"hint,omitempty"`
	URL    string `json:"url,omitempty"`
	Action string `json:"action,omitempty"`
	// Services fail (or cannot tell) the rule, most advanced first.
	Services []ServiceRef `json:"services"`
	// Unlocks is how many services would reach their next level with this
	// fix alone.
	Unlocks int `json:"unlocks"`
	// Unknown is true when no service fails it outright: its facts are
	// missing, and the fix may be to make them readable.
	Unknown bool `json:"unknown,omitempty"`
}

// ServiceRef names a service.
type ServiceRef struct {
	Entity string `json:"entity"`
	Title  string `json:"title"`
}

// LevelCount is how many services stand at one level.
type LevelCount struct {
	Level  int `json:"level"` // -1: below the first
	Now    int `json:"now"`
	Before int `json:"before"`
}

// TeamInfo is what a digest says of its team.
type TeamInfo struct {
	Ref     string
	Title   string
	Channel string
}

// ComposeDigest builds team's digest from its results now and at the
// previous period (before may be empty). Results are matched by entity.
func (sc *Scorecard) ComposeDigest(team TeamInfo, now, before []EntityResult) *Digest {
	d := &Digest{Scorecard: sc.Name, ScorecardTitle: sc.DisplayTitle(), Levels: sc.Levels, Team: team.Ref,
		TeamTitle: team.Title, Channel: team.Channel, Services: []DigestService{}, Fixes: []DigestFix{}}
	prev := make(map[string]*EntityResult, len(before))
	for i := range before {
		prev[before[i].Entity] = &before[i]
	}
	d.Counts = make([]LevelCount, len(sc.Levels)+1)
	for i := range d.Counts {
		d.Counts[i].Level = i - 1
	}
	var sumNow, sumBefore float64
	var nBefore int
	for i := range now {
		r := &now[i]
		svc := DigestService{Entity: r.Entity, Title: r.Title, Inferred: r.Inferred, Repo: r.Repo,
			Level: r.Level, Score: r.Score, Result: *r, Next: sc.LevelName(r.Level + 1)}
		if b := prev[r.Entity]; b != nil {
			svc.Before = &LevelScore{Level: b.Level, Score: b.Score}
			svc.Flipped = sc.CompareResults(b, r).Flipped
			sumBefore += b.Score
			nBefore++
			d.Counts[clampLevel(b.Level, len(sc.Levels))+1].Before++
		} else if len(before) > 0 {
			d.New++ // scored now, not then
		}
		for j, rr := range r.Rules {
			if rr.State == StateUnknown {
				svc.Unknown++
				d.UnknownResults++
			}
			if rr.State != StatePass && sc.Rules[j].level == r.Level+1 {
				svc.ToNext = append(svc.ToNext, sc.Rules[j].ID)
			}
		}
		switch svc.Change() {
		case 1:
			d.Improved++
		case -1:
			d.Regressed++
		}
		sumNow += r.Score
		d.Counts[clampLevel(r.Level, len(sc.Levels))+1].Now++
		d.Services = append(d.Services, svc)
	}
	if len(now) > 0 {
		d.Score = math.Round(sumNow/float64(len(now))*10) / 10
	}
	if nBefore > 0 {
		s := math.Round(sumBefore/float64(nBefore)*10) / 10
		d.PreviousScore = &s
	}
	// Most advanced first, then by title: the team reads its best first
	// and its laggards at the end, next to the fixes.
	sort.SliceStable(d.Services, func(i, j int) bool {
		a, b := d.Services[i], d.Services[j]
		if a.Level != b.Level {
			return a.Level > b.Level
		}
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		return strings.ToLower(a.Title) < strings.ToLower(b.Title)
	})
	d.Fixes = sc.topFixes(d.Services, MaxFixes)
	return d
}

func clampLevel(l, n int) int { return max(-1, min(l, n-1)) }

// topFixes ranks the rules failing on the team's services by how useful
// fixing them is: first how many services would go up a level with that
// fix alone, then how many it blocks from their next level, then the
// lowest level (foundations before polish), then the weight it carries
// across services, then the definition's order.
func (sc *Scorecard) topFixes(services []DigestService, n int) []DigestFix {
	type cand struct {
		fix      DigestFix
		rule     *Rule
		order    int
		blocking int
		weight   float64
		fails    int
	}
	byRule := map[string]*cand{}
	var list []*cand
	for _, svc := range services {
		for j, rr := range svc.Result.Rules {
			if rr.State == StatePass || rr.State == StateError {
				continue
			}
			r := sc.Rules[j]
			c := byRule[r.ID]
			if c == nil {
				c = &cand{rule: r, order: j, fix: DigestFix{Rule: r.ID, Title: r.DisplayTitle(), Level: r.Level,
					Hint: r.Fix.Hint, URL: r.Fix.URL, Action: r.Fix.Action, Unknown: true}}
				byRule[r.ID] = c
				list = append(list, c)
			}
			c.fix.Services = append(c.fix.Services, ServiceRef{Entity: svc.Entity, Title: svc.Title})
			c.weight += r.Weight
			if rr.State == StateFail {
				c.fix.Unknown = false
				c.fails++
			}
			if r.level == svc.Level+1 {
				c.blocking++
				if len(svc.ToNext) == 1 {
					c.fix.Unlocks++
				}
			}
		}
	}
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		switch {
		case a.fix.Unlocks != b.fix.Unlocks:
			return a.fix.Unlocks > b.fix.Unlocks
		case a.blocking != b.blocking:
			return a.blocking > b.blocking
		case (a.fails > 0) != (b.fails > 0):
			return a.fails > 0 // a real failure before a missing fact
		case a.rule.level != b.rule.level:
			return a.rule.level < b.rule.level
		case a.weight != b.weight:
			return a.weight > b.weight
		}
		return a.order < b.order
	})
	out := []DigestFix{}
	for i, c := range list {
		if i == n {
			break
		}
		out = append(out, c.fix)
	}
	return out
}
