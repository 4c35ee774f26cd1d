-- +goose Up
-- The counters that adding or removing users and memberships keeps
-- (user_counts, the org units' user counts, the groups' member counts) are
-- updated once per statement, over its transition table, instead of once
-- per row. A row trigger updated the same few rows (the tenant's totals, the
-- root unit, a large group) once for every user, and from the first user on
-- held their locks to the end of the transaction: concurrent batches of new
-- users ran one after another, each waiting for the others' whole batch.
-- Now each counter row is updated once per statement by the sum of its
-- changes, and each trigger locks its rows in key order, so statements of
-- the same kind queue instead of deadlocking. A batch of new users takes
-- them in this order: user_counts, org_units, user_groups,
-- property_options, properties (store/users_create_postgres.go writes the
-- users and their audit events in one statement, so the counters' rows are
-- locked only from its end to the commit). A deletion's cascade takes the
-- memberships' and values' rows before the users' counters; a deadlock
-- with a batch of new users is detected and the transaction tried again
-- (inPostgresTx).
-- Counts stay exact: each update adds its statement's delta to the row's
-- latest committed value (READ COMMITTED re-reads a row updated meanwhile).

DROP TRIGGER users_ai ON users;
DROP TRIGGER users_org_ai ON users;
DROP TRIGGER users_ad ON users;
DROP TRIGGER users_org_ad ON users;
DROP TRIGGER group_members_ai ON group_members;
DROP TRIGGER group_members_ad ON group_members;
DROP FUNCTION users_ai();
DROP FUNCTION users_org_ai();
DROP FUNCTION users_ad();
DROP FUNCTION users_org_ad();
DROP FUNCTION group_members_ai();
DROP FUNCTION group_members_ad();

