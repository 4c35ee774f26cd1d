-- +goose Up
-- SQLite only (triggers that SQLite before 3.44 could not read): 00005's PostgreSQL triggers never had that problem.
SELECT 1;

-- +goose Down
SELECT 1;
