package store_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"roster/store"
)

// Password hashing takes tens of milliseconds; inside a write transaction
// it would hold every other writer (anonymous sign-in loops once raised the
// median API write from 2 ms to ~390 ms).
func TestNoPasswordHashingUnderTheWriteLock(t *testing.T) {
	t.Parallel()
	s := newMailStore(t)
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	var runs, locked int
	s.WatchBcrypt(func(underLock bool) {
		runs++
		if underLock {
			locked++
		}
	})
	u := mustUser(t, s, tn.ID, store.NewUser{Username: "ada", Email: "ada@example.com", Password: "Right-password-1"})
	steps := []struct {
		name string
		do   func() error
	}{
		{"create an administrator", func() error {
			_, err := s.CreateAdmin(ctx, tn.ID, store.NewAdmin{Username: "grace", Password: "long enough pw"}, store.RoleAdmin)
			return err
		}},
		{"administrator signs in", func() error { _, err := s.AuthenticateAdmin(ctx, "grace", "long enough pw"); return err }},
		{"administrator's wrong password", func() error { return wantInvalid(s.AuthenticateAdmin(ctx, "grace", "wrong password")) }},
		{"unknown administrator", func() error { return wantInvalid(s.AuthenticateAdmin(ctx, "nobody", "wrong password")) }},
		{"set an administrator's password", func() error { return s.SetAdminPassword(ctx, "grace", "another long pw") }},
		{"user signs in", func() error { _, err := s.AuthenticateUser(ctx, tn.ID, "ada", "Right-password-1"); return err }},
		{"user's wrong password", func() error { return wantInvalid(s.AuthenticateUser(ctx, tn.ID, "ada", "Wrong-password-1")) }},
		{"unknown user", func() error { return wantInvalid(s.AuthenticateUser(ctx, tn.ID, "nobody", "Wrong-password-1")) }},
		{"user changes their password", func() error {
			_, err := s.ChangePassword(ctx, tn.ID, u.ID, "Right-password-1", "Second-password-2", false)
			return err
		}},
		{"user resets their password", func() error {
			if err := s.RequestPasswordReset(ctx, tn.ID, "ada"); err != nil {
				return err
			}
			_, tok := lastMessage(t, s, tn.ID)
			_, err := s.ResetPassword(ctx, tn.ID, tok, "Third-password-3")
			return err
		}},
		{"create a user with a password", func() error {
			_, err := s.CreateUser(ctx, tn.ID, store.NewUser{Username: "bob", Password: "Bobs-password-1"})
			return err
		}},
	}
	for _, st := range steps {
		before := runs
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if runs == before {
			t.Errorf("%s ran no bcrypt at all", st.name)
		}
	}
	if locked > 0 {
		t.Errorf("%d of %d bcrypt runs held the write lock", locked, runs)
	}
}

func wantInvalid[T any](_ T, err error) error {
	if !errors.Is(err, store.ErrInvalidCredentials) {
		return errors.New("want invalid credentials, got " + errString(err))
	}
	return nil
}

func errString(err error) string {
	if err == nil {
		return "no error"
	}
	return err.Error()
}

