package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/gantryhq/gantry/actions"
	"github.com/gantryhq/gantry/internal/errkind"
)

// Action runs (actions.RunStore): the run row, its steps, decisions and
// messages, written together with the run's audit events in one
// transaction. Concurrent updates of a run take turns: on PostgreSQL the
// row is locked (SELECT … FOR UPDATE) for the read-modify-write; on SQLite
// every write transaction is BEGIN IMMEDIATE on the one writer connection.

const runColumns = `id, action, action_title, definition, requester, inputs, state, version, request_key, next_step,
	error, failed_step, error_input, approval_expires, lease_owner, lease_until, result,
	created_at, updated_at, started_at, finished_at`

type runRow struct {
	ID              string         `db:"id"`
	Action          string         `db:"action"`
	ActionTitle     string         `db:"action_title"`
	Definition      string         `db:"definition"`
	Requester       string         `db:"requester"`
	Inputs          string         `db:"inputs"`
	State           string         `db:"state"`
	Version         int            `db:"version"`
	RequestKey      sql.NullString `db:"request_key"`
	NextStep        int            `db:"next_step"`
	Error           string         `db:"error"`
	FailedStep      string         `db:"failed_step"`
	ErrorInput      string         `db:"error_input"`
	ApprovalExpires int64          `db:"approval_expires"`
	LeaseOwner      string         `db:"lease_owner"`
	LeaseUntil      int64          `db:"lease_until"`
	Result          string         `db:"result"`
	CreatedAt       int64          `db:"created_at"`
	UpdatedAt       int64          `db:"updated_at"`
	StartedAt       int64          `db:"started_at"`
	FinishedAt      int64          `db:"finished_at"`
}

type stepRow struct {
	Index      int    `db:"idx"`
	StepID     string `db:"step_id"`
	Uses       string `db:"uses"`
	Title      string `db:"title"`
	Status     string `db:"status"`
	Attempts   int    `db:"attempts"`
	Outputs    string `db:"outputs"`
	Memo       string `db:"memo"`
	Error      string `db:"error"`
	StartedAt  int64  `db:"started_at"`
	FinishedAt int64  `db:"finished_at"`
}

type decisionRow struct {
	Seq     int    `db:"seq"`
	Actor   string `db:"actor"`
	Approve bool   `db:"approve"`
	Reason  string `db:"reason"`
	Groups  string `db:"as_groups"`
	At      int64  `db:"at"`
}

type messageRow struct {
	Purpose string `db:"purpose"`
	Channel string `db:"channel"`
	TS      string `db:"ts"`
}

// millis stores a time as Unix milliseconds, 0 for none.
func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// jsonText encodes v for a JSON column.
func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return noNULJSON(string(b)), nil
}

