package store

import (
	"context"
	"errors"
	"time"

	"github.com/gantryhq/gantry/scorecard"
)

// Digests (scorecard.DigestStore): one row per (scorecard, team, period),
// inserted before the digest is posted. The primary key makes a second
// claim of the same digest fail, whichever replica makes it; the lease
// (claimed_by, lease_until) lets another process take over a claim whose
// holder died; the ts is recorded once Slack answered. On PostgreSQL the
// claim reads the row FOR UPDATE; on SQLite every write transaction is
// already serial.

const digestColumns = `scorecard, team_ref, period, state, channel, ts, claimed_by, lease_until, attempts, retries, error, posted_at`

type digestRow struct {
	Scorecard  string `db:"scorecard"`
	TeamRef    string `db:"team_ref"`
	Period     string `db:"period"`
	State      string `db:"state"`
	Channel    string `db:"channel"`
	TS         string `db:"ts"`
	ClaimedBy  string `db:"claimed_by"`
	LeaseUntil int64  `db:"lease_until"`
	Attempts   int    `db:"attempts"`
	Retries    int    `db:"retries"`
	Error      string `db:"error"`
	PostedAt   int64  `db:"posted_at"`
}

func (r digestRow) record() scorecard.DigestRecord {
	return scorecard.DigestRecord{
		DigestKey: scorecard.DigestKey{Scorecard: r.Scorecard, Team: r.TeamRef, Period: r.Period},
		State:     r.State, Channel: r.Channel, TS: r.TS, ClaimedBy: r.ClaimedBy, LeaseUntil: fromMillis(r.LeaseUntil),
		Attempts: r.Attempts, Retries: r.Retries, Error: r.Error, PostedAt: fromMillis(r.PostedAt),
	}
}

const digestKeyWhere = "scorecard = ? AND team_ref = ? AND period = ?"

func digestKeyArgs(k scorecard.DigestKey) []any {
	return []any{noNUL(k.Scorecard), noNUL(k.Team), noNUL(k.Period)}
}

