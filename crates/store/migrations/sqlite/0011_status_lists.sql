-- Status lists (issue: credentials that can be taken back). A list is filled through a keyed
-- permutation of its positions: `allocated` counts positions handed out (in blocks, across
-- nodes), `version` changes with every status change in it, so nodes know when to re-sign.
CREATE TABLE status_lists (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    size            INTEGER NOT NULL,
    allocated       INTEGER NOT NULL DEFAULT 0,
    permutation_key BLOB NOT NULL,
    version         INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL
);
CREATE INDEX status_lists_kind ON status_lists (kind, created_at);

ALTER TABLE issued_credentials ADD COLUMN status_list_id TEXT;
ALTER TABLE issued_credentials ADD COLUMN status_index INTEGER;
ALTER TABLE issued_credentials ADD COLUMN status TEXT NOT NULL DEFAULT 'valid';
ALTER TABLE issued_credentials ADD COLUMN status_changed_at INTEGER;
-- Never two credentials at one index of one list, whichever node issued them.
CREATE UNIQUE INDEX issued_credentials_status_index ON issued_credentials (status_list_id, status_index)
    WHERE status_list_id IS NOT NULL;
-- Building a list reads only the credentials that are not valid.
CREATE INDEX issued_credentials_not_valid ON issued_credentials (status_list_id) WHERE status <> 'valid';

-- Who changed a credential's status, and when.
CREATE TABLE credential_status_changes (
    id            TEXT PRIMARY KEY,
    credential_id TEXT NOT NULL,
    status        TEXT NOT NULL,
    actor         TEXT NOT NULL,
    changed_at    INTEGER NOT NULL
);
CREATE INDEX credential_status_changes_credential ON credential_status_changes (credential_id, changed_at);
