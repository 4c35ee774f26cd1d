-- The directory: the org-unit tree, groups, custom properties and resource
-- groups. Every table here is reached through a tenant-scoped parent row.

-- +goose Up

-- The org tree is a closure table: a row per (ancestor, descendant) pair,
-- each unit its own ancestor at depth 0. "Path from the root", "is X inside
-- Y's subtree" and "users in Y's subtree" are each one index lookup, and a
-- move rewrites only the pairs that cross the moved subtree's edge (a
-- materialised path would rewrite every descendant's path text and still
-- need a join to find a subtree's users).
CREATE TABLE org_closure (
    ancestor   INTEGER NOT NULL REFERENCES org_units(id) ON DELETE CASCADE,
    descendant INTEGER NOT NULL REFERENCES org_units(id) ON DELETE CASCADE,
    depth      INTEGER NOT NULL,
    PRIMARY KEY (ancestor, descendant)
) STRICT, WITHOUT ROWID;
CREATE INDEX org_closure_descendant ON org_closure(descendant, depth);

INSERT INTO org_closure (ancestor, descendant, depth)
WITH RECURSIVE t(a, d, depth) AS (
    SELECT id, id, 0 FROM org_units
    UNION ALL
    SELECT t.a, o.id, t.depth + 1 FROM t JOIN org_units o ON o.parent_id = t.d
) SELECT a, d, depth FROM t;

-- Users directly in a unit and in its whole subtree, kept by the triggers
-- below and by the store's subtree move, so the tree shows counts without
-- counting users.
ALTER TABLE org_units ADD COLUMN user_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE org_units ADD COLUMN subtree_user_count INTEGER NOT NULL DEFAULT 0;
UPDATE org_units SET user_count = (SELECT count(*) FROM users WHERE users.org_unit_id = org_units.id);
UPDATE org_units SET subtree_user_count = (SELECT count(*) FROM users JOIN org_closure c
    ON c.descendant = users.org_unit_id WHERE c.ancestor = org_units.id);
CREATE INDEX org_units_name ON org_units(tenant_id, name);

