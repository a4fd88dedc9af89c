-- The sync outbox: one row per output file, written in the same transaction as the output's
-- own row, so no output is ever missed. The syncer moves a row from pending to uploading to
-- synced (or conflict, when another device already put other content under its key, or
-- failed, when the bucket refuses it for good); a crash mid-upload leaves it uploading, and
-- start-up puts it back to pending.
CREATE TABLE sync_outbox (
    id              INTEGER PRIMARY KEY,
    org_id          INTEGER NOT NULL REFERENCES organizations(id),
    output_id       INTEGER NOT NULL UNIQUE REFERENCES output_files(id) ON DELETE CASCADE,
    sha256          TEXT NOT NULL,
    state           TEXT NOT NULL
                    CHECK (state IN ('pending', 'uploading', 'synced', 'conflict', 'failed')),
    object_key      TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    synced_at       TEXT,
    created_at      TEXT NOT NULL
);
CREATE INDEX sync_outbox_due ON sync_outbox(org_id, state, next_attempt_at);

-- Outputs recorded before this table existed wait for sync like new ones.
INSERT INTO sync_outbox (org_id, output_id, sha256, state, next_attempt_at, created_at)
SELECT org_id, id, sha256, 'pending', created_at, created_at FROM output_files;
