-- +goose Up
-- PostgreSQL only (its counters' triggers become statement-level, locking
-- the counter rows in one order): SQLite has one writer at a time, and its
-- per-row triggers are function calls inside that writer.
SELECT 1;

-- +goose Down
SELECT 1;
