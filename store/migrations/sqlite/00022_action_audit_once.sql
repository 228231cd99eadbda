-- An audit event may carry a key that makes it happen once per run: a
-- person's refused clicks on an approval request are recorded once per
-- person and decision, however often they click. NULL for every other
-- event (NULLs never clash in a unique index, on either engine).

-- +goose Up
ALTER TABLE action_audit ADD COLUMN once_key TEXT;
CREATE UNIQUE INDEX action_audit_once ON action_audit (run_id, once_key);

-- +goose Down
DROP INDEX action_audit_once;
ALTER TABLE action_audit DROP COLUMN once_key;
