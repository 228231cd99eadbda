-- The last word of a search is matched as a prefix ("pay" finds
-- payments). entities_fts stems what it indexes and what it is asked, the
-- prefix too: "pay" is asked as "pai"*, which misses "payment". This
-- index holds the words of names, titles and tags unstemmed, and a search
-- reads only its vocabulary (entities_prefix_vocab): the words that start
-- with the prefix as typed are added to the query as whole words
-- ("pay"* OR "payments" OR "payroll" ...), which entities_fts stems as it
-- stems what it indexed. detail=none and columnsize=0: no positions, no
-- sizes, only which words occur, which is all the vocabulary needs.

-- +goose Up
CREATE VIRTUAL TABLE entities_prefix_fts USING fts5 (
    name, title, tags,
    content = 'entities_search', content_rowid = 'id',
    detail = none, columnsize = 0,
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE entities_prefix_vocab USING fts5vocab (entities_prefix_fts, row);

-- Existing catalogs are indexed here; new rows by the triggers.
INSERT INTO entities_prefix_fts (entities_prefix_fts) VALUES ('rebuild');

-- +goose StatementBegin
CREATE TRIGGER entities_prefix_fts_insert AFTER INSERT ON entities BEGIN
    INSERT INTO entities_prefix_fts (rowid, name, title, tags) VALUES (new.id, new.name, new.title, new.tags);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER entities_prefix_fts_delete AFTER DELETE ON entities BEGIN
    INSERT INTO entities_prefix_fts (entities_prefix_fts, rowid, name, title, tags)
    VALUES ('delete', old.id, old.name, old.title, old.tags);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER entities_prefix_fts_update AFTER UPDATE OF name, title, tags ON entities
WHEN old.name IS NOT new.name OR old.title IS NOT new.title OR old.tags IS NOT new.tags
BEGIN
    INSERT INTO entities_prefix_fts (entities_prefix_fts, rowid, name, title, tags)
    VALUES ('delete', old.id, old.name, old.title, old.tags);
    INSERT INTO entities_prefix_fts (rowid, name, title, tags) VALUES (new.id, new.name, new.title, new.tags);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER entities_prefix_fts_update;
DROP TRIGGER entities_prefix_fts_delete;
DROP TRIGGER entities_prefix_fts_insert;
DROP TABLE entities_prefix_vocab;
DROP TABLE entities_prefix_fts;
