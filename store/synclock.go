package store

import (
	"context"
	"crypto/rand"
	"hash/fnv"
	"sync"
	"time"
)

// TryLockSync takes the lock that lets one replica at a time sync a
// source, without waiting. On PostgreSQL it is a session advisory lock
// (pg_try_advisory_lock) held on a connection of its own until release is
// called, or until that connection dies with its replica, so a crashed
// replica never leaves a source locked. On SQLite, whose file several
// processes may open (two `gantry serve` on one file), it is a row of
// sync_leases with a lease of two minutes, renewed while held and deleted by
// release; a crashed process's lease runs out. ok is false when another
// replica (or another holder in this process) has the lock.
func (db *DB) TryLockSync(ctx context.Context, name string) (release func(), ok bool, err error) {
	if db.dialect != DialectPostgres {
		return db.tryLease(ctx, name)
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

// syncLease is how long a SQLite sync lease lasts unless renewed; it is
// renewed every third of it while held.
var syncLease = 2 * time.Minute

// tryLease takes name's row in sync_leases when it is free or its lease
// ran out, and renews it until release.
func (db *DB) tryLease(ctx context.Context, name string) (func(), bool, error) {
	holder := rand.Text()
	lease := syncLease
	now := time.Now()
	res, err := db.write.ExecContext(ctx, db.write.Rebind(`INSERT INTO sync_leases (name, holder, lease_until) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until
		WHERE sync_leases.lease_until < ?`), noNUL(name), holder, now.Add(lease).UnixMilli(), now.UnixMilli())
	if err != nil {
		return nil, false, dbError(err, "locking the sync of %s", name)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return nil, false, nil
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(lease / 3)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				res, err := db.write.ExecContext(context.Background(), db.write.Rebind(
					"UPDATE sync_leases SET lease_until = ? WHERE name = ? AND holder = ?"),
					time.Now().Add(lease).UnixMilli(), noNUL(name), holder)
				if n, _ := rowsAffected(res, err); n != 1 {
					db.log.Warn("store: renewing the sync lease", "name", name, "err", err)
				}
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(stop)
			wg.Wait()
			if _, err := db.write.ExecContext(context.Background(), db.write.Rebind(
				"DELETE FROM sync_leases WHERE name = ? AND holder = ?"), noNUL(name), holder); err != nil {
				db.log.Warn("store: releasing the sync lease", "name", name, "err", err)
			}
		})
	}, true, nil
}

func rowsAffected(res interface{ RowsAffected() (int64, error) }, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
