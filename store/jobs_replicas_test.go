package store_test

import (
	"errors"
	"testing"
	"time"

	"roster/store"
	"roster/store/storetest"
)

// Runners of two replicas claiming side by side take every queued job,
// each exactly once.
func TestRunnersOfTwoReplicasClaimEachJobOnce(t *testing.T) {
	t.Parallel()
	a, b := storetest.OpenTwice(t)
	tn, _ := mustTenant(t, a, "acme")
	mustUsers(t, a, tn.ID, "u", "hr", 2)
	var want []int64
	for range 30 {
		want = append(want, mustUsersJob(t, a, tn.ID, store.UserFilter{}, 2).ID)
	}
	got := claimAll(t, []*store.Store{a, b}, 3, func(s *store.Store) ([]int64, error) {
		j, ok, err := s.ClaimJob(t.Context())
		if !ok {
			return nil, err
		}
		return []int64{j.ID}, err
	})
	wantEachOnce(t, "jobs", got, want)
}

// A job whose replica is alive keeps its lease, renewed as it goes, and
// no other replica's InterruptJobs (as it starts, or every few seconds)
// fails it. Once the lease lapses (its replica died) any replica fails it
// as interrupted, and the replica cannot record on it any more.
func TestInterruptJobsFailsOnlyJobsWhoseLeaseLapsed(t *testing.T) {
	t.Parallel()
	a, b := storetest.OpenTwice(t)
	tn, _ := mustTenant(t, a, "acme")
	mustUsers(t, a, tn.ID, "u", "hr", 3)
	j := mustUsersJob(t, a, tn.ID, store.UserFilter{}, 3)
	start := time.Now()
	aNow, bNow := start, start
	setClocks(&aNow, a)
	setClocks(&bNow, b)
	mustClaimJob(t, a, j.ID)

	bNow = start.Add(store.JobLease - time.Second)
	wantInterrupted(t, b, 0)
	aNow = start.Add(store.JobLease / 2)
	if _, err := a.RecordJobProgress(t.Context(), j.ID, 1, 0, nil); err != nil {
		t.Fatal(err)
	}
	bNow = start.Add(store.JobLease + time.Second)
	wantInterrupted(t, b, 0) // renewed by the progress
	aNow = start.Add(store.JobLease)
	if err := a.RenewJobLease(t.Context(), j.ID); err != nil {
		t.Fatal(err)
	}
	bNow = start.Add(2*store.JobLease - time.Second)
	wantInterrupted(t, b, 0) // renewed while a batch runs
	if got, _ := b.GetJob(t.Context(), tn.ID, j.ID); got.Status != store.JobRunning {
		t.Fatalf("job under a live lease = %s, want running", got.Status)
	}

	bNow = start.Add(2*store.JobLease + time.Millisecond)
	wantInterrupted(t, b, 1)
	got, _ := b.GetJob(t.Context(), tn.ID, j.ID)
	if got.Status != store.JobFailed || got.Error != store.InterruptedMessage || got.Done != 1 {
		t.Fatalf("job after its lease = %s %q with %d done, want failed as interrupted with 1 done", got.Status, got.Error, got.Done)
	}
	if _, err := a.RecordJobProgress(t.Context(), j.ID, 1, 0, nil); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RecordJobProgress on an interrupted job = %v, want ErrNotFound", err)
	}
	if err := a.RenewJobLease(t.Context(), j.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RenewJobLease on an interrupted job = %v, want ErrNotFound", err)
	}
	if err := a.FinishJob(t.Context(), j.ID, store.JobDone, ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("FinishJob on an interrupted job = %v, want ErrNotFound", err)
	}
	if got, _ := a.GetJob(t.Context(), tn.ID, j.ID); got.Status != store.JobFailed || got.Done != 1 {
		t.Errorf("interrupted job after its replica's late calls = %s with %d done, want it unchanged", got.Status, got.Done)
	}
}

func mustClaimJob(t *testing.T, s *store.Store, id int64) {
	t.Helper()
	if j, ok, err := s.ClaimJob(t.Context()); !ok || err != nil || j.ID != id {
		t.Fatalf("ClaimJob() = %d, %v, %v, want job %d", j.ID, ok, err, id)
	}
}

func wantInterrupted(t *testing.T, s *store.Store, want int) {
	t.Helper()
	if n, err := s.InterruptJobs(t.Context()); n != want || err != nil {
		t.Fatalf("InterruptJobs() = %d, %v, want %d", n, err, want)
	}
}
