package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// PrefixJob is the prefix of jobs' public ids.
const PrefixJob = "job"

// Job statuses. A job is queued until a runner takes it, running until it
// ends, and ends done (failed items included), failed (it could not go on:
// the server stopped, or what it worked on went away) or cancelled. An
// ended job never changes again.
const (
	JobQueued    = "queued"
	JobRunning   = "running"
	JobDone      = "done"
	JobFailed    = "failed"
	JobCancelled = "cancelled"
)

// MaxJobFailures is how many failed items a job keeps with their reasons;
// Failed counts every one.
const MaxJobFailures = 100

// Job is work over many items that runs in the server process and outlives
// the request that started it.
type Job struct {
	ID              int64
	TenantID        int64
	Kind            string
	Title           string
	Link            string
	Params          json.RawMessage
	StartedBy       Actor
	Status          string
	CancelRequested bool
	Total           int
	Done            int
	Failed          int
	Failures        []JobFailure
	Error           string
	CreatedAt       time.Time
	StartedAt       *time.Time
	FinishedAt      *time.Time
	UpdatedAt       time.Time
}

// JobFailure is one item a job could not do: its id, a name people know
// it by when there is one, and why.
type JobFailure struct {
	Item    string `json:"item"`
	Name    string `json:"name,omitempty"`
	Message string `json:"message"`
}

// PublicID is the job's id in URLs.
func (j Job) PublicID() string { return PublicID(PrefixJob, j.ID) }

// Active reports whether the job has yet to end.
func (j Job) Active() bool { return j.Status == JobQueued || j.Status == JobRunning }

// Processed is how many items the job has been through, done or failed.
func (j Job) Processed() int { return j.Done + j.Failed }

// NewJob is a job to create: its kind, what it does in words, the console
// page of what it works on, and the kind's parameters (marshalled as JSON).
type NewJob struct {
	Kind   string
	Title  string
	Link   string
	Params any
}

const jobColumns = `id, tenant_id, kind, title, link, params, actor_type, actor_id, actor_name, status,
	cancel_requested, total, done, failed, failures, error, created_at, started_at, finished_at, updated_at`

func scanJob(sc rowScanner) (Job, error) {
	var j Job
	var params, failures string
	var created, updated int64
	var started, finished sql.NullInt64
	err := sc.Scan(&j.ID, &j.TenantID, &j.Kind, &j.Title, &j.Link, &params, &j.StartedBy.Type, &j.StartedBy.ID,
		&j.StartedBy.Name, &j.Status, &j.CancelRequested, &j.Total, &j.Done, &j.Failed, &failures, &j.Error,
		&created, &started, &finished, &updated)
	if err != nil {
		return Job{}, err
	}
	j.Params = json.RawMessage(params)
	if err := json.Unmarshal([]byte(failures), &j.Failures); err != nil {
		return Job{}, fmt.Errorf("failures of job %d: %w", j.ID, err)
	}
	j.CreatedAt, j.UpdatedAt = fromMillis(created), fromMillis(updated)
	j.StartedAt, j.FinishedAt = fromNullMillis(started), fromNullMillis(finished)
	return j, nil
}

