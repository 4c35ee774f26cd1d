-- Email and end users: the outbox, single-use tokens, password policy and
-- history, and the end-user sign-in lockout.

-- +goose Up

-- The outbox (created by the foundation) learns which user and what kind
-- of message each email is.
ALTER TABLE outbox ADD COLUMN user_id INTEGER REFERENCES users(id) ON DELETE SET NULL;
ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT '';

-- Password-reset, invitation and email-verification tokens: only a SHA-256
-- of the token (32 random bytes) is kept, and of the 6-digit code.
CREATE TABLE user_tokens (
    id         INTEGER PRIMARY KEY,
    tenant_id  INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('reset', 'invite', 'verify')),
    token_hash BLOB NOT NULL UNIQUE,
    code_hash  BLOB,
    code_tries INTEGER NOT NULL DEFAULT 0,
    email      TEXT NOT NULL DEFAULT '', -- the address a verification is for
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX user_tokens_user ON user_tokens(user_id, kind);

-- Earlier password hashes, for the policy's "not one of the last N".
CREATE TABLE password_history (
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    hash       TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX password_history_user ON password_history(user_id, created_at);

-- The tenant's password policy (the defaults are DefaultPasswordPolicy's).
ALTER TABLE tenants ADD COLUMN pw_min_length INTEGER NOT NULL DEFAULT 10;
ALTER TABLE tenants ADD COLUMN pw_classes INTEGER NOT NULL DEFAULT 3;
ALTER TABLE tenants ADD COLUMN pw_history INTEGER NOT NULL DEFAULT 3;
ALTER TABLE tenants ADD COLUMN pw_expiry_days INTEGER NOT NULL DEFAULT 0;

-- Failed end-user sign-ins in a row; five lock the user for 15 minutes.
ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE users DROP COLUMN failed_logins;
ALTER TABLE tenants DROP COLUMN pw_expiry_days;
ALTER TABLE tenants DROP COLUMN pw_history;
ALTER TABLE tenants DROP COLUMN pw_classes;
ALTER TABLE tenants DROP COLUMN pw_min_length;
DROP TABLE password_history;
DROP TABLE user_tokens;
ALTER TABLE outbox DROP COLUMN kind;
ALTER TABLE outbox DROP COLUMN user_id;
