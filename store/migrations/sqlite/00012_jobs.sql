-- +goose Up
-- Work over more users than a page (a bulk action on everyone a filter
-- matches; later, imports) runs as a job in the server process. The row is
-- the job's whole state: a page reload, another administrator or a
-- restarted server reads it from here, never from the process that runs it.
CREATE TABLE jobs (
    id          INTEGER PRIMARY KEY,
    tenant_id   INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,              -- which code runs it, such as users.bulk
    title       TEXT NOT NULL,              -- what it does, for people
    link        TEXT NOT NULL DEFAULT '',   -- the console page of what it works on
    params      TEXT NOT NULL DEFAULT '{}', -- the kind's parameters, JSON
    actor_type  TEXT NOT NULL,              -- who started it: its changes are audited as theirs
    actor_id    TEXT NOT NULL,
    actor_name  TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    cancel_requested INTEGER NOT NULL DEFAULT 0, -- the runner stops at the next batch
    total       INTEGER NOT NULL DEFAULT 0,
    done        INTEGER NOT NULL DEFAULT 0,
    failed      INTEGER NOT NULL DEFAULT 0,
    failures    TEXT NOT NULL DEFAULT '[]', -- the first failed items with why, JSON; failed counts them all
    error       TEXT NOT NULL DEFAULT '',   -- why the job as a whole failed
    created_at  INTEGER NOT NULL,
    started_at  INTEGER,
    finished_at INTEGER,
    updated_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX jobs_tenant ON jobs(tenant_id, id);
-- The runner's queue and the "running now" notices read only these.
CREATE INDEX jobs_active ON jobs(status, id) WHERE status IN ('queued', 'running');

-- The users a users job works on, fixed when it is created: users that
-- start or stop matching the filter meanwhile (the job itself makes them
-- stop, when it locks the users of "not locked") are neither skipped nor
-- done twice. No foreign key to users: a user removed meanwhile is a failed
-- item ("no such user"), not a silently shorter job. Emptied when the job
-- ends.
CREATE TABLE job_users (
    job_id  INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    PRIMARY KEY (job_id, user_id)
) STRICT, WITHOUT ROWID;

-- +goose Down
DROP TABLE job_users;
DROP TABLE jobs;
