-- +goose Up
-- Each user's tags, a row a tag, kept from users.tags by triggers: a list
-- filtered on a tag reads its holders from here (or tests each user
-- walked against it) instead of parsing every user's JSON.
CREATE TABLE user_tags (
    tenant_id INTEGER NOT NULL,
    key       TEXT NOT NULL,
    value     TEXT NOT NULL,
    user_id   INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, key, value, user_id)
) WITHOUT ROWID;
CREATE INDEX user_tags_user ON user_tags (user_id, key);
INSERT INTO user_tags (tenant_id, key, value, user_id)
    SELECT u.tenant_id, j.key, j.value, u.id FROM users u, json_each(u.tags) j WHERE u.tags <> '{}';

-- +goose StatementBegin
CREATE TRIGGER users_tags_ai AFTER INSERT ON users WHEN new.tags <> '{}' BEGIN
    INSERT INTO user_tags (tenant_id, key, value, user_id)
        SELECT new.tenant_id, j.key, j.value, new.id FROM json_each(new.tags) j;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER users_tags_au AFTER UPDATE OF tags ON users WHEN new.tags IS NOT old.tags BEGIN
    DELETE FROM user_tags WHERE user_id = old.id;
    INSERT INTO user_tags (tenant_id, key, value, user_id)
        SELECT new.tenant_id, j.key, j.value, new.id FROM json_each(new.tags) j;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER users_tags_ad AFTER DELETE ON users WHEN old.tags <> '{}' BEGIN
    DELETE FROM user_tags WHERE user_id = old.id;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER users_tags_ad;
DROP TRIGGER users_tags_au;
DROP TRIGGER users_tags_ai;
DROP TABLE user_tags;
