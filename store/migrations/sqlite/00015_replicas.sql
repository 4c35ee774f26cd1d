-- +goose Up
-- What several Roster processes on one database share, and what one
-- process used to keep in memory.

-- Sign-in and reset-request attempts, counted against the limits of
-- handlers/limit: every process counts them here, so ten failures a
-- minute are ten whichever processes served them. One row per attempt
-- and key; a successful sign-in deletes its rows (only failures count).
-- The key is stored as its SHA-256: it holds a client's address and
-- whatever username was typed, of any length and any bytes.
CREATE TABLE attempts (
    id         INTEGER PRIMARY KEY,
    key_hash   BLOB NOT NULL,
    at         INTEGER NOT NULL, -- unix milliseconds
    expires_at INTEGER NOT NULL  -- at plus the limit's window: it counts no longer, and is pruned
) STRICT;
CREATE INDEX attempts_key ON attempts(key_hash, at);
CREATE INDEX attempts_expiry ON attempts(expires_at);

-- A running job belongs to the process that claimed it while its lease
-- lasts: that process renews it as the job goes on, and any process fails
-- a running job whose lease has lapsed (its process died). 0 when not
-- running, so a job left running by a server older than leases is failed
-- as interrupted at once, as it was before.
ALTER TABLE jobs ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE jobs DROP COLUMN lease_until;
DROP TABLE attempts;
