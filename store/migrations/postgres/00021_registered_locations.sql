-- Catalog locations registered at run time (by an action's
-- catalog.register step): descriptors in GitHub repositories that the
-- "registered" source reads through the GitHub API at every sync. Times
-- are Unix milliseconds.

-- +goose Up
CREATE TABLE registered_locations (
    target   TEXT PRIMARY KEY,   -- github:owner/repo/path@ref, lowercased owner and repo
    repo     TEXT NOT NULL,      -- owner/repo as GitHub spells it
    path     TEXT NOT NULL,      -- the descriptor's path in the repository
    ref      TEXT NOT NULL,      -- branch; "" for the default branch
    run_id   TEXT NOT NULL,      -- the run that registered it ("" from elsewhere)
    added_by TEXT NOT NULL,
    added_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE registered_locations;
