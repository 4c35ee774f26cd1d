// Package jobs runs work over more items than one request should touch (a
// bulk action on every user a filter matches; later, imports) in the
// server process, one job at a time, with its progress in the database.
// A job belongs to the server, not to the request or browser that started
// it: closing the page changes nothing, a reload reads the progress back,
// and a job a stopped server left running is marked interrupted once its
// lease lapses. Every server process on a database runs a runner; each
// queued job is claimed by one of them.
//
// It sits beside the store, as seed does, and not in the HTTP layer: it
// knows no HTTP and holds no SQL, so a command-line tool can run jobs with
// a progress line on a terminal, and the console only queues jobs and
// reads them.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"roster/store"
)

// kinds are the jobs this runner knows, by store.Job.Kind. A kind walks
// its items in batches and reports each batch to p; it returns what p.Add
// returned when that was an error.
var kinds = map[string]func(ctx context.Context, st *store.Store, j store.Job, p *Progress) error{
	KindUsers:        runUsers,
	store.KindImport: runImport,
}

// poll is how often the queue is read when nobody called Wake: a job
// queued by another process is started within this, and a job whose
// process died is marked interrupted within this of its lease lapsing.
const poll = 5 * time.Second

// Runner runs queued jobs, oldest first, one at a time: SQLite has one
// writer, so two jobs at once would only take turns at it. Runners of
// other processes on the same database run other jobs beside it.
type Runner struct {
	st     *store.Store
	log    *slog.Logger
	wake   chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
	// renewEvery is how often a running job's lease is renewed; a third
	// of store.JobLease when zero. Tests shorten it.
	renewEvery time.Duration
}

// Start runs queued jobs until Stop, and marks interrupted the jobs whose
// runner's process stopped (their lease lapsed), now and every poll.
func Start(st *store.Store, log *slog.Logger) *Runner {
	ctx, cancel := context.WithCancel(context.Background())
	r := &Runner{st: st, log: log, wake: make(chan struct{}, 1), cancel: cancel, done: make(chan struct{})}
	go r.loop(ctx)
	return r
}

// RunOne runs the queued job id in this process and returns when it has
// ended, unless another process's runner claimed it first (ran is false).
// It runs no other job: a command that queued one job and waits for it
// must not take, and on leaving interrupt, a job a server queued. When
// stop ends, the job stops after its batch and is marked interrupted, as
// Stop does.
func RunOne(stop context.Context, st *store.Store, log *slog.Logger, id int64) (ran bool, err error) {
	j, ok, err := st.ClaimJobByID(stop, id)
	if err != nil || !ok {
		return false, err
	}
	(&Runner{st: st, log: log}).run(stop, j)
	return true, nil
}

// Wake tells the runner a job was queued, so it starts now rather than at
// the next poll.
func (r *Runner) Wake() {
	select {
	case r.wake <- struct{}{}:
	default: // a wake-up is already pending
	}
}

// Stop lets the running job finish its batch, marks it interrupted, and
// returns once the runner is idle.
func (r *Runner) Stop() {
	r.cancel()
	<-r.done
}

func (r *Runner) loop(ctx context.Context) {
	defer close(r.done)
	for {
		if n, err := r.st.InterruptJobs(ctx); err != nil && ctx.Err() == nil {
			r.log.Error("marking interrupted jobs", "err", err)
		} else if n > 0 {
			r.log.Warn("jobs whose server stopped marked failed", "jobs", n)
		}
		for ctx.Err() == nil {
			j, ok, err := r.st.ClaimJob(ctx)
			if err != nil && ctx.Err() == nil {
				r.log.Error("taking a queued job", "err", err)
			}
			if !ok {
				break
			}
			r.run(ctx, j)
		}
		select {
		case <-ctx.Done():
			return
		case <-r.wake:
		case <-time.After(poll):
		}
	}
}

var (
	errCancelled = errors.New("jobs: cancelled by an administrator")
	errStopped   = errors.New("jobs: the server is stopping")
)

// run runs one claimed job to its end and records how it ended. Its store
// calls do not end with stop: a batch under way is finished and recorded,
// and the job stops before the next.
func (r *Runner) run(stop context.Context, j store.Job) {
	// The job's changes are audited as made by whoever started it, and
	// carry the job's id where a request's id would be.
	ctx := store.WithRequestID(store.WithActor(context.WithoutCancel(stop), j.StartedBy), j.PublicID())
	start := time.Now()
	endLease := r.holdLease(ctx, j)
	err := fmt.Errorf("jobs: no kind %q", j.Kind)
	if fn, ok := kinds[j.Kind]; ok {
		err = fn(ctx, r.st, j, &Progress{st: r.st, id: j.ID, stop: stop})
	}
	endLease()
	status, msg := store.JobDone, ""
	var fe store.FieldErrors
	switch {
	case err == nil:
	case errors.Is(err, errCancelled):
		status = store.JobCancelled
	case errors.Is(err, errStopped):
		status, msg = store.JobFailed, store.InterruptedMessage
	case errors.As(err, &fe):
		// What the job works on changed under it, such as its group
		// removed: the reason is for the administrator.
		_, msg = fe.First()
		status = store.JobFailed
	default:
		r.log.Error("job failed", "job", j.PublicID(), "kind", j.Kind, "err", err)
		status, msg = store.JobFailed, "Something went wrong; it has been logged. What the job had done stays done."
	}
	if err := r.st.FinishJob(ctx, j.ID, status, msg); err != nil {
		r.log.Error("recording the end of a job", "job", j.PublicID(), "err", err)
		return
	}
	r.log.Info("job ended", "job", j.PublicID(), "kind", j.Kind, "status", status, "took", time.Since(start).Round(time.Millisecond))
}

// holdLease renews j's lease every third of store.JobLease until the
// returned function is called (before the job's end is recorded): each batch renews it too, but one batch
// may wait long on the database, and a lapsed lease would have another
// process fail the job as interrupted under this runner.
func (r *Runner) holdLease(ctx context.Context, j store.Job) (release func()) {
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		every := r.renewEvery
		if every == 0 {
			every = store.JobLease / 3
		}
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if err := r.st.RenewJobLease(ctx, j.ID); err != nil {
					r.log.Error("renewing the lease of a job", "job", j.PublicID(), "err", err)
				}
			}
		}
	}()
	return func() { close(done); <-stopped }
}

// Progress records a running job's batches.
type Progress struct {
	st   *store.Store
	id   int64
	stop context.Context
}

// Add records a batch: how many items were done, and the failed ones with
// why. It returns an error when the job must go no further: an
// administrator cancelled it, or the server is stopping.
func (p *Progress) Add(ctx context.Context, done int, failures []store.JobFailure) error {
	cancel, err := p.st.RecordJobProgress(ctx, p.id, done, len(failures), failures)
	if err != nil {
		return err
	}
	return p.Recorded(cancel)
}

// Recorded is Add for a batch the store recorded in the job itself, in the
// batch's own transaction; cancel is whether the job was asked to stop.
func (p *Progress) Recorded(cancel bool) error {
	switch {
	case cancel:
		return errCancelled
	case p.stop.Err() != nil:
		return errStopped
	}
	return nil
}
