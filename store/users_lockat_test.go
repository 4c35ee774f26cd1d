package store_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"roster/store"
)

// A scheduled lock: a user can carry a time at which they become locked.
// Until then they sign in and list as unlocked; from then on they are
// locked for sign-in, the users list's filter, its counts and the home
// page, with no job run, until an administrator unlocks them (which
// clears the time or sets a new one).
func TestScheduledLock(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	tn, _ := mustTenant(t, s, "acme")

	past := now.Add(-time.Minute)
	if _, err := s.CreateUser(ctx, tn.ID, store.NewUser{Username: "late", LockAt: &past}); !isFieldError(err, "auto_lock_at") {
		t.Fatalf("create with a lock time in the past = %v, want an auto_lock_at error", err)
	}
	at := now.Add(time.Hour)
	ada := mustUser(t, s, tn.ID, store.NewUser{Username: "ada", Password: "Right-password-1", LockAt: &at})
	mustUser(t, s, tn.ID, store.NewUser{Username: "bob"})
	if ada.LockAt == nil || !ada.LockAt.Equal(at) || ada.Locked(now) {
		t.Fatalf("created ada: lock_at %v, locked %v; want %v, not locked yet", ada.LockAt, ada.Locked(now), at)
	}
	locked, unlocked := true, false
	names := func(f store.UserFilter) []string {
		t.Helper()
		l, err := s.ListUsers(ctx, tn.ID, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, u := range l.Items {
			out = append(out, u.Username)
		}
		n, err := s.CountUsers(ctx, tn.ID, f)
		if err != nil || n != len(out) {
			t.Fatalf("CountUsers = %d, %v; the list has %d", n, err, len(out))
		}
		return out
	}
	overviewLocked := func() int {
		t.Helper()
		o, err := s.Overview(ctx, tn.ID, time.Hour, 5, 5)
		if err != nil {
			t.Fatal(err)
		}
		return o.Locked
	}
	if _, err := s.AuthenticateUser(ctx, tn.ID, "ada", "Right-password-1"); err != nil {
		t.Fatalf("sign-in before the lock time = %v", err)
	}
	if got := names(store.UserFilter{Locked: &locked}); len(got) != 0 || overviewLocked() != 0 {
		t.Fatalf("before the lock time: locked list %v, home count %d; want none", got, overviewLocked())
	}

	now = now.Add(time.Hour) // the lock time itself
	if _, err := s.AuthenticateUser(ctx, tn.ID, "ada", "Right-password-1"); !errors.Is(err, store.ErrInvalidCredentials) {
		t.Fatalf("sign-in at the lock time = %v, want refused", err)
	}
	if got := names(store.UserFilter{Locked: &locked}); !slices.Equal(got, []string{"ada"}) {
		t.Fatalf("locked list at the lock time = %v, want [ada]", got)
	}
	if got := names(store.UserFilter{Locked: &unlocked}); !slices.Equal(got, []string{"bob"}) {
		t.Fatalf("not-locked list at the lock time = %v, want [bob]", got)
	}
	if n := overviewLocked(); n != 1 {
		t.Fatalf("home page's locked count = %d, want 1", n)
	}

	// Unlocking may schedule the next lock, never one in the past.
	if _, err := s.ApplyUserAction(ctx, tn.ID, store.UserAction{Kind: store.ActionUnlock, LockAt: &past},
		[]string{ada.PublicID()}); !isFieldError(err, "auto_lock_at") {
		t.Fatalf("unlock with a past lock time = %v, want an auto_lock_at error", err)
	}
	next := now.Add(24 * time.Hour)
	if res, err := s.ApplyUserAction(ctx, tn.ID, store.UserAction{Kind: store.ActionUnlock, LockAt: &next},
		[]string{ada.PublicID()}); err != nil || len(res.Succeeded) != 1 {
		t.Fatalf("unlock until tomorrow = %+v, %v", res, err)
	}
	got, _ := s.GetUser(ctx, tn.ID, ada.ID)
	if got.Locked(now) || got.LockAt == nil || !got.LockAt.Equal(next) {
		t.Fatalf("after unlock: locked %v, lock_at %v; want unlocked, lock_at %v", got.Locked(now), got.LockAt, next)
	}
	if _, err := s.AuthenticateUser(ctx, tn.ID, "ada", "Right-password-1"); err != nil {
		t.Fatalf("sign-in after the unlock = %v", err)
	}
	ev, err := s.ListAuditEvents(ctx, tn.ID, store.AuditFilter{Action: "user.unlock"})
	if err != nil || len(ev.Items) != 1 {
		t.Fatalf("unlock events = %+v, %v", ev.Items, err)
	}

	// An administrator changes or clears the time; a past one is refused.
	var clear *time.Time
	if _, err := s.UpdateUser(ctx, tn.ID, ada.ID, store.UserUpdate{LockAt: &clear}); err != nil {
		t.Fatal(err)
	}
	pastPtr := &past
	if _, err := s.UpdateUser(ctx, tn.ID, ada.ID, store.UserUpdate{LockAt: &pastPtr}); !isFieldError(err, "auto_lock_at") {
		t.Fatalf("update to a past lock time = %v, want an auto_lock_at error", err)
	}
	now = now.Add(48 * time.Hour)
	if got, _ := s.GetUser(ctx, tn.ID, ada.ID); got.LockAt != nil || got.Locked(now) {
		t.Fatalf("cleared: lock_at %v, locked %v", got.LockAt, got.Locked(now))
	}
}

// The locked list's total is kept for the second its time falls in: a
// lock that ends by time leaves the page's users at once and the total
// when the second turns, and a write shows in both at once.
func TestLockedListTotalIsKeptForTheSecond(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	tn, _ := mustTenant(t, s, "acme")
	var ids []string
	for _, name := range []string{"ada", "bob", "cyd"} {
		ids = append(ids, mustUser(t, s, tn.ID, store.NewUser{Username: name}).PublicID())
	}
	soon := now.Add(300 * time.Millisecond)
	if _, err := s.ApplyUserAction(ctx, tn.ID, store.UserAction{Kind: store.ActionLock, Until: &soon}, ids[:1]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ApplyUserAction(ctx, tn.ID, store.UserAction{Kind: store.ActionLock}, ids[1:]); err != nil {
		t.Fatal(err)
	}
	locked := true
	list := func() (first string, total int) {
		t.Helper()
		l, err := s.ListUsers(ctx, tn.ID, store.UserFilter{Locked: &locked, Page: store.Page{Size: 1}})
		if err != nil || len(l.Items) != 1 {
			t.Fatalf("locked list = %v, %v", l.Items, err)
		}
		return l.Items[0].Username, l.Total
	}
	if first, total := list(); first != "ada" || total != 3 {
		t.Fatalf("locked list = %s of %d, want ada of 3", first, total)
	}
	now = now.Add(400 * time.Millisecond) // ada's lock has ended, in the same second
	if first, total := list(); first != "bob" || total != 3 {
		t.Fatalf("locked list once ada's lock ended = %s of %d, want bob of 3 (the second's total)", first, total)
	}
	now = now.Add(600 * time.Millisecond) // the next second
	if first, total := list(); first != "bob" || total != 2 {
		t.Fatalf("locked list in the next second = %s of %d, want bob of 2", first, total)
	}
	if _, err := s.ApplyUserAction(ctx, tn.ID, store.UserAction{Kind: store.ActionLock}, ids[:1]); err != nil {
		t.Fatal(err)
	}
	if first, total := list(); first != "ada" || total != 3 {
		t.Fatalf("locked list after ada is locked again = %s of %d, want ada of 3", first, total)
	}
}
