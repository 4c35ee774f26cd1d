package store_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"roster/store"
)

// mustUsers creates users named prefix-1 … prefix-n with the given source
// type, in batches, and returns their ids in order.
func mustUsers(t *testing.T, s *store.Store, tenant int64, prefix, source string, n int) []int64 {
	t.Helper()
	var ids []int64
	for start := 0; start < n; start += store.MaxBatch {
		var batch []store.NewUser
		for i := start; i < min(start+store.MaxBatch, n); i++ {
			batch = append(batch, store.NewUser{Username: fmt.Sprintf("%s-%d", prefix, i+1), SourceType: source})
		}
		res, err := s.CreateUsers(t.Context(), tenant, batch)
		if err != nil || len(res.Failed) > 0 {
			t.Fatalf("CreateUsers(%s) = %v, %v", prefix, res.Failed, err)
		}
		for _, ok := range res.Succeeded {
			id, _ := store.ParseID(store.PrefixUser, ok.ID)
			ids = append(ids, id)
		}
	}
	return ids
}

// jobUsers reads every user a job has fixed, by the runner's cursor.
func jobUsers(t *testing.T, s *store.Store, job int64) []int64 {
	t.Helper()
	var all []int64
	for after := int64(0); ; {
		ids, err := s.JobUserIDs(t.Context(), job, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) == 0 {
			return all
		}
		all, after = append(all, ids...), ids[len(ids)-1]
	}
}

func mustUsersJob(t *testing.T, s *store.Store, tenant int64, f store.UserFilter, expect int) store.Job {
	t.Helper()
	j, err := s.CreateUsersJob(t.Context(), tenant, store.NewJob{Kind: "users.bulk", Title: "Lock users", Link: "/users",
		Params: map[string]string{"action": "lock"}}, f, expect)
	if err != nil {
		t.Fatalf("CreateUsersJob(%+v) = %v", f, err)
	}
	return j
}

// A users job fixes the users it works on when it is created, is claimed,
// records its batches and ends; what it failed on is kept with reasons, up
// to a bound.
func TestUsersJobFromCreationToTheEnd(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	tn, owner := mustTenant(t, s, "acme")
	ctx := store.WithActor(t.Context(), store.Actor{Type: store.ActorAdmin, ID: owner.PublicID(), Name: owner.Username})
	hr := mustUsers(t, s, tn.ID, "hr", "hr", 5)
	mustUsers(t, s, tn.ID, "ldap", "ldap", 3)
	byHR := store.UserFilter{SourceType: "hr"}

	if n, err := s.CountUsers(ctx, tn.ID, byHR); n != 5 || err != nil {
		t.Fatalf("CountUsers(source hr) = %d, %v, want 5", n, err)
	}
	var fe store.FieldErrors
	if _, err := s.CreateUsersJob(ctx, tn.ID, store.NewJob{Kind: "users.bulk", Title: "Lock users"}, byHR, 4); !errors.As(err, &fe) || fe["expect"] == "" {
		t.Fatalf("CreateUsersJob(expecting 4 of 5) = %v, want a FieldError on expect", err)
	}
	if _, err := s.CreateUsersJob(ctx, tn.ID, store.NewJob{Kind: "users.bulk", Title: "Lock users"}, store.UserFilter{SourceType: "none"}, -1); !errors.As(err, &fe) || fe["filter"] == "" {
		t.Fatalf("CreateUsersJob(matching nobody) = %v, want a FieldError on filter", err)
	}
	if l, _ := s.ListJobs(ctx, tn.ID, store.JobFilter{}); l.Total != 0 {
		t.Fatalf("refused jobs were kept: %d jobs", l.Total)
	}

	j, err := s.CreateUsersJob(ctx, tn.ID, store.NewJob{Kind: "users.bulk", Title: "Lock users", Link: "/users?source_type=hr",
		Params: map[string]string{"action": "lock"}}, byHR, 5)
	if err != nil {
		t.Fatal(err)
	}
	if j.Status != store.JobQueued || j.Total != 5 || j.StartedBy.Name != owner.Username || string(j.Params) != `{"action":"lock"}` {
		t.Fatalf("new job = %+v, want queued over 5 users, started by %s", j, owner.Username)
	}
	if got := events(t, s, tn.ID)[0]; got != "job.create" {
		t.Errorf("latest audit event = %q, want job.create", got)
	}
	if got := jobUsers(t, s, j.ID); !slices.Equal(got, hr) {
		t.Fatalf("job users = %v, want the hr users %v", got, hr)
	}

	c, ok, err := s.ClaimJob(ctx)
	if err != nil || !ok || c.ID != j.ID || c.Status != store.JobRunning || c.StartedAt == nil {
		t.Fatalf("ClaimJob() = %+v, %v, %v, want job %d running", c, ok, err, j.ID)
	}
	if _, ok, _ := s.ClaimJob(ctx); ok {
		t.Fatal("ClaimJob() took a running job again")
	}
	var many []store.JobFailure
	for i := range store.MaxJobFailures + 20 {
		many = append(many, store.JobFailure{Item: fmt.Sprint("u_", i), Message: "No such user in this tenant."})
	}
	if cancel, err := s.RecordJobProgress(ctx, j.ID, 3, 1, many[:1]); cancel || err != nil {
		t.Fatalf("RecordJobProgress = %v, %v", cancel, err)
	}
	if _, err := s.RecordJobProgress(ctx, j.ID, 0, len(many)-1, many[1:]); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishJob(ctx, j.ID, store.JobDone, ""); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetJob(ctx, tn.ID, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != store.JobDone || got.Done != 3 || got.Failed != len(many) || len(got.Failures) != store.MaxJobFailures ||
		got.Failures[0] != many[0] || got.FinishedAt == nil || got.Active() {
		t.Fatalf("finished job = %s, done %d, failed %d, %d failures kept, want done, 3, %d, %d",
			got.Status, got.Done, got.Failed, len(got.Failures), len(many), store.MaxJobFailures)
	}
	if ids := jobUsers(t, s, j.ID); len(ids) != 0 {
		t.Errorf("a finished job still holds %d users", len(ids))
	}
	if _, err := s.RecordJobProgress(ctx, j.ID, 1, 0, nil); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RecordJobProgress on a finished job = %v, want ErrNotFound", err)
	}
}

