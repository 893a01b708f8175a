-- PostgreSQL announces credential configuration changes to every node (a trigger and NOTIFY).
-- SQLite has no such channel: its nodes read configurations from the file on every use, so there
-- is nothing to create here; the migration keeps both engines' numbers in step.
SELECT 1;
