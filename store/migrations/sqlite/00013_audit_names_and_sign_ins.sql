-- +goose Up
-- The audit log reads at a million events and records sign-ins:
--  * tenant_id may be NULL: a console sign-in under a username no
--    administrator has (or by one who belongs to no tenant) belongs to no
--    tenant; system administrators read those events.
--  * target_name keeps the target's name as it was when the event was
--    written, so an event about something since removed still reads.
--  * client_address and user_agent say where a change or a sign-in came from.
--  * Pages are ordered newest first by (created_at, id). Every filter has
--    an index ending in created_at (and the implicit rowid), so a date range
--    is a range of the same index and no page is ever sorted.
CREATE TABLE audit_events_new (
    id             INTEGER PRIMARY KEY,
    tenant_id      INTEGER REFERENCES tenants(id) ON DELETE CASCADE,
    actor_type     TEXT NOT NULL CHECK (actor_type IN ('admin', 'api_key', 'user', 'system')),
    actor_id       TEXT NOT NULL DEFAULT '',
    actor_name     TEXT NOT NULL DEFAULT '',
    action         TEXT NOT NULL,
    target_type    TEXT NOT NULL DEFAULT '',
    target_id      TEXT NOT NULL DEFAULT '',
    target_name    TEXT NOT NULL DEFAULT '',
    changes        TEXT NOT NULL DEFAULT '{}', -- {"field": {"before": …, "after": …}}
    request_id     TEXT NOT NULL DEFAULT '',
    client_address TEXT NOT NULL DEFAULT '',
    user_agent     TEXT NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL
) STRICT;
INSERT INTO audit_events_new (id, tenant_id, actor_type, actor_id, actor_name, action,
                              target_type, target_id, changes, request_id, created_at)
SELECT id, tenant_id, actor_type, actor_id, actor_name, action,
       target_type, target_id, changes, request_id, created_at FROM audit_events;
DROP TABLE audit_events;
ALTER TABLE audit_events_new RENAME TO audit_events;

CREATE INDEX audit_events_time        ON audit_events(tenant_id, created_at);
CREATE INDEX audit_events_action      ON audit_events(tenant_id, action, created_at);
CREATE INDEX audit_events_actor       ON audit_events(tenant_id, actor_name, created_at);
CREATE INDEX audit_events_target      ON audit_events(tenant_id, target_id, created_at);
CREATE INDEX audit_events_target_type ON audit_events(tenant_id, target_type, created_at);

-- Planner statistics for a tenant of a million events, written by hand as
-- for users (migration 00002), so an empty database plans as a full one.
DELETE FROM sqlite_stat1 WHERE tbl = 'audit_events';
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
    ('audit_events', 'audit_events_time',        '1000000 1000000 2'),
    ('audit_events', 'audit_events_action',      '1000000 1000000 20000 2'),
    ('audit_events', 'audit_events_actor',       '1000000 1000000 1000 2'),
    ('audit_events', 'audit_events_target',      '1000000 1000000 10 2'),
    ('audit_events', 'audit_events_target_type', '1000000 1000000 100000 2');
ANALYZE sqlite_schema;

-- +goose Down
DELETE FROM sqlite_stat1 WHERE tbl = 'audit_events';
CREATE TABLE audit_events_old (
    id          INTEGER PRIMARY KEY,
    tenant_id   INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    actor_type  TEXT NOT NULL CHECK (actor_type IN ('admin', 'api_key', 'user', 'system')),
    actor_id    TEXT NOT NULL DEFAULT '',
    actor_name  TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL DEFAULT '',
    target_id   TEXT NOT NULL DEFAULT '',
    changes     TEXT NOT NULL DEFAULT '{}',
    request_id  TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
) STRICT;
INSERT INTO audit_events_old
SELECT id, tenant_id, actor_type, actor_id, actor_name, action,
       target_type, target_id, changes, request_id, created_at
FROM audit_events WHERE tenant_id IS NOT NULL;
DROP TABLE audit_events;
ALTER TABLE audit_events_old RENAME TO audit_events;
CREATE INDEX audit_events_tenant ON audit_events(tenant_id, id);
CREATE INDEX audit_events_action ON audit_events(tenant_id, action, id);
CREATE INDEX audit_events_actor ON audit_events(tenant_id, actor_name, id);
CREATE INDEX audit_events_target ON audit_events(tenant_id, target_id, id);
