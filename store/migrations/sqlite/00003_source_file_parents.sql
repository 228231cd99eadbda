-- Which file led to each file of a source (the Location file whose target
-- it is; '' for a file the source reads of its own accord), so that a sync
-- keeps the entities of files a failed Location file used to lead to, and
-- removes everything else that disappeared. NULL in rows written before:
-- their lineage is unknown, and the next sync records it.

-- +goose Up
ALTER TABLE source_files ADD COLUMN parent TEXT;

-- +goose Down
ALTER TABLE source_files DROP COLUMN parent;
