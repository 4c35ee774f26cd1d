-- +goose Up
-- New users are counted once per batch instead of once per row: the
-- batch creation (store/users_create_sqlite.go, countNewUsersSQLite), the
-- only writer of new users besides the bulk loads (which drop every
-- trigger and recount), adds each batch's users to user_counts, to their
-- org units and their ancestors, and their tags to user_tags, with one
-- statement each. Per row, these three triggers updated the same few
-- counter rows and units for every user and were a fifth of an import's
-- time. Changes and deletions of users are still counted by triggers.
DROP TRIGGER users_ai;
DROP TRIGGER users_org_ai;
DROP TRIGGER users_tags_ai;

-- +goose Down
-- +goose StatementBegin
CREATE TRIGGER users_ai AFTER INSERT ON users BEGIN
    INSERT INTO user_counts (tenant_id, dim, key, n) VALUES
        (new.tenant_id, 'all', '', 1),
        (new.tenant_id, 'status', new.status, 1),
        (new.tenant_id, 'source_type', new.source_type, 1),
        (new.tenant_id, 'created_month', strftime('%Y-%m', new.created_at / 1000, 'unixepoch'), 1)
    ON CONFLICT (tenant_id, dim, key) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER users_org_ai AFTER INSERT ON users BEGIN
    UPDATE org_units SET subtree_user_count = subtree_user_count + 1,
        user_count = user_count + (id = new.org_unit_id)
    WHERE id IN (SELECT ancestor FROM org_closure WHERE descendant = new.org_unit_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER users_tags_ai AFTER INSERT ON users WHEN new.tags <> '{}' BEGIN
    INSERT INTO user_tags (tenant_id, key, value, user_id)
        SELECT new.tenant_id, j.key, j.value, new.id FROM json_each(new.tags) j;
END;
-- +goose StatementEnd
