-- +goose Up
-- What an administrator chose to see in a tenant's console, such as the
-- users list's columns: kept with the account, so it follows them to
-- another browser and survives signing out, where a cookie would not.
CREATE TABLE admin_preferences (
    admin_id  INTEGER NOT NULL REFERENCES administrators(id) ON DELETE CASCADE,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name      TEXT NOT NULL,
    value     TEXT NOT NULL,
    PRIMARY KEY (admin_id, tenant_id, name)
) STRICT, WITHOUT ROWID;

-- +goose Down
DROP TABLE admin_preferences;
