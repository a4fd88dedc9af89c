-- Sync to an S3-compatible bucket, one target per organization. The secret access key is in the
-- OS keyring, filed under `secret_account`; no column here ever holds it.
CREATE TABLE sync_targets (
    org_id         INTEGER PRIMARY KEY REFERENCES organizations(id),
    endpoint       TEXT NOT NULL,
    region         TEXT NOT NULL,
    bucket         TEXT NOT NULL,
    key_prefix     TEXT NOT NULL DEFAULT '',
    path_style     INTEGER NOT NULL CHECK (path_style IN (0, 1)),
    access_key_id  TEXT NOT NULL,
    secret_account TEXT NOT NULL,
    enabled        INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    updated_at     TEXT NOT NULL,
    updated_by     INTEGER NOT NULL REFERENCES users(id)
);
