-- 0013 (PostgreSQL): indexes leave out the rows no lookup can find. A pre-authorized offer has no
-- reference, a pre-authorized access token no authorization code, and a user made for an offer
-- no provider or subject; each such row added an entry under NULL to every one of these indexes.
-- Lookups compare with a value (`= $1`), which implies `IS NOT NULL`, so both engines still use
-- the indexes. The SQLite twin is sqlite/0013_partial_indexes.sql.
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
-- The clear `reference` column is NULL for every offer made since 0007 (its hash is stored
-- instead; the store clears older ones when it opens the database, finding them through the
-- partial index below); its uniqueness is kept by offers_reference_hash. SQLite keeps the
-- column's index (dropping it there means rebuilding the table).
ALTER TABLE offers DROP CONSTRAINT IF EXISTS offers_reference_key;
CREATE INDEX offers_reference ON offers (reference) WHERE reference IS NOT NULL;
-- Migrations run in a transaction, so these indexes are built without CONCURRENTLY: writes to
-- offers, access_tokens and users wait while they are built (seconds for millions of rows).