func getJob(ctx context.Context, q rowQuerier, tenant, id int64) (Job, error) {
	j, err := scanJob(q.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE tenant_id = ? AND id = ?`, tenant, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Job{}, fmt.Errorf("store: job %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Job{}, fmt.Errorf("store: get job: %w", err)
	}
	return j, nil
}

// GetJob returns a job of tenant, or ErrNotFound.
func (s *Store) GetJob(ctx context.Context, tenant, id int64) (Job, error) {
	return getJob(ctx, s.rd, tenant, id)
}

// JobFilter narrows ListJobs: Active keeps the queued and running ones.
type JobFilter struct {
	Active bool
	Page   Page
}

// ListJobs returns a tenant's jobs, newest first, by id cursor.
func (s *Store) ListJobs(ctx context.Context, tenant int64, f JobFilter) (List[Job], error) {
	// Only fixed fragments are joined; every value is a bound argument.
	where, args := []string{"tenant_id = ?"}, []any{tenant}
	if f.Active {
		where = append(where, "status IN ('queued', 'running')")
	}
	out := List[Job]{Items: []Job{}}
	countWhere, countArgs := where, args
	if f.Page.Cursor != "" {
		id, err := decodeIDCursor(f.Page.Cursor)
		if err != nil {
			return out, err
		}
		where, args = append(where, "id < ?"), append(args, id)
	}
	limit := f.Page.limit()
	rows, err := s.rd.QueryContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE `+strings.Join(where, " AND ")+
		` ORDER BY id DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return out, fmt.Errorf("store: list jobs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return out, fmt.Errorf("store: list jobs: %w", err)
		}
		out.Items = append(out.Items, j)
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("store: list jobs: %w", err)
	}
	if len(out.Items) > limit {
		out.Items = out.Items[:limit]
		out.Next = encodeIDCursor(out.Items[limit-1].ID)
	}
	// A first page that is not full is its own count (the console's users
	// page asks for the active jobs on every load).
	if f.Page.Cursor == "" && out.Next == "" {
		out.Total = len(out.Items)
		return out, nil
	}
	if out.Total, out.TotalCapped, err = s.count(ctx, `SELECT 1 FROM jobs WHERE `+strings.Join(countWhere, " AND "), countArgs); err != nil {
		return out, fmt.Errorf("store: count jobs: %w", err)
	}
	return out, nil
}

// matchQuery is the query of every user of tenant that f matches, in no
// order: ListUsers' conditions, driven from the smallest set when there is
// no keyword, as its count is.
func (s *Store) matchQuery(ctx context.Context, tenant int64, f UserFilter) (userQuery, error) {
	if fe := CheckUserFilter(f); len(fe) > 0 {
		return userQuery{}, fe
	}
	q := s.conditions(tenant, f)
	sets, err := s.memberSets(ctx, tenant, f)
	if err != nil {
		return userQuery{}, err
	}
	kw := strings.TrimSpace(f.Query)
	if kw != "" {
		s.keyword(&q, kw)
	}
	sets.apply(&q, kw == "", -1)
	return q, nil
}

// CountUsers counts every user of tenant that f matches, without
// ListUsers' cap: a bulk action on all of them says exactly how many it
// will change. f.Page and f.Sort are ignored.
func (s *Store) CountUsers(ctx context.Context, tenant int64, f UserFilter) (int, error) {
	f.Page, f.Sort = Page{}, ""
	q, err := s.matchQuery(ctx, tenant, f)
	if err != nil {
		return 0, err
	}
	var n int
	if err := s.rd.QueryRowContext(ctx, `SELECT count(*) FROM `+q.from+` WHERE `+strings.Join(q.where, " AND "), q.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count users: %w", err)
	}
	return n, nil
}

// CreateUsersJob queues a job over every user of tenant that f matches,
// fixing that set of users now (see job_users). expect is the number the
// administrator confirmed: when as many users no longer match, nothing is
// created and FieldErrors say so, as they do when no user matches. The job
// is audited as started by the context's actor, whose the job's changes
// will be too.
func (s *Store) CreateUsersJob(ctx context.Context, tenant int64, n NewJob, f UserFilter, expect int) (Job, error) {
	f.Page, f.Sort = Page{}, ""
	q, err := s.matchQuery(ctx, tenant, f)
	if err != nil {
		return Job{}, err
	}
	var j Job
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		id, err := s.insertJob(ctx, tx, tenant, n, 0, 0)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO job_users (job_id, user_id)
			SELECT ?, u.id FROM `+q.from+` WHERE `+strings.Join(q.where, " AND ")+` ON CONFLICT DO NOTHING`, append([]any{id}, q.args...)...)
		if err != nil {
			return fmt.Errorf("store: job users: %w", err)
		}
		total, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("store: job users: %w", err)
		}
		switch {
		case total == 0:
			return FieldErrors{"filter": "No users match this filter any more."}
		case expect >= 0 && int(total) != expect:
			return FieldErrors{"expect": fmt.Sprintf("%d users match this filter now, not %d. Check the number and confirm again.", total, expect)}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE jobs SET total = ? WHERE id = ?`, total, id); err != nil {
			return fmt.Errorf("store: create job: %w", err)
		}
		if j, err = getJob(ctx, tx, tenant, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, tenant, "job.create", "job", j.PublicID(), Changes{
			"title": {After: j.Title}, "total": {After: j.Total}})
	})
	return j, err
}

// insertJob queues a job of tenant started by the context's actor, with
// total items of which done are done already.
func (s *Store) insertJob(ctx context.Context, tx *sql.Tx, tenant int64, n NewJob, total, done int) (int64, error) {
	params, err := json.Marshal(n.Params)
	if err != nil {
		return 0, fmt.Errorf("store: job parameters: %w", err)
	}
	a := actorOf(ctx)
	now := s.nowMillis()
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO jobs (tenant_id, kind, title, link, params, actor_type, actor_id,
		actor_name, status, total, done, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?) RETURNING id`,
		tenant, n.Kind, n.Title, n.Link, string(params), a.Type, a.ID, a.Name, total, done, now, now).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: create job: %w", err)
	}
	return id, nil
}