// The users of a job are those that matched when it was created: users
// who start matching later are not added, and users who stop matching
// (the job itself makes them, locking everyone "not locked") stay in it.
func TestUsersJobKeepsTheUsersThatMatchedAtCreation(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	tn, _ := mustTenant(t, s, "acme")
	ctx := t.Context()
	ids := mustUsers(t, s, tn.ID, "a", "hr", 4)
	notLocked := false
	j := mustUsersJob(t, s, tn.ID, store.UserFilter{Locked: &notLocked}, 4)

	mustUsers(t, s, tn.ID, "late", "hr", 2)
	if _, err := s.ApplyUserAction(ctx, tn.ID, store.UserAction{Kind: store.ActionLock}, []string{store.PublicID(store.PrefixUser, ids[0])}); err != nil {
		t.Fatal(err)
	}
	if got := jobUsers(t, s, j.ID); !slices.Equal(got, ids) {
		t.Fatalf("job users = %v, want the 4 that matched at creation %v", got, ids)
	}
}

// A queued job is cancelled at once; a running one is asked to stop, and
// hears it when it next records a batch.
func TestCancelJob(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	tn, _ := mustTenant(t, s, "acme")
	ctx := t.Context()
	mustUsers(t, s, tn.ID, "a", "hr", 3)
	running := mustUsersJob(t, s, tn.ID, store.UserFilter{}, 3)
	queued := mustUsersJob(t, s, tn.ID, store.UserFilter{}, 3)
	if c, _, err := s.ClaimJob(ctx); err != nil || c.ID != running.ID {
		t.Fatalf("ClaimJob() = %d, %v, want the oldest, %d", c.ID, err, running.ID)
	}

	got, err := s.CancelJob(ctx, tn.ID, queued.ID)
	if err != nil || got.Status != store.JobCancelled || got.FinishedAt == nil {
		t.Fatalf("CancelJob(queued) = %s, %v, want cancelled", got.Status, err)
	}
	if got, err = s.CancelJob(ctx, tn.ID, running.ID); err != nil || got.Status != store.JobRunning || !got.CancelRequested {
		t.Fatalf("CancelJob(running) = %s (cancel requested %v), %v, want running with cancel requested", got.Status, got.CancelRequested, err)
	}
	if cancel, err := s.RecordJobProgress(ctx, running.ID, 1, 0, nil); !cancel || err != nil {
		t.Fatalf("RecordJobProgress after cancel = %v, %v, want cancel", cancel, err)
	}
	if err := s.FinishJob(ctx, running.ID, store.JobCancelled, ""); err != nil {
		t.Fatal(err)
	}
	if got, err = s.CancelJob(ctx, tn.ID, running.ID); err != nil || got.Status != store.JobCancelled || got.Done != 1 {
		t.Fatalf("CancelJob(ended) = %s with %d done, %v, want it unchanged: cancelled with 1 done", got.Status, got.Done, err)
	}
	if _, ok, _ := s.ClaimJob(ctx); ok {
		t.Error("ClaimJob() took a cancelled job")
	}
}

