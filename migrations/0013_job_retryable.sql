-- A job that failed because of its input (a workbook the reader refuses or cannot make sense
-- of, an upload refused at the door) would fail the same way again: it is not offered for
-- retry. Everything else that failed, or was cancelled, still is.
ALTER TABLE jobs ADD COLUMN retryable INTEGER NOT NULL DEFAULT 1 CHECK (retryable IN (0, 1));
