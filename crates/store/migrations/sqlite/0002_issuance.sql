-- 0002 issuance (SQLite): pre-authorized offers, access tokens, used c_nonces, issued credentials.
-- The PostgreSQL twin is postgres/0002_issuance.sql. Codes and tokens are stored as SHA-256,
-- transaction codes as an HMAC under the master key, by-reference offers sealed.

CREATE TABLE offers (
    id                 TEXT PRIMARY KEY,
    user_id            TEXT NOT NULL,
    configuration_ids  TEXT NOT NULL,
    claims             TEXT,
    code_hash          BLOB NOT NULL UNIQUE,
    tx_code_mac        BLOB,
    tx_code_failures   INTEGER NOT NULL DEFAULT 0,
    reference          TEXT UNIQUE,
    sealed_key_id      TEXT,
    sealed_offer       BLOB,
    expires_at         INTEGER NOT NULL,
    consumed_at        INTEGER,
    created_at         INTEGER NOT NULL
);
CREATE INDEX offers_expires_at ON offers (expires_at);

CREATE TABLE access_tokens (
    token_hash         BLOB PRIMARY KEY,
    user_id            TEXT NOT NULL,
    offer_id           TEXT NOT NULL,
    configuration_ids  TEXT NOT NULL,
    claims             TEXT,
    client_id          TEXT,
    expires_at         INTEGER NOT NULL,
    created_at         INTEGER NOT NULL
);
CREATE INDEX access_tokens_expires_at ON access_tokens (expires_at);

-- c_nonces are stateless (a sealed expiry); a row records one that was used, until it expires.
CREATE TABLE nonces (
    nonce_hash BLOB PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
CREATE INDEX nonces_expires_at ON nonces (expires_at);

CREATE TABLE issued_credentials (
    id                    TEXT PRIMARY KEY,
    user_id               TEXT NOT NULL,
    configuration_id      TEXT NOT NULL,
    offer_id              TEXT,
    format                TEXT NOT NULL,
    holder_key_thumbprint TEXT NOT NULL,
    issued_at             INTEGER NOT NULL
);
CREATE INDEX issued_credentials_user ON issued_credentials (user_id, id);
