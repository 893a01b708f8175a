-- 0009 issuer key rotation with overlap. The twin is postgres/0009_key_rotation.sql.
-- A retired key records when it was retired: it stays published until retired_at + the
-- configured overlap. provider names the key provider holding the private key (the software
-- provider keeps it sealed under the master key in private_key_ciphertext).
ALTER TABLE signing_keys ADD COLUMN retired_at INTEGER;
ALTER TABLE signing_keys ADD COLUMN provider TEXT NOT NULL DEFAULT 'software';
ALTER TABLE mdoc_certificates ADD COLUMN provider TEXT NOT NULL DEFAULT 'software';
