package store

import (
	"context"
	"hash/fnv"
)

// TryLockSync takes the lock that lets one replica at a time sync a
// source, without waiting. On PostgreSQL it is a session advisory lock
// (pg_try_advisory_lock) held on a connection of its own until release is
// called, or until that connection dies with its replica, so a crashed
// replica never leaves a source locked. SQLite is one process's file, where
// the in-process Syncer already refuses a second sync: the lock is always
// granted. ok is false when another replica holds the lock.
func (db *DB) TryLockSync(ctx context.Context, name string) (release func(), ok bool, err error) {
	if db.dialect != DialectPostgres {
		return func() {}, true, nil
	}
	h := fnv.New64a()
	h.Write([]byte("gantry sync\x00" + name))
	key := int64(h.Sum64())
	conn, err := db.write.Connx(ctx)
	if err != nil {
		return nil, false, dbError(err, "locking the sync of %s", name)
	}
	if err := conn.GetContext(ctx, &ok, "SELECT pg_try_advisory_lock($1)", key); err != nil {
		conn.Close()
		return nil, false, dbError(err, "locking the sync of %s", name)
	}
	if !ok {
		conn.Close()
		return nil, false, nil
	}
	return func() {
		// A fresh context: the sync's may be done, and the lock must go.
		if _, err := conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock($1)", key); err != nil {
			db.log.Warn("store: releasing the sync lock", "source", name, "err", err)
		}
		conn.Close()
	}, true, nil
}
