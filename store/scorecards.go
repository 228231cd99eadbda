package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/gantryhq/gantry/scorecard"
)

// Scorecard history (scorecard.HistoryStore): one row per evaluation, and
// result rows only for the outcomes that changed, so the result of an
// entity at time T is its latest row at or before the last evaluation
// finished by T (gone = 1 marks an entity that left a scorecard). Each
// result row carries its rules' outcomes in scorecard_rule_results under
// the same key.

type resultRow struct {
	Scorecard    string  `db:"scorecard"`
	EntityRef    string  `db:"entity_ref"`
	EvaluationID int64   `db:"evaluation_id"`
	Gone         int     `db:"gone"`
	Title        string  `db:"title"`
	Kind         string  `db:"kind"`
	TeamRef      string  `db:"team_ref"`
	Inferred     int     `db:"inferred"`
	Repo         string  `db:"repo"`
	Level        int     `db:"level"`
	LevelName    string  `db:"level_name"`
	Score        float64 `db:"score"`
	Fingerprint  string  `db:"fingerprint"`
	Since        int64   `db:"since"`
}

type ruleRow struct {
	EntityRef string `db:"entity_ref"`
	RuleID    string `db:"rule_id"`
	State     string `db:"state"`
	Detail    string `db:"detail"`
}

type evaluationRow struct {
	ID         int64  `db:"id"`
	Reason     string `db:"reason"`
	StartedAt  int64  `db:"started_at"`
	FinishedAt int64  `db:"finished_at"`
	Entities   int    `db:"entities"`
	Results    int    `db:"results"`
	Problems   string `db:"problems"`
}

func (r evaluationRow) info() scorecard.EvaluationInfo {
	info := scorecard.EvaluationInfo{ID: r.ID, Trigger: r.Reason, StartedAt: fromMillis(r.StartedAt),
		FinishedAt: fromMillis(r.FinishedAt), Entities: r.Entities, Results: r.Results}
	_ = json.Unmarshal([]byte(r.Problems), &info.Problems)
	return info
}

// SaveEvaluation records an evaluation and, of its results, those whose
// outcome changed since the entity's latest recorded one; entities of an
// evaluated scorecard that have no result any more are marked gone. It
// sets ev.ID and ev.Written. Everything is written in one transaction.
func (db *DB) SaveEvaluation(ctx context.Context, ev *scorecard.Evaluation) error {
	what := "recording a scorecard evaluation"
	problems, err := jsonText(nonNilList(ev.Problems))
	if err != nil {
		return err
	}
	cards, err := jsonText(nonNilList(ev.Scorecards))
	if err != nil {
		return err
	}
	tx, err := db.write.BeginTxx(ctx, nil)
	if err != nil {
		return dbError(err, "%s", what)
	}
	defer tx.Rollback()
	var id int64
	err = tx.GetContext(ctx, &id, tx.Rebind(`INSERT INTO scorecard_evaluations
		(reason, started_at, finished_at, entities, results, written, scorecards, problems)
		VALUES (?, ?, ?, ?, ?, 0, ?, ?) RETURNING id`),
		noNUL(ev.Trigger), millis(ev.StartedAt), millis(ev.FinishedAt), ev.Entities, len(ev.Results), cards, problems)
	if err != nil {
		return dbError(err, "%s", what)
	}
	latest, err := latestFingerprints(ctx, tx, ev.Scorecards)
	if err != nil {
		return dbError(err, "%s", what)
	}
	results := newBulkInsert(tx, "scorecard_results", "scorecard", "entity_ref", "evaluation_id", "gone", "title", "kind",
		"team_ref", "inferred", "repo", "level", "level_name", "score", "fingerprint")
	defer results.close()
	rules := newBulkInsert(tx, "scorecard_rule_results", "scorecard", "entity_ref", "evaluation_id", "rule_id", "state", "detail")
	defer rules.close()
	written := 0
	seen := make(map[[2]string]bool, len(ev.Results))
	for i := range ev.Results {
		r := &ev.Results[i]
		key := [2]string{r.Scorecard, strings.ToLower(r.Entity)}
		seen[key] = true
		fp := r.Fingerprint()
		if latest[key] == fp {
			continue
		}
		written++
		if err := results.add(ctx, r.Scorecard, key[1], id, 0, r.Title, r.Kind, r.Team, scorecardBool(r.Inferred), r.Repo,
			r.Level, r.LevelName, r.Score, fp); err != nil {
			return dbError(err, "%s", what)
		}
		for _, rr := range r.Rules {
			if err := rules.add(ctx, r.Scorecard, key[1], id, rr.Rule, string(rr.State), rr.Detail); err != nil {
				return dbError(err, "%s", what)
			}
		}
	}
	gone := make([][2]string, 0)
	for key, fp := range latest {
		if !seen[key] && fp != goneFingerprint {
			gone = append(gone, key)
		}
	}
	sort.Slice(gone, func(i, j int) bool { return gone[i][0]+gone[i][1] < gone[j][0]+gone[j][1] })
	for _, key := range gone {
		if err := results.add(ctx, key[0], key[1], id, 1, "", "", "", 0, "", -1, "", 0.0, goneFingerprint); err != nil {
			return dbError(err, "%s", what)
		}
	}
	if err := results.flush(ctx); err != nil {
		return dbError(err, "%s", what)
	}
	if err := rules.flush(ctx); err != nil {
		return dbError(err, "%s", what)
	}
	if _, err := tx.ExecContext(ctx, tx.Rebind("UPDATE scorecard_evaluations SET written = ? WHERE id = ?"), written+len(gone), id); err != nil {
		return dbError(err, "%s", what)
	}
	if err := tx.Commit(); err != nil {
		return dbError(err, "%s", what)
	}
	ev.ID, ev.Written = id, written
	return nil
}

