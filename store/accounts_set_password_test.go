package store_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"roster/store"
)

// An administrator sets a user's password: the tenant's policy and the
// user's history apply, the old password and its reset links stop
// working, the change time moves on even within one millisecond (ending
// the user's sessions), a pending user is enabled, a change at next
// sign-in can be required, and the audit event holds no password.
func TestAdministratorSetsAUsersPassword(t *testing.T) {
	t.Parallel()
	s := newMailStore(t)
	ctx := t.Context()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	tn, _ := mustTenant(t, s, "acme")
	other, _ := mustTenant(t, s, "other")
	ada := mustUser(t, s, tn.ID, store.NewUser{Username: "ada", Email: "ada@example.com", Password: "Old-password-1",
		RequiredActions: []string{"update_password", "verify_email"}})
	if _, err := s.SendPasswordResets(ctx, tn.ID, []string{ada.PublicID()}, false); err != nil {
		t.Fatal(err)
	}
	_, token := lastMessage(t, s, tn.ID)

	for _, tt := range []struct{ pw, why string }{
		{"Short-1", "too short"},
		{"alllowercase", "one class"},
		{"ADA", "the username"},
		{"Old-password-1", "the current password"},
	} {
		if _, err := s.SetUserPassword(ctx, tn.ID, ada.ID, tt.pw, false); !isFieldError(err, "password") {
			t.Errorf("password %s (%s) = %v, want a password error", tt.pw, tt.why, err)
		}
	}
	if _, err := s.SetUserPassword(ctx, other.ID, ada.ID, "New-password-2", false); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("setting the password of another tenant's user = %v", err)
	}

	u, err := s.SetUserPassword(ctx, tn.ID, ada.ID, "New-password-2", false)
	if err != nil {
		t.Fatal(err)
	}
	if !u.PasswordChangedAt.After(*ada.PasswordChangedAt) || !slices.Equal(u.RequiredActions, []string{"verify_email"}) {
		t.Errorf("after the set: changed %v (before %v), required %v; want a later change and update_password done",
			u.PasswordChangedAt, ada.PasswordChangedAt, u.RequiredActions)
	}
	if _, err := s.AuthenticateUser(ctx, tn.ID, "ada", "Old-password-1"); !errors.Is(err, store.ErrInvalidCredentials) {
		t.Errorf("the old password = %v", err)
	}
	if _, err := s.AuthenticateUser(ctx, tn.ID, "ada", "New-password-2"); err != nil {
		t.Errorf("the new password = %v", err)
	}
	if _, err := s.CheckResetToken(ctx, tn.ID, token); err == nil {
		t.Error("a reset link sent before the set still works")
	}
	ev := auditOf(t, s, tn.ID, "user.set_password")
	if len(ev) != 1 || ev[0].Changes["password"] != (store.Change{After: "changed"}) || ev[0].Changes["require_password_change"] != (store.Change{}) {
		t.Errorf("audit = %+v", ev)
	}

	u, err = s.SetUserPassword(ctx, tn.ID, ada.ID, "Third-password-3", true)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(u.RequiredActions, []string{"update_password", "verify_email"}) {
		t.Errorf("required after a set requiring a change = %v", u.RequiredActions)
	}
	if ev := auditOf(t, s, tn.ID, "user.set_password"); ev[0].Changes["require_password_change"] != (store.Change{After: true}) {
		t.Errorf("audit of a set requiring a change = %+v", ev[0].Changes)
	}
	if _, err := s.SetUserPassword(ctx, tn.ID, ada.ID, "New-password-2", false); !isFieldError(err, "password") {
		t.Errorf("a password of the user's history = %v", err)
	}

	pending := mustUser(t, s, tn.ID, store.NewUser{Username: "bob"})
	if pending.Status != store.StatusPending {
		t.Fatalf("bob is %s, want pending", pending.Status)
	}
	if u, err := s.SetUserPassword(ctx, tn.ID, pending.ID, "Bobs-password-1", false); err != nil || u.Status != store.StatusEnabled || !u.PasswordSet {
		t.Errorf("a pending user given a password = %+v, %v; want enabled", u, err)
	}
}
