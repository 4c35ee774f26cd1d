-- +goose Up
-- Each user's tags, a row a tag, kept from users.tags by triggers: a list
-- filtered on a tag reads its holders from here (or tests each user
-- walked against it) instead of parsing every user's JSON.
CREATE TABLE user_tags (
    tenant_id bigint NOT NULL,
    key       text COLLATE "C" NOT NULL,
    value     text COLLATE "C" NOT NULL,
    user_id   bigint NOT NULL,
    PRIMARY KEY (tenant_id, key, value, user_id)
);
CREATE INDEX user_tags_user ON user_tags (user_id, key);
INSERT INTO user_tags (tenant_id, key, value, user_id)
    SELECT u.tenant_id, j.key, j.value, u.id FROM users u, jsonb_each_text(u.tags::jsonb) j WHERE u.tags <> '{}';

-- +goose StatementBegin
CREATE FUNCTION users_tags_aiu() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.tags = OLD.tags THEN
            RETURN NULL;
        END IF;
        DELETE FROM user_tags WHERE user_id = OLD.id;
    END IF;
    IF NEW.tags <> '{}' THEN
        INSERT INTO user_tags (tenant_id, key, value, user_id)
            SELECT NEW.tenant_id, j.key, j.value, NEW.id FROM jsonb_each_text(NEW.tags::jsonb) j;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER users_tags_ai AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION users_tags_aiu();
CREATE TRIGGER users_tags_au AFTER UPDATE OF tags ON users FOR EACH ROW EXECUTE FUNCTION users_tags_aiu();

-- +goose StatementBegin
CREATE FUNCTION users_tags_ad() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM user_tags WHERE user_id = OLD.id;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER users_tags_ad AFTER DELETE ON users FOR EACH ROW EXECUTE FUNCTION users_tags_ad();

-- +goose Down
DROP TRIGGER users_tags_ad ON users;
DROP TRIGGER users_tags_au ON users;
DROP TRIGGER users_tags_ai ON users;
DROP FUNCTION users_tags_ad();
DROP FUNCTION users_tags_aiu();
DROP TABLE user_tags;
