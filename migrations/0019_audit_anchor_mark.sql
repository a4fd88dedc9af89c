-- Where the audit log's anchor was last written, kept in the database beside the log it
-- vouches for. The anchor itself lives in a file outside the database; this mark lets a later
-- verify tell a missing file (removed with the log rewritten, say) from one never written.
CREATE TABLE audit_anchor_mark (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    anchored_id INTEGER NOT NULL,
    at          TEXT NOT NULL
);
