-- +goose Up
-- Each property value carries its user's username, kept by triggers, so
-- the users holding one value, in username order, are one index range (as
-- migration 00006 did for groups).
ALTER TABLE user_property_values ADD COLUMN username text COLLATE "C" NOT NULL DEFAULT '';
UPDATE user_property_values SET username = (SELECT u.username FROM users u WHERE u.id = user_property_values.user_id);
CREATE INDEX user_property_values_username ON user_property_values (property_id, option_id, value, username);

-- A BEFORE trigger, as in 00006: it sets the username on the row as it is
-- written, where SQLite's AFTER trigger updates the row just inserted.
-- +goose StatementBegin
CREATE FUNCTION user_property_values_username_ai() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.username := (SELECT u.username FROM users u WHERE u.id = NEW.user_id);
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER user_property_values_username_ai BEFORE INSERT ON user_property_values FOR EACH ROW
    WHEN (NEW.username = '')
    EXECUTE FUNCTION user_property_values_username_ai();

-- +goose StatementBegin
CREATE FUNCTION users_au_property_values() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE user_property_values SET username = NEW.username WHERE user_id = NEW.id;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER users_au_property_values AFTER UPDATE OF username ON users FOR EACH ROW
    WHEN (OLD.username IS DISTINCT FROM NEW.username)
    EXECUTE FUNCTION users_au_property_values();

-- +goose Down
DROP TRIGGER users_au_property_values ON users;
DROP TRIGGER user_property_values_username_ai ON user_property_values;
DROP FUNCTION users_au_property_values();
DROP FUNCTION user_property_values_username_ai();
DROP INDEX user_property_values_username;
ALTER TABLE user_property_values DROP COLUMN username;