func nullKey(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// queryer is what reads need: the pool or a transaction.
type queryer interface {
	GetContext(ctx context.Context, dest any, query string, args ...any) error
	SelectContext(ctx context.Context, dest any, query string, args ...any) error
	Rebind(query string) string
}

// CreateRun stores a new run with its steps and first audit events. When
// a run with the same request key exists, it returns that one and false.
func (db *DB) CreateRun(ctx context.Context, r *actions.Run, events []actions.AuditEvent) (*actions.Run, bool, error) {
	what := "recording the new run of " + r.Action
	tx, err := db.write.BeginTxx(ctx, nil)
	if err != nil {
		return nil, false, dbError(err, "%s", what)
	}
	defer tx.Rollback()
	if r.RequestKey != "" {
		var id string
		err := tx.GetContext(ctx, &id, tx.Rebind("SELECT id FROM action_runs WHERE request_key = ?"), noNUL(r.RequestKey))
		if err == nil {
			existing, err := db.loadRun(ctx, tx, id, false)
			return existing, false, err
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, false, dbError(err, "%s", what)
		}
	}
	r.Version = 1
	now := time.Now()
	if r.CreatedAt.IsZero() {
		r.CreatedAt = now
	}
	r.UpdatedAt = r.CreatedAt
	row, err := toRunRow(r)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", what, err)
	}
	_, err = tx.NamedExecContext(ctx, `INSERT INTO action_runs (`+runColumns+`, requester_slack, requester_ref) VALUES (
		:id, :action, :action_title, :definition, :requester, :inputs, :state, :version, :request_key, :next_step,
		:error, :failed_step, :error_input, :approval_expires, :lease_owner, :lease_until, :result,
		:created_at, :updated_at, :started_at, :finished_at, :requester_slack, :requester_ref)`,
		struct {
			runRow
			RequesterSlack string `db:"requester_slack"`
			RequesterRef   string `db:"requester_ref"`
		}{row, noNUL(r.Requester.SlackID), noNUL(r.Requester.Ref)})
	if err != nil {
		return nil, false, dbError(err, "%s", what)
	}
	if err := db.writeRunParts(ctx, tx, r, nil, events); err != nil {
		return nil, false, fmt.Errorf("%s: %w", what, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, false, dbError(err, "%s", what)
	}
	return r, true, nil
}

// GetRun returns a run with its steps, decisions and messages. Errors:
// errkind.NotFound.
func (db *DB) GetRun(ctx context.Context, id string) (*actions.Run, error) {
	var opts *sql.TxOptions
	if db.dialect == DialectPostgres {
		// One snapshot for the four reads.
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	tx, err := db.read.BeginTxx(ctx, opts)
	if err != nil {
		return nil, dbError(err, "reading run %s", id)
	}
	defer tx.Rollback()
	return db.loadRun(ctx, tx, id, false)
}

// UpdateRun reads the run under its lock, calls fn, and writes the run,
// what changed of its steps, decisions and messages, and fn's audit events,
// in one transaction. fn returning actions.ErrNoChange writes nothing and
// returns the run as read; another error is returned as it is.
func (db *DB) UpdateRun(ctx context.Context, id string, fn func(r *actions.Run) ([]actions.AuditEvent, error)) (*actions.Run, error) {
	tx, err := db.write.BeginTxx(ctx, nil)
	if err != nil {
		return nil, dbError(err, "updating run %s", id)
	}
	defer tx.Rollback()
	r, err := db.loadRun(ctx, tx, id, true)
	if err != nil {
		return nil, err
	}
	before := cloneRun(r)
	events, err := fn(r)
	if errors.Is(err, actions.ErrNoChange) {
		return before, nil
	}
	if err != nil {
		return nil, err
	}
	r.ID = before.ID
	r.Version = before.Version + 1
	r.UpdatedAt = time.Now()
	row, err := toRunRow(r)
	if err != nil {
		return nil, fmt.Errorf("updating run %s: %w", id, err)
	}
	res, err := tx.NamedExecContext(ctx, `UPDATE action_runs SET state = :state, version = :version, next_step = :next_step,
		error = :error, failed_step = :failed_step, error_input = :error_input, approval_expires = :approval_expires,
		lease_owner = :lease_owner, lease_until = :lease_until, result = :result, updated_at = :updated_at,
		started_at = :started_at, finished_at = :finished_at
		WHERE id = :id AND version = `+fmt.Sprint(before.Version), row)
	if err != nil {
		return nil, dbError(err, "updating run %s", id)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, errkind.New(errkind.Conflict, "run %s changed while it was being updated", id)
	}
	if err := db.writeRunParts(ctx, tx, r, before, events); err != nil {
		return nil, fmt.Errorf("updating run %s: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, dbError(err, "updating run %s", id)
	}
	return r, nil
}

// writeRunParts writes the steps, decisions and messages that differ from
// before (all of them for a new run) and the audit events.
func (db *DB) writeRunParts(ctx context.Context, tx *sqlx.Tx, r, before *actions.Run, events []actions.AuditEvent) error {
	var prevSteps []actions.StepState
	var prevDecisions int
	prevMessages := map[string]bool{}
	if before != nil {
		prevSteps, prevDecisions = before.Steps, len(before.Decisions)
		for _, m := range before.Messages {
			prevMessages[m.Purpose+"\x00"+m.Channel+"\x00"+m.TS] = true
		}
	}
	upsertStep := tx.Rebind(`INSERT INTO action_steps (run_id, idx, step_id, uses, title, status, attempts, outputs, memo, error, started_at, finished_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (run_id, idx) DO UPDATE SET status = excluded.status, attempts = excluded.attempts, outputs = excluded.outputs,
		memo = excluded.memo, error = excluded.error, started_at = excluded.started_at, finished_at = excluded.finished_at`)
	for i, s := range r.Steps {
		if i < len(prevSteps) && reflect.DeepEqual(prevSteps[i], s) {
			continue
		}
		outputs, err := jsonText(orEmptyMap(s.Outputs))
		if err != nil {
			return err
		}
		memo, err := jsonText(orEmptyMap(s.Memo))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, upsertStep, r.ID, i, noNUL(s.ID), noNUL(s.Uses), noNUL(s.Title), string(s.Status), s.Attempts,
			outputs, memo, noNUL(s.Error), millis(s.StartedAt), millis(s.FinishedAt)); err != nil {
			return dbError(err, "recording step %s", s.ID)
		}
	}
	insDecision := tx.Rebind(`INSERT INTO action_decisions (run_id, seq, actor_slack, actor_ref, actor, approve, reason, as_groups, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	for i := prevDecisions; i < len(r.Decisions); i++ {
		d := r.Decisions[i]
		actor, err := jsonText(d.Actor)
		if err != nil {
			return err
		}
		groups, err := jsonText(noNilStrings(d.Groups))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, insDecision, r.ID, i, noNUL(d.Actor.SlackID), noNUL(d.Actor.Ref), actor, d.Approve,
			noNUL(d.Reason), groups, millis(d.At)); err != nil {
			if isUniqueViolation(err) {
				return errkind.New(errkind.Conflict, "%s has already decided on run %s", d.Actor.String(), r.ID)
			}
			return dbError(err, "recording a decision")
		}
	}
	upsertMessage := tx.Rebind(`INSERT INTO action_messages (run_id, purpose, channel, ts) VALUES (?, ?, ?, ?)
		ON CONFLICT (run_id, purpose, channel) DO UPDATE SET ts = excluded.ts`)
	for _, m := range r.Messages {
		if prevMessages[m.Purpose+"\x00"+m.Channel+"\x00"+m.TS] {
			continue
		}
		if _, err := tx.ExecContext(ctx, upsertMessage, r.ID, noNUL(m.Purpose), noNUL(m.Channel), noNUL(m.TS)); err != nil {
			return dbError(err, "recording a message of run %s", r.ID)
		}
	}
	// A keyed event is written once per run: a second one with the same
	// key is dropped by the unique index.
	insAudit := tx.Rebind(`INSERT INTO action_audit (run_id, at, actor, event, step, detail, once_key) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (run_id, once_key) DO NOTHING`)
	now := time.Now()
	for _, e := range events {
		at := e.At
		if at.IsZero() {
			at = now
		}
		actor := e.Actor
		if actor == "" {
			actor = "gantry"
		}
		detail, err := jsonText(orEmptyMap(e.Detail))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, insAudit, r.ID, millis(at), noNUL(actor), noNUL(e.Event), noNUL(e.Step), detail, nullKey(noNUL(e.Key))); err != nil {
			return dbError(err, "writing the audit trail of run %s", r.ID)
		}
	}
	return nil
}

func orEmptyMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func noNilStrings(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// isUniqueViolation reports a duplicate key on either engine.
func isUniqueViolation(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "SQLSTATE 23505") || strings.Contains(msg, "duplicate key")
}

func toRunRow(r *actions.Run) (runRow, error) {
	def, err := jsonText(r.Definition)
	if err != nil {
		return runRow{}, err
	}
	req, err := jsonText(r.Requester)
	if err != nil {
		return runRow{}, err
	}
	inputs, err := jsonText(orEmptyMap(r.Inputs))
	if err != nil {
		return runRow{}, err
	}
	result, err := jsonText(r.Result)
	if err != nil {
		return runRow{}, err
	}
	return runRow{
		ID: r.ID, Action: noNUL(r.Action), ActionTitle: noNUL(r.ActionTitle), Definition: def, Requester: req, Inputs: inputs,
		State: string(r.State), Version: r.Version, RequestKey: nullKey(noNUL(r.RequestKey)), NextStep: r.NextStep,
		Error: noNUL(r.Error), FailedStep: noNUL(r.FailedStep), ErrorInput: noNUL(r.ErrorInput),
		ApprovalExpires: millis(r.ApprovalExpires), LeaseOwner: noNUL(r.LeaseOwner), LeaseUntil: millis(r.LeaseUntil),
		Result: result, CreatedAt: millis(r.CreatedAt), UpdatedAt: millis(r.UpdatedAt), StartedAt: millis(r.StartedAt),
		FinishedAt: millis(r.FinishedAt),
	}, nil
}

// loadRun reads a run and its parts; lock takes the row's lock first
// (PostgreSQL; SQLite's write transaction already excludes other writers).
func (db *DB) loadRun(ctx context.Context, q queryer, id string, lock bool) (*actions.Run, error) {
	query := "SELECT " + runColumns + " FROM action_runs WHERE id = ?"
	if lock && db.dialect == DialectPostgres {
		query += " FOR UPDATE"
	}
	var row runRow
	if err := q.GetContext(ctx, &row, q.Rebind(query), noNUL(id)); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, errkind.New(errkind.NotFound, "there is no run %s", id)
		}
		return nil, dbError(err, "reading run %s", id)
	}
	r, err := fromRunRow(row)
	if err != nil {
		return nil, err
	}
	var steps []stepRow
	if err := q.SelectContext(ctx, &steps, q.Rebind(`SELECT idx, step_id, uses, title, status, attempts, outputs, memo, error, started_at, finished_at
		FROM action_steps WHERE run_id = ? ORDER BY idx`), id); err != nil {
		return nil, dbError(err, "reading the steps of run %s", id)
	}
	for _, s := range steps {
		st := actions.StepState{Index: s.Index, ID: s.StepID, Uses: s.Uses, Title: s.Title, Status: actions.StepStatus(s.Status),
			Attempts: s.Attempts, Error: s.Error, StartedAt: fromMillis(s.StartedAt), FinishedAt: fromMillis(s.FinishedAt)}
		if err := decodeJSONMap(s.Outputs, &st.Outputs); err != nil {
			return nil, fmt.Errorf("run %s step %s outputs: %w", id, s.StepID, err)
		}
		if err := decodeJSONMap(s.Memo, &st.Memo); err != nil {
			return nil, fmt.Errorf("run %s step %s memo: %w", id, s.StepID, err)
		}
		r.Steps = append(r.Steps, st)
	}
	var decisions []decisionRow
	if err := q.SelectContext(ctx, &decisions, q.Rebind(`SELECT seq, actor, approve, reason, as_groups, at FROM action_decisions
		WHERE run_id = ? ORDER BY seq`), id); err != nil {
		return nil, dbError(err, "reading the decisions on run %s", id)
	}
	for _, d := range decisions {
		dec := actions.Decision{Approve: d.Approve, Reason: d.Reason, At: fromMillis(d.At)}
		if err := json.Unmarshal([]byte(d.Actor), &dec.Actor); err != nil {
			return nil, fmt.Errorf("run %s decision %d: %w", id, d.Seq, err)
		}
		if err := json.Unmarshal([]byte(d.Groups), &dec.Groups); err != nil {
			return nil, fmt.Errorf("run %s decision %d: %w", id, d.Seq, err)
		}
		r.Decisions = append(r.Decisions, dec)
	}
	var msgs []messageRow
	if err := q.SelectContext(ctx, &msgs, q.Rebind(`SELECT purpose, channel, ts FROM action_messages WHERE run_id = ? ORDER BY purpose, channel`), id); err != nil {
		return nil, dbError(err, "reading the messages of run %s", id)
	}
	for _, m := range msgs {
		r.Messages = append(r.Messages, actions.MessageRef{Purpose: m.Purpose, Channel: m.Channel, TS: m.TS})
	}
	return r, nil
}

func decodeJSONMap(s string, out *map[string]any) error {
	if s == "" || s == "{}" {
		return nil
	}
	return json.Unmarshal([]byte(s), out)
}

func fromRunRow(row runRow) (*actions.Run, error) {
	def, err := actions.DecodeSnapshot([]byte(row.Definition))
	if err != nil {
		return nil, fmt.Errorf("run %s: %w", row.ID, err)
	}
	r := &actions.Run{ID: row.ID, Action: row.Action, ActionTitle: row.ActionTitle, Definition: def, State: actions.State(row.State),
		Version: row.Version, RequestKey: row.RequestKey.String, NextStep: row.NextStep, Error: row.Error, FailedStep: row.FailedStep,
		ErrorInput: row.ErrorInput, ApprovalExpires: fromMillis(row.ApprovalExpires), LeaseOwner: row.LeaseOwner,
		LeaseUntil: fromMillis(row.LeaseUntil), CreatedAt: fromMillis(row.CreatedAt), UpdatedAt: fromMillis(row.UpdatedAt),
		StartedAt: fromMillis(row.StartedAt), FinishedAt: fromMillis(row.FinishedAt)}
	if err := json.Unmarshal([]byte(row.Requester), &r.Requester); err != nil {
		return nil, fmt.Errorf("run %s requester: %w", row.ID, err)
	}
	if err := json.Unmarshal([]byte(row.Inputs), &r.Inputs); err != nil {
		return nil, fmt.Errorf("run %s inputs: %w", row.ID, err)
	}
	if err := json.Unmarshal([]byte(row.Result), &r.Result); err != nil {
		return nil, fmt.Errorf("run %s result: %w", row.ID, err)
	}
	return r, nil
}

// cloneRun copies what UpdateRun compares after fn ran.
func cloneRun(r *actions.Run) *actions.Run {
	c := *r
	c.Steps = append([]actions.StepState(nil), r.Steps...)
	c.Decisions = append([]actions.Decision(nil), r.Decisions...)
	c.Messages = append([]actions.MessageRef(nil), r.Messages...)
	return &c
}

// ListRuns returns runs, newest first: a person's, in some states, of an
// action, before a time.
func (db *DB) ListRuns(ctx context.Context, f actions.RunFilter) ([]actions.Run, error) {
	var where []string
	var args []any
	if f.Requester != "" {
		where = append(where, "requester_slack = ?")
		args = append(args, noNUL(f.Requester))
	}
	if f.Action != "" {
		where = append(where, "action = ?")
		args = append(args, noNUL(f.Action))
	}
	if len(f.States) > 0 {
		marks := make([]string, len(f.States))
		for i, s := range f.States {
			marks[i] = "?"
			args = append(args, string(s))
		}
		where = append(where, "state IN ("+strings.Join(marks, ", ")+")")
	}
	if !f.Before.IsZero() {
		where = append(where, "created_at < ?")
		args = append(args, millis(f.Before))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 20
	}
	q := "SELECT id FROM action_runs"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += fmt.Sprintf(" ORDER BY created_at DESC, id DESC LIMIT %d", limit)
	var ids []string
	if err := db.read.SelectContext(ctx, &ids, db.read.Rebind(q), args...); err != nil {
		return nil, dbError(err, "listing runs")
	}
	out := make([]actions.Run, 0, len(ids))
	for _, id := range ids {
		r, err := db.GetRun(ctx, id)
		if errkind.Is(err, errkind.NotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for i := range r.Steps {
			r.Steps[i].Outputs, r.Steps[i].Memo = nil, nil
		}
		out = append(out, *r)
	}
	return out, nil
}

// PendingRuns returns the runs the engine must look at, oldest first:
// queued, running with an ended lease, waiting for an approval that expired.
func (db *DB) PendingRuns(ctx context.Context, now time.Time) ([]string, error) {
	var ids []string
	ms := now.UnixMilli()
	err := db.read.SelectContext(ctx, &ids, db.read.Rebind(`SELECT id FROM action_runs
		WHERE state = 'queued' OR (state = 'running' AND lease_until <= ?) OR (state = 'awaiting_approval' AND approval_expires <= ?)
		ORDER BY created_at, id LIMIT 1000`), ms, ms)
	if err != nil {
		return nil, dbError(err, "looking for runs to execute")
	}
	return ids, nil
}
