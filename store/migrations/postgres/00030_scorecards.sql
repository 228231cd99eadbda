-- Scorecards: evaluations, their results per entity and rule, and the
-- digests posted from them (see store/scorecards.go and store/digests.go).
-- A result row is written only when an entity's outcome changed since its
-- previous row (or it left the scorecard: gone = 1), so the outcome at
-- time T is the latest row at or before the last evaluation finished by T.
-- Times are Unix milliseconds.

-- +goose Up
CREATE TABLE scorecard_evaluations (
    id          BIGSERIAL PRIMARY KEY,
    reason      TEXT NOT NULL,      -- sync, cli, slack, on-demand
    started_at  BIGINT NOT NULL,
    finished_at BIGINT NOT NULL,
    entities    INTEGER NOT NULL,   -- scanned
    results     INTEGER NOT NULL,   -- entity results computed
    written     INTEGER NOT NULL,   -- of which changed, hence recorded
    scorecards  jsonb NOT NULL,     -- JSON list of the scorecards evaluated
    problems    jsonb NOT NULL      -- JSON list of sentences
);
CREATE INDEX scorecard_evaluations_finished ON scorecard_evaluations (finished_at);

CREATE TABLE scorecard_results (
    scorecard     TEXT NOT NULL,
    entity_ref    TEXT NOT NULL,
    evaluation_id BIGINT NOT NULL,
    gone          INTEGER NOT NULL DEFAULT 0,  -- 1: the entity left the scorecard
    title         TEXT NOT NULL,
    kind          TEXT NOT NULL,
    team_ref      TEXT NOT NULL,               -- '' when nobody known owns it
    inferred      INTEGER NOT NULL DEFAULT 0,
    repo          TEXT NOT NULL DEFAULT '',
    level         INTEGER NOT NULL,            -- -1: below the first level
    level_name    TEXT NOT NULL,
    score         DOUBLE PRECISION NOT NULL,
    fingerprint   TEXT NOT NULL,
    PRIMARY KEY (scorecard, entity_ref, evaluation_id)
);
CREATE INDEX scorecard_results_team ON scorecard_results (scorecard, team_ref, evaluation_id);
CREATE INDEX scorecard_results_evaluation ON scorecard_results (evaluation_id);

CREATE TABLE scorecard_rule_results (
    scorecard     TEXT NOT NULL,
    entity_ref    TEXT NOT NULL,
    evaluation_id BIGINT NOT NULL,
    rule_id       TEXT NOT NULL,
    state         TEXT NOT NULL,               -- pass, fail, unknown, error
    detail        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (scorecard, entity_ref, evaluation_id, rule_id)
);
CREATE INDEX scorecard_rule_results_rule ON scorecard_rule_results (scorecard, rule_id, evaluation_id);

-- One row per (scorecard, team, period), inserted before the digest is
-- posted: the unique key is what makes it posted once.
CREATE TABLE scorecard_digests (
    scorecard   TEXT NOT NULL,
    team_ref    TEXT NOT NULL,                 -- '' for services nobody owns
    period      TEXT NOT NULL,                 -- the scheduled time, RFC 3339 UTC
    state       TEXT NOT NULL,                 -- claimed, posting, posted, failed, skipped
    channel     TEXT NOT NULL DEFAULT '',
    ts          TEXT NOT NULL DEFAULT '',
    claimed_by  TEXT NOT NULL DEFAULT '',
    lease_until BIGINT NOT NULL DEFAULT 0,
    attempts    INTEGER NOT NULL DEFAULT 0,    -- claims taken
    retries     INTEGER NOT NULL DEFAULT 0,    -- posts retried after Slack failed
    error       TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    posted_at   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (scorecard, team_ref, period)
);
CREATE INDEX scorecard_digests_period ON scorecard_digests (scorecard, period);

-- +goose Down
DROP TABLE scorecard_digests;
DROP TABLE scorecard_rule_results;
DROP TABLE scorecard_results;
DROP TABLE scorecard_evaluations;
