-- +goose Up
-- API users are few: a list of them reads only them, in username order.
CREATE INDEX users_api_users ON users (tenant_id, username) WHERE user_type = 'api_user';

-- +goose Down
DROP INDEX users_api_users;
