-- 0004 authorization code flow (PostgreSQL; twin: sqlite/0004_authorization.sql).
-- Admin documents (wallet clients, the authentication provider, claims sources) are stored as
-- validated JSON with their secrets sealed under the master key (or hashed, for client secrets).
-- One-time artefacts (PAR request_uri, login state, authorization code, issuer_state) are stored
-- as SHA-256 and consumed by one UPDATE each.

-- kind: 'wallet_client', 'authentication_provider' or 'claim_source'. unique_key is unique per
-- kind (one authentication provider per deployment).
CREATE TABLE admin_documents (
    id                TEXT PRIMARY KEY,
    kind              TEXT NOT NULL,
    unique_key        TEXT,
    document          TEXT NOT NULL,
    secret_hash       BYTEA,
    sealed_key_id     TEXT,
    sealed            BYTEA,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    UNIQUE (kind, unique_key)
);
CREATE INDEX admin_documents_kind ON admin_documents (kind, id);

CREATE TABLE authorization_offers (
    id                 TEXT PRIMARY KEY,
    issuer_state_hash  BYTEA NOT NULL UNIQUE,
    configuration_ids  TEXT NOT NULL,
    expires_at         BIGINT NOT NULL,
    consumed_at        BIGINT,
    created_at         BIGINT NOT NULL
);
CREATE INDEX authorization_offers_expires_at ON authorization_offers (expires_at);

CREATE TABLE pushed_authorization_requests (
    request_uri_hash  BYTEA PRIMARY KEY,
    client_id         TEXT NOT NULL,
    request           TEXT NOT NULL,
    expires_at        BIGINT NOT NULL,
    used_at           BIGINT
);
CREATE INDEX pushed_authorization_requests_expires_at ON pushed_authorization_requests (expires_at);

-- The login in progress: stage 'login' (at the provider), 'callback' (provider answered),
-- 'hook' (at the interaction hook), 'done'. Its details are sealed.
CREATE TABLE authorization_sessions (
    state_hash     BYTEA PRIMARY KEY,
    stage          TEXT NOT NULL,
    sealed_key_id  TEXT NOT NULL,
    sealed         BYTEA NOT NULL,
    expires_at     BIGINT NOT NULL,
    created_at     BIGINT NOT NULL
);
CREATE INDEX authorization_sessions_expires_at ON authorization_sessions (expires_at);

CREATE TABLE authorization_codes (
    code_hash   BYTEA PRIMARY KEY,
    client_id   TEXT NOT NULL,
    grant_data  TEXT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX authorization_codes_expires_at ON authorization_codes (expires_at);

-- Access tokens may come from an authorization code (revoked if the code is replayed) and need
-- no offer.
CREATE TABLE access_tokens_v4 (
    token_hash              BYTEA PRIMARY KEY,
    user_id                 TEXT NOT NULL,
    offer_id                TEXT,
    configuration_ids       TEXT NOT NULL,
    claims                  TEXT,
    client_id               TEXT,
    authorization_code_hash BYTEA,
    credential_identifiers  TEXT,
    expires_at              BIGINT NOT NULL,
    created_at              BIGINT NOT NULL
);
INSERT INTO access_tokens_v4 (token_hash, user_id, offer_id, configuration_ids, claims, client_id, expires_at, created_at)
    SELECT token_hash, user_id, offer_id, configuration_ids, claims, client_id, expires_at, created_at FROM access_tokens;
DROP TABLE access_tokens;
ALTER TABLE access_tokens_v4 RENAME TO access_tokens;
CREATE INDEX access_tokens_expires_at ON access_tokens (expires_at);
CREATE INDEX access_tokens_authorization_code ON access_tokens (authorization_code_hash);
