-- +goose Up
-- Queries over the SpaceONE protocol filter and count users by type (API
-- users apart from people); without this index each was a scan of the
-- tenant's users.
CREATE INDEX users_user_type ON users (tenant_id, user_type, display_name);

-- +goose Down
DROP INDEX users_user_type;
