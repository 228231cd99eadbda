package store

import (
	"context"
	"time"
)

// ClaimOnce claims key for ttl, for the Slack bot's side effects that must
// happen once across restarts and replicas (a redelivered event, a double
// click): first is true for the one caller that inserted key, or that took
// it over after an earlier claim expired, and false while another claim of
// key holds. Errors: errkind.Unavailable when the database does not answer.
func (db *DB) ClaimOnce(ctx context.Context, key string, now time.Time, ttl time.Duration) (first bool, err error) {
	res, err := db.write.ExecContext(ctx, db.write.Rebind(`INSERT INTO slack_once (key, claimed_at, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET claimed_at = excluded.claimed_at, expires_at = excluded.expires_at
		WHERE slack_once.expires_at <= excluded.claimed_at`),
		noNUL(key), millis(now), millis(now.Add(ttl)))
	if err != nil {
		return false, dbError(err, "claiming %s", key)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, dbError(err, "claiming %s", key)
	}
	return n == 1, nil
}

// ForgetExpiredClaims deletes the once-claims that expired before now.
func (db *DB) ForgetExpiredClaims(ctx context.Context, now time.Time) (int64, error) {
	res, err := db.write.ExecContext(ctx, db.write.Rebind("DELETE FROM slack_once WHERE expires_at <= ?"), millis(now))
	if err != nil {
		return 0, dbError(err, "forgetting expired once-claims")
	}
	n, _ := res.RowsAffected()
	return n, nil
}
