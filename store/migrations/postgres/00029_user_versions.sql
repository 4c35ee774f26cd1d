-- +goose Up
-- A user's version, raised by every change of the row: a list reads the
-- ids and versions of its page and takes the users it has already encoded
-- at that version from memory. A trigger, not each UPDATE, raises it, so
-- no write can forget to. A constant default adds the column without
-- rewriting the table.
ALTER TABLE users ADD COLUMN version bigint NOT NULL DEFAULT 0;
-- +goose StatementBegin
CREATE FUNCTION users_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := OLD.version + 1;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER users_version BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION users_version();

-- +goose Down
DROP TRIGGER users_version ON users;
DROP FUNCTION users_version();
ALTER TABLE users DROP COLUMN version;
