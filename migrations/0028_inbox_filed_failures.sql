-- A file the inbox filed under failed/ because its job failed or was cancelled, kept until that
-- job is retried and completes: the watcher then moves the file to imported/ and removes its
-- note. Without it, a job retried to success left its file under failed/ beside a note saying
-- it was not imported. Paths are within the inbox folder named in `inbox`, so a row of an
-- inbox set elsewhere since is left alone.
CREATE TABLE inbox_filed_failures (
    job_id     INTEGER PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    inbox      TEXT NOT NULL,
    taken_from TEXT NOT NULL,
    filed_as   TEXT NOT NULL,
    noted_at   TEXT NOT NULL
);
CREATE INDEX inbox_filed_failures_by_inbox ON inbox_filed_failures (inbox);
