-- What each sync read of each file of a source: a digest of its content,
-- so the next sync can skip files that did not change.

-- +goose Up
CREATE TABLE source_files (
    source TEXT NOT NULL,
    file   TEXT NOT NULL,
    digest TEXT NOT NULL,
    PRIMARY KEY (source, file)
);

-- +goose Down
DROP TABLE source_files;
