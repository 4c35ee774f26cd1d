-- +goose Up
-- The audit log reads at a million events and records sign-ins:
--  * tenant_id may be NULL: a console sign-in under a username no
--    administrator has (or by one who belongs to no tenant) belongs to no
--    tenant; system administrators read those events.
--  * target_name keeps the target's name as it was when the event was
--    written, so an event about something since removed still reads.
--  * client_address and user_agent say where a change or a sign-in came from.
--  * Pages are ordered newest first by (created_at, id), and every filter
--    has an index ending in (created_at, id), so a date range is a range of
--    the same index and no page is ever sorted.
-- SQLite rebuilds the table to change tenant_id; here ALTER TABLE does it in
-- place, so the new columns come last in the row (SQLite puts target_name
-- after target_id): the store names every column it reads or writes.
ALTER TABLE audit_events ALTER COLUMN tenant_id DROP NOT NULL;
ALTER TABLE audit_events ADD COLUMN target_name text COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN client_address text COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN user_agent text COLLATE "C" NOT NULL DEFAULT '';

DROP INDEX audit_events_tenant;
DROP INDEX audit_events_action;
DROP INDEX audit_events_actor;
DROP INDEX audit_events_target;
-- An SQLite index ends in the rowid without naming it; a PostgreSQL one
-- holds only the columns it names, so id is written out.
CREATE INDEX audit_events_time        ON audit_events (tenant_id, created_at, id);
CREATE INDEX audit_events_action      ON audit_events (tenant_id, action, created_at, id);
CREATE INDEX audit_events_actor       ON audit_events (tenant_id, actor_name, created_at, id);
CREATE INDEX audit_events_target      ON audit_events (tenant_id, target_id, created_at, id);
CREATE INDEX audit_events_target_type ON audit_events (tenant_id, target_type, created_at, id);

-- SQLite's hand-written planner statistics have no counterpart here, as in 00002.

-- +goose Down
-- Events that belong to no tenant cannot stay once tenant_id is required again.
DELETE FROM audit_events WHERE tenant_id IS NULL;
DROP INDEX audit_events_target_type;
DROP INDEX audit_events_target;
DROP INDEX audit_events_actor;
DROP INDEX audit_events_action;
DROP INDEX audit_events_time;
ALTER TABLE audit_events DROP COLUMN user_agent;
ALTER TABLE audit_events DROP COLUMN client_address;
ALTER TABLE audit_events DROP COLUMN target_name;
ALTER TABLE audit_events ALTER COLUMN tenant_id SET NOT NULL;
CREATE INDEX audit_events_tenant ON audit_events (tenant_id, id);
CREATE INDEX audit_events_action ON audit_events (tenant_id, action, id);
CREATE INDEX audit_events_actor ON audit_events (tenant_id, actor_name, id);
CREATE INDEX audit_events_target ON audit_events (tenant_id, target_id, id);
