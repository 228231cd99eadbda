package scorecard

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"time"
)

// State is how an entity fares on one rule.
type State string

// Rule states. Only StatePass counts towards levels and the score;
// StateUnknown (a fact is missing) and StateError (the rule could not be
// evaluated, e.g. it was refused for exceeding its cost limit) are shown
// apart from StateFail so nobody fixes what is not broken.
const (
	StatePass    State = "pass"
	StateFail    State = "fail"
	StateUnknown State = "unknown"
	StateError   State = "error"
)

// RuleResult is one rule's outcome on one entity.
type RuleResult struct {
	Rule   string `json:"rule"`
	State  State  `json:"state"`
	Detail string `json:"detail,omitempty"`
}

// EntityResult is one entity's outcome on one scorecard.
type EntityResult struct {
	Scorecard string `json:"scorecard"`
	Entity    string `json:"entity"` // ref
	Title     string `json:"title"`
	Kind      string `json:"kind"`
	// Team is the group whose digest shows the entity ("" when nobody
	// known owns it).
	Team     string `json:"team"`
	Inferred bool   `json:"inferred,omitempty"`
	Repo     string `json:"repo,omitempty"`
	// Level is the index of the highest level reached, -1 below the first.
	Level     int          `json:"level"`
	LevelName string       `json:"levelName"`
	Score     float64      `json:"score"` // weighted, in percent
	Rules     []RuleResult `json:"rules"`
	// Since is when this outcome was first seen (read from history only).
	Since time.Time `json:"since,omitzero"`
}

// Rule returns the outcome of one rule ("" state when absent).
func (r EntityResult) Rule(id string) RuleResult {
	for _, x := range r.Rules {
		if x.Rule == id {
			return x
		}
	}
	return RuleResult{Rule: id}
}

// Fingerprint identifies the outcome (not when it was seen): two results
// with the same fingerprint need not both be recorded.
func (r *EntityResult) Fingerprint() string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%t\x00%s\x00%d\x00%s\x00%g", r.Title, r.Kind, r.Team, r.Inferred, r.Repo, r.Level, r.LevelName, r.Score)
	for _, rr := range r.Rules {
		fmt.Fprintf(h, "\x00%s\x00%s\x00%s", rr.Rule, rr.State, rr.Detail)
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// align puts results read from history in the definition's rule order; a
// rule added since they were recorded is unknown ("not evaluated yet"),
// and the level and score are those of the definition as it is now.
func (sc *Scorecard) align(rs []EntityResult) {
	for i := range rs {
		r := &rs[i]
		by := make(map[string]RuleResult, len(r.Rules))
		for _, rr := range r.Rules {
			by[rr.Rule] = rr
		}
		same := len(r.Rules) == len(sc.Rules)
		rules := make([]RuleResult, len(sc.Rules))
		for j, rule := range sc.Rules {
			rr, ok := by[rule.ID]
			if !ok {
				rr = RuleResult{Rule: rule.ID, State: StateUnknown, Detail: "not evaluated yet"}
			}
			same = same && ok && r.Rules[j].Rule == rule.ID
			rules[j] = rr
		}
		if same {
			continue
		}
		r.Rules = rules
		r.Level, r.Score = sc.outcome(rules)
		r.LevelName = sc.LevelName(r.Level)
	}
}

// Evaluation is one run of every scorecard over the catalog.
type Evaluation struct {
	ID         int64     `json:"id"`
	Trigger    string    `json:"trigger"` // "sync", "cli", "slack", "start"
	StartedAt  time.Time `json:"startedAt"`
	FinishedAt time.Time `json:"finishedAt"`
	Entities   int       `json:"entities"` // scanned
	// Scorecards are the scorecards evaluated: an entity that has a
	// result on one of them before and none now has left it.
	Scorecards []string       `json:"scorecards"`
	Results    []EntityResult `json:"results"`
	// Problems are what went wrong without stopping the evaluation: a rule
	// refused for its cost, a rule that errs, a fact source that failed.
	Problems []string `json:"problems"`
	// Written is how many results changed and were recorded.
	Written int `json:"written"`
}

// EvaluationInfo describes a recorded evaluation.
type EvaluationInfo struct {
	ID         int64     `json:"id"`
	Trigger    string    `json:"trigger"`
	StartedAt  time.Time `json:"startedAt"`
	FinishedAt time.Time `json:"finishedAt"`
	Entities   int       `json:"entities"`
	Results    int       `json:"results"`
	Problems   []string  `json:"problems"`
}

// outcome computes the level and the score of rule results.
func (s *Scorecard) outcome(rules []RuleResult) (level int, score float64) {
	level = len(s.Levels) - 1
	var total, passed float64
	var n, passes int
	for i, rr := range rules {
		r := s.Rules[i]
		total += r.Weight
		n++
		if rr.State == StatePass {
			passed += r.Weight
			passes++
			continue
		}
		if r.level-1 < level {
			level = r.level - 1
		}
	}
	switch {
	case total > 0:
		score = 100 * passed / total
	case n > 0:
		score = 100 * float64(passes) / float64(n)
	default:
		score = 100
	}
	return level, math.Round(score*10) / 10
}

// RuleFlip is a rule whose outcome changed between two results.
type RuleFlip struct {
	Rule  string `json:"rule"`
	Title string `json:"title"`
	From  State  `json:"from"` // "" when the rule is new
	To    State  `json:"to"`
}

// Fixed reports a rule that passes now and did not.
func (f RuleFlip) Fixed() bool { return f.To == StatePass && f.From != StatePass }

// Broke reports a rule that passed and no longer does.
func (f RuleFlip) Broke() bool { return f.From == StatePass && f.To != StatePass }

// Trend compares an entity's result with an earlier one.
type Trend struct {
	// Before is the earlier result; nil when the entity was not evaluated
	// then (new to the catalog or to the scorecard).
	Before      *EntityResult `json:"before"`
	LevelChange int           `json:"levelChange"` // positive: up
	ScoreChange float64       `json:"scoreChange"` // points
	Flipped     []RuleFlip    `json:"flipped"`     // in rule order
}

// CompareResults returns the trend from before (nil: none) to now.
func (s *Scorecard) CompareResults(before *EntityResult, now *EntityResult) Trend {
	t := Trend{Before: before}
	if before == nil {
		return t
	}
	t.LevelChange = now.Level - before.Level
	t.ScoreChange = math.Round((now.Score-before.Score)*10) / 10
	for _, r := range s.Rules {
		from, to := before.Rule(r.ID).State, now.Rule(r.ID).State
		if from != to && (from == StatePass || to == StatePass) {
			t.Flipped = append(t.Flipped, RuleFlip{Rule: r.ID, Title: r.DisplayTitle(), From: from, To: to})
		}
	}
	return t
}
