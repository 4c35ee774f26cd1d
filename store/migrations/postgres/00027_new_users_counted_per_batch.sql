-- +goose Up
-- A statement's new users get their tags' rows in one INSERT at its end,
-- over its transition table, as the counters do (migration 00016): per row,
-- the trigger ran its INSERT once for every user of a batch (a sixth of
-- writing a batch of 500). Changed tags are still copied per row: a
-- trigger with a transition table cannot be limited to one column's
-- updates.
DROP TRIGGER users_tags_ai ON users;

-- +goose StatementBegin
CREATE FUNCTION users_tags_ai() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO user_tags (tenant_id, key, value, user_id)
        SELECT n.tenant_id, j.key, j.value, n.id FROM new_rows n, jsonb_each_text(n.tags::jsonb) j
        WHERE n.tags <> '{}';
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER users_tags_ai AFTER INSERT ON users
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION users_tags_ai();

-- +goose Down
DROP TRIGGER users_tags_ai ON users;
DROP FUNCTION users_tags_ai();
CREATE TRIGGER users_tags_ai AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION users_tags_aiu();
