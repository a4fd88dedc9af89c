-- Workers take turns between organizations: each claim stamps the job with the next number of
-- a device-wide sequence, and the next claim prefers the org whose last claim is oldest. So one
-- org's burst of uploads no longer holds another org's single job until the burst is done.
ALTER TABLE jobs ADD COLUMN claim_seq INTEGER;
CREATE INDEX jobs_by_claim ON jobs(claim_seq);
CREATE INDEX jobs_org_last_claim ON jobs(org_id, claim_seq);
