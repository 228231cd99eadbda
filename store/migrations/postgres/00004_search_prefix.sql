-- The last word of a search is matched as a prefix ("pay" finds
-- payments). SQLite's porter stemmer stems a prefix ("pai"*, which missed
-- "payment"), and its 00004 adds an unstemmed index to fix that.
-- PostgreSQL's 'english' (Snowball) stemmer leaves such prefixes as typed
-- ('pay':* matches 'payment'), so nothing changes here. (An unstemmed
-- 'simple' vector for the rarer prefixes longer than a word's stem, "runn"
-- of 'run', made every search two to ten times slower: not worth it.)
-- This file keeps the two directories' numbers in step.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
