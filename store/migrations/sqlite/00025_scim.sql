-- +goose Up
-- The last SCIM requests of each tenant, for the console's Provisioning
-- page: what the identity provider asked and how it was answered. Bounded:
-- each write prunes the tenant's rows past the newest few hundred.
CREATE TABLE scim_requests (
    id        INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    at        INTEGER NOT NULL, -- unix milliseconds
    method    TEXT NOT NULL,
    path      TEXT NOT NULL,
    status    INTEGER NOT NULL,
    result    TEXT NOT NULL
) STRICT;
CREATE INDEX scim_requests_tenant ON scim_requests(tenant_id, id);
-- Identity providers find a user by the id they gave it (externalId),
-- whatever source Roster files the user under.
CREATE INDEX users_external_id ON users(tenant_id, external_id) WHERE external_id IS NOT NULL;
-- Its statistics at a million-user tenant, each external id its own, as
-- the other indexes of users have theirs.
DELETE FROM sqlite_stat1 WHERE tbl = 'users' AND idx = 'users_external_id';
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('users', 'users_external_id', '1000000 1000000 1');
ANALYZE sqlite_schema;

-- +goose Down
DELETE FROM sqlite_stat1 WHERE tbl = 'users' AND idx = 'users_external_id';
DROP INDEX users_external_id;
DROP TABLE scim_requests;
