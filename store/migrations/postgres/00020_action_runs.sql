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
    definition       jsonb NOT NULL,  -- JSON: the action when the run started
    requester_slack  TEXT NOT NULL,
    requester_ref    TEXT NOT NULL,
    requester        jsonb NOT NULL,  -- JSON: slackId, ref, name, email
    inputs           jsonb NOT NULL,  -- JSON: the form's values
    state            TEXT NOT NULL,
    version          BIGINT NOT NULL,
    request_key      TEXT,            -- the submission's key; NULL for none
    next_step        BIGINT NOT NULL,
    error            TEXT NOT NULL,
    failed_step      TEXT NOT NULL,
    error_input      TEXT NOT NULL,
    approval_expires BIGINT NOT NULL,
    lease_owner      TEXT NOT NULL,
    lease_until      BIGINT NOT NULL,
    result           jsonb NOT NULL,  -- JSON: the rendered output
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    started_at       BIGINT NOT NULL,
    finished_at      BIGINT NOT NULL
);
CREATE UNIQUE INDEX action_runs_request_key ON action_runs (request_key);
CREATE INDEX action_runs_requester ON action_runs (requester_slack, created_at);
CREATE INDEX action_runs_state ON action_runs (state, lease_until);

CREATE TABLE action_steps (
    run_id      TEXT NOT NULL REFERENCES action_runs (id) ON DELETE CASCADE,
    idx         BIGINT NOT NULL,
    step_id     TEXT NOT NULL,
    uses        TEXT NOT NULL,
    title       TEXT NOT NULL,
    status      TEXT NOT NULL,
    attempts    BIGINT NOT NULL,
    outputs     jsonb NOT NULL,       -- JSON
    memo        jsonb NOT NULL,       -- JSON: what the step recorded while working
    error       TEXT NOT NULL,
    started_at  BIGINT NOT NULL,
    finished_at BIGINT NOT NULL,
    PRIMARY KEY (run_id, idx)
);

CREATE TABLE action_decisions (
    run_id      TEXT NOT NULL REFERENCES action_runs (id) ON DELETE CASCADE,
    seq         BIGINT NOT NULL,
    actor_slack TEXT NOT NULL,
    actor_ref   TEXT NOT NULL,
    actor       jsonb NOT NULL,       -- JSON
    approve     BOOLEAN NOT NULL,
    reason      TEXT NOT NULL,
    as_groups   jsonb NOT NULL,       -- JSON list
    at          BIGINT NOT NULL,
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
    id     BIGSERIAL PRIMARY KEY,
    run_id TEXT NOT NULL,
    at     BIGINT NOT NULL,
    actor  TEXT NOT NULL,
    event  TEXT NOT NULL,
    step   TEXT NOT NULL,
    detail jsonb NOT NULL             -- JSON, secrets redacted
);
CREATE INDEX action_audit_run ON action_audit (run_id, id);

-- +goose Down
DROP TABLE action_audit;
DROP TABLE action_messages;
DROP TABLE action_decisions;
DROP TABLE action_steps;
DROP TABLE action_runs;
