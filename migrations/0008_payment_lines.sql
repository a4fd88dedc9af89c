-- Each organization's dated additions and deductions (DOMAIN.md §2a). An organization with no
-- row in payment_tables has never edited its table and uses the built-in example set; the
-- first edit writes the example set here and marks the table as the org's own. A bill freezes
-- the lines in force into its own input when it is created, so editing changes no issued bill.
CREATE TABLE payment_tables (
    org_id     INTEGER PRIMARY KEY REFERENCES organizations(id),
    edited_at  TEXT NOT NULL,
    edited_by  INTEGER NOT NULL REFERENCES users(id)
);

CREATE TABLE payment_lines (
    id         INTEGER PRIMARY KEY,
    org_id     INTEGER NOT NULL REFERENCES payment_tables(org_id),
    position   INTEGER NOT NULL,
    code       TEXT NOT NULL,
    line_json  TEXT NOT NULL,
    UNIQUE (org_id, code)
);
CREATE INDEX payment_lines_by_org ON payment_lines (org_id, position);
