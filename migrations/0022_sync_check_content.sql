-- A deep check of the bucket found an output's key holding other bytes of the same size under
-- its own sha256 metadata. Such a row is sent again with `check_content` set: its upload then
-- reads the key back and compares the bytes, where a matching sha256 and size would otherwise
-- be taken as the output already there, and keeps ours beside the other bytes.
ALTER TABLE sync_outbox ADD COLUMN check_content INTEGER NOT NULL DEFAULT 0;
