-- +goose Up
ALTER TABLE tenants ADD COLUMN default_language TEXT NOT NULL DEFAULT 'en';

-- Directory users. username is stored lower-case, so the unique index makes
-- it unique per tenant regardless of case. display_name and email compare
-- without case, which their prefix searches and sorts rely on.
CREATE TABLE users (
    id                  INTEGER PRIMARY KEY,
    tenant_id           INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    username            TEXT NOT NULL,
    display_name        TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
    description         TEXT NOT NULL DEFAULT '',
    email               TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
    email_verified      INTEGER NOT NULL DEFAULT 0,
    phone_region        TEXT NOT NULL DEFAULT '',
    phone_number        TEXT NOT NULL DEFAULT '',
    phone_verified      INTEGER NOT NULL DEFAULT 0,
    status              TEXT NOT NULL CHECK (status IN ('enabled', 'disabled', 'pending')),
    locked_at           INTEGER,
    lock_until          INTEGER,
    lock_reason         TEXT,
    account_expires_at  INTEGER,
    password_expires_at INTEGER,
    password_hash       TEXT,
    password_changed_at INTEGER,
    required_actions    TEXT NOT NULL DEFAULT '', -- sorted, comma-separated
    user_type           TEXT NOT NULL DEFAULT 'user' CHECK (user_type IN ('user', 'api_user')),
    source_type         TEXT NOT NULL DEFAULT 'built_in',
    source_id           TEXT NOT NULL DEFAULT '',
    external_id         TEXT,
    language            TEXT NOT NULL DEFAULT '',
    timezone            TEXT NOT NULL DEFAULT '',
    tags                TEXT NOT NULL DEFAULT '{}',
    org_unit_id         INTEGER NOT NULL REFERENCES org_units(id),
    registered_at       INTEGER,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    last_login_at       INTEGER
) STRICT;

-- One index per list order and per filter, each ending in the sort key, so a
-- page is an index range read in order: no sort, no OFFSET.
CREATE UNIQUE INDEX users_username ON users(tenant_id, username);
CREATE INDEX users_display_name ON users(tenant_id, display_name, id);
CREATE INDEX users_created ON users(tenant_id, created_at, id);
CREATE INDEX users_email ON users(tenant_id, email, id);
-- status and locked carry the columns their usual companions filter on, so
-- counting a combined filter reads only the index.
CREATE INDEX users_status ON users(tenant_id, status, username, source_type, source_id);
CREATE INDEX users_source ON users(tenant_id, source_type, source_id, username);
CREATE INDEX users_phone ON users(tenant_id, phone_number);
CREATE INDEX users_locked ON users(tenant_id, username, lock_until) WHERE locked_at IS NOT NULL;
CREATE INDEX users_org_unit ON users(tenant_id, org_unit_id, username);
CREATE UNIQUE INDEX users_external ON users(tenant_id, source_type, source_id, external_id)
    WHERE external_id IS NOT NULL;

-- Keyword search: a trigram index over the three searched fields makes any
-- substring of 3+ characters an index lookup instead of a scan.
CREATE VIRTUAL TABLE users_fts USING fts5(
    username, display_name, email,
    content = 'users', content_rowid = 'id', tokenize = 'trigram'
);

-- Counts kept up to date by triggers, so totals and stats never count a
-- million rows: dim 'all' (key ''), 'status', 'source_type', 'created_month'.
CREATE TABLE user_counts (
    tenant_id INTEGER NOT NULL,
    dim       TEXT NOT NULL,
    key       TEXT NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, dim, key)
) STRICT, WITHOUT ROWID;

-- +goose StatementBegin
-- Inserts and deletes reach users_fts from the store, one statement per
-- batch: FTS5 writes a segment per statement that touches it, and a segment
-- per user made a 500-user batch into a million users take seconds.
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
CREATE TRIGGER users_ad AFTER DELETE ON users BEGIN
    UPDATE user_counts SET n = n - 1 WHERE tenant_id = old.tenant_id AND (
        (dim = 'all' AND key = '') OR (dim = 'status' AND key = old.status) OR
        (dim = 'source_type' AND key = old.source_type) OR
        (dim = 'created_month' AND key = strftime('%Y-%m', old.created_at / 1000, 'unixepoch')));
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER users_au_search AFTER UPDATE OF username, display_name, email ON users BEGIN
    INSERT INTO users_fts (users_fts, rowid, username, display_name, email)
    VALUES ('delete', old.id, old.username, old.display_name, old.email);
    INSERT INTO users_fts (rowid, username, display_name, email)
    VALUES (new.id, new.username, new.display_name, new.email);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER users_au_counts AFTER UPDATE OF status, source_type ON users
WHEN old.status IS NOT new.status OR old.source_type IS NOT new.source_type BEGIN
    UPDATE user_counts SET n = n - 1 WHERE tenant_id = old.tenant_id AND (
        (dim = 'status' AND key = old.status) OR (dim = 'source_type' AND key = old.source_type));
    INSERT INTO user_counts (tenant_id, dim, key, n) VALUES
        (new.tenant_id, 'status', new.status, 1),
        (new.tenant_id, 'source_type', new.source_type, 1)
    ON CONFLICT (tenant_id, dim, key) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd

-- Planner statistics for a tenant of a million users, written by hand so
-- the list queries get the same plans on an empty database as on a full one
-- (with missing or stale statistics SQLite has been
-- seen to sort a million rows). store_test checks each list query's plan.
ANALYZE;
DELETE FROM sqlite_stat1 WHERE tbl = 'users';
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
    ('users', 'users_username',     '1000000 1000000 1'),
    ('users', 'users_display_name', '1000000 1000000 2 1'),
    ('users', 'users_created',      '1000000 1000000 2 1'),
    ('users', 'users_email',        '1000000 1000000 2 1'),
    ('users', 'users_status',       '1000000 1000000 300000 1 1 1'),
    ('users', 'users_source',       '1000000 1000000 200000 1000 1'),
    ('users', 'users_phone',        '1000000 1000000 2'),
    ('users', 'users_locked',       '10000 10000 1 1'),
    ('users', 'users_org_unit',     '1000000 1000000 100 1'),
    ('users', 'users_external',     '100000 100000 50000 50000 1');
ANALYZE sqlite_schema;

-- +goose Down
DROP TRIGGER users_au_counts;
DROP TRIGGER users_au_search;
DROP TRIGGER users_ad;
DROP TRIGGER users_ai;
DROP TABLE user_counts;
DROP TABLE users_fts;
DROP TABLE users;
ALTER TABLE tenants DROP COLUMN default_language;
