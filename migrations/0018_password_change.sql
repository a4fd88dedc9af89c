-- A password set by someone else (an admin's reset) must be replaced by its owner at the next
-- sign-in, so that the person who set it no longer knows the password the account acts with.
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0
    CHECK (must_change_password IN (0, 1));
