-- Settings of this device (one data dir): how long never-downloaded outputs are kept, and how
-- many jobs run at once. One row at most; with none, the built-in defaults apply.
CREATE TABLE device_settings (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    retention_days INTEGER NOT NULL CHECK (retention_days BETWEEN 1 AND 3650),
    workers        INTEGER NOT NULL CHECK (workers BETWEEN 1 AND 16),
    updated_at     TEXT NOT NULL,
    updated_by     INTEGER NOT NULL REFERENCES users(id)
);
