-- Who is syncing a source (or running another once-at-a-time job) on a
-- SQLite file that several processes share: TryLockSync takes the row when
-- it is free or its lease has run out, renews the lease while the job runs
-- and deletes the row when done, so a crashed process holds nothing for
-- long. PostgreSQL uses session advisory locks instead; the table is here
-- too so that both schemas stay alike. lease_until is Unix milliseconds.

-- +goose Up
CREATE TABLE sync_leases (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    lease_until BIGINT NOT NULL
);

-- +goose Down
DROP TABLE sync_leases;