-- unit_counts_add adds counts[i] users to units[i] (user_count) and to
-- every unit above it (subtree_user_count), locking the units in id order.
-- The units come as an array, not joined from the transition table: the
-- planner knows nothing of a transition table's rows and joined it to the
-- whole of org_closure (40 ms a statement at 10,000 units), where the few
-- units a statement touches are a few index lookups.
-- +goose StatementBegin
CREATE FUNCTION unit_counts_add(units bigint[], counts bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM org_units WHERE id IN (SELECT c.ancestor FROM org_closure c WHERE c.descendant = ANY(units))
    ORDER BY id FOR NO KEY UPDATE;
    UPDATE org_units o SET subtree_user_count = o.subtree_user_count + d.n, user_count = o.user_count + d.direct
    FROM (SELECT c.ancestor, sum(u.n) AS n, coalesce(sum(u.n) FILTER (WHERE c.depth = 0), 0) AS direct
          FROM org_closure c JOIN unnest(units, counts) AS u(unit, n) ON c.descendant = u.unit
          WHERE c.descendant = ANY(units)
          GROUP BY c.ancestor) d
    WHERE o.id = d.ancestor;
END;
$$;
-- +goose StatementEnd

-- created_month is the UTC month as SQLite's strftime('%Y-%m', created_at /
-- 1000, 'unixepoch') writes it (as migration 00002's triggers did).
-- Rows are upserted in key order (collation "C", the columns' own), which
-- is the order the rows' locks are taken in.
-- +goose StatementBegin
CREATE FUNCTION users_counts_ai() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    units bigint[];
    counts bigint[];
BEGIN
    INSERT INTO user_counts AS uc (tenant_id, dim, key, n)
    SELECT tenant_id, dim, key, count(*) FROM (
        SELECT tenant_id, 'all' AS dim, '' AS key FROM new_rows
        UNION ALL SELECT tenant_id, 'status', status FROM new_rows
        UNION ALL SELECT tenant_id, 'source_type', source_type FROM new_rows
        UNION ALL SELECT tenant_id, 'created_month',
            to_char(to_timestamp(created_at / 1000) AT TIME ZONE 'UTC', 'YYYY-MM') FROM new_rows
    ) r GROUP BY tenant_id, dim, key
    ORDER BY tenant_id, dim COLLATE "C", key COLLATE "C"
    ON CONFLICT (tenant_id, dim, key) DO UPDATE SET n = uc.n + EXCLUDED.n;

    SELECT array_agg(org_unit_id ORDER BY org_unit_id), array_agg(n ORDER BY org_unit_id) INTO units, counts
    FROM (SELECT org_unit_id, count(*) AS n FROM new_rows GROUP BY org_unit_id) r;
    PERFORM unit_counts_add(units, counts);
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER users_counts_ai AFTER INSERT ON users
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION users_counts_ai();

-- +goose StatementBegin
CREATE FUNCTION users_counts_ad() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    units bigint[];
    counts bigint[];
BEGIN
    PERFORM 1 FROM user_counts uc JOIN (
        SELECT DISTINCT tenant_id, dim, key FROM (
            SELECT tenant_id, 'all' AS dim, '' AS key FROM old_rows
            UNION ALL SELECT tenant_id, 'status', status FROM old_rows
            UNION ALL SELECT tenant_id, 'source_type', source_type FROM old_rows
            UNION ALL SELECT tenant_id, 'created_month',
                to_char(to_timestamp(created_at / 1000) AT TIME ZONE 'UTC', 'YYYY-MM') FROM old_rows
        ) k) r ON uc.tenant_id = r.tenant_id AND uc.dim = r.dim AND uc.key = r.key
    ORDER BY uc.tenant_id, uc.dim, uc.key FOR NO KEY UPDATE OF uc;
    UPDATE user_counts uc SET n = uc.n - r.n FROM (
        SELECT tenant_id, dim, key, count(*) AS n FROM (
            SELECT tenant_id, 'all' AS dim, '' AS key FROM old_rows
            UNION ALL SELECT tenant_id, 'status', status FROM old_rows
            UNION ALL SELECT tenant_id, 'source_type', source_type FROM old_rows
            UNION ALL SELECT tenant_id, 'created_month',
                to_char(to_timestamp(created_at / 1000) AT TIME ZONE 'UTC', 'YYYY-MM') FROM old_rows
        ) k GROUP BY tenant_id, dim, key) r
    WHERE uc.tenant_id = r.tenant_id AND uc.dim = r.dim AND uc.key = r.key;

    SELECT array_agg(org_unit_id ORDER BY org_unit_id), array_agg(-n ORDER BY org_unit_id) INTO units, counts
    FROM (SELECT org_unit_id, count(*) AS n FROM old_rows GROUP BY org_unit_id) r;
    PERFORM unit_counts_add(units, counts);
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER users_counts_ad AFTER DELETE ON users
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION users_counts_ad();

-- +goose StatementBegin
CREATE FUNCTION group_members_counts_ai() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM user_groups WHERE id IN (SELECT group_id FROM new_rows) ORDER BY id FOR NO KEY UPDATE;
    UPDATE user_groups g SET member_count = g.member_count + d.n
    FROM (SELECT group_id, count(*) AS n FROM new_rows GROUP BY group_id) d
    WHERE g.id = d.group_id;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER group_members_counts_ai AFTER INSERT ON group_members
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION group_members_counts_ai();

-- +goose StatementBegin
CREATE FUNCTION group_members_counts_ad() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM user_groups WHERE id IN (SELECT group_id FROM old_rows) ORDER BY id FOR NO KEY UPDATE;
    UPDATE user_groups g SET member_count = g.member_count - d.n
    FROM (SELECT group_id, count(*) AS n FROM old_rows GROUP BY group_id) d
    WHERE g.id = d.group_id;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER group_members_counts_ad AFTER DELETE ON group_members
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION group_members_counts_ad();

-- The property values' counters (migration 00003) were already updated once
-- per statement; they now also lock their rows in id order first.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION user_property_values_ai() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM users WHERE id IN (SELECT user_id FROM new_rows) ORDER BY id FOR NO KEY UPDATE;
    PERFORM 1 FROM property_options WHERE id IN (SELECT option_id FROM new_rows) ORDER BY id FOR NO KEY UPDATE;
    PERFORM 1 FROM properties WHERE id IN (SELECT property_id FROM new_rows) ORDER BY id FOR NO KEY UPDATE;
    UPDATE property_options o SET user_count = o.user_count + c.n
    FROM (SELECT option_id, count(*) AS n FROM new_rows GROUP BY option_id) c
    WHERE o.id = c.option_id;
    UPDATE properties p SET user_count = p.user_count + c.n
    FROM (SELECT f.property_id, count(*) AS n FROM (
            SELECT r.property_id, r.user_id FROM new_rows r
            GROUP BY r.property_id, r.user_id
            HAVING count(*) = (SELECT count(*) FROM user_property_values v
                               WHERE v.user_id = r.user_id AND v.property_id = r.property_id)
          ) f GROUP BY f.property_id) c
    WHERE p.id = c.property_id;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION user_property_values_ad() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM users WHERE id IN (SELECT user_id FROM old_rows) ORDER BY id FOR NO KEY UPDATE;
    PERFORM 1 FROM property_options WHERE id IN (SELECT option_id FROM old_rows) ORDER BY id FOR NO KEY UPDATE;
    PERFORM 1 FROM properties WHERE id IN (SELECT property_id FROM old_rows) ORDER BY id FOR NO KEY UPDATE;
    UPDATE property_options o SET user_count = o.user_count - c.n
    FROM (SELECT option_id, count(*) AS n FROM old_rows GROUP BY option_id) c
    WHERE o.id = c.option_id;
    UPDATE properties p SET user_count = p.user_count - c.n
    FROM (SELECT f.property_id, count(*) AS n FROM (
            SELECT DISTINCT r.property_id, r.user_id FROM old_rows r
            WHERE NOT EXISTS (SELECT 1 FROM user_property_values v
                              WHERE v.user_id = r.user_id AND v.property_id = r.property_id)
          ) f GROUP BY f.property_id) c
    WHERE p.id = c.property_id;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose Down
-- The functions and row triggers of migrations 00002 and 00003, as they were.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION user_property_values_ai() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM users WHERE id IN (SELECT user_id FROM new_rows) ORDER BY id FOR NO KEY UPDATE;
    UPDATE property_options o SET user_count = o.user_count + c.n
    FROM (SELECT option_id, count(*) AS n FROM new_rows GROUP BY option_id) c
    WHERE o.id = c.option_id;
    UPDATE properties p SET user_count = p.user_count + c.n
    FROM (SELECT f.property_id, count(*) AS n FROM (
            SELECT r.property_id, r.user_id FROM new_rows r
            GROUP BY r.property_id, r.user_id
            HAVING count(*) = (SELECT count(*) FROM user_property_values v
                               WHERE v.user_id = r.user_id AND v.property_id = r.property_id)
          ) f GROUP BY f.property_id) c
    WHERE p.id = c.property_id;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION user_property_values_ad() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM users WHERE id IN (SELECT user_id FROM old_rows) ORDER BY id FOR NO KEY UPDATE;
    UPDATE property_options o SET user_count = o.user_count - c.n
    FROM (SELECT option_id, count(*) AS n FROM old_rows GROUP BY option_id) c
    WHERE o.id = c.option_id;
    UPDATE properties p SET user_count = p.user_count - c.n
    FROM (SELECT f.property_id, count(*) AS n FROM (
            SELECT DISTINCT r.property_id, r.user_id FROM old_rows r
            WHERE NOT EXISTS (SELECT 1 FROM user_property_values v
                              WHERE v.user_id = r.user_id AND v.property_id = r.property_id)
          ) f GROUP BY f.property_id) c
    WHERE p.id = c.property_id;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

DROP TRIGGER group_members_counts_ad ON group_members;
DROP TRIGGER group_members_counts_ai ON group_members;
DROP TRIGGER users_counts_ad ON users;
DROP TRIGGER users_counts_ai ON users;
DROP FUNCTION group_members_counts_ad();
DROP FUNCTION group_members_counts_ai();
DROP FUNCTION users_counts_ad();
DROP FUNCTION users_counts_ai();
DROP FUNCTION unit_counts_add(bigint[], bigint[]);

-- +goose StatementBegin
CREATE FUNCTION users_ai() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO user_counts (tenant_id, dim, key, n) VALUES
        (NEW.tenant_id, 'all', '', 1),
        (NEW.tenant_id, 'status', NEW.status, 1),
        (NEW.tenant_id, 'source_type', NEW.source_type, 1),
        (NEW.tenant_id, 'created_month',
         to_char(to_timestamp(NEW.created_at / 1000) AT TIME ZONE 'UTC', 'YYYY-MM'), 1)
    ON CONFLICT (tenant_id, dim, key) DO UPDATE SET n = user_counts.n + 1;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER users_ai AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION users_ai();

-- +goose StatementBegin
CREATE FUNCTION users_ad() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE user_counts SET n = n - 1 WHERE tenant_id = OLD.tenant_id AND (
        (dim = 'all' AND key = '') OR (dim = 'status' AND key = OLD.status) OR
        (dim = 'source_type' AND key = OLD.source_type) OR
        (dim = 'created_month' AND
         key = to_char(to_timestamp(OLD.created_at / 1000) AT TIME ZONE 'UTC', 'YYYY-MM')));
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER users_ad AFTER DELETE ON users FOR EACH ROW EXECUTE FUNCTION users_ad();

-- +goose StatementBegin
CREATE FUNCTION users_org_ai() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE org_units SET subtree_user_count = subtree_user_count + 1,
        user_count = user_count + CASE WHEN id = NEW.org_unit_id THEN 1 ELSE 0 END
    WHERE id IN (SELECT ancestor FROM org_closure WHERE descendant = NEW.org_unit_id);
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER users_org_ai AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION users_org_ai();

-- +goose StatementBegin
CREATE FUNCTION users_org_ad() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE org_units SET subtree_user_count = subtree_user_count - 1,
        user_count = user_count - CASE WHEN id = OLD.org_unit_id THEN 1 ELSE 0 END
    WHERE id IN (SELECT ancestor FROM org_closure WHERE descendant = OLD.org_unit_id);
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER users_org_ad AFTER DELETE ON users FOR EACH ROW EXECUTE FUNCTION users_org_ad();

-- +goose StatementBegin
CREATE FUNCTION group_members_ai() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE user_groups SET member_count = member_count + 1 WHERE id = NEW.group_id;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER group_members_ai AFTER INSERT ON group_members FOR EACH ROW
    EXECUTE FUNCTION group_members_ai();

-- +goose StatementBegin
CREATE FUNCTION group_members_ad() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE user_groups SET member_count = member_count - 1 WHERE id = OLD.group_id;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER group_members_ad AFTER DELETE ON group_members FOR EACH ROW
    EXECUTE FUNCTION group_members_ad();
