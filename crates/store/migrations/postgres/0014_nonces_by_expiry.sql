-- 0014 (PostgreSQL): spent c_nonces are keyed in order of expiry. A nonce's hash is random, so a
-- primary key on it put each spent nonce on an index page of its own; a nonce always carries the
-- same expiry (sealed inside it), so (expires_at, nonce_hash) is as unique, and its new entries
-- land at the end. The expiry index is the key's first column now, and goes. The SQLite twin is
-- sqlite/0014_nonces_by_expiry.sql.
ALTER TABLE nonces DROP CONSTRAINT nonces_pkey;
ALTER TABLE nonces ADD PRIMARY KEY (expires_at, nonce_hash);
DROP INDEX nonces_expires_at;
