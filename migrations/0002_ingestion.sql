-- Ingestion: uploads, the job queue, parsed estimates and their items, and output files.
-- Every org-owned table carries org_id; repositories read and write it only through an OrgScope.

-- The maintenance principal: background upkeep (daily output cleanup) passes the same gate and
-- leaves the same audit trail as people do. It cannot sign in ('!' is no argon2 hash, and it is
-- inactive) and its name cannot be chosen by anyone ('@' is not allowed in usernames).
INSERT INTO users (username, full_name, kind, password_hash, active, created_at)
VALUES ('@system', 'Sitebook maintenance', 'superuser', '!', 0, '1970-01-01T00:00:00.000Z');

CREATE TABLE uploads (
    id            INTEGER PRIMARY KEY,
    org_id        INTEGER NOT NULL REFERENCES organizations(id),
    user_id       INTEGER NOT NULL REFERENCES users(id),
    original_name TEXT NOT NULL,
    size          INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    stored_path   TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    -- The same content is stored once per organization.
    UNIQUE (org_id, sha256)
);

CREATE TABLE jobs (
    id               INTEGER PRIMARY KEY,
    org_id           INTEGER NOT NULL REFERENCES organizations(id),
    user_id          INTEGER NOT NULL REFERENCES users(id),
    upload_id        INTEGER REFERENCES uploads(id),
    kind             TEXT NOT NULL,
    payload          TEXT NOT NULL DEFAULT '{}',
    status           TEXT NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
    progress         INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    current_step     TEXT NOT NULL DEFAULT 'Queued',
    result           TEXT,
    error_message    TEXT,
    error_log        TEXT NOT NULL DEFAULT '[]',
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_run_at      TEXT NOT NULL,
    cancel_requested INTEGER NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1)),
    -- Which process runs it ("pid@host"), and when that process last said it is alive.
    owner            TEXT,
    heartbeat_at     TEXT,
    created_at       TEXT NOT NULL,
    started_at       TEXT,
    completed_at     TEXT
);
CREATE INDEX jobs_ready ON jobs(status, next_run_at, id);
CREATE INDEX jobs_by_org ON jobs(org_id, id);

CREATE TABLE estimates (
    id            INTEGER PRIMARY KEY,
    org_id        INTEGER NOT NULL REFERENCES organizations(id),
    upload_id     INTEGER NOT NULL REFERENCES uploads(id),
    job_id        INTEGER NOT NULL REFERENCES jobs(id),
    name          TEXT NOT NULL,
    file_name     TEXT NOT NULL,
    sheet_name    TEXT NOT NULL,
    header_row    INTEGER NOT NULL,
    item_count    INTEGER NOT NULL,
    ecv           TEXT,
    grand_total   TEXT,
    -- The parsed sheet (metadata, footer, headings, AE rows) and its warnings, as JSON with
    -- decimals written as strings, so nothing is rounded on the way in or out.
    sheet_json    TEXT NOT NULL,
    warnings_json TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    UNIQUE (job_id, sheet_name)
);
CREATE INDEX estimates_by_org ON estimates(org_id, id);

CREATE TABLE estimate_items (
    id          INTEGER PRIMARY KEY,
    estimate_id INTEGER NOT NULL REFERENCES estimates(id) ON DELETE CASCADE,
    org_id      INTEGER NOT NULL REFERENCES organizations(id),
    position    INTEGER NOT NULL,
    row         INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('item', 'heading', 'excess')),
    sl_no       TEXT,
    description TEXT NOT NULL,
    quantity    TEXT,
    unit        TEXT,
    rate        TEXT,
    per_unit    TEXT,
    amount      TEXT,
    flagged     INTEGER NOT NULL DEFAULT 0 CHECK (flagged IN (0, 1)),
    UNIQUE (estimate_id, position)
);

CREATE TABLE output_files (
    id              INTEGER PRIMARY KEY,
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
    -- A job re-run after a crash rewrites its files; it can never add a second row.
    UNIQUE (job_id, filename)
);
CREATE INDEX output_files_by_org ON output_files(org_id, id);
