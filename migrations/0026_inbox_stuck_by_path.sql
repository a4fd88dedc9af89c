-- A file of the inbox that could not be moved out is remembered by its content *and* where it
-- lay (its path within the inbox, org subfolder included), so that it is neither imported nor
-- reported again. By content alone, every later file with the same bytes was passed over in
-- silence, forever: renamed by the person told to move it, or dropped for another organization.
-- Rows from before name the file only: they match that name at the top of the inbox.
CREATE TABLE inbox_stuck_files_by_path (
    sha256        TEXT NOT NULL,
    relative_path TEXT NOT NULL,
    outcome       TEXT NOT NULL CHECK (outcome IN ('imported', 'failed')),
    noted_at      TEXT NOT NULL,
    PRIMARY KEY (sha256, relative_path)
);

INSERT INTO inbox_stuck_files_by_path (sha256, relative_path, outcome, noted_at)
SELECT sha256, file_name, outcome, noted_at FROM inbox_stuck_files;

DROP TABLE inbox_stuck_files;
ALTER TABLE inbox_stuck_files_by_path RENAME TO inbox_stuck_files;
