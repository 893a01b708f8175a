-- 0008 rate limits shared by every node on this database (PostgreSQL). The twin is
-- sqlite/0008_rate_limits.sql. One row per bucket (SHA-256 of a scope and a client address,
-- code or token) and minute; each node adds its hits once a second and reads back the totals.
-- UNLOGGED: counters are worth no WAL, and losing them in a crash only forgives a minute.
CREATE UNLOGGED TABLE rate_limits (
    bucket       BYTEA  NOT NULL,
    window_start BIGINT NOT NULL,
    hits         BIGINT NOT NULL,
    PRIMARY KEY (bucket, window_start)
);
CREATE INDEX rate_limits_window ON rate_limits (window_start);