// CancelJob stops a job of tenant: a queued one at once, a running one at
// its next batch (what it did so far stays done). A job that has ended is
// returned unchanged. Returns ErrNotFound.
func (s *Store) CancelJob(ctx context.Context, tenant, id int64) (Job, error) {
	var j Job
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if j, err = getJob(ctx, tx, tenant, id); err != nil || !j.Active() || j.CancelRequested {
			return err
		}
		now := s.nowMillis()
		ended := false
		if j.Status == JobQueued {
			// On PostgreSQL a runner may claim it meanwhile; then it is
			// asked to stop, as a running job is.
			if ended, err = endJob(ctx, tx, id, JobQueued, JobCancelled, "", now); err != nil {
				return err
			}
		}
		if !ended {
			if _, err := tx.ExecContext(ctx, `UPDATE jobs SET cancel_requested = 1, updated_at = ? WHERE id = ? AND status = 'running'`,
				now, id); err != nil {
				return fmt.Errorf("store: cancel job: %w", err)
			}
		}
		if j, err = getJob(ctx, tx, tenant, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, tenant, "job.cancel", "job", j.PublicID(), Changes{"title": {Before: j.Title}})
	})
	return j, err
}

// The runner's side: these find jobs by id alone, whatever their tenant,
// since the runner serves every tenant; each job carries its tenant to the
// work it runs.

// JobLease is how long a claimed job stays its runner's without word from
// it. The runner renews the lease more often than that while the job runs
// (RenewJobLease, RecordJobProgress); once it lapses, the runner's process
// is taken for dead and any process's InterruptJobs fails the job. Leases
// are read on each process's clock, which must agree to well within this.
const JobLease = time.Minute

