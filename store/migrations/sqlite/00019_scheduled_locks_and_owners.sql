-- +goose Up
-- A scheduled lock: from lock_at on the user is locked, as if locked by an
-- administrator then, with no job needed to lock them (every reader asks
-- "locked now?" with the time of its question). users_locked now holds
-- both kinds of locked users, so the users list's locked filter and the
-- home page's count stay one index range, read in username order.
ALTER TABLE users ADD COLUMN lock_at INTEGER;
DROP INDEX users_locked;
CREATE INDEX users_locked ON users(tenant_id, username, lock_until, locked_at, lock_at)
    WHERE locked_at IS NOT NULL OR lock_at IS NOT NULL;
DELETE FROM sqlite_stat1 WHERE tbl = 'users' AND idx = 'users_locked';
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('users', 'users_locked', '10000 10000 1 1 1 1');

-- Who receives a user's invitation and password-reset emails: the user
-- ('user'), or the administrator who created them ('manager', eds-user's
-- CreateFromManager), manager_id: the administrator signed in, or the one
-- who made the API key or AccessKey pair that created the user. No foreign
-- key: SQLite could not drop the column again, and notices are sent only
-- to an administrator still in the user's tenant, which the sender checks.
ALTER TABLE users ADD COLUMN owner_type TEXT NOT NULL DEFAULT 'user' CHECK (owner_type IN ('user', 'manager'));
ALTER TABLE users ADD COLUMN manager_id INTEGER;
-- Users managed by an administrator are few: a list filtered on them reads
-- only them, in username order.
CREATE INDEX users_managed ON users(tenant_id, username) WHERE owner_type = 'manager';
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('users', 'users_managed', '10000 10000 1');
ANALYZE sqlite_schema;

-- +goose Down
DROP INDEX users_managed;
ALTER TABLE users DROP COLUMN manager_id;
ALTER TABLE users DROP COLUMN owner_type;
DROP INDEX users_locked;
CREATE INDEX users_locked ON users(tenant_id, username, lock_until) WHERE locked_at IS NOT NULL;
ALTER TABLE users DROP COLUMN lock_at;