-- +goose StatementBegin
CREATE TRIGGER users_org_ai AFTER INSERT ON users BEGIN
    UPDATE org_units SET subtree_user_count = subtree_user_count + 1,
        user_count = user_count + (id = new.org_unit_id)
    WHERE id IN (SELECT ancestor FROM org_closure WHERE descendant = new.org_unit_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER users_org_ad AFTER DELETE ON users BEGIN
    UPDATE org_units SET subtree_user_count = subtree_user_count - 1,
        user_count = user_count - (id = old.org_unit_id)
    WHERE id IN (SELECT ancestor FROM org_closure WHERE descendant = old.org_unit_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER users_org_au AFTER UPDATE OF org_unit_id ON users
WHEN old.org_unit_id IS NOT new.org_unit_id BEGIN
    UPDATE org_units SET subtree_user_count = subtree_user_count - 1,
        user_count = user_count - (id = old.org_unit_id)
    WHERE id IN (SELECT ancestor FROM org_closure WHERE descendant = old.org_unit_id);
    UPDATE org_units SET subtree_user_count = subtree_user_count + 1,
        user_count = user_count + (id = new.org_unit_id)
    WHERE id IN (SELECT ancestor FROM org_closure WHERE descendant = new.org_unit_id);
END;
-- +goose StatementEnd

-- Groups. "groups" is an SQL keyword, hence user_groups.
CREATE TABLE user_groups (
    id           INTEGER PRIMARY KEY,
    tenant_id    INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name         TEXT NOT NULL COLLATE NOCASE,
    description  TEXT NOT NULL DEFAULT '',
    member_count INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX user_groups_name ON user_groups(tenant_id, name);

CREATE TABLE group_members (
    group_id  INTEGER NOT NULL REFERENCES user_groups(id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (group_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX group_members_user ON group_members(user_id, group_id);

-- +goose StatementBegin
CREATE TRIGGER group_members_ai AFTER INSERT ON group_members BEGIN
    UPDATE user_groups SET member_count = member_count + 1 WHERE id = new.group_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER group_members_ad AFTER DELETE ON group_members BEGIN
    UPDATE user_groups SET member_count = member_count - 1 WHERE id = old.group_id;
END;
-- +goose StatementEnd

-- Custom properties. Values of select types point at an option (renaming
-- an option touches no user); values of other types are kept as canonical
-- text ("42", "true", "2026-11-23") with option_id 0.
CREATE TABLE properties (
    id           INTEGER PRIMARY KEY,
    tenant_id    INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    key          TEXT NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    type         TEXT NOT NULL CHECK (type IN ('text', 'number', 'boolean', 'date', 'select', 'multiselect')),
    required     INTEGER NOT NULL DEFAULT 0,
    user_count   INTEGER NOT NULL DEFAULT 0, -- users with any value
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX properties_key ON properties(tenant_id, key);

CREATE TABLE property_options (
    id           INTEGER PRIMARY KEY,
    property_id  INTEGER NOT NULL REFERENCES properties(id) ON DELETE CASCADE,
    value        TEXT NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    user_count   INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE UNIQUE INDEX property_options_value ON property_options(property_id, value);

CREATE TABLE user_property_values (
    property_id INTEGER NOT NULL REFERENCES properties(id) ON DELETE CASCADE,
    option_id   INTEGER NOT NULL DEFAULT 0,
    value       TEXT NOT NULL DEFAULT '',
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (property_id, option_id, value, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX user_property_values_user ON user_property_values(user_id, property_id);

-- +goose StatementBegin
CREATE TRIGGER user_property_values_ai AFTER INSERT ON user_property_values BEGIN
    UPDATE property_options SET user_count = user_count + 1 WHERE id = new.option_id;
    UPDATE properties SET user_count = user_count + 1 WHERE id = new.property_id
        AND (SELECT count(*) FROM user_property_values
             WHERE user_id = new.user_id AND property_id = new.property_id) = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER user_property_values_ad AFTER DELETE ON user_property_values BEGIN
    UPDATE property_options SET user_count = user_count - 1 WHERE id = old.option_id;
    UPDATE properties SET user_count = user_count - 1 WHERE id = old.property_id
        AND NOT EXISTS (SELECT 1 FROM user_property_values
                        WHERE user_id = old.user_id AND property_id = old.property_id);
END;
-- +goose StatementEnd

-- Resource groups: what a set of users is entitled to, granted to users
-- directly or to groups.
CREATE TABLE resource_groups (
    id          INTEGER PRIMARY KEY,
    tenant_id   INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name        TEXT NOT NULL COLLATE NOCASE,
    description TEXT NOT NULL DEFAULT '',
    platform    TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX resource_groups_name ON resource_groups(tenant_id, name);

CREATE TABLE resource_group_resources (
    resource_group_id INTEGER NOT NULL REFERENCES resource_groups(id) ON DELETE CASCADE,
    type              TEXT NOT NULL,
    resource_id       TEXT NOT NULL,
    name              TEXT NOT NULL DEFAULT '',
    added_at          INTEGER NOT NULL,
    PRIMARY KEY (resource_group_id, type, resource_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE resource_group_users (
    resource_group_id INTEGER NOT NULL REFERENCES resource_groups(id) ON DELETE CASCADE,
    user_id           INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    assigned_at       INTEGER NOT NULL,
    PRIMARY KEY (resource_group_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX resource_group_users_user ON resource_group_users(user_id);

CREATE TABLE resource_group_groups (
    resource_group_id INTEGER NOT NULL REFERENCES resource_groups(id) ON DELETE CASCADE,
    group_id          INTEGER NOT NULL REFERENCES user_groups(id) ON DELETE CASCADE,
    assigned_at       INTEGER NOT NULL,
    PRIMARY KEY (resource_group_id, group_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX resource_group_groups_group ON resource_group_groups(group_id);

-- +goose Down
DROP TABLE resource_group_groups;
DROP TABLE resource_group_users;
DROP TABLE resource_group_resources;
DROP TABLE resource_groups;
DROP TABLE user_property_values;
DROP TABLE property_options;
DROP TABLE properties;
DROP TABLE group_members;
DROP TABLE user_groups;
DROP TRIGGER users_org_au;
DROP TRIGGER users_org_ad;
DROP TRIGGER users_org_ai;
DROP INDEX org_units_name;
ALTER TABLE org_units DROP COLUMN subtree_user_count;
ALTER TABLE org_units DROP COLUMN user_count;
DROP TABLE org_closure;
