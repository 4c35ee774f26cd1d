-- +goose Up
-- A copy of each user's property values on the user row, kept by triggers,
-- so a page of users is one query. The copy is a sequence of
-- "property_id,option_id,byte length,value" with no separator, in the
-- order of user_property_values' primary key (value compared bytewise);
-- a select value is its option id, so renaming an option rewrites no user.
-- user_property_values stays the source of truth and the index for filters.
ALTER TABLE users ADD COLUMN property_values text COLLATE "C" NOT NULL DEFAULT '';

UPDATE users SET property_values = (
    SELECT string_agg(v.property_id || ',' || v.option_id || ',' || octet_length(v.value) || ',' || v.value, ''
                      ORDER BY v.property_id, v.option_id, v.value)
    FROM user_property_values v WHERE v.user_id = users.id)
WHERE id IN (SELECT user_id FROM user_property_values);

-- Once per statement, over its transition table: the copy is rewritten once
-- for each user the statement touched, where a row trigger would rewrite
-- the same users row (leaving a dead row version each time) for every value.
-- +goose StatementBegin
CREATE FUNCTION user_property_values_ai_copy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE users u SET property_values = coalesce((
        SELECT string_agg(v.property_id || ',' || v.option_id || ',' || octet_length(v.value) || ',' || v.value, ''
                          ORDER BY v.property_id, v.option_id, v.value)
        FROM user_property_values v WHERE v.user_id = u.id), '')
    WHERE u.id IN (SELECT user_id FROM new_rows);
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER user_property_values_ai_copy AFTER INSERT ON user_property_values
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION user_property_values_ai_copy();

-- +goose StatementBegin
CREATE FUNCTION user_property_values_ad_copy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE users u SET property_values = coalesce((
        SELECT string_agg(v.property_id || ',' || v.option_id || ',' || octet_length(v.value) || ',' || v.value, ''
                          ORDER BY v.property_id, v.option_id, v.value)
        FROM user_property_values v WHERE v.user_id = u.id), '')
    WHERE u.id IN (SELECT user_id FROM old_rows);
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER user_property_values_ad_copy AFTER DELETE ON user_property_values
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION user_property_values_ad_copy();

-- +goose Down
DROP TRIGGER user_property_values_ad_copy ON user_property_values;
DROP TRIGGER user_property_values_ai_copy ON user_property_values;
DROP FUNCTION user_property_values_ad_copy();
DROP FUNCTION user_property_values_ai_copy();
ALTER TABLE users DROP COLUMN property_values;
