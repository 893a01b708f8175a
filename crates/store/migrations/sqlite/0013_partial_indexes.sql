-- 0013 (SQLite): indexes leave out the rows no lookup can find. A pre-authorized offer has no
-- reference, a pre-authorized access token no authorization code, and a user made for an offer
-- no provider or subject; each such row added an entry under NULL to every one of these indexes,
-- a page written at every commit. Lookups compare with a value (`= $1`), which implies
-- `IS NOT NULL`, so both engines still use the indexes. The PostgreSQL twin is
-- postgres/0013_partial_indexes.sql.
DROP INDEX offers_reference_hash;
CREATE UNIQUE INDEX offers_reference_hash ON offers (reference_hash) WHERE reference_hash IS NOT NULL;
DROP INDEX access_tokens_authorization_code;
CREATE INDEX access_tokens_authorization_code ON access_tokens (authorization_code_hash)
    WHERE authorization_code_hash IS NOT NULL;
DROP INDEX users_provider_subject;
-- Provider and subject are set together (a sign-in); a filter by provider alone still uses this.
CREATE UNIQUE INDEX users_provider_subject ON users (provider_url, subject_id) WHERE provider_url IS NOT NULL;
DROP INDEX users_subject;
CREATE INDEX users_subject ON users (subject_id) WHERE subject_id IS NOT NULL;
