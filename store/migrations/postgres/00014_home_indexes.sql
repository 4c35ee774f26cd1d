-- +goose Up
-- The console's home page counts, per tenant, the emails still queued and
-- the users whose access ends soon. Without these indexes both were scans:
-- of the tenant's whole outbox, and of all its users.
CREATE INDEX outbox_tenant_status ON outbox (tenant_id, status);
CREATE INDEX users_account_expires ON users (tenant_id, account_expires_at)
    WHERE account_expires_at IS NOT NULL;

-- +goose Down
DROP INDEX users_account_expires;
DROP INDEX outbox_tenant_status;
