package jobs

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"roster/store"
	"roster/store/storetest"
)

// newJob opens a store with n users in tenant acme and queues a job
// locking them all.
func newJob(t *testing.T, n int) (*store.Store, store.Tenant) {
	t.Helper()
	st, err := store.Open(t.Context(), storetest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tn, err := st.CreateTenant(t.Context(), "Acme", "acme")
	if err != nil {
		t.Fatal(err)
	}
	for start := 0; start < n; start += store.MaxBatch {
		var batch []store.NewUser
		for i := start; i < min(start+store.MaxBatch, n); i++ {
			batch = append(batch, store.NewUser{Username: fmt.Sprintf("user-%d", i)})
		}
		if res, err := st.CreateUsers(t.Context(), tn.ID, batch); err != nil || len(res.Failed) > 0 {
			t.Fatalf("CreateUsers = %v, %v", res.Failed, err)
		}
	}
	ctx := store.WithActor(t.Context(), store.Actor{Type: store.ActorAdmin, ID: "adm_1", Name: "alice"})
	if _, err := st.CreateUsersJob(ctx, tn.ID, store.NewJob{Kind: KindUsers, Title: "Lock users",
		Params: UserAction{Action: store.ActionLock}}, store.UserFilter{}, n); err != nil {
		t.Fatal(err)
	}
	return st, tn
}

func quietRunner(st *store.Store) *Runner {
	return &Runner{st: st, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func mustClaim(t *testing.T, st *store.Store) store.Job {
	t.Helper()
	j, ok, err := st.ClaimJob(t.Context())
	if !ok || err != nil {
		t.Fatalf("ClaimJob() = %v, %v", ok, err)
	}
	return j
}

func lockedCount(t *testing.T, st *store.Store, tenant int64) int {
	t.Helper()
	locked := true
	n, err := st.CountUsers(t.Context(), tenant, store.UserFilter{Locked: &locked})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A started runner takes the queued job and locks every one of its users,
// a batch at a time, each change audited as the administrator's.
func TestRunnerRunsAQueuedJobToTheEnd(t *testing.T) {
	st, tn := newJob(t, store.MaxBatch+100)
	r := Start(st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer r.Stop()
	var j store.Job
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		l, err := st.ListJobs(t.Context(), tn.ID, store.JobFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if j = l.Items[0]; !j.Active() || time.Now().After(deadline) {
			break
		}
	}
	if want := store.MaxBatch + 100; j.Status != store.JobDone || j.Done != want || j.Failed != 0 {
		t.Fatalf("job = %s, %d done, %d failed, want done with %d done", j.Status, j.Done, j.Failed, want)
	}
	if n := lockedCount(t, st, tn.ID); n != store.MaxBatch+100 {
		t.Errorf("%d users locked, want all %d", n, store.MaxBatch+100)
	}
	ev, err := st.ListAuditEvents(t.Context(), tn.ID, store.AuditFilter{Action: "user.lock", Page: store.Page{Size: 1}})
	if err != nil || ev.Total != store.MaxBatch+100 || ev.Items[0].Actor.Name != "alice" || ev.Items[0].RequestID != j.PublicID() {
		t.Errorf("lock events = %d, first %+v (%v), want %d by alice under request id %s", ev.Total, ev.Items, err, store.MaxBatch+100, j.PublicID())
	}
}

// A running job that an administrator cancels stops after the batch under
// way: that batch stays done, and the job says cancelled.
func TestRunnerStopsACancelledJobAfterItsBatch(t *testing.T) {
	st, tn := newJob(t, store.MaxBatch+10)
	j := mustClaim(t, st)
	if _, err := st.CancelJob(t.Context(), tn.ID, j.ID); err != nil {
		t.Fatal(err)
	}
	quietRunner(st).run(context.Background(), j)
	got, _ := st.GetJob(t.Context(), tn.ID, j.ID)
	if got.Status != store.JobCancelled || got.Done != store.MaxBatch {
		t.Fatalf("job = %s with %d done, want cancelled after one batch of %d", got.Status, got.Done, store.MaxBatch)
	}
	if n := lockedCount(t, st, tn.ID); n != store.MaxBatch {
		t.Errorf("%d users locked, want the one batch, %d", n, store.MaxBatch)
	}
}

// When the server stops, the running job finishes its batch and is marked
// interrupted rather than left running.
func TestRunnerMarksItsJobInterruptedWhenTheServerStops(t *testing.T) {
	st, tn := newJob(t, store.MaxBatch+10)
	j := mustClaim(t, st)
	stopping, stop := context.WithCancel(context.Background())
	stop()
	quietRunner(st).run(stopping, j)
	got, _ := st.GetJob(t.Context(), tn.ID, j.ID)
	if got.Status != store.JobFailed || got.Error != store.InterruptedMessage || got.Done != store.MaxBatch {
		t.Fatalf("job = %s %q with %d done, want failed as interrupted after one batch", got.Status, got.Error, got.Done)
	}
}

// A job whose group is removed while it runs fails saying so.
func TestRunnerFailsAJobWhoseGroupIsGone(t *testing.T) {
	st, tn := newJob(t, 3)
	ctx := t.Context()
	g, err := st.CreateGroup(ctx, tn.ID, "Staff", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateUsersJob(ctx, tn.ID, store.NewJob{Kind: KindUsers, Title: "Add users to Staff",
		Params: UserAction{Action: ActionAddToGroup, GroupID: g.ID}}, store.UserFilter{}, 3); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RemoveGroups(ctx, tn.ID, []string{g.PublicID()}); err != nil {
		t.Fatal(err)
	}
	r := quietRunner(st)
	r.run(context.Background(), mustClaim(t, st)) // the lock job
	j := mustClaim(t, st)
	r.run(context.Background(), j)
	got, _ := st.GetJob(ctx, tn.ID, j.ID)
	if got.Status != store.JobFailed || got.Error != "The group was removed while the job ran." {
		t.Errorf("job = %s %q, want failed: the group was removed", got.Status, got.Error)
	}
}
