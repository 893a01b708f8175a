-- 0008 rate limits shared by every node on this database (sqlite). The twin is
-- postgres/0008_rate_limits.sql. One row per bucket (SHA-256 of a scope and a client address,
-- code or token) and minute; each node adds its hits once a second and reads back the totals.
CREATE TABLE rate_limits (
    bucket       BLOB    NOT NULL,
    window_start INTEGER NOT NULL,
    hits         INTEGER NOT NULL,
    PRIMARY KEY (bucket, window_start)
);
CREATE INDEX rate_limits_window ON rate_limits (window_start);
