-- +goose Up
-- The users an import's rows create (in a dry run, would), by username
-- ('u:' and the username in lower case) and external id ('e:' and the
-- id), with the row: a later chunk's row naming either fails as it does
-- within one chunk, in a dry run and a real one alike.
CREATE TABLE import_created (
    import_id bigint NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
    name      text COLLATE "C" NOT NULL,
    row_no    bigint NOT NULL,
    PRIMARY KEY (import_id, name)
);

-- +goose Down
DROP TABLE import_created;
