-- What the github catalog source remembers between syncs, so that a sync
-- with nothing changed costs one conditional request per list page: the
-- ETag of each page of the repository list, each repository's default
-- branch tree, the files read from it (by blob SHA), and the contents of
-- those blobs, so an unchanged file is never downloaded twice. Times are
-- Unix seconds (0: unknown).

-- +goose Up
CREATE TABLE github_pages (
    source TEXT NOT NULL,
    page   INTEGER NOT NULL,
    etag   TEXT NOT NULL,
    PRIMARY KEY (source, page)
);

CREATE TABLE github_repos (
    source         TEXT NOT NULL,
    repo_id        BIGINT NOT NULL,
    full_name      TEXT NOT NULL,
    default_branch TEXT NOT NULL DEFAULT '',
    head_sha       TEXT NOT NULL DEFAULT '',
    tree_sha       TEXT NOT NULL DEFAULT '',
    tree_etag      TEXT NOT NULL DEFAULT '',
    pushed_at      BIGINT NOT NULL DEFAULT 0,
    list_page      BIGINT NOT NULL DEFAULT 0,
    extra          jsonb NOT NULL DEFAULT '{}', -- metadata, owner inference, facts, ETags (JSON)
    PRIMARY KEY (source, repo_id)
);

CREATE TABLE github_files (
    source  TEXT NOT NULL,
    repo_id BIGINT NOT NULL,
    path    TEXT NOT NULL,
    sha     TEXT NOT NULL,
    size    BIGINT NOT NULL DEFAULT 0,
    role    TEXT NOT NULL,             -- descriptor, target, dependency, codeowners
    info    jsonb NOT NULL DEFAULT '{}', -- deps, targets and refs (JSON)
    PRIMARY KEY (source, repo_id, path),
    FOREIGN KEY (source, repo_id) REFERENCES github_repos (source, repo_id) ON DELETE CASCADE
);
CREATE INDEX github_files_sha ON github_files (sha);

CREATE TABLE github_blobs (
    sha       TEXT PRIMARY KEY,
    content   bytea NOT NULL,
    stored_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE github_blobs;
DROP TABLE github_files;
DROP TABLE github_repos;
DROP TABLE github_pages;
