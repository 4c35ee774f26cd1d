-- +goose Up
-- What an administrator chose to see in a tenant's console, such as the
-- users list's columns: kept with the account, so it follows them to
-- another browser and survives signing out, where a cookie would not.
CREATE TABLE admin_preferences (
    admin_id  bigint NOT NULL REFERENCES administrators(id) ON DELETE CASCADE,
    tenant_id bigint NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name      text COLLATE "C" NOT NULL,
    value     text COLLATE "C" NOT NULL,
    PRIMARY KEY (admin_id, tenant_id, name)
);

-- +goose Down
DROP TABLE admin_preferences;
