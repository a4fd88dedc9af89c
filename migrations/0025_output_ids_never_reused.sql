-- An output's id is named by the audit log (`output:7`) and by people ("export output 7"), so
-- the id of a removed output must never be given to a later one. SQLite gives a new row the
-- largest id plus one, which hands out again the ids of the newest outputs once a cleanup has
-- removed them; AUTOINCREMENT never does. SQLite cannot add it to a table, so the table is
-- made again with it. Migrations run in a transaction, where foreign keys cannot be turned
-- off, so dropping the old table deletes the sync outbox's rows that point at its outputs
-- (ON DELETE CASCADE): they are set aside first and put back, ids and all, once the new table
-- holds the same outputs.
CREATE TEMP TABLE sync_outbox_kept AS SELECT * FROM sync_outbox;

CREATE TABLE output_files_rebuilt (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id          INTEGER NOT NULL REFERENCES organizations(id),
    user_id         INTEGER NOT NULL REFERENCES users(id),
    job_id          INTEGER NOT NULL REFERENCES jobs(id),
    filename        TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('json', 'pdf', 'xlsx')),
    stored_path     TEXT NOT NULL,
    size            INTEGER NOT NULL,
    sha256          TEXT NOT NULL,
    inputs_sha256   TEXT NOT NULL,
    download_count  INTEGER NOT NULL DEFAULT 0,
    last_downloaded TEXT,
    created_at      TEXT NOT NULL,
    withdrawn       INTEGER NOT NULL DEFAULT 0,
    -- A job re-run after a crash rewrites its files; it can never add a second row.
    UNIQUE (job_id, filename)
);

INSERT INTO output_files_rebuilt
    (id, org_id, user_id, job_id, filename, kind, stored_path, size, sha256, inputs_sha256,
     download_count, last_downloaded, created_at, withdrawn)
SELECT id, org_id, user_id, job_id, filename, kind, stored_path, size, sha256, inputs_sha256,
       download_count, last_downloaded, created_at, withdrawn
FROM output_files;

DROP TABLE output_files;
ALTER TABLE output_files_rebuilt RENAME TO output_files;
CREATE INDEX output_files_by_org ON output_files(org_id, id);

INSERT INTO sync_outbox SELECT * FROM sync_outbox_kept
WHERE NOT EXISTS (SELECT 1 FROM sync_outbox o WHERE o.id = sync_outbox_kept.id);
DROP TABLE sync_outbox_kept;

-- The ids given out before are not all known: the largest kept, and those of the outputs a
-- cleanup removed while their copies stay in the bucket, are the floor of the next.
DELETE FROM sqlite_sequence WHERE name = 'output_files';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'output_files', MAX(
    COALESCE((SELECT MAX(id) FROM output_files), 0),
    COALESCE((SELECT MAX(output_id) FROM cleaned_outputs), 0)
);
