-- When the org's bucket was last checked for synced outputs deleted or replaced there (the
-- button, `sitebook sync check`, or the background syncer's daily check). Kept here, not in
-- the syncer's memory, so that starting the app again does not list the bucket again; new
-- settings clear it, since the new bucket has not been checked.
ALTER TABLE sync_targets ADD COLUMN checked_at TEXT;
