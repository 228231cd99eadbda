-- The catalog: one row per entity, its derived relations and lookup keys,
-- and a full-text index over what people search by.

-- +goose Up
CREATE TABLE entities (
    -- An INTEGER PRIMARY KEY is the rowid itself, which VACUUM never
    -- renumbers; entities_fts uses it as its rowid.
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
    -- What entities_fts indexes besides name, title and description, as
    -- the store writes it: tags and link titles space-separated, owner and
    -- system as short refs ("team-a", or "ops/team-a" elsewhere).
    tags            TEXT NOT NULL DEFAULT '',
    owner           TEXT NOT NULL DEFAULT '',
    system          TEXT NOT NULL DEFAULT '',
    link_titles     TEXT NOT NULL DEFAULT '',
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

-- Search has two FTS5 indexes over an external content: each keeps only
-- its index, and reads text back (for snippet()) from entities_search by
-- id. entities_fts holds every searched field; entities_names_fts only
-- name and title, so that its BM25 weighs a name against other names, not
-- against whole descriptions: a search lists the entities whose names and
-- titles hold the words first, shortest first, then the rest by
-- entities_fts's rank. The view blanks asterisks in descriptions, which
-- the tokeniser treats as separators anyway, so that a Markdown **bold**
-- cannot be mistaken for the snippet's own highlighting. kind is indexed
-- so that a search by kind is filtered inside the index (kind : component);
-- searches never let the user's words reach that column, and its rank
-- weight is 0. There is no prefix index: a last word is expanded in a
-- few milliseconds without one (two letters, the worst, in about 6 ms at
-- 100,000 entities), while prefix='2' made loading 100,000 entities 25-50%
-- slower.
CREATE VIEW entities_search AS
    SELECT id, name, title, replace(description, '*', ' ') AS description,
        tags, owner, system, link_titles, kind
    FROM entities;

CREATE VIRTUAL TABLE entities_fts USING fts5 (
    name, title, description, tags, owner, system, link_titles, kind,
    content = 'entities_search', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE VIRTUAL TABLE entities_names_fts USING fts5 (
    name, title, kind,
    content = 'entities_search', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);

-- ORDER BY rank is BM25 with column weights: what an entity is called
-- counts most, what it is about least. PostgreSQL's A/B/C weights follow
-- the same grouping.
INSERT INTO entities_fts (entities_fts, rank) VALUES ('rank', 'bm25(10.0, 10.0, 2.0, 4.0, 4.0, 4.0, 2.0, 0.0)');
INSERT INTO entities_names_fts (entities_names_fts, rank) VALUES ('rank', 'bm25(1.0, 1.0, 0.0)');

-- The triggers keep the index in step with entities: FTS5 removes a row
-- from an external-content index given the exact text it indexed, which
-- old.* is. An upsert that leaves the searched text as it was skips both.
-- +goose StatementBegin
CREATE TRIGGER entities_fts_insert AFTER INSERT ON entities BEGIN
    INSERT INTO entities_fts (rowid, name, title, description, tags, owner, system, link_titles, kind)
    VALUES (new.id, new.name, new.title, replace(new.description, '*', ' '),
        new.tags, new.owner, new.system, new.link_titles, new.kind);
    INSERT INTO entities_names_fts (rowid, name, title, kind) VALUES (new.id, new.name, new.title, new.kind);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER entities_fts_delete AFTER DELETE ON entities BEGIN
    INSERT INTO entities_fts (entities_fts, rowid, name, title, description, tags, owner, system, link_titles, kind)
    VALUES ('delete', old.id, old.name, old.title, replace(old.description, '*', ' '),
        old.tags, old.owner, old.system, old.link_titles, old.kind);
    INSERT INTO entities_names_fts (entities_names_fts, rowid, name, title, kind)
    VALUES ('delete', old.id, old.name, old.title, old.kind);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER entities_fts_update AFTER UPDATE OF name, title, description, tags, owner, system, link_titles, kind ON entities
WHEN old.name IS NOT new.name OR old.title IS NOT new.title OR old.description IS NOT new.description
    OR old.tags IS NOT new.tags OR old.owner IS NOT new.owner OR old.system IS NOT new.system
    OR old.link_titles IS NOT new.link_titles OR old.kind IS NOT new.kind
BEGIN
    INSERT INTO entities_fts (entities_fts, rowid, name, title, description, tags, owner, system, link_titles, kind)
    VALUES ('delete', old.id, old.name, old.title, replace(old.description, '*', ' '),
        old.tags, old.owner, old.system, old.link_titles, old.kind);
    INSERT INTO entities_fts (rowid, name, title, description, tags, owner, system, link_titles, kind)
    VALUES (new.id, new.name, new.title, replace(new.description, '*', ' '),
        new.tags, new.owner, new.system, new.link_titles, new.kind);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER entities_names_fts_update AFTER UPDATE OF name, title, kind ON entities
WHEN old.name IS NOT new.name OR old.title IS NOT new.title OR old.kind IS NOT new.kind
BEGIN
    INSERT INTO entities_names_fts (entities_names_fts, rowid, name, title, kind)
    VALUES ('delete', old.id, old.name, old.title, old.kind);
    INSERT INTO entities_names_fts (rowid, name, title, kind) VALUES (new.id, new.name, new.title, new.kind);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER entities_names_fts_update;
DROP TRIGGER entities_fts_update;
DROP TRIGGER entities_fts_delete;
DROP TRIGGER entities_fts_insert;
DROP TABLE entities_names_fts;
DROP TABLE entities_fts;
DROP VIEW entities_search;
DROP TABLE entity_keys;
DROP TABLE relations;
DROP TABLE entities;
