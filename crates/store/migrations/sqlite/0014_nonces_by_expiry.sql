-- 0014 (SQLite): spent c_nonces are kept in order of expiry. A nonce's hash is random, so a
-- primary key on it put each spent nonce on a page of its own, written at every commit; a nonce
-- always carries the same expiry (sealed inside it), so (expires_at, nonce_hash) is as unique,
-- and its new entries all land at the end, on the pages the other nonces of the same commit
-- write. One tree without rowids replaces the table, its key index and its expiry index (the
-- sweep of expired nonces uses the key's first column). The PostgreSQL twin is
-- postgres/0014_nonces_by_expiry.sql.
CREATE TABLE nonces_by_expiry (
    expires_at INTEGER NOT NULL,
    nonce_hash BLOB NOT NULL,
    PRIMARY KEY (expires_at, nonce_hash)
) WITHOUT ROWID;
INSERT INTO nonces_by_expiry (expires_at, nonce_hash) SELECT expires_at, nonce_hash FROM nonces;
DROP TABLE nonces;
ALTER TABLE nonces_by_expiry RENAME TO nonces;
