-- A deduction code may have several dated lines (DOMAIN.md §2a: "each organization keeps dated
-- lines, and each bill freezes the lines in force on its date"): a new security-deposit rate
-- from 01-08-2025 is a second SD line, and bills dated before it keep the first. The table was
-- unique by code, so a new rate replaced the old for every date. Its periods never overlap;
-- the code that writes the table keeps them so. Nothing refers to these rows.
CREATE TABLE payment_lines_dated (
    id         INTEGER PRIMARY KEY,
    org_id     INTEGER NOT NULL REFERENCES payment_tables(org_id),
    position   INTEGER NOT NULL,
    code       TEXT NOT NULL,
    line_json  TEXT NOT NULL
);
INSERT INTO payment_lines_dated (id, org_id, position, code, line_json)
    SELECT id, org_id, position, code, line_json FROM payment_lines;
DROP TABLE payment_lines;
ALTER TABLE payment_lines_dated RENAME TO payment_lines;
CREATE INDEX payment_lines_by_org ON payment_lines (org_id, position);
