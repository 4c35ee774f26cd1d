-- +goose Up
-- The rows each applied chunk of an import covers (in a dry run, each
-- classified one), first to last. On PostgreSQL chunks of new users are
-- applied side by side and commit in any order, so what a resumed import
-- skips is these ranges, not the first rows_done rows; rows_done stays the
-- count. An import under way before this keeps its count as one range.
CREATE TABLE import_chunks (
    import_id INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
    first_row INTEGER NOT NULL,
    last_row  INTEGER NOT NULL,
    PRIMARY KEY (import_id, first_row)
) STRICT, WITHOUT ROWID;
INSERT INTO import_chunks (import_id, first_row, last_row) SELECT id, 1, rows_done FROM imports WHERE rows_done > 0;

-- +goose Down
DROP TABLE import_chunks;