// A job running when its server stopped is failed as interrupted once its
// lease lapses (until then nobody can tell a dead server from a slow
// one); a queued one is still there to run.
func TestJobsInterruptedByARestartAreMarkedFailed(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "roster.db")
	s, err := store.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	tn, _ := mustTenant(t, s, "acme")
	mustUsers(t, s, tn.ID, "a", "hr", 3)
	running := mustUsersJob(t, s, tn.ID, store.UserFilter{}, 3)
	queued := mustUsersJob(t, s, tn.ID, store.UserFilter{}, 3)
	if _, _, err := s.ClaimJob(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordJobProgress(t.Context(), running.ID, 2, 0, nil); err != nil {
		t.Fatal(err)
	}
	s.Close() // as a crash would leave it: no FinishJob

	s, err = store.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n, err := s.InterruptJobs(t.Context()); n != 0 || err != nil {
		t.Fatalf("InterruptJobs() within the lease = %d, %v, want 0", n, err)
	}
	later := time.Now().Add(store.JobLease + time.Second)
	s.SetClock(func() time.Time { return later })
	if n, err := s.InterruptJobs(t.Context()); n != 1 || err != nil {
		t.Fatalf("InterruptJobs() after the lease = %d, %v, want 1", n, err)
	}
	got, _ := s.GetJob(t.Context(), tn.ID, running.ID)
	if got.Status != store.JobFailed || got.Error != store.InterruptedMessage || got.Done != 2 || got.FinishedAt == nil {
		t.Errorf("interrupted job = %s %q with %d done, want failed as interrupted with 2 done", got.Status, got.Error, got.Done)
	}
	if c, ok, err := s.ClaimJob(t.Context()); !ok || err != nil || c.ID != queued.ID {
		t.Errorf("ClaimJob() after restart = %d, %v, %v, want the queued job %d", c.ID, ok, err, queued.ID)
	}
}

// A tenant's jobs are its own: another tenant neither sees nor cancels
// them, and a job takes only its tenant's users, whatever the filter.
func TestJobsAreTenantIsolated(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	acme, _ := mustTenant(t, s, "acme")
	other, _ := mustTenant(t, s, "other")
	ctx := t.Context()
	mine := mustUsers(t, s, acme.ID, "a", "hr", 3)
	mustUsers(t, s, other.ID, "b", "hr", 4)
	j := mustUsersJob(t, s, acme.ID, store.UserFilter{SourceType: "hr"}, 3)

	if got := jobUsers(t, s, j.ID); !slices.Equal(got, mine) {
		t.Errorf("job users = %v, want acme's only, %v", got, mine)
	}
	if _, err := s.GetJob(ctx, other.ID, j.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetJob(other tenant) = %v, want ErrNotFound", err)
	}
	if _, err := s.CancelJob(ctx, other.ID, j.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("CancelJob(other tenant) = %v, want ErrNotFound", err)
	}
	if l, err := s.ListJobs(ctx, other.ID, store.JobFilter{}); err != nil || len(l.Items) != 0 {
		t.Errorf("ListJobs(other tenant) = %d jobs, %v, want none", len(l.Items), err)
	}
	if l, err := s.ListJobs(ctx, acme.ID, store.JobFilter{Active: true}); err != nil || len(l.Items) != 1 || l.Items[0].ID != j.ID {
		t.Errorf("ListJobs(acme, active) = %v, %v, want the one job", l.Items, err)
	}
}

// The jobs list pages newest first.
func TestListJobsPagesNewestFirst(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	tn, _ := mustTenant(t, s, "acme")
	mustUsers(t, s, tn.ID, "a", "hr", 1)
	var want []int64
	for range 3 {
		want = append([]int64{mustUsersJob(t, s, tn.ID, store.UserFilter{}, 1).ID}, want...)
	}
	var got []int64
	for cursor := ""; ; {
		l, err := s.ListJobs(t.Context(), tn.ID, store.JobFilter{Page: store.Page{Size: 2, Cursor: cursor}})
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range l.Items {
			got = append(got, j.ID)
		}
		if l.Total != 3 {
			t.Fatalf("ListJobs total = %d, want 3", l.Total)
		}
		if cursor = l.Next; cursor == "" {
			break
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("jobs by page = %v, want %v", got, want)
	}
}
