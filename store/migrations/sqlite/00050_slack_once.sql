-- The Slack bot's once-claims: a key per side effect that must happen once
-- however often Slack redelivers an event (its event_id) or a person
-- double-clicks (a message's "Share in channel"), across restarts and
-- replicas. The first to insert a key (or to take over an expired one)
-- does the work; the others skip it. Times are Unix milliseconds; rows
-- past their expiry are deleted as the bot goes.

-- +goose Up
CREATE TABLE slack_once (
    key        TEXT PRIMARY KEY,
    claimed_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX slack_once_expires ON slack_once (expires_at);

-- +goose Down
DROP TABLE slack_once;
