-- +goose Up
-- On SQLite this version moves the nonces out of the database file; on
-- PostgreSQL they stay in request_nonces, and nothing changes.
SELECT 1;

-- +goose Down
SELECT 1;
