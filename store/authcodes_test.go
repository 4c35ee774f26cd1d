package store_test

import (
	"bytes"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"roster/store"
	"roster/store/storetest"
)

// An authorization code is traded once, within five minutes, by its own
// tenant only, for the administrator who made it; the database keeps only
// its hash.
func TestAuthCodeIsSingleUseShortLivedAndStoredHashed(t *testing.T) {
	t.Parallel()
	dsn := storetest.DSN(t)
	s, err := store.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	now := time.Now()
	s.SetClock(func() time.Time { return now })
	acme, owner := mustTenant(t, s, "acme")
	other, _ := mustTenant(t, s, "other")
	ctx := t.Context()

	code, expires, err := s.CreateAuthCode(ctx, acme.ID, owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(code) < 32 || !expires.Equal(time.UnixMilli(now.UnixMilli()).Add(store.AuthCodeTTL)) {
		t.Fatalf("CreateAuthCode = %q expiring %v; want a long random code good for %v", code, expires, store.AuthCodeTTL)
	}
	var hash []byte
	if err := rawDB(t, dsn).QueryRow(`SELECT code_hash FROM auth_codes`).Scan(&hash); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(hash, []byte(code)) || len(hash) != 32 {
		t.Fatal("the stored row is not the code's SHA-256")
	}
	if _, err := s.UseAuthCode(ctx, other.ID, code); !errors.Is(err, store.ErrInvalidCredentials) {
		t.Fatalf("another tenant's UseAuthCode = %v, want ErrInvalidCredentials", err)
	}
	a, err := s.UseAuthCode(ctx, acme.ID, code)
	if err != nil || a.ID != owner.ID || a.Username != "owner-acme" {
		t.Fatalf("UseAuthCode = %+v, %v; want owner-acme", a, err)
	}
	if _, err := s.UseAuthCode(ctx, acme.ID, code); !errors.Is(err, store.ErrInvalidCredentials) {
		t.Fatalf("UseAuthCode a second time = %v, want ErrInvalidCredentials", err)
	}
	if _, err := s.UseAuthCode(ctx, acme.ID, "no-such-code"); !errors.Is(err, store.ErrInvalidCredentials) {
		t.Fatalf("UseAuthCode of an unknown code = %v, want ErrInvalidCredentials", err)
	}
	if got := events(t, s, acme.ID); !slices.Contains(got, "authcode.create") || !slices.Contains(got, "authcode.use") {
		t.Errorf("audit = %v, want authcode.create and authcode.use", got)
	}

	late, _, err := s.CreateAuthCode(ctx, acme.ID, owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(store.AuthCodeTTL)
	if _, err := s.UseAuthCode(ctx, acme.ID, late); !errors.Is(err, store.ErrInvalidCredentials) {
		t.Fatalf("UseAuthCode after %v = %v, want ErrInvalidCredentials", store.AuthCodeTTL, err)
	}
	// Making a code deletes the lapsed ones.
	if _, _, err := s.CreateAuthCode(ctx, acme.ID, owner.ID); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := rawDB(t, dsn).QueryRow(`SELECT count(*) FROM auth_codes`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("codes stored after a new one = %d, %v; want the new one only", n, err)
	}
}

// A code of an administrator who has left the tenant is worthless; of
// two requests racing with one code, exactly one gets the administrator.
func TestAuthCodeOfAFormerMemberAndRacingUses(t *testing.T) {
	t.Parallel()
	s := storetest.Open(t)
	ctx := t.Context()
	acme, _ := mustTenant(t, s, "acme")
	ada, err := s.CreateAdmin(ctx, acme.ID, store.NewAdmin{Username: "ada", Password: "correct horse battery"}, store.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	code, _, err := s.CreateAuthCode(ctx, acme.ID, ada.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveMember(ctx, acme.ID, ada.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UseAuthCode(ctx, acme.ID, code); !errors.Is(err, store.ErrInvalidCredentials) {
		t.Fatalf("UseAuthCode of a former member's code = %v, want ErrInvalidCredentials", err)
	}

	beta, owner := mustTenant(t, s, "beta")
	code, _, err = s.CreateAuthCode(ctx, beta.ID, owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	results := make([]error, 4)
	for i := range results {
		wg.Go(func() { _, results[i] = s.UseAuthCode(ctx, beta.ID, code) })
	}
	wg.Wait()
	won := 0
	for _, err := range results {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, store.ErrInvalidCredentials):
			t.Errorf("a racing UseAuthCode = %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d of 4 racing uses of one code succeeded, want exactly 1", won)
	}
}
