package jobs

import (
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"roster/store"
	"roster/store/storetest"
)

// twoReplicas opens one database twice (storetest.OpenTwice), with a
// tenant acme created through the first.
func twoReplicas(t *testing.T) (a, b *store.Store, tn store.Tenant) {
	t.Helper()
	a, b = storetest.OpenTwice(t)
	tn, err := a.CreateTenant(t.Context(), "Acme", "acme")
	if err != nil {
		t.Fatal(err)
	}
	return a, b, tn
}

// mustLockJob creates n users named prefix-… and queues a job locking
// them.
func mustLockJob(t *testing.T, st *store.Store, tenant int64, prefix string, n int) store.Job {
	t.Helper()
	var batch []store.NewUser
	for i := range n {
		batch = append(batch, store.NewUser{Username: fmt.Sprintf("%s-%d", prefix, i)})
	}
	if res, err := st.CreateUsers(t.Context(), tenant, batch); err != nil || len(res.Failed) > 0 {
		t.Fatalf("CreateUsers = %v, %v", res.Failed, err)
	}
	ctx := store.WithActor(t.Context(), store.Actor{Type: store.ActorAdmin, ID: "adm_1", Name: "alice"})
	j, err := st.CreateUsersJob(ctx, tenant, store.NewJob{Kind: KindUsers, Title: "Lock " + prefix,
		Params: UserAction{Action: store.ActionLock}}, store.UserFilter{UsernamePrefix: prefix + "-"}, n)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// waitEnded waits until the job has ended and returns it.
func waitEnded(t *testing.T, st *store.Store, tenant, id int64) store.Job {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		j, err := st.GetJob(t.Context(), tenant, id)
		if err != nil {
			t.Fatal(err)
		}
		if !j.Active() || time.Now().After(deadline) {
			return j
		}
	}
}

// The runners of two replicas share the queue: every job runs to the end
// once, each user locked once.
func TestRunnersOfTwoReplicasRunEachJobOnce(t *testing.T) {
	a, b, tn := twoReplicas(t)
	var jobs []store.Job
	for i := range 6 {
		jobs = append(jobs, mustLockJob(t, a, tn.ID, fmt.Sprintf("team%d", i), 3))
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ra, rb := Start(a, log), Start(b, log)
	defer ra.Stop()
	defer rb.Stop()
	for _, j := range jobs {
		if got := waitEnded(t, b, tn.ID, j.ID); got.Status != store.JobDone || got.Done != 3 || got.Failed != 0 {
			t.Errorf("%s = %s with %d done, %d failed, want done with 3 done", j.Title, got.Status, got.Done, got.Failed)
		}
	}
	ev, err := a.ListAuditEvents(t.Context(), tn.ID, store.AuditFilter{Action: "user.lock"})
	if err != nil || ev.Total != 18 {
		t.Errorf("%d users locked (%v), want each of the 18 once", ev.Total, err)
	}
}

// A replica's runner starting (after a restart, say) leaves a job another
// replica is running alone: its lease is live.
func TestARunnerStartingLeavesAnotherReplicasJobRunning(t *testing.T) {
	a, b, tn := twoReplicas(t)
	theirs := mustLockJob(t, a, tn.ID, "theirs", 3)
	ours := mustLockJob(t, a, tn.ID, "ours", 3)
	if j := mustClaim(t, b); j.ID != theirs.ID {
		t.Fatalf("b claimed %s, want %s", j.Title, theirs.Title)
	}
	r := Start(a, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer r.Stop()
	if got := waitEnded(t, a, tn.ID, ours.ID); got.Status != store.JobDone {
		t.Fatalf("a's job = %s, want done", got.Status)
	}
	if got, _ := a.GetJob(t.Context(), tn.ID, theirs.ID); got.Status != store.JobRunning {
		t.Errorf("b's job after a's runner started = %s %q, want still running", got.Status, got.Error)
	}
}

// While a job runs, its runner renews the lease on its own, however long
// a batch takes: no other replica takes it for dead.
func TestTheRunnerRenewsTheLeaseWhileItsJobRuns(t *testing.T) {
	a, b, tn := twoReplicas(t)
	j := mustLockJob(t, a, tn.ID, "team", 3)
	start := time.Now()
	a.SetClock(func() time.Time { return start })
	mustClaim(t, a)
	later := start.Add(store.JobLease / 2)
	a.SetClock(func() time.Time { return later }) // the batch has run for half the lease
	r := &Runner{st: a, log: slog.New(slog.NewTextHandler(io.Discard, nil)), renewEvery: 10 * time.Millisecond}
	endLease := r.holdLease(t.Context(), j)
	time.Sleep(100 * time.Millisecond)
	endLease()

	b.SetClock(func() time.Time { return start.Add(store.JobLease + time.Second) })
	if n, err := b.InterruptJobs(t.Context()); n != 0 || err != nil {
		t.Fatalf("InterruptJobs() past the first lease = %d, %v, want 0: it was renewed", n, err)
	}
	if got, _ := b.GetJob(t.Context(), tn.ID, j.ID); got.Status != store.JobRunning {
		t.Errorf("job = %s, want running", got.Status)
	}
}
