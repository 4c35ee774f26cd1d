-- +goose Up
-- Each membership carries its user's username, kept by triggers, so a
-- group's members in username order are one index range instead of a walk
-- over every user in username order probing the group for each.
ALTER TABLE group_members ADD COLUMN username text COLLATE "C" NOT NULL DEFAULT '';
UPDATE group_members SET username = (SELECT u.username FROM users u WHERE u.id = group_members.user_id);
CREATE INDEX group_members_username ON group_members (group_id, username);

-- SQLite fills the username of a new membership in an AFTER trigger that
-- updates the row just inserted; a BEFORE trigger sets it on the row as it
-- is written, with the same result and no second write.
-- +goose StatementBegin
CREATE FUNCTION group_members_username_ai() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.username := (SELECT u.username FROM users u WHERE u.id = NEW.user_id);
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER group_members_username_ai BEFORE INSERT ON group_members FOR EACH ROW
    WHEN (NEW.username = '')
    EXECUTE FUNCTION group_members_username_ai();

-- +goose StatementBegin
CREATE FUNCTION users_au_group_members() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE group_members SET username = NEW.username WHERE user_id = NEW.id;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER users_au_group_members AFTER UPDATE OF username ON users FOR EACH ROW
    WHEN (OLD.username IS DISTINCT FROM NEW.username)
    EXECUTE FUNCTION users_au_group_members();

-- +goose Down
DROP TRIGGER users_au_group_members ON users;
DROP TRIGGER group_members_username_ai ON group_members;
DROP FUNCTION users_au_group_members();
DROP FUNCTION group_members_username_ai();
DROP INDEX group_members_username;
ALTER TABLE group_members DROP COLUMN username;
