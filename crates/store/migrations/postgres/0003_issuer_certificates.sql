-- 0003 issuer certificates (PostgreSQL; twin: sqlite/0003_issuer_certificates.sql).
-- Signing keys gain a purpose ('credential' signs credentials, 'issuer-ca' certifies them) and a
-- certificate (JSON: the x5c chain and what it was issued for). One active key per purpose and
-- algorithm.
ALTER TABLE signing_keys ADD COLUMN purpose TEXT NOT NULL DEFAULT 'credential';
ALTER TABLE signing_keys ADD COLUMN certificate TEXT;
DROP INDEX signing_keys_one_active;
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (purpose, algorithm) WHERE status = 'active';
