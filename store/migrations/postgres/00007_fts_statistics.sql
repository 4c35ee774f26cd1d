-- +goose Up
-- SQLite only (stale statistics on its FTS5 table): PostgreSQL never had users_fts.
SELECT 1;

-- +goose Down
SELECT 1;