const goneFingerprint = "gone"

// latestFingerprints returns the fingerprint of each entity's latest
// result on the scorecards named.
func latestFingerprints(ctx context.Context, tx *sqlx.Tx, cards []string) (map[[2]string]string, error) {
	out := map[[2]string]string{}
	if len(cards) == 0 {
		return out, nil
	}
	q, args, err := sqlx.In(`SELECT r.scorecard, r.entity_ref, r.fingerprint FROM scorecard_results r
		JOIN (SELECT scorecard, entity_ref, MAX(evaluation_id) AS eid FROM scorecard_results
		      WHERE scorecard IN (?) GROUP BY scorecard, entity_ref) m
		  ON r.scorecard = m.scorecard AND r.entity_ref = m.entity_ref AND r.evaluation_id = m.eid`, cards)
	if err != nil {
		return nil, err
	}
	rows, err := tx.QueryxContext(ctx, tx.Rebind(q), noNULArgs(args)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var sc, ref, fp string
		if err := rows.Scan(&sc, &ref, &fp); err != nil {
			return nil, err
		}
		out[[2]string{sc, ref}] = fp
	}
	return out, rows.Err()
}

// ResultsAsOf returns a scorecard's results as they stood at q.At (the
// latest when zero), restricted to q.Entities and q.Teams when given,
// sorted by entity, each with its rules and the time it was first seen.
func (db *DB) ResultsAsOf(ctx context.Context, q scorecard.ResultQuery) ([]scorecard.EntityResult, error) {
	what := "reading the results of scorecard " + q.Scorecard
	bound, ok, err := db.evaluationBound(ctx, q.At)
	if err != nil {
		return nil, dbError(err, "%s", what)
	}
	if !ok {
		return []scorecard.EntityResult{}, nil
	}
	inner := "SELECT entity_ref, MAX(evaluation_id) AS eid FROM scorecard_results WHERE scorecard = ? AND evaluation_id <= ?"
	innerArgs := []any{q.Scorecard, bound}
	if len(q.Entities) > 0 {
		inner += " AND entity_ref IN (?)"
		innerArgs = append(innerArgs, lowerAll(q.Entities))
	}
	inner += " GROUP BY entity_ref"
	where := "r.scorecard = ? AND r.gone = 0"
	args := append(append([]any{}, innerArgs...), q.Scorecard)
	if len(q.Teams) > 0 {
		where += " AND r.team_ref IN (?)"
		args = append(args, q.Teams)
	}
	var rows []resultRow
	err = db.selectIn(ctx, &rows, `SELECT r.scorecard, r.entity_ref, r.evaluation_id, r.gone, r.title, r.kind, r.team_ref,
		r.inferred, r.repo, r.level, r.level_name, r.score, r.fingerprint, COALESCE(e.finished_at, 0) AS since
		FROM scorecard_results r JOIN (`+inner+`) m ON r.entity_ref = m.entity_ref AND r.evaluation_id = m.eid
		LEFT JOIN scorecard_evaluations e ON e.id = r.evaluation_id
		WHERE `+where+` ORDER BY r.entity_ref`, args...)
	if err != nil {
		return nil, dbError(err, "%s", what)
	}
	out := make([]scorecard.EntityResult, len(rows))
	index := make(map[string]int, len(rows))
	for i, r := range rows {
		out[i] = scorecard.EntityResult{Scorecard: r.Scorecard, Entity: r.EntityRef, Title: r.Title, Kind: r.Kind, Team: r.TeamRef,
			Inferred: r.Inferred != 0, Repo: r.Repo, Level: r.Level, LevelName: r.LevelName, Score: r.Score,
			Rules: []scorecard.RuleResult{}, Since: fromMillis(r.Since)}
		index[r.EntityRef] = i
	}
	if len(rows) == 0 {
		return out, nil
	}
	var rules []ruleRow
	err = db.selectIn(ctx, &rules, `SELECT rr.entity_ref, rr.rule_id, rr.state, rr.detail
		FROM scorecard_rule_results rr JOIN (`+inner+`) m ON rr.entity_ref = m.entity_ref AND rr.evaluation_id = m.eid
		WHERE rr.scorecard = ? ORDER BY rr.entity_ref, rr.rule_id`, append(innerArgs, q.Scorecard)...)
	if err != nil {
		return nil, dbError(err, "%s", what)
	}
	for _, rr := range rules {
		if i, ok := index[rr.EntityRef]; ok {
			out[i].Rules = append(out[i].Rules, scorecard.RuleResult{Rule: rr.RuleID, State: scorecard.State(rr.State), Detail: rr.Detail})
		}
	}
	return out, nil
}

