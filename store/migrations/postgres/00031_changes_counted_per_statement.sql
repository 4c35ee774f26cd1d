-- +goose Up
-- Changes of users' status, source type and org unit are counted once per
-- statement, over its transition tables, as new and deleted users are
-- (migration 00016): per row, a batch action's UPDATE of 500 users updated
-- the same user_counts rows, or the same units and all their ancestors,
-- 500 times (more than half of moving a batch of a million-user
-- directory's users). A deletion's tags go the same way, in one DELETE.
-- A trigger with transition tables cannot be limited to some columns, so
-- this one fires on every UPDATE of users (a sign-in, a profile edit),
-- and is cheap when nothing counted changed.
DROP TRIGGER users_au_counts ON users;
DROP TRIGGER users_org_au ON users;
DROP TRIGGER users_tags_ad ON users;
DROP FUNCTION users_au_counts();
DROP FUNCTION users_org_au();
DROP FUNCTION users_tags_ad();

-- Each old row counts -1 and each new row +1 under its status, source
-- type and org unit: summed per counter, a user whose counted columns did
-- not change cancels out, and the sums left are the statement's changes.
-- (Joining old_rows to new_rows by id instead took 180 ms for 500 rows:
-- the planner nested-loops two tuplestores.) An UPDATE that changes no
-- counted column writes nothing. A user's tenant never changes, so the
-- old and new rows of a user count in the same tenant. user_counts rows
-- are upserted in key order and the units locked in id order
-- (unit_counts_add), as the INSERT and DELETE triggers take them.
-- +goose StatementBegin
CREATE FUNCTION users_counts_au() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    units bigint[];
    counts bigint[];
BEGIN
    INSERT INTO user_counts AS uc (tenant_id, dim, key, n)
    SELECT tenant_id, dim, key, sum(d) FROM (
        SELECT tenant_id, 'status' AS dim, status AS key, -1 AS d FROM old_rows
        UNION ALL SELECT tenant_id, 'status', status, 1 FROM new_rows
        UNION ALL SELECT tenant_id, 'source_type', source_type, -1 FROM old_rows
        UNION ALL SELECT tenant_id, 'source_type', source_type, 1 FROM new_rows
    ) r GROUP BY tenant_id, dim, key HAVING sum(d) <> 0
    ORDER BY tenant_id, dim COLLATE "C", key COLLATE "C"
    ON CONFLICT (tenant_id, dim, key) DO UPDATE SET n = uc.n + EXCLUDED.n;

    SELECT array_agg(unit ORDER BY unit), array_agg(d ORDER BY unit) INTO units, counts
    FROM (SELECT unit, sum(d) AS d FROM (
            SELECT org_unit_id AS unit, -1 AS d FROM old_rows
            UNION ALL SELECT org_unit_id, 1 FROM new_rows
          ) m GROUP BY unit HAVING sum(d) <> 0) r;
    IF units IS NOT NULL THEN
        PERFORM unit_counts_add(units, counts);
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER users_counts_au AFTER UPDATE ON users
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION users_counts_au();

-- +goose StatementBegin
CREATE FUNCTION users_tags_ad() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM user_tags WHERE user_id IN (SELECT id FROM old_rows WHERE tags <> '{}');
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER users_tags_ad AFTER DELETE ON users
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION users_tags_ad();

-- +goose Down
DROP TRIGGER users_tags_ad ON users;
DROP TRIGGER users_counts_au ON users;
DROP FUNCTION users_tags_ad();
DROP FUNCTION users_counts_au();

-- The row triggers of migrations 00002, 00003 and 00023, as they were.
-- +goose StatementBegin
CREATE FUNCTION users_au_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE user_counts SET n = n - 1 WHERE tenant_id = OLD.tenant_id AND (
        (dim = 'status' AND key = OLD.status) OR (dim = 'source_type' AND key = OLD.source_type));
    INSERT INTO user_counts (tenant_id, dim, key, n) VALUES
        (NEW.tenant_id, 'status', NEW.status, 1),
        (NEW.tenant_id, 'source_type', NEW.source_type, 1)
    ON CONFLICT (tenant_id, dim, key) DO UPDATE SET n = user_counts.n + 1;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER users_au_counts AFTER UPDATE OF status, source_type ON users FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.source_type IS DISTINCT FROM NEW.source_type)
    EXECUTE FUNCTION users_au_counts();

-- +goose StatementBegin
CREATE FUNCTION users_org_au() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE org_units SET subtree_user_count = subtree_user_count - 1,
        user_count = user_count - CASE WHEN id = OLD.org_unit_id THEN 1 ELSE 0 END
    WHERE id IN (SELECT ancestor FROM org_closure WHERE descendant = OLD.org_unit_id);
    UPDATE org_units SET subtree_user_count = subtree_user_count + 1,
        user_count = user_count + CASE WHEN id = NEW.org_unit_id THEN 1 ELSE 0 END
    WHERE id IN (SELECT ancestor FROM org_closure WHERE descendant = NEW.org_unit_id);
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER users_org_au AFTER UPDATE OF org_unit_id ON users FOR EACH ROW
    WHEN (OLD.org_unit_id IS DISTINCT FROM NEW.org_unit_id)
    EXECUTE FUNCTION users_org_au();

-- +goose StatementBegin
CREATE FUNCTION users_tags_ad() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM user_tags WHERE user_id = OLD.id;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER users_tags_ad AFTER DELETE ON users FOR EACH ROW EXECUTE FUNCTION users_tags_ad();
