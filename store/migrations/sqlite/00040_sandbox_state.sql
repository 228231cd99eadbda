-- The local playground's sandbox (gantry serve --local): the state of its
-- Slack-compatible and GitHub-compatible servers, one JSON document per
-- server, saved as the conversation goes on so that a restart keeps it.
-- Times are Unix milliseconds.

-- +goose Up
CREATE TABLE sandbox_state (
    name       TEXT PRIMARY KEY,  -- "slack", "github"
    data       TEXT NOT NULL,     -- the server's snapshot, JSON
    updated_at INTEGER NOT NULL
);

-- +goose Down
DROP TABLE sandbox_state;
