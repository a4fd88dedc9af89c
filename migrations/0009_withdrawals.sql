-- A wrong bill or work slip is corrected by withdrawing the latest one of its chain: an admin
-- or owner gives a reason, the record moves here whole (so its number can be made again from
-- the one before), and its files stay, marked withdrawn. Nothing else of a chain changes.
CREATE TABLE withdrawn_documents (
    id            INTEGER PRIMARY KEY,
    org_id        INTEGER NOT NULL REFERENCES organizations(id),
    estimate_id   INTEGER NOT NULL REFERENCES estimates(id),
    document      TEXT NOT NULL CHECK (document IN ('bill', 'workslip')),
    number        INTEGER NOT NULL,
    job_id        INTEGER REFERENCES jobs(id),
    inputs_json   TEXT NOT NULL,
    inputs_sha256 TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    created_by    INTEGER NOT NULL REFERENCES users(id),
    withdrawn_at  TEXT NOT NULL,
    withdrawn_by  INTEGER NOT NULL REFERENCES users(id),
    reason        TEXT NOT NULL
);
CREATE INDEX withdrawn_documents_by_estimate ON withdrawn_documents (estimate_id, document);

ALTER TABLE output_files ADD COLUMN withdrawn INTEGER NOT NULL DEFAULT 0;
