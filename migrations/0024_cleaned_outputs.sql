-- An output the retention cleanup removed (file and row) while its copy stays in the org's
-- bucket. A restore that fetches that copy back gives it to the job that made it again, as
-- that job's file, instead of keeping it as a stranger beside the job's "removed" notice; a
-- restore on another device, which never had the row, restores it as usual. One row per key:
-- a file cleaned again after such a restore replaces its row here.
CREATE TABLE cleaned_outputs (
    org_id        INTEGER NOT NULL REFERENCES organizations(id),
    object_key    TEXT NOT NULL,
    output_id     INTEGER NOT NULL,
    user_id       INTEGER NOT NULL REFERENCES users(id),
    job_id        INTEGER NOT NULL REFERENCES jobs(id),
    filename      TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    inputs_sha256 TEXT NOT NULL,
    withdrawn     INTEGER NOT NULL,
    cleaned_at    TEXT NOT NULL,
    PRIMARY KEY (org_id, object_key)
);
