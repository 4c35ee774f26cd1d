-- +goose Up
-- The ANALYZE of migration 00002 ran on an empty database and recorded the
-- keyword index's shadow table users_fts_data as holding 2 rows. Believing
-- it, SQLite planned FTS5's own "DELETE ... WHERE id >= ? AND id <= ?"
-- (dropping a merged segment) as a scan of the whole index: 200 ms per
-- merge at a million users, a second or more for some batches of new
-- users. Without statistics the planner uses its defaults, which pick the
-- rowid range. A test checks the plan.
DELETE FROM sqlite_stat1 WHERE tbl LIKE 'users_fts%';
DELETE FROM sqlite_stat4 WHERE tbl LIKE 'users_fts%';
ANALYZE sqlite_schema;

-- +goose Down
SELECT 1;
