-- Each audit row carries a SHA-256 over its content and the previous row's hash, so a forged,
-- changed or removed row breaks the chain where it stands (`sitebook audit verify`). Rows
-- written before this migration keep NULL and are reported as outside the chain.
ALTER TABLE audit_log ADD COLUMN chain_hash TEXT;

-- The newest audit anchor this org's bucket holds a copy of, so each is sent once.
ALTER TABLE sync_targets ADD COLUMN audit_anchor_id INTEGER NOT NULL DEFAULT 0;