// ClaimDigest takes the digest for owner until leaseUntil: it inserts the
// record, or takes over an unfinished one whose lease ran out (or that
// owner already holds). ok is false when the digest is finished or held
// by someone else whose lease runs; rec is then the record as it stands.
func (db *DB) ClaimDigest(ctx context.Context, k scorecard.DigestKey, owner string, now, leaseUntil time.Time) (scorecard.DigestRecord, *scorecard.DigestRecord, bool, error) {
	what := "claiming the digest of " + k.Team + " for " + k.Period
	tx, err := db.write.BeginTxx(ctx, nil)
	if err != nil {
		return scorecard.DigestRecord{}, nil, false, dbError(err, "%s", what)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO scorecard_digests
		(scorecard, team_ref, period, state, claimed_by, lease_until, attempts, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?) ON CONFLICT (scorecard, team_ref, period) DO NOTHING`),
		noNUL(k.Scorecard), noNUL(k.Team), noNUL(k.Period), scorecard.DigestClaimed, noNUL(owner), millis(leaseUntil), millis(now), millis(now))
	if err != nil {
		return scorecard.DigestRecord{}, nil, false, dbError(err, "%s", what)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		if err := tx.Commit(); err != nil {
			return scorecard.DigestRecord{}, nil, false, dbError(err, "%s", what)
		}
		return scorecard.DigestRecord{DigestKey: k, State: scorecard.DigestClaimed, ClaimedBy: owner, LeaseUntil: leaseUntil, Attempts: 1}, nil, true, nil
	}
	row, err := db.digestRow(ctx, tx, k, true)
	if err != nil {
		return scorecard.DigestRecord{}, nil, false, dbError(err, "%s", what)
	}
	cur := row.record()
	if cur.Final() || (row.ClaimedBy != owner && row.LeaseUntil >= millis(now)) {
		return cur, nil, false, nil
	}
	_, err = tx.ExecContext(ctx, tx.Rebind(`UPDATE scorecard_digests SET state = ?, claimed_by = ?, lease_until = ?,
		attempts = attempts + 1, updated_at = ? WHERE `+digestKeyWhere),
		append([]any{scorecard.DigestClaimed, noNUL(owner), millis(leaseUntil), millis(now)}, digestKeyArgs(k)...)...)
	if err != nil {
		return scorecard.DigestRecord{}, nil, false, dbError(err, "%s", what)
	}
	if err := tx.Commit(); err != nil {
		return scorecard.DigestRecord{}, nil, false, dbError(err, "%s", what)
	}
	next := cur
	next.State, next.ClaimedBy, next.LeaseUntil, next.Attempts = scorecard.DigestClaimed, owner, leaseUntil, cur.Attempts+1
	return next, &cur, true, nil
}

// digestRow reads one record, locking it on PostgreSQL when forUpdate.
func (db *DB) digestRow(ctx context.Context, q queryer, k scorecard.DigestKey, forUpdate bool) (digestRow, error) {
	stmt := "SELECT " + digestColumns + " FROM scorecard_digests WHERE " + digestKeyWhere
	if forUpdate && db.dialect == DialectPostgres {
		stmt += " FOR UPDATE"
	}
	var row digestRow
	err := q.GetContext(ctx, &row, q.Rebind(stmt), digestKeyArgs(k)...)
	return row, err
}

// StartPosting marks the digest as being posted, if owner still holds it
// under a running lease.
func (db *DB) StartPosting(ctx context.Context, k scorecard.DigestKey, owner string, now, leaseUntil time.Time) (bool, error) {
	return db.digestUpdate(ctx, "marking the digest of "+k.Team+" as posting",
		`state = ?, lease_until = ?, updated_at = ? WHERE `+digestKeyWhere+` AND claimed_by = ? AND state IN (?, ?) AND lease_until >= ?`,
		append(append([]any{scorecard.DigestPosting, millis(leaseUntil), millis(now)}, digestKeyArgs(k)...),
			noNUL(owner), scorecard.DigestClaimed, scorecard.DigestPosting, millis(now))...)
}

// RenewDigest extends owner's lease on an unfinished digest.
func (db *DB) RenewDigest(ctx context.Context, k scorecard.DigestKey, owner string, leaseUntil time.Time) (bool, error) {
	return db.digestUpdate(ctx, "renewing the claim on the digest of "+k.Team,
		`lease_until = ? WHERE `+digestKeyWhere+` AND claimed_by = ? AND state IN (?, ?)`,
		append(append([]any{millis(leaseUntil)}, digestKeyArgs(k)...), noNUL(owner), scorecard.DigestClaimed, scorecard.DigestPosting)...)
}

// FinishDigest records the outcome of owner's attempt. A posted digest is
// recorded even if owner lost the claim meanwhile: the message exists.
func (db *DB) FinishDigest(ctx context.Context, k scorecard.DigestKey, owner string, rec scorecard.DigestRecord, now time.Time) error {
	what := "recording the digest of " + k.Team
	var err error
	switch rec.State {
	case scorecard.DigestPosted:
		_, err = db.digestUpdate(ctx, what, `state = ?, channel = ?, ts = ?, retries = ?, error = '', lease_until = 0,
			posted_at = ?, updated_at = ? WHERE `+digestKeyWhere,
			append([]any{rec.State, noNUL(rec.Channel), noNUL(rec.TS), rec.Retries, millis(now), millis(now)}, digestKeyArgs(k)...)...)
	case scorecard.DigestFailed, scorecard.DigestSkipped, scorecard.DigestUncertain:
		_, err = db.digestUpdate(ctx, what, `state = ?, retries = ?, error = ?, lease_until = 0, updated_at = ?
			WHERE `+digestKeyWhere+` AND claimed_by = ?`,
			append(append([]any{rec.State, rec.Retries, noNUL(rec.Error), millis(now)}, digestKeyArgs(k)...), noNUL(owner))...)
	case scorecard.DigestClaimed:
		_, err = db.digestUpdate(ctx, what, `state = ?, retries = ?, error = ?, lease_until = ?, updated_at = ?
			WHERE `+digestKeyWhere+` AND claimed_by = ? AND state IN (?, ?)`,
			append(append([]any{rec.State, rec.Retries, noNUL(rec.Error), millis(rec.LeaseUntil), millis(now)}, digestKeyArgs(k)...),
				noNUL(owner), scorecard.DigestClaimed, scorecard.DigestPosting)...)
	default:
		return errors.New(what + ": unknown state " + rec.State)
	}
	return err
}

// ReleaseDigest ends owner's lease on an unfinished digest at once, so the
// next run takes it over without waiting. Its state is kept: a claim
// released while "posting" may have reached Slack.
func (db *DB) ReleaseDigest(ctx context.Context, k scorecard.DigestKey, owner string) error {
	_, err := db.digestUpdate(ctx, "giving back the digest of "+k.Team,
		`lease_until = 0 WHERE `+digestKeyWhere+` AND claimed_by = ? AND state IN (?, ?)`,
		append(append([]any{}, digestKeyArgs(k)...), noNUL(owner), scorecard.DigestClaimed, scorecard.DigestPosting)...)
	return err
}

// ReopenDigest deletes a finished record in one of states (never a posted
// one), so that the next claim starts afresh.
func (db *DB) ReopenDigest(ctx context.Context, k scorecard.DigestKey, states ...string) (bool, error) {
	var in []any
	marks := ""
	for _, st := range states {
		if st == scorecard.DigestPosted || st == scorecard.DigestClaimed || st == scorecard.DigestPosting {
			continue
		}
		if marks != "" {
			marks += ", "
		}
		marks += "?"
		in = append(in, st)
	}
	if len(in) == 0 {
		return false, nil
	}
	res, err := db.write.ExecContext(ctx, db.write.Rebind("DELETE FROM scorecard_digests WHERE "+digestKeyWhere+" AND state IN ("+marks+")"),
		append(digestKeyArgs(k), in...)...)
	if err != nil {
		return false, dbError(err, "reopening the digest of %s for %s", k.Team, k.Period)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

func (db *DB) digestUpdate(ctx context.Context, what, set string, args ...any) (bool, error) {
	res, err := db.write.ExecContext(ctx, db.write.Rebind("UPDATE scorecard_digests SET "+set), args...)
	if err != nil {
		return false, dbError(err, "%s", what)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// DigestRecords lists a scorecard's digest records of one period (every
// period when period is ""), by period then team.
func (db *DB) DigestRecords(ctx context.Context, sc, period string) ([]scorecard.DigestRecord, error) {
	q, args := "SELECT "+digestColumns+" FROM scorecard_digests WHERE scorecard = ?", []any{noNUL(sc)}
	if period != "" {
		q += " AND period = ?"
		args = append(args, noNUL(period))
	}
	var rows []digestRow
	if err := db.read.SelectContext(ctx, &rows, db.read.Rebind(q+" ORDER BY period, team_ref"), args...); err != nil {
		return nil, dbError(err, "reading the digests of %s", sc)
	}
	out := make([]scorecard.DigestRecord, len(rows))
	for i, r := range rows {
		out[i] = r.record()
	}
	return out, nil
}
