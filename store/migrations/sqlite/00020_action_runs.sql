-- Action runs: one row per run (its state machine, the action's definition
-- as it was when the run started, the requester and the form's values),
-- its steps, the approvers' decisions, the Slack messages that show it, and
-- the audit trail of everything that happened to it. Times are Unix
-- milliseconds (0: not yet). JSON columns never hold a secret: the engine
-- redacts before it writes.

-- +goose Up
CREATE TABLE action_runs (
    id               TEXT PRIMARY KEY,
    action           TEXT NOT NULL,
    action_title     TEXT NOT NULL,
    definition       TEXT NOT NULL,   -- JSON: the action when the run started
    requester_slack  TEXT NOT NULL,
    requester_ref    TEXT NOT NULL,
    requester        TEXT NOT NULL,   -- JSON: slackId, ref, name, email
    inputs           TEXT NOT NULL,   -- JSON: the form's values
    state            TEXT NOT NULL,
    version          INTEGER NOT NULL,
    request_key      TEXT,            -- the submission's key; NULL for none
    next_step        INTEGER NOT NULL,
    error            TEXT NOT NULL,
    failed_step      TEXT NOT NULL,
    error_input      TEXT NOT NULL,
    approval_expires INTEGER NOT NULL,
    lease_owner      TEXT NOT NULL,
    lease_until      INTEGER NOT NULL,
    result           TEXT NOT NULL,   -- JSON: the rendered output
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    started_at       INTEGER NOT NULL,
    finished_at      INTEGER NOT NULL
);
CREATE UNIQUE INDEX action_runs_request_key ON action_runs (request_key);
CREATE INDEX action_runs_requester ON action_runs (requester_slack, created_at);
CREATE INDEX action_runs_state ON action_runs (state, lease_until);

CREATE TABLE action_steps (
    run_id      TEXT NOT NULL REFERENCES action_runs (id) ON DELETE CASCADE,
    idx         INTEGER NOT NULL,
    step_id     TEXT NOT NULL,
    uses        TEXT NOT NULL,
    title       TEXT NOT NULL,
    status      TEXT NOT NULL,
    attempts    INTEGER NOT NULL,
    outputs     TEXT NOT NULL,        -- JSON
    memo        TEXT NOT NULL,        -- JSON: what the step recorded while working
    error       TEXT NOT NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER NOT NULL,
    PRIMARY KEY (run_id, idx)
);

CREATE TABLE action_decisions (
    run_id      TEXT NOT NULL REFERENCES action_runs (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    actor_slack TEXT NOT NULL,
    actor_ref   TEXT NOT NULL,
    actor       TEXT NOT NULL,        -- JSON
    approve     INTEGER NOT NULL,
    reason      TEXT NOT NULL,
    as_groups   TEXT NOT NULL,        -- JSON list
    at          INTEGER NOT NULL,
    PRIMARY KEY (run_id, seq)
);
-- One decision per person and run: a double click cannot count twice.
CREATE UNIQUE INDEX action_decisions_actor ON action_decisions (run_id, actor_slack, actor_ref);

CREATE TABLE action_messages (
    run_id  TEXT NOT NULL REFERENCES action_runs (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,            -- progress or approval
    channel TEXT NOT NULL,
    ts      TEXT NOT NULL,
    PRIMARY KEY (run_id, purpose, channel)
);

-- The audit trail outlives nothing it describes: no foreign key, so
-- deleting a run keeps its history.
CREATE TABLE action_audit (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL,
    at     INTEGER NOT NULL,
    actor  TEXT NOT NULL,
    event  TEXT NOT NULL,
    step   TEXT NOT NULL,
    detail TEXT NOT NULL              -- JSON, secrets redacted
);
CREATE INDEX action_audit_run ON action_audit (run_id, id);

-- +goose Down
DROP TABLE action_audit;
DROP TABLE action_messages;
DROP TABLE action_decisions;
DROP TABLE action_steps;
DROP TABLE action_runs;