// Every way a password is refused costs one bcrypt comparison, so how long
// the answer takes does not say whether the account exists, has a password,
// is locked, or the password was too long to be one. Each case is timed
// right after a wrong guess at a real account, round after round, and the
// median of their ratios must be near 1: measured side by side, the two
// share whatever else the machine is doing. Not parallel: the store's
// other tests wait while it measures.
func TestRefusedPasswordsTakeAlike(t *testing.T) {
	s := newMailStore(t)
	// Cost 8 keeps bcrypt far above everything else a sign-in does (a few
	// milliseconds of SQLite), which is all the comparison needs, at a
	// quarter of the default's time.
	s.PasswordCost = 8
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	mustUser(t, s, tn.ID, store.NewUser{Username: "ada", Password: "Right-password-1"})
	mustUser(t, s, tn.ID, store.NewUser{Username: "invited", Email: "invited@example.com"}) // no password yet
	locked := mustUser(t, s, tn.ID, store.NewUser{Username: "locked", Password: "Right-password-1"})
	if _, err := s.ApplyUserAction(ctx, tn.ID, store.UserAction{Kind: store.ActionLock}, []string{locked.PublicID()}); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("x", 73)
	timed := func(name string, try func() error) time.Duration {
		start := time.Now()
		if err := try(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return time.Since(start)
	}
	// The references: wrong guesses at real accounts, a fresh pair each
	// round so none of them reaches the lock.
	const rounds = 9 // the median of 9 rides out a busy machine's stalls
	for r := range rounds {
		mustUser(t, s, tn.ID, store.NewUser{Username: fmt.Sprintf("ref-%d", r), Password: "Right-password-1"})
		if _, err := s.CreateAdmin(ctx, tn.ID, store.NewAdmin{Username: fmt.Sprintf("ref-admin-%d", r), Password: "correct horse battery"}, store.RoleAdmin); err != nil {
			t.Fatal(err)
		}
	}
	round := 0
	wrongAdmin := func() error {
		return wantInvalid(s.AuthenticateAdmin(ctx, fmt.Sprintf("ref-admin-%d", round), "wrong password"))
	}
	wrongUser := func() error {
		return wantInvalid(s.AuthenticateUser(ctx, tn.ID, fmt.Sprintf("ref-%d", round), "Wrong-password-1"))
	}
	cases := []struct {
		name string
		ref  func() error
		try  func() error
	}{
		{"unknown administrator", wrongAdmin, func() error { return wantInvalid(s.AuthenticateAdmin(ctx, "nobody", "wrong password")) }},
		{"administrator, password over 72 bytes", wrongAdmin, func() error { return wantInvalid(s.AuthenticateAdmin(ctx, "owner-acme", long)) }},
		{"unknown user", wrongUser, func() error { return wantInvalid(s.AuthenticateUser(ctx, tn.ID, "nobody", "Wrong-password-1")) }},
		{"user without a password", wrongUser, func() error { return wantInvalid(s.AuthenticateUser(ctx, tn.ID, "invited", "Wrong-password-1")) }},
		{"locked user", wrongUser, func() error { return wantInvalid(s.AuthenticateUser(ctx, tn.ID, "locked", "Right-password-1")) }},
		{"user, password over 72 bytes", wrongUser, func() error { return wantInvalid(s.AuthenticateUser(ctx, tn.ID, "ada", long)) }},
	}
	ratios := make([][]float64, len(cases))
	for round = 0; round < rounds; round++ {
		for i, c := range cases {
			ref := timed(c.name+" (reference)", c.ref)
			ratios[i] = append(ratios[i], float64(timed(c.name, c.try))/float64(ref))
		}
	}
	for i, c := range cases {
		slices.Sort(ratios[i])
		if m := ratios[i][len(ratios[i])/2]; m < 0.5 || m > 2 {
			t.Errorf("%s: takes %.2f times a wrong guess at a real account (median of %v): timing tells them apart", c.name, m, ratios[i])
		}
	}
}

// Administrators get the lock end users have: MaxFailedLogins failures in a
// row lock the account; while locked even the right password is refused as
// a wrong one; the lock ends with time, by an owner, or with a new password.
func TestAdministratorLock(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	tn, owner := mustTenant(t, s, "acme")
	other, _ := mustTenant(t, s, "other")
	grace, err := s.CreateAdmin(ctx, tn.ID, store.NewAdmin{Username: "grace", Password: "grace's password"}, store.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddMember(ctx, other.ID, "grace", store.RoleViewer); err != nil {
		t.Fatal(err)
	}
	fail := func(n int) {
		t.Helper()
		for i := range n {
			if err := wantInvalid(s.AuthenticateAdmin(ctx, "grace", "not the password")); err != nil {
				t.Fatalf("failure %d: %v", i+1, err)
			}
		}
	}
	// A success in between starts the count again.
	fail(store.MaxFailedLogins - 1)
	if _, err := s.AuthenticateAdmin(ctx, "grace", "grace's password"); err != nil {
		t.Fatalf("sign in after %d failures = %v", store.MaxFailedLogins-1, err)
	}
	fail(store.MaxFailedLogins)
	if err := wantInvalid(s.AuthenticateAdmin(ctx, "grace", "grace's password")); err != nil {
		t.Fatalf("right password while locked: %v", err)
	}
	g, _ := s.GetAdmin(ctx, grace.ID)
	if !g.Locked(now) || !g.LockedUntil.Equal(now.Add(store.FailedLoginLock)) {
		t.Fatalf("after %d failures locked until %v, want %v", store.MaxFailedLogins, g.LockedUntil, now.Add(store.FailedLoginLock))
	}
	for _, tenant := range []int64{tn.ID, other.ID} {
		l, err := s.ListAuditEvents(ctx, tenant, store.AuditFilter{Action: "admin.lock"})
		if err != nil || len(l.Items) != 1 || l.Items[0].TargetID != grace.PublicID() {
			t.Errorf("tenant %d: admin.lock events %+v, %v; want one for grace", tenant, l.Items, err)
		}
	}
	members, _ := s.ListMembers(ctx, tn.ID)
	if i := slices.IndexFunc(members, func(m store.Member) bool { return m.ID == grace.ID }); i < 0 || !members[i].Locked(now) {
		t.Errorf("the tenant's administrators do not show grace locked: %+v", members)
	}

	now = now.Add(store.FailedLoginLock + time.Second)
	if _, err := s.AuthenticateAdmin(ctx, "grace", "grace's password"); err != nil {
		t.Fatalf("after the lock ends = %v", err)
	}

	fail(store.MaxFailedLogins)
	if err := s.UnlockAdmin(ctx, tn.ID, owner.ID); err != nil { // not locked: nothing to do
		t.Fatal(err)
	}
	if err := s.UnlockAdmin(ctx, tn.ID+999, grace.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unlock from a tenant grace is not in = %v, want not found", err)
	}
	if err := s.UnlockAdmin(store.WithActor(ctx, store.Actor{Type: store.ActorAdmin, ID: owner.PublicID(), Name: owner.Username}),
		tn.ID, grace.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AuthenticateAdmin(ctx, "grace", "grace's password"); err != nil {
		t.Fatalf("after an owner unlocked = %v", err)
	}
	if l, _ := s.ListAuditEvents(ctx, tn.ID, store.AuditFilter{Action: "admin.unlock"}); len(l.Items) != 1 || l.Items[0].Actor.Name != owner.Username {
		t.Errorf("admin.unlock events = %+v", l.Items)
	}

	fail(store.MaxFailedLogins)
	before, _ := s.GetAdmin(ctx, grace.ID)
	if err := s.SetAdminPassword(ctx, "grace", "a brand new password"); err != nil {
		t.Fatal(err)
	}
	after, _ := s.GetAdmin(ctx, grace.ID)
	if after.Locked(now) || after.PasswordChangedAt <= before.PasswordChangedAt {
		t.Errorf("a new password: locked %v, changed at %d (was %d); want unlocked and a later stamp",
			after.Locked(now), after.PasswordChangedAt, before.PasswordChangedAt)
	}
	if _, err := s.AuthenticateAdmin(ctx, "grace", "a brand new password"); err != nil {
		t.Fatalf("with the new password = %v", err)
	}
}

// Guesses sent at once cannot all be evaluated before the failures are
// counted: each takes a number before its password is compared, and those
// past MaxFailedLogins are refused whatever their password. Here all twelve
// guesses are held until every one has taken its number (the bcrypt watch
// is the meeting point), so they truly overlap.
func TestParallelGuessesPastTheLimitAreRefused(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	mustUser(t, s, tn.ID, store.NewUser{Username: "ada", Password: "Right-password-1"})
	const before, burst = 3, 12
	for range before {
		if err := wantInvalid(s.AuthenticateUser(ctx, tn.ID, "ada", "Wrong-password-1")); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	arrived, all := 0, make(chan struct{})
	s.WatchBcrypt(func(bool) {
		mu.Lock()
		if arrived++; arrived == burst {
			close(all)
		}
		mu.Unlock()
		select {
		case <-all:
		case <-time.After(2 * time.Second): // guesses that never overlap
		}
	})
	var wg sync.WaitGroup
	var signedIn atomic.Int32
	for range burst {
		wg.Go(func() {
			if _, err := s.AuthenticateUser(ctx, tn.ID, "ada", "Right-password-1"); err == nil {
				signedIn.Add(1)
			}
		})
	}
	wg.Wait()
	if n := int(signedIn.Load()); n > store.MaxFailedLogins-before {
		t.Errorf("%d of %d simultaneous attempts were evaluated and signed in after %d failures; at most %d may be",
			n, burst, before, store.MaxFailedLogins-before)
	}
	l, _ := s.ListAuditEvents(ctx, tn.ID, store.AuditFilter{Action: "user.lock"})
	if len(l.Items) != 1 {
		t.Errorf("user.lock events = %d, want 1", len(l.Items))
	}
}
