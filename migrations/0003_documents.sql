-- Documents: the work data entered once per estimate, and the chain
-- Estimate -> Work slip N -> Bill N. Each bill and work slip stores the exact domain input it
-- was computed from (JSON, decimals as strings) and that input's sha256, so its documents can be
-- rendered again, byte for byte, and the hash printed in them can be checked.

CREATE TABLE works (
    estimate_id INTEGER PRIMARY KEY REFERENCES estimates(id),
    org_id      INTEGER NOT NULL REFERENCES organizations(id),
    data_json   TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  INTEGER REFERENCES users(id)
);

CREATE TABLE bills (
    id            INTEGER PRIMARY KEY,
    org_id        INTEGER NOT NULL REFERENCES organizations(id),
    estimate_id   INTEGER NOT NULL REFERENCES estimates(id),
    number        INTEGER NOT NULL CHECK (number >= 1),
    is_final      INTEGER NOT NULL CHECK (is_final IN (0, 1)),
    job_id        INTEGER REFERENCES jobs(id),
    inputs_json   TEXT NOT NULL,
    inputs_sha256 TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    created_by    INTEGER NOT NULL REFERENCES users(id),
    UNIQUE (estimate_id, number)
);

-- Till-date quantities per item per bill; bill N's "previous" figures are bill N-1's rows here.
CREATE TABLE bill_quantities (
    bill_id       INTEGER NOT NULL REFERENCES bills(id),
    sl_no         TEXT NOT NULL,
    till_date_qty TEXT NOT NULL,
    PRIMARY KEY (bill_id, sl_no)
);

CREATE TABLE workslips (
    id            INTEGER PRIMARY KEY,
    org_id        INTEGER NOT NULL REFERENCES organizations(id),
    estimate_id   INTEGER NOT NULL REFERENCES estimates(id),
    phase         INTEGER NOT NULL CHECK (phase BETWEEN 1 AND 10),
    job_id        INTEGER REFERENCES jobs(id),
    inputs_json   TEXT NOT NULL,
    inputs_sha256 TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    created_by    INTEGER NOT NULL REFERENCES users(id),
    UNIQUE (estimate_id, phase)
);
