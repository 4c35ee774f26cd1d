-- +goose Up
-- SQLite only (moves between org units are counted by the store instead
-- of a row trigger, and status and source type changes by a trigger each):
-- PostgreSQL counts all of them once per statement already (migration
-- 00031). This file keeps both engines' versions in step.
SELECT 1;

-- +goose Down
SELECT 1;
