package store_test

import (
	"strings"
	"testing"
	"time"

	"roster/store"
)

// The overview counts users by status, locked users, queued emails and
// users whose access ends within the horizon, lists those soonest first,
// and shows the latest changes newest first.
func TestOverview(t *testing.T) {
	t.Parallel()
	s := newMailStore(t)
	ctx := t.Context()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	tn, _ := mustTenant(t, s, "acme")
	other, _ := mustTenant(t, s, "other")
	in := func(d time.Duration) *time.Time { at := now.Add(d); return &at }
	day := 24 * time.Hour
	mustUser(t, s, tn.ID, store.NewUser{Username: "ada", Password: "Str0ng-enough", AccountExpiresAt: in(10 * day)})
	bob := mustUser(t, s, tn.ID, store.NewUser{Username: "bob", Password: "Str0ng-enough", AccountExpiresAt: in(2 * day)})
	mustUser(t, s, tn.ID, store.NewUser{Username: "cyd", Password: "Str0ng-enough", AccountExpiresAt: in(30 * day)})
	mustUser(t, s, tn.ID, store.NewUser{Username: "dan", Password: "Str0ng-enough", AccountExpiresAt: in(-day)})
	eve := mustUser(t, s, tn.ID, store.NewUser{Username: "eve", Email: "eve@example.com", Invite: true})
	mustUser(t, s, other.ID, store.NewUser{Username: "ozzy", Password: "Str0ng-enough", AccountExpiresAt: in(day)})
	if _, err := s.ApplyUserAction(ctx, tn.ID, store.UserAction{Kind: store.ActionLock}, []string{bob.PublicID()}); err != nil {
		t.Fatal(err)
	}
	// A lock that has ended does not count.
	if _, err := s.ApplyUserAction(ctx, tn.ID, store.UserAction{Kind: store.ActionLock, Until: in(time.Hour)},
		[]string{eve.PublicID()}); err != nil {
		t.Fatal(err)
	}
	// Sign-ins are not changes: the overview's recent changes leave them out.
	if _, err := s.AuthenticateUser(ctx, tn.ID, "ada", "Str0ng-enough"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AuthenticateUser(ctx, tn.ID, "ada", "wrong"); err == nil {
		t.Fatal("a wrong password signed ada in")
	}
	bobEnds := *in(2 * day)
	now = now.Add(2 * time.Hour)

	o, err := s.Overview(ctx, tn.ID, 14*day, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]int{}
	for _, it := range o.ByStatus {
		status[it.Key] = it.Count
	}
	if status["enabled"] != 4 || status["pending"] != 1 {
		t.Errorf("Overview().ByStatus = %v, want 4 enabled and 1 pending", o.ByStatus)
	}
	if o.Locked != 1 {
		t.Errorf("Overview().Locked = %d, want 1 (bob; eve's lock has ended)", o.Locked)
	}
	if o.QueuedEmails != 1 || o.FailedEmails != 0 {
		t.Errorf("Overview() emails = %d queued, %d failed, want eve's invitation queued", o.QueuedEmails, o.FailedEmails)
	}
	if o.ExpiringTotal != 2 || len(o.Expiring) != 1 || o.Expiring[0].Username != "bob" || !o.Expiring[0].ExpiresAt.Equal(bobEnds) {
		t.Errorf("Overview() expiring = %d %+v, want 2 (bob and ada), bob listed first", o.ExpiringTotal, o.Expiring)
	}
	if len(o.Recent) != 3 || o.Recent[0].Action != "user.lock" || o.Recent[0].TargetID != eve.PublicID() || o.Recent[0].TargetName != eve.Username {
		t.Errorf("Overview().Recent = %+v, want the 3 latest, eve's lock first, named", o.Recent)
	}
}

// Each of the overview's queries is an index range read: none scans the
// tenant's users, outbox or audit trail, none sorts.
func TestOverviewQueryPlans(t *testing.T) {
	t.Parallel()
	s := newSQLiteStore(t)
	tn, _ := mustTenant(t, s, "acme")
	plans, err := s.OverviewPlans(t.Context(), tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"locked": "users_locked", "outbox": "outbox_tenant_status",
		"expiring count": "users_account_expires", "expiring": "users_account_expires", "recent": "audit_events"}
	for name, index := range want {
		plan := plans[name]
		if !strings.Contains(plan, "SEARCH") || !strings.Contains(plan, index) || strings.Contains(plan, "SCAN") ||
			strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("plan of %s:\n%s\nwant a read of %s, no scan of the table, no sort", name, plan, index)
		}
	}
}
