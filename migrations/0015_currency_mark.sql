-- How an organization's documents write the currency before amounts: 'Rs.' (the default, as
-- departments have always typed it) or the rupee sign. Each document keeps the mark it was
-- made with in its stored inputs, so changing this never changes a document already made.
ALTER TABLE organizations ADD COLUMN currency_mark TEXT NOT NULL DEFAULT 'Rs.'
    CHECK (currency_mark IN ('Rs.', '₹'));