// ClaimJob marks the oldest queued job running under a lease of JobLease
// and returns it; ok is false when none is queued. Runners of several
// processes claim side by side, each job once.
func (s *Store) ClaimJob(ctx context.Context) (j Job, ok bool, err error) {
	// Looked for on the read pool first: the runner asks every few seconds,
	// and an empty write transaction would still take the write lock and
	// end the cached list counts (see readCache) each time.
	var queued bool
	if err := s.rd.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM jobs WHERE status = 'queued')`).Scan(&queued); err != nil {
		return Job{}, false, fmt.Errorf("store: claim job: %w", err)
	}
	if !queued {
		return Job{}, false, nil
	}
	return s.claimJob(ctx, `SELECT id FROM jobs WHERE status = 'queued' ORDER BY id LIMIT 1`)
}

// ClaimJobByID claims the job id as ClaimJob claims the oldest, for a
// process that runs only the job it queued (roster import): ok is false
// when the job is no longer queued (a server's runner took it first).
func (s *Store) ClaimJobByID(ctx context.Context, id int64) (j Job, ok bool, err error) {
	return s.claimJob(ctx, `SELECT id FROM jobs WHERE status = 'queued' AND id = ?`, id)
}

// claimJob claims the job pick selects, if still queued.
func (s *Store) claimJob(ctx context.Context, pick string, args ...any) (j Job, ok bool, err error) {
	// On PostgreSQL, claims run side by side: the subquery locks the job
	// it picks and skips one another claim has locked, which without SKIP
	// LOCKED both would pick (and the second would wait, then take it
	// again). SQLite has one writer at a time.
	if s.pg {
		pick += ` FOR UPDATE SKIP LOCKED`
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		ok = false
		now := s.nowMillis()
		j, err = scanJob(tx.QueryRowContext(ctx, `UPDATE jobs SET status = 'running', started_at = ?, updated_at = ?, lease_until = ?
			WHERE id = (`+pick+`) AND status = 'queued'
			RETURNING `+jobColumns, append([]any{now, now, now + JobLease.Milliseconds()}, args...)...))
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("store: claim job: %w", err)
		}
		ok = true
		return nil
	})
	return j, ok, err
}

// JobUserIDs returns up to limit of a users job's users with ids above
// after, in id order: the runner walks them by this cursor.
func (s *Store) JobUserIDs(ctx context.Context, job, after int64, limit int) ([]int64, error) {
	rows, err := s.rd.QueryContext(ctx, `SELECT user_id FROM job_users WHERE job_id = ? AND user_id > ? ORDER BY user_id LIMIT ?`,
		job, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: job users: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: job users: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// RecordJobProgress adds a batch's outcome to a running job: done and
// failed items, and the reasons of failed ones while fewer than
// MaxJobFailures are kept; and renews the job's lease. It returns whether
// the job was asked to stop. Returns ErrNotFound when the job is no longer
// running (failed as interrupted after its lease lapsed).
func (s *Store) RecordJobProgress(ctx context.Context, id int64, done, failed int, failures []JobFailure) (cancel bool, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		cancel, err = s.recordJobProgress(ctx, tx, id, done, failed, failures)
		return err
	})
	return cancel, err
}

// recordJobProgress is RecordJobProgress inside tx: a batch that writes
// in one transaction records itself there, so its progress commits with
// it or not at all.
func (s *Store) recordJobProgress(ctx context.Context, tx *sql.Tx, id int64, done, failed int, failures []JobFailure) (cancel bool, err error) {
	var kept string
	now := s.nowMillis()
	err = tx.QueryRowContext(ctx, `UPDATE jobs SET done = done + ?, failed = failed + ?, updated_at = ?, lease_until = ?
		WHERE id = ? AND status = 'running' RETURNING cancel_requested, failures`,
		done, failed, now, now+JobLease.Milliseconds(), id).Scan(&cancel, &kept)
	if errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("store: job %d is not running: %w", id, ErrNotFound)
	}
	if err != nil {
		return false, fmt.Errorf("store: job progress: %w", err)
	}
	if len(failures) == 0 {
		return cancel, nil
	}
	var all []JobFailure
	if err := json.Unmarshal([]byte(kept), &all); err != nil {
		return false, fmt.Errorf("store: failures of job %d: %w", id, err)
	}
	if len(all) >= MaxJobFailures {
		return cancel, nil
	}
	all = append(all, failures[:min(len(failures), MaxJobFailures-len(all))]...)
	js, err := json.Marshal(all)
	if err != nil {
		return false, fmt.Errorf("store: failures of job %d: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE jobs SET failures = ? WHERE id = ?`, string(js), id); err != nil {
		return false, fmt.Errorf("store: job progress: %w", err)
	}
	return cancel, nil
}

