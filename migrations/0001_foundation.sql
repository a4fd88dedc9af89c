-- Foundation: accounts, organizations, memberships, per-user settings and the audit log.
-- Timestamps are UTC RFC 3339 text so that they sort and read the same everywhere.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL COLLATE NOCASE UNIQUE,
    full_name     TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('standard', 'operations', 'oversight', 'superuser')),
    password_hash TEXT NOT NULL,
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    locked_until  TEXT,
    created_at    TEXT NOT NULL
);

-- Failed sign-ins, kept only to count the ones inside the lockout window.
CREATE TABLE sign_in_failures (
    id      INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    at      TEXT NOT NULL
);
CREATE INDEX sign_in_failures_by_user ON sign_in_failures(user_id, at);

CREATE TABLE organizations (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL COLLATE NOCASE UNIQUE,
    slug       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    org_type   TEXT NOT NULL CHECK (org_type IN ('ministry', 'office', 'agency', 'special', 'commission', 'company', 'personal')),
    plan       TEXT NOT NULL DEFAULT 'free' CHECK (plan IN ('free', 'starter', 'professional', 'enterprise')),
    active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL
);

CREATE TABLE memberships (
    id         INTEGER PRIMARY KEY,
    org_id     INTEGER NOT NULL REFERENCES organizations(id),
    user_id    INTEGER NOT NULL REFERENCES users(id),
    role       TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
    is_primary INTEGER NOT NULL DEFAULT 0 CHECK (is_primary IN (0, 1)),
    active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL,
    UNIQUE (org_id, user_id)
);
CREATE INDEX memberships_by_user ON memberships(user_id);
-- At most one primary membership per user.
CREATE UNIQUE INDEX memberships_one_primary ON memberships(user_id) WHERE is_primary = 1;

CREATE TABLE user_settings (
    user_id     INTEGER PRIMARY KEY REFERENCES users(id),
    last_org_id INTEGER REFERENCES organizations(id),
    updated_at  TEXT NOT NULL
);

-- The audit log has no foreign keys on purpose: it records names as they were, and nothing
-- that happens to a user or an org may ever block or rewrite its history.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    user_id     INTEGER,
    username    TEXT,
    org_id      INTEGER,
    org_code    TEXT,
    action      TEXT NOT NULL,
    object_type TEXT,
    object_id   TEXT,
    outcome     TEXT NOT NULL CHECK (outcome IN ('allowed', 'denied', 'success', 'failure')),
    reason      TEXT,
    device      TEXT NOT NULL
);
CREATE INDEX audit_log_by_org ON audit_log(org_id, id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
