-- 0001 foundation (PostgreSQL). The SQLite twin is sqlite/0001_foundation.sql: keep them in step.
-- Timestamps are Unix seconds. Secrets are hashes (admin tokens) or sealed under the master key.

CREATE TABLE bootstrap_steps (
    name         TEXT PRIMARY KEY,
    completed_at BIGINT NOT NULL
);

CREATE TABLE admin_tokens (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    token_hash BYTEA NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE interaction_hooks (
    tenant               TEXT PRIMARY KEY CHECK (tenant = 'default'),
    url                  TEXT NOT NULL,
    claims               TEXT NOT NULL,
    session_timeout_secs BIGINT,
    disabled             BOOLEAN NOT NULL,
    secret_key_id        TEXT NOT NULL,
    secret_ciphertext    BYTEA NOT NULL,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);

CREATE TABLE credential_configurations (
    id         TEXT PRIMARY KEY,
    format     TEXT NOT NULL,
    scope      TEXT NOT NULL UNIQUE,
    document   TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE users (
    id           TEXT PRIMARY KEY,
    provider_url TEXT,
    subject_id   TEXT,
    claims       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_provider_subject ON users (provider_url, subject_id);
CREATE INDEX users_subject ON users (subject_id);

CREATE TABLE signing_keys (
    kid                    TEXT PRIMARY KEY,
    algorithm              TEXT NOT NULL,
    public_jwk             TEXT NOT NULL,
    private_key_key_id     TEXT NOT NULL,
    private_key_ciphertext BYTEA NOT NULL,
    status                 TEXT NOT NULL CHECK (status IN ('active', 'retired')),
    created_at             BIGINT NOT NULL
);
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (algorithm) WHERE status = 'active';
