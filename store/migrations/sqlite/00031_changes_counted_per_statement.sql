-- +goose Up
-- PostgreSQL's migration 00031 counts changes of users once per statement
-- instead of once per row. SQLite has no statement triggers, and its row
-- triggers update counter rows in its own process without lock waits:
-- nothing changes here. This file keeps both engines' versions in step.
SELECT 1;

-- +goose Down
SELECT 1;
