-- +goose Up
-- Administrators get what end users have: failed sign-ins in a row lock the
-- account for a while, and a new password ends their other sessions (a
-- session remembers password_changed_at from when it began).
ALTER TABLE administrators ADD COLUMN failed_logins integer NOT NULL DEFAULT 0;
ALTER TABLE administrators ADD COLUMN locked_until bigint;
ALTER TABLE administrators ADD COLUMN password_changed_at bigint NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE administrators DROP COLUMN password_changed_at;
ALTER TABLE administrators DROP COLUMN locked_until;
ALTER TABLE administrators DROP COLUMN failed_logins;
