-- The code of the error a job failed with, when it has one of its own (a parse refusal such as
-- `password_protected` or `truncated`), so faces can branch on it as on any error code.
ALTER TABLE jobs ADD COLUMN error_code TEXT;
