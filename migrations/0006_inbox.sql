-- The watched inbox folder of this device (one data dir is one device, so one row at most).
-- Files directly in the folder import into `org_id`; subfolders named after an org code import
-- into that org. Either way they import as `user_id`, the person who set the inbox up, and the
-- gate checks that person's right to upload on every file.
CREATE TABLE inbox_settings (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    folder  TEXT NOT NULL,
    org_id  INTEGER NOT NULL REFERENCES organizations(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    set_at  TEXT NOT NULL
);

-- Inbox files that were handled but could not be moved out of the folder (a read-only mount).
-- Remembered by content, so the watcher neither imports nor reports them a second time.
CREATE TABLE inbox_stuck_files (
    sha256    TEXT PRIMARY KEY,
    file_name TEXT NOT NULL,
    outcome   TEXT NOT NULL CHECK (outcome IN ('imported', 'failed')),
    noted_at  TEXT NOT NULL
);
