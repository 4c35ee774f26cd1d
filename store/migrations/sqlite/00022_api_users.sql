-- +goose Up
-- API users are few: a list of them reads only them, in username order.
-- People are most users: the type's index (users_user_type) is no way to
-- find them, and its statistics say so, or SQLite read all of them
-- through it to sort them by username.
CREATE INDEX users_api_users ON users(tenant_id, username) WHERE user_type = 'api_user';
DELETE FROM sqlite_stat1 WHERE tbl = 'users' AND idx IN ('users_api_users', 'users_user_type');
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
    ('users', 'users_api_users', '10000 10000 1'),
    ('users', 'users_user_type', '1000000 1000000 500000 2 1');
ANALYZE sqlite_schema;

-- +goose Down
DELETE FROM sqlite_stat1 WHERE tbl = 'users' AND idx IN ('users_api_users', 'users_user_type');
DROP INDEX users_api_users;
