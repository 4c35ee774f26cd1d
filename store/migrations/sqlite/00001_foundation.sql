-- Times are INTEGER milliseconds since the Unix epoch (UTC): compact, indexable,
-- and ordered the same way as the instants they stand for.

-- +goose Up
CREATE TABLE tenants (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    alias      TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
) STRICT;

-- The directory issue builds the tree on this table; each tenant gets its root
-- (parent_id NULL) in the same transaction that creates the tenant.
CREATE TABLE org_units (
    id          INTEGER PRIMARY KEY,
    tenant_id   INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    parent_id   INTEGER REFERENCES org_units(id),
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX org_units_root ON org_units(tenant_id) WHERE parent_id IS NULL;
CREATE UNIQUE INDEX org_units_sibling_name ON org_units(tenant_id, parent_id, name);

CREATE TABLE administrators (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name  TEXT NOT NULL DEFAULT '',
    email         TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    is_system     INTEGER NOT NULL DEFAULT 0, -- may create tenants
    created_at    INTEGER NOT NULL,
    last_login_at INTEGER
) STRICT;

CREATE TABLE tenant_members (
    tenant_id  INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    admin_id   INTEGER NOT NULL REFERENCES administrators(id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'viewer')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, admin_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX tenant_members_admin ON tenant_members(admin_id);

-- Only a SHA-256 of the secret is kept: secrets are 32 random bytes, so a fast
-- hash is enough and lets every API request be verified cheaply.
CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY,
    tenant_id    INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    public_id    TEXT NOT NULL UNIQUE,
    secret_hash  BLOB NOT NULL,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
    created_by   INTEGER REFERENCES administrators(id) ON DELETE SET NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    expires_at   INTEGER,
    revoked_at   INTEGER
) STRICT;
CREATE INDEX api_keys_tenant ON api_keys(tenant_id, id);

CREATE TABLE audit_events (
    id          INTEGER PRIMARY KEY,
    tenant_id   INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    actor_type  TEXT NOT NULL CHECK (actor_type IN ('admin', 'api_key', 'user', 'system')),
    actor_id    TEXT NOT NULL DEFAULT '',
    actor_name  TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL DEFAULT '',
    target_id   TEXT NOT NULL DEFAULT '',
    changes     TEXT NOT NULL DEFAULT '{}', -- {"field": {"before": …, "after": …}}
    request_id  TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
) STRICT;
-- Newest first within a tenant, optionally narrowed by one of the filters.
CREATE INDEX audit_events_tenant ON audit_events(tenant_id, id);
CREATE INDEX audit_events_action ON audit_events(tenant_id, action, id);
CREATE INDEX audit_events_actor ON audit_events(tenant_id, actor_name, id);
CREATE INDEX audit_events_target ON audit_events(tenant_id, target_id, id);

-- The schema alexedwards/scs/sqlite3store expects.
CREATE TABLE sessions (
    token  TEXT PRIMARY KEY,
    data   BLOB NOT NULL,
    expiry REAL NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions(expiry);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    to_address      TEXT NOT NULL,
    subject         TEXT NOT NULL,
    text_body       TEXT NOT NULL,
    html_body       TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    next_attempt_at INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER
) STRICT;
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
CREATE INDEX outbox_tenant ON outbox(tenant_id, id);

-- +goose Down
DROP TABLE outbox;
DROP TABLE sessions;
DROP TABLE audit_events;
DROP TABLE api_keys;
DROP TABLE tenant_members;
DROP TABLE administrators;
DROP TABLE org_units;
DROP TABLE tenants;
