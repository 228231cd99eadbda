package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// The local playground's sandbox state (package playground): one JSON
// snapshot per simulated server, kept in the same database as everything
// else so that a restart of `gantry serve --local` keeps the conversation.

// SandboxState returns the snapshot saved under name; ok is false when
// none was saved.
func (db *DB) SandboxState(ctx context.Context, name string) (data []byte, ok bool, err error) {
	var s string
	err = db.read.GetContext(ctx, &s, db.read.Rebind("SELECT data FROM sandbox_state WHERE name = ?"), name)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, dbError(err, "reading the playground's %s sandbox", name)
	}
	return []byte(s), true, nil
}

// SaveSandboxState stores the snapshot of the sandbox named name,
// replacing the previous one.
func (db *DB) SaveSandboxState(ctx context.Context, name string, data []byte) error {
	_, err := db.write.ExecContext(ctx, db.write.Rebind(`INSERT INTO sandbox_state (name, data, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`),
		name, noNUL(string(data)), millis(time.Now()))
	if err != nil {
		return dbError(err, "saving the playground's %s sandbox", name)
	}
	return nil
}

// DeleteSandboxState forgets every saved sandbox, so the next start
// begins a fresh one.
func (db *DB) DeleteSandboxState(ctx context.Context) error {
	if _, err := db.write.ExecContext(ctx, "DELETE FROM sandbox_state"); err != nil {
		return dbError(err, "resetting the playground's sandbox")
	}
	return nil
}
