-- The catalog: one row per entity, its derived relations and lookup keys,
-- and a full-text index over what people search by.

-- +goose Up
CREATE TABLE entities (
    -- An INTEGER PRIMARY KEY is the rowid itself, which VACUUM never
    -- renumbers; entities_fts uses it as docid.
    id              INTEGER PRIMARY KEY,
    ref             TEXT NOT NULL UNIQUE,   -- kind:namespace/name, lowercased
    kind            TEXT NOT NULL,          -- lowercased, as in ref
    namespace       TEXT NOT NULL,          -- lowercased, as in ref
    name            TEXT NOT NULL,          -- as its authors spelled it
    name_lower      TEXT NOT NULL,
    title           TEXT NOT NULL DEFAULT '',
    description     TEXT NOT NULL DEFAULT '',
    source          TEXT NOT NULL,          -- the configured source that wrote it
    file            TEXT NOT NULL DEFAULT '',
    line            INTEGER NOT NULL DEFAULT 0,
    location        TEXT NOT NULL DEFAULT '',
    origin_location TEXT NOT NULL DEFAULT '',
    hash            TEXT NOT NULL DEFAULT '',
    flag            TEXT NOT NULL DEFAULT '', -- why it is stale, when it is
    body            TEXT NOT NULL,          -- the descriptor as JSON, without relations
    updated_at      TEXT NOT NULL
);
CREATE INDEX entities_name_lower ON entities (name_lower);
CREATE INDEX entities_source ON entities (source);
CREATE INDEX entities_kind ON entities (kind, ref);

-- Each edge is stored once per entity whose spec declared it (origin_ref),
-- so replacing or deleting that entity removes exactly its edges, in both
-- directions. Edges are read by where they start only: every edge is also
-- stored reversed, so "what points at X" is X's own inverse edges. Rowid
-- tables, because appending rows and growing two indexes is cheaper than
-- keeping a wide text primary key in order: a large sync writes six edges
-- per entity.
CREATE TABLE relations (
    id         INTEGER PRIMARY KEY,
    origin_ref TEXT NOT NULL REFERENCES entities (ref) ON DELETE CASCADE,
    source_ref TEXT NOT NULL,
    type       TEXT NOT NULL,
    target_ref TEXT NOT NULL
);
CREATE INDEX relations_origin ON relations (origin_ref);
CREATE INDEX relations_source ON relations (source_ref, type, target_ref);

CREATE TABLE entity_keys (
    id    INTEGER PRIMARY KEY,
    ref   TEXT NOT NULL REFERENCES entities (ref) ON DELETE CASCADE,
    key   TEXT NOT NULL,
    value TEXT NOT NULL
);
CREATE INDEX entity_keys_ref ON entity_keys (ref);
CREATE INDEX entity_keys_lookup ON entity_keys (key, value);

-- FTS4 rather than FTS5: mattn/go-sqlite3 compiles FTS5 only under a build
-- tag, and a plain `go build` must give a working binary. Ranking is BM25
-- computed from matchinfo() by gantry_rank, registered on each connection.
CREATE VIRTUAL TABLE entities_fts USING fts4 (
    name, title, description, tags, owner, system, links,
    tokenize=unicode61 "remove_diacritics=2"
);

-- +goose StatementBegin
CREATE TRIGGER entities_fts_delete AFTER DELETE ON entities BEGIN
    DELETE FROM entities_fts WHERE docid = old.id;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER entities_fts_delete;
DROP TABLE entities_fts;
DROP TABLE entity_keys;
DROP TABLE relations;
DROP TABLE entities;
