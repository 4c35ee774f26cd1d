-- +goose Up
-- The triggers of migration 00005 wrote the copy of a user's property
-- values with an ORDER BY inside group_concat() and with octet_length(),
-- which SQLite gained in 3.44 and 3.43. A trigger is part of the schema, so
-- older SQLite (Debian 12's sqlite3 command and Python's sqlite3 are 3.40)
-- could not open a Roster database at all: "malformed database schema".
-- These triggers write the same bytes in SQL that 3.40 reads:
-- - the values are ordered in a subquery that group_concat() reads from.
--   SQLite keeps a FROM subquery's ORDER BY when the outer query
--   aggregates with anything other than count(), min() or max(), and here
--   the index user_property_values_user (user_id, then the primary key's
--   property_id, option_id, value) already yields that order: the same
--   rows are read as before, and no sort is done;
-- - value is TEXT in a UTF-8 database, so its length as a BLOB is its
--   length in bytes, what octet_length() returned.
-- The copies already written are the same bytes, so none is rewritten.
DROP TRIGGER user_property_values_ai_copy;
DROP TRIGGER user_property_values_ad_copy;

-- +goose StatementBegin
CREATE TRIGGER user_property_values_ai_copy AFTER INSERT ON user_property_values BEGIN
    UPDATE users SET property_values = (
        SELECT group_concat(item, '') FROM (
            SELECT v.property_id || ',' || v.option_id || ',' || length(CAST(v.value AS BLOB)) || ',' || v.value AS item
            FROM user_property_values v WHERE v.user_id = new.user_id
            ORDER BY v.property_id, v.option_id, v.value))
    WHERE id = new.user_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER user_property_values_ad_copy AFTER DELETE ON user_property_values BEGIN
    UPDATE users SET property_values = coalesce((
        SELECT group_concat(item, '') FROM (
            SELECT v.property_id || ',' || v.option_id || ',' || length(CAST(v.value AS BLOB)) || ',' || v.value AS item
            FROM user_property_values v WHERE v.user_id = old.user_id
            ORDER BY v.property_id, v.option_id, v.value)), '')
    WHERE id = old.user_id;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER user_property_values_ad_copy;
DROP TRIGGER user_property_values_ai_copy;

-- +goose StatementBegin
CREATE TRIGGER user_property_values_ai_copy AFTER INSERT ON user_property_values BEGIN
    UPDATE users SET property_values = (
        SELECT group_concat(v.property_id || ',' || v.option_id || ',' || octet_length(v.value) || ',' || v.value, ''
                            ORDER BY v.property_id, v.option_id, v.value)
        FROM user_property_values v WHERE v.user_id = new.user_id)
    WHERE id = new.user_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER user_property_values_ad_copy AFTER DELETE ON user_property_values BEGIN
    UPDATE users SET property_values = coalesce((
        SELECT group_concat(v.property_id || ',' || v.option_id || ',' || octet_length(v.value) || ',' || v.value, ''
                            ORDER BY v.property_id, v.option_id, v.value)
        FROM user_property_values v WHERE v.user_id = old.user_id), '')
    WHERE id = old.user_id;
END;
-- +goose StatementEnd
