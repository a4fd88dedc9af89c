-- An organization's folder in a sync bucket is now its code in lowercase, the same on every
-- device, where it was its local slug: a slug depends on the order organizations were made on
-- one computer ('PWD-Zone_1' and 'PWD-Zone-1' took 'pwd-zone-1' in either order), so two orgs
-- could share one folder and a restore fetch another org's files. Where the two differ, the
-- org's outputs are sent again, under the new folder, and its audit anchor with them.
UPDATE sync_outbox
SET state = 'pending', attempts = 0, last_error = NULL, object_key = NULL, synced_at = NULL
WHERE state IN ('synced', 'conflict', 'failed')
  AND org_id IN (SELECT id FROM organizations WHERE slug != lower(code));

UPDATE sync_targets
SET audit_anchor_id = 0
WHERE org_id IN (SELECT id FROM organizations WHERE slug != lower(code));
