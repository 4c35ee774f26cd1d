-- +goose Up
-- The rows an import creates users from are recorded with the user's
-- username and external id, looked up by both: a later row of the same
-- file naming either fails as it does within one chunk, in a dry run and
-- a real one alike. Only those rows are indexed (errors are never looked
-- up), and by external id only those that have one.
ALTER TABLE import_rows ADD COLUMN external_id TEXT NOT NULL DEFAULT '';
CREATE INDEX import_rows_username ON import_rows(import_id, username) WHERE action = 'create';
CREATE INDEX import_rows_external_id ON import_rows(import_id, external_id) WHERE action = 'create' AND external_id <> '';

-- +goose Down
DROP INDEX import_rows_external_id;
DROP INDEX import_rows_username;
ALTER TABLE import_rows DROP COLUMN external_id;
