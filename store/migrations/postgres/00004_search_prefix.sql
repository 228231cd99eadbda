-- The last word of a search is matched as a prefix ("pay" finds
-- payments). search holds stems ('english'), and a stemmed prefix can miss
-- a word it starts ("runn" is not a prefix of 'run'), so the prefix is
-- also matched, with the 'simple' configuration (no stemming), against
-- the words of names and titles (weight A) and tags (B) as they are
-- written, which the store keeps in search_prefix. SQLite does the same
-- with an unstemmed FTS5 index over the same fields.

-- +goose Up
ALTER TABLE entities ADD COLUMN search_prefix tsvector NOT NULL DEFAULT '';
-- Existing catalogs: the store splits words on anything but letters,
-- digits and marks before PostgreSQL sees them; the regular expression
-- does about the same.
UPDATE entities SET search_prefix =
    setweight(to_tsvector('simple', regexp_replace(lower(name || ' ' || title), '[^[:alnum:]]+', ' ', 'g')), 'A') ||
    setweight(to_tsvector('simple', regexp_replace(lower(coalesce(
        (SELECT string_agg(t, ' ') FROM jsonb_array_elements_text(
            CASE WHEN jsonb_typeof(body->'metadata'->'tags') = 'array' THEN body->'metadata'->'tags' ELSE '[]' END) t), '')),
        '[^[:alnum:]]+', ' ', 'g')), 'B');
CREATE INDEX entities_search_prefix ON entities USING gin (search_prefix);

-- +goose Down
DROP INDEX entities_search_prefix;
ALTER TABLE entities DROP COLUMN search_prefix;