// evaluationBound returns the id of the latest evaluation finished at or
// before t (of all, when t is zero).
func (db *DB) evaluationBound(ctx context.Context, t time.Time) (int64, bool, error) {
	var id sql.NullInt64
	var err error
	if t.IsZero() {
		err = db.read.GetContext(ctx, &id, "SELECT MAX(id) FROM scorecard_evaluations")
	} else {
		err = db.read.GetContext(ctx, &id, db.read.Rebind("SELECT MAX(id) FROM scorecard_evaluations WHERE finished_at <= ?"), millis(t))
	}
	return id.Int64, id.Valid, err
}

// LastEvaluation returns the latest evaluation finished at or before t
// (the latest of all when t is zero).
func (db *DB) LastEvaluation(ctx context.Context, t time.Time) (scorecard.EvaluationInfo, bool, error) {
	id, ok, err := db.evaluationBound(ctx, t)
	if err != nil || !ok {
		return scorecard.EvaluationInfo{}, false, scorecardDBError(err, "reading the last scorecard evaluation")
	}
	return db.evaluation(ctx, "id = ?", id)
}

// FirstEvaluation returns the earliest evaluation recorded.
func (db *DB) FirstEvaluation(ctx context.Context) (scorecard.EvaluationInfo, bool, error) {
	return db.evaluation(ctx, "id = (SELECT MIN(id) FROM scorecard_evaluations)")
}

func (db *DB) evaluation(ctx context.Context, where string, args ...any) (scorecard.EvaluationInfo, bool, error) {
	var r evaluationRow
	err := db.read.GetContext(ctx, &r, db.read.Rebind(`SELECT id, reason, started_at, finished_at, entities, results, problems
		FROM scorecard_evaluations WHERE `+where), args...)
	if errors.Is(err, sql.ErrNoRows) {
		return scorecard.EvaluationInfo{}, false, nil
	}
	if err != nil {
		return scorecard.EvaluationInfo{}, false, dbError(err, "reading a scorecard evaluation")
	}
	return r.info(), true, nil
}

// PruneHistory deletes the evaluations finished before t, and the result
// rows superseded by a newer row that is itself at or before t: each
// entity keeps its outcome as of t, so trends reaching back to t still
// work. It returns how many rows it deleted.
func (db *DB) PruneHistory(ctx context.Context, t time.Time) (int, error) {
	what := "pruning scorecard history"
	bound, ok, err := db.evaluationBound(ctx, t)
	if err != nil {
		return 0, dbError(err, "%s", what)
	}
	if !ok {
		return 0, nil
	}
	tx, err := db.write.BeginTxx(ctx, nil)
	if err != nil {
		return 0, dbError(err, "%s", what)
	}
	defer tx.Rollback()
	// The row an entity has as of the bound survives; older ones go.
	superseded := `FROM %s AS x WHERE x.evaluation_id < (SELECT MAX(y.evaluation_id) FROM scorecard_results y
		WHERE y.scorecard = x.scorecard AND y.entity_ref = x.entity_ref AND y.evaluation_id <= ?)`
	total := 0
	for _, table := range []string{"scorecard_rule_results", "scorecard_results"} {
		res, err := tx.ExecContext(ctx, tx.Rebind("DELETE "+fmt.Sprintf(superseded, table)), bound)
		if err != nil {
			return 0, dbError(err, "%s", what)
		}
		n, _ := res.RowsAffected()
		total += int(n)
	}
	// Entities gone as of the bound need no marker any more.
	res, err := tx.ExecContext(ctx, tx.Rebind(`DELETE FROM scorecard_results WHERE gone = 1 AND evaluation_id <= ?`), bound)
	if err != nil {
		return 0, dbError(err, "%s", what)
	}
	n, _ := res.RowsAffected()
	total += int(n)
	res, err = tx.ExecContext(ctx, tx.Rebind(`DELETE FROM scorecard_evaluations WHERE finished_at < ? AND id < ?`), millis(t), bound)
	if err != nil {
		return 0, dbError(err, "%s", what)
	}
	n, _ = res.RowsAffected()
	total += int(n)
	if err := tx.Commit(); err != nil {
		return 0, dbError(err, "%s", what)
	}
	return total, nil
}

func scorecardBool(b bool) int {
	if b {
		return 1
	}
	return 0
}

func nonNilList(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func scorecardDBError(err error, what string) error {
	if err == nil {
		return nil
	}
	return dbError(err, "%s", what)
}
