-- Which process is sending an output now: a `sync run` stopped by Ctrl-C or killed leaves its
-- rows `uploading`, and the next pass puts them back in line once that process is gone.
ALTER TABLE sync_outbox ADD COLUMN claimed_by INTEGER;