// RenewJobLease extends a running job's lease by JobLease from now: the
// runner does so while a batch runs, however long it takes. Returns
// ErrNotFound when the job is no longer running.
func (s *Store) RenewJobLease(ctx context.Context, id int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE jobs SET lease_until = ? WHERE id = ? AND status = 'running'`,
			s.nowMillis()+JobLease.Milliseconds(), id)
		if err != nil {
			return fmt.Errorf("store: renew lease of job %d: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(err, fmt.Errorf("store: job %d is not running: %w", id, ErrNotFound))
		}
		return nil
	})
}

// FinishJob ends a running job as done, failed (msg says why) or
// cancelled. Returns ErrNotFound when the job is no longer running: it
// was failed as interrupted after its lease lapsed, and stays so.
func (s *Store) FinishJob(ctx context.Context, id int64, status, msg string) error {
	switch status {
	case JobDone, JobFailed, JobCancelled:
	default:
		return fmt.Errorf("store: a job cannot finish as %q", status)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		ended, err := endJob(ctx, tx, id, JobRunning, status, msg, s.nowMillis())
		if err == nil && !ended {
			err = fmt.Errorf("store: job %d is not running: %w", id, ErrNotFound)
		}
		return err
	})
}

// InterruptedMessage is why a job that was running when its server stopped
// failed.
const InterruptedMessage = "Interrupted: the server stopped while this job ran. What it had done stays done; start it again for the rest."

// InterruptJobs marks failed every running job whose lease has lapsed: its
// runner's process stopped without finishing it (a process that stops
// cleanly fails its own job at once). It returns how many. Every runner
// calls it as it starts and then periodically, so such a job says it was
// interrupted instead of running for ever; a job whose runner is alive,
// in this process or another, is left alone.
func (s *Store) InterruptJobs(ctx context.Context) (int, error) {
	// Read first, and without the clock: the runners ask every few
	// seconds, and while no lease has lapsed a write transaction would
	// take SQLite's write lock and end the cached list counts for nothing.
	var oldest sql.NullInt64
	if err := s.rd.QueryRowContext(ctx, `SELECT min(lease_until) FROM jobs WHERE status = 'running'`).Scan(&oldest); err != nil {
		return 0, fmt.Errorf("store: interrupt jobs: %w", err)
	}
	if !oldest.Valid || oldest.Int64 >= s.nowMillis() {
		return 0, nil
	}
	n := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.nowMillis()
		// One statement: on PostgreSQL a lease renewed meanwhile is seen
		// by the UPDATE's own check of each row, and that job is left alone.
		rows, err := tx.QueryContext(ctx, `UPDATE jobs SET status = 'failed', error = ?, cancel_requested = 0,
				finished_at = ?, updated_at = ?, lease_until = 0
			WHERE status = 'running' AND lease_until < ? RETURNING id`, InterruptedMessage, now, now, now)
		if err != nil {
			return fmt.Errorf("store: interrupt jobs: %w", err)
		}
		ids, err := collect(rows, func(sc rowScanner) (int64, error) {
			var id int64
			return id, sc.Scan(&id)
		})
		if err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `DELETE FROM job_users WHERE job_id = ?`, id); err != nil {
				return fmt.Errorf("store: interrupt jobs: %w", err)
			}
		}
		n = len(ids)
		return nil
	})
	return n, err
}

// endJob moves a job from status from to its final status and lets go of
// its users; ended is false when the job was not in status from.
func endJob(ctx context.Context, tx *sql.Tx, id int64, from, status, msg string, now int64) (ended bool, err error) {
	res, err := tx.ExecContext(ctx, `UPDATE jobs SET status = ?, error = ?, cancel_requested = 0, finished_at = ?, updated_at = ?,
		lease_until = 0 WHERE id = ? AND status = ?`, status, msg, now, now, id, from)
	if err != nil {
		return false, fmt.Errorf("store: end job: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM job_users WHERE job_id = ?`, id); err != nil {
		return false, fmt.Errorf("store: end job: %w", err)
	}
	return true, nil
}
