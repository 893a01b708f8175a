-- 0007 by-reference offers are found by the SHA-256 of their reference (sqlite). The twin is
-- postgres/0007_offer_reference_hash.sql. A reference read from a database dump must not fetch
-- the offer and its live pre-authorized code, so the reference itself is no longer stored.
-- References of offers made before this migration are hashed by the store when it opens the
-- database (SQLite has no SHA-256 function), and the clear column is then always NULL.
ALTER TABLE offers ADD COLUMN reference_hash BLOB;
CREATE UNIQUE INDEX offers_reference_hash ON offers (reference_hash);
