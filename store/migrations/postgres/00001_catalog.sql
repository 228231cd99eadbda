-- The catalog: one row per entity, its derived relations and lookup keys,
-- and a weighted full-text vector over what people search by.

-- +goose Up
CREATE TABLE entities (
    -- COLLATE "C": refs sort by bytes, as on SQLite, whatever the locale.
    ref             text COLLATE "C" PRIMARY KEY, -- kind:namespace/name, lowercased
    kind            text NOT NULL,                -- lowercased, as in ref
    namespace       text NOT NULL,                -- lowercased, as in ref
    name            text NOT NULL,                -- as its authors spelled it
    name_lower      text NOT NULL,
    title           text NOT NULL DEFAULT '',
    description     text NOT NULL DEFAULT '',
    source          text NOT NULL,                -- the configured source that wrote it
    file            text NOT NULL DEFAULT '',
    line            integer NOT NULL DEFAULT 0,
    location        text NOT NULL DEFAULT '',
    origin_location text NOT NULL DEFAULT '',
    hash            text NOT NULL DEFAULT '',
    flag            text NOT NULL DEFAULT '',     -- why it is stale, when it is
    body            jsonb NOT NULL,               -- the descriptor, without relations
    -- name and title weigh A, tags, owner and system B, description and
    -- link titles C; written by the store from text it tokenised itself.
    search          tsvector NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX entities_name_lower ON entities (name_lower);
CREATE INDEX entities_source ON entities (source);
CREATE INDEX entities_kind ON entities (kind, ref);
CREATE INDEX entities_search ON entities USING gin (search);

-- Each edge is stored once per entity whose spec declared it (origin_ref),
-- so replacing or deleting that entity removes exactly its edges, in both
-- directions. Edges are read by where they start only: every edge is also
-- stored reversed, so "what points at X" is X's own inverse edges.
CREATE TABLE relations (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    origin_ref text COLLATE "C" NOT NULL REFERENCES entities (ref) ON DELETE CASCADE,
    source_ref text COLLATE "C" NOT NULL,
    type       text NOT NULL,
    target_ref text COLLATE "C" NOT NULL
);
CREATE INDEX relations_origin ON relations (origin_ref);
CREATE INDEX relations_source ON relations (source_ref, type, target_ref);

CREATE TABLE entity_keys (
    id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ref   text COLLATE "C" NOT NULL REFERENCES entities (ref) ON DELETE CASCADE,
    key   text NOT NULL,
    value text NOT NULL
);
CREATE INDEX entity_keys_ref ON entity_keys (ref);
CREATE INDEX entity_keys_lookup ON entity_keys (key, value);

-- +goose Down
DROP TABLE entity_keys;
DROP TABLE relations;
DROP TABLE entities;
