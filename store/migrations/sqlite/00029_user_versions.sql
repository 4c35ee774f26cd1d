-- +goose Up
-- A user's version, raised by every change of the row: a list reads the
-- ids and versions of its page and takes the users it has already encoded
-- at that version from memory. A trigger, not each UPDATE, raises it, so
-- no write can forget to. (SQLite's triggers cannot change NEW: the
-- trigger writes the row again, unless the statement raised it itself;
-- measured at 100,000 users, it costs an UPDATE about 2.5 µs more a row,
-- 1 µs where the statement raises the version. Inserts cost nothing.)
-- A constant default adds the column without rewriting the table.
-- PostgreSQL needs none of this: each version of a row carries the
-- transaction that wrote it (xmin).
ALTER TABLE users ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
-- +goose StatementBegin
CREATE TRIGGER users_version AFTER UPDATE ON users WHEN new.version = old.version BEGIN
    UPDATE users SET version = old.version + 1 WHERE id = new.id;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER users_version;
ALTER TABLE users DROP COLUMN version;
