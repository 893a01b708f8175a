-- 0006 sender-constrained tokens, notifications and deferred issuance (sqlite). The twin is
-- postgres/0006_sender_constraint.sql.

-- RFC 9449 §6: the RFC 7638 thumbprint of the DPoP key an access token is bound to (cnf.jkt).
ALTER TABLE access_tokens ADD COLUMN dpop_jkt TEXT;

-- RFC 9449 §11.1: DPoP proofs seen, by SHA-256 of (key thumbprint, jti), until they could no
-- longer be accepted anyway. Shared by every node on this database.
CREATE TABLE dpop_proofs (
    proof_hash BLOB PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
CREATE INDEX dpop_proofs_expires_at ON dpop_proofs (expires_at);

-- OID4VCI 1.0 §11: the credentials of one response share a notification_id; the token that
-- obtained them is the only one that may send notifications about them.
ALTER TABLE issued_credentials ADD COLUMN token_hash BLOB;
ALTER TABLE issued_credentials ADD COLUMN notification_id TEXT;
ALTER TABLE issued_credentials ADD COLUMN notification_event TEXT;
ALTER TABLE issued_credentials ADD COLUMN notification_description TEXT;
ALTER TABLE issued_credentials ADD COLUMN notified_at INTEGER;
CREATE INDEX issued_credentials_notification ON issued_credentials (notification_id);

-- OID4VCI 1.0 §9: an issuance answered with a transaction_id, completed later. The transaction
-- id is stored as SHA-256; the request (holder keys, claims) as JSON.
CREATE TABLE deferred_issuances (
    id                TEXT PRIMARY KEY,
    transaction_hash  BLOB NOT NULL UNIQUE,
    token_hash        BLOB NOT NULL,
    user_id           TEXT NOT NULL,
    configuration_id  TEXT NOT NULL,
    offer_id          TEXT,
    request           TEXT NOT NULL,
    status            TEXT NOT NULL,
    reason            TEXT,
    claims            TEXT,
    expires_at        INTEGER NOT NULL,
    delivered_at      INTEGER,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX deferred_issuances_expires_at ON deferred_issuances (expires_at);
