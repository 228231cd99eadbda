-- Facts about entities, read by providers (the github source today;
-- scorecard collectors later) and evaluated by scorecards: one JSON object
-- per entity and provider, with when it was read (Unix milliseconds).

-- +goose Up
CREATE TABLE facts (
    entity_ref TEXT NOT NULL,   -- kind:namespace/name, lowercased
    provider   TEXT NOT NULL,   -- "github", ...
    facts      TEXT NOT NULL,   -- a JSON object
    read_at    INTEGER NOT NULL,
    PRIMARY KEY (entity_ref, provider)
);
CREATE INDEX facts_provider ON facts (provider);

-- +goose Down
DROP TABLE facts;
