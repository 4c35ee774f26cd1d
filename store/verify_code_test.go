package store_test

import (
	"regexp"
	"testing"
	"time"

	"roster/store"
)

// A verification code waits from the verification email until it is used,
// expires or is worn out by wrong tries; before any email there is none.
func TestVerificationCodeWaiting(t *testing.T) {
	t.Parallel()
	s := newMailStore(t)
	ctx := t.Context()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	tn, _ := mustTenant(t, s, "acme")
	u := mustUser(t, s, tn.ID, store.NewUser{Username: "ada", Email: "ada@example.com"})
	waiting := func(want bool, when string) {
		t.Helper()
		got, err := s.VerificationCodeWaiting(ctx, tn.ID, u.ID)
		if err != nil || got != want {
			t.Fatalf("VerificationCodeWaiting() %s = %v, %v, want %v", when, got, err, want)
		}
	}
	waiting(false, "before any email")
	if err := s.SendVerification(ctx, tn.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	waiting(true, "after the email")
	m, _ := lastMessage(t, s, tn.ID)
	code := regexp.MustCompile(`code (\d{6})`).FindStringSubmatch(m.Email.Text)
	if code == nil {
		t.Fatalf("no code in %q", m.Email.Text)
	}
	if _, err := s.ConfirmEmailCode(ctx, tn.ID, u.ID, code[1]); err != nil {
		t.Fatal(err)
	}
	waiting(false, "once used")

	other := mustUser(t, s, tn.ID, store.NewUser{Username: "bob", Email: "bob@example.com"})
	if err := s.SendVerification(ctx, tn.ID, other.ID); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		_, _ = s.ConfirmEmailCode(ctx, tn.ID, other.ID, "000000")
	}
	if got, _ := s.VerificationCodeWaiting(ctx, tn.ID, other.ID); got {
		t.Error("VerificationCodeWaiting() after five wrong codes = true, want false")
	}
	if err := s.SendVerification(ctx, tn.ID, other.ID); err != nil {
		t.Fatal(err)
	}
	now = now.Add(30 * 24 * time.Hour)
	if got, _ := s.VerificationCodeWaiting(ctx, tn.ID, other.ID); got {
		t.Error("VerificationCodeWaiting() once expired = true, want false")
	}
}
