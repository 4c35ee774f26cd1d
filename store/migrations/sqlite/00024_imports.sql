-- +goose Up
-- An import of a users' file. The file itself is kept here, in parts, so
-- that whichever server process runs the import's job reads it, and a job
-- resumed after its process was killed reads it again. rows_done is how
-- many rows of the file are applied: it moves in the same transaction as
-- the rows it counts, so a resumed job starts at the first row not applied
-- and no row is applied twice. The counts are the outcome so far.
CREATE TABLE imports (
    id               INTEGER PRIMARY KEY,
    tenant_id        INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    job_id           INTEGER REFERENCES jobs(id) ON DELETE SET NULL, -- the job running it, or that ran it last
    file_name        TEXT NOT NULL DEFAULT '',
    file_size        INTEGER NOT NULL DEFAULT 0,
    format           TEXT NOT NULL CHECK (format IN ('csv', 'jsonl')),
    source           TEXT NOT NULL DEFAULT '', -- the users' source_id, under source_type 'import'; '' for none
    dry_run          INTEGER NOT NULL DEFAULT 0,
    sync             INTEGER NOT NULL DEFAULT 0, -- disable the source's users the file lacks
    create_org_units INTEGER NOT NULL DEFAULT 0,
    total_rows       INTEGER NOT NULL DEFAULT 0,
    rows_done        INTEGER NOT NULL DEFAULT 0,
    sync_done        INTEGER NOT NULL DEFAULT 0, -- the disabling after the rows has ended
    created          INTEGER NOT NULL DEFAULT 0,
    updated          INTEGER NOT NULL DEFAULT 0,
    unchanged        INTEGER NOT NULL DEFAULT 0,
    disabled         INTEGER NOT NULL DEFAULT 0,
    failed           INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
) STRICT;
CREATE INDEX imports_tenant ON imports(tenant_id, id);

-- The file, a MiB a part, read in seq order.
CREATE TABLE import_parts (
    import_id INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
    seq       INTEGER NOT NULL,
    data      BLOB NOT NULL,
    PRIMARY KEY (import_id, seq)
) STRICT;

-- What happened to rows: every error, and in a dry run every row that
-- would change something (row 0 is a user sync would disable).
CREATE TABLE import_rows (
    id         INTEGER PRIMARY KEY,
    import_id  INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
    row_no     INTEGER NOT NULL,
    username   TEXT NOT NULL DEFAULT '',
    action     TEXT NOT NULL CHECK (action IN ('create', 'update', 'disable', 'error')),
    column_name TEXT NOT NULL DEFAULT '',
    message    TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX import_rows_import ON import_rows(import_id, id);

-- The users a sync import's file holds, so that the users of its source it
-- lacks can be found once every row is applied. Emptied when it ends.
CREATE TABLE import_seen (
    import_id INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL,
    PRIMARY KEY (import_id, user_id)
) STRICT, WITHOUT ROWID;

-- +goose Down
DROP TABLE import_seen;
DROP TABLE import_rows;
DROP TABLE import_parts;
DROP TABLE imports;
