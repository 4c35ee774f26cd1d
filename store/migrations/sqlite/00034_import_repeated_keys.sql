-- +goose Up
-- Which usernames and external ids an import's file may name on more than
-- one row (a Bloom filter, found as the file is stored): the rows creating
-- users whose keys no other row names are not recorded in import_created.
-- NULL, as for the imports before, says every key may be repeated.
ALTER TABLE imports ADD COLUMN repeated_keys BLOB;

-- +goose Down
ALTER TABLE imports DROP COLUMN repeated_keys;
