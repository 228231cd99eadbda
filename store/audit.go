package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/gantryhq/gantry/actions"
)

// Audit returns a run's audit trail, oldest first.
func (db *DB) Audit(ctx context.Context, runID string) ([]actions.AuditEvent, error) {
	var rows []struct {
		ID     int64  `db:"id"`
		RunID  string `db:"run_id"`
		At     int64  `db:"at"`
		Actor  string `db:"actor"`
		Event  string `db:"event"`
		Step   string `db:"step"`
		Detail string `db:"detail"`
	}
	err := db.read.SelectContext(ctx, &rows, db.read.Rebind(`SELECT id, run_id, at, actor, event, step, detail
		FROM action_audit WHERE run_id = ? ORDER BY id`), noNUL(runID))
	if err != nil {
		return nil, dbError(err, "reading the audit trail of run %s", runID)
	}
	out := make([]actions.AuditEvent, 0, len(rows))
	for _, r := range rows {
		e := actions.AuditEvent{ID: r.ID, RunID: r.RunID, At: fromMillis(r.At), Actor: r.Actor, Event: r.Event, Step: r.Step}
		if err := json.Unmarshal([]byte(r.Detail), &e.Detail); err != nil {
			return nil, fmt.Errorf("audit event %d of run %s: %w", r.ID, runID, err)
		}
		out = append(out, e)
	}
	return out, nil
}
