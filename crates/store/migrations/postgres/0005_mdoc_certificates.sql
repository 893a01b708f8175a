-- 0005 mdoc certificates (PostgreSQL; twin: sqlite/0005_mdoc_certificates.sql).
-- IACA roots and the Document Signer certificates issued under them (ISO/IEC 18013-5 Annex B).
-- Private keys are PKCS#8 sealed under the master key. One IACA is active at a time; deleting an
-- IACA deletes its Document Signers. A Document Signer `replaces` the newest one before it (or, the
-- first, its IACA): unique, so nodes rotating at the same moment make one successor, not several.
CREATE TABLE mdoc_certificates (
    id                     TEXT PRIMARY KEY,
    kind                   TEXT NOT NULL CHECK (kind IN ('iaca', 'document-signer')),
    iaca_id                TEXT REFERENCES mdoc_certificates (id) ON DELETE CASCADE,
    replaces               TEXT UNIQUE,
    active                 BOOLEAN NOT NULL,
    managed                BOOLEAN NOT NULL,
    certificate            BYTEA NOT NULL,
    private_key_key_id     TEXT NOT NULL,
    private_key_ciphertext BYTEA NOT NULL,
    not_before             BIGINT NOT NULL,
    not_after              BIGINT NOT NULL,
    created_at             BIGINT NOT NULL,
    CHECK ((kind = 'iaca') = (iaca_id IS NULL))
);
CREATE UNIQUE INDEX mdoc_certificates_one_active_iaca ON mdoc_certificates (kind) WHERE kind = 'iaca' AND active;
CREATE INDEX mdoc_certificates_by_iaca ON mdoc_certificates (iaca_id, created_at);

-- An issued mdoc is identified by the SHA-256 of its signed MSO.
ALTER TABLE issued_credentials ADD COLUMN mso_digest BYTEA;
