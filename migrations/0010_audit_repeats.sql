-- Identical reads by one person in one organization within a minute (a pane that refreshes
-- wrote eight `jobs.view` rows a second) are counted on the first row instead of each adding a
-- row, so the log shows what people did. The log itself stays append-only: the counts live
-- beside it, keyed by the row they extend.
CREATE TABLE audit_repeats (
    audit_id INTEGER PRIMARY KEY REFERENCES audit_log(id),
    repeats INTEGER NOT NULL CHECK (repeats >= 2),
    last_at TEXT NOT NULL
);

CREATE INDEX audit_log_by_user_action ON audit_log(user_id, action, id);
