package store_test

import (
	"bytes"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"roster/store"
	"roster/store/storetest"
)

func serverKey(t *testing.T) *store.Sealer {
	t.Helper()
	key := make([]byte, store.ServerKeySize)
	_, _ = rand.Read(key)
	s, err := store.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// rawDB opens the database a store of dsn uses, to look at what is
// stored as an attacker holding a copy of it would.
func rawDB(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	driver, name := "sqlite", "file:"+strings.TrimPrefix(dsn, "sqlite:")
	if store.IsPostgres(dsn) {
		driver, name = "pgx", dsn
	}
	db, err := sql.Open(driver, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// An AccessKey's secret is handed out once, at creation; the database
// holds it only sealed under the server key, which it does not hold.
func TestAccessKeySecretIsShownOnceAndStoredSealed(t *testing.T) {
	t.Parallel()
	dsn := storetest.DSN(t)
	s, err := store.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	s.Sealer = serverKey(t)
	tn, _ := mustTenant(t, s, "acme")

	k, secret, err := s.CreateAccessKey(t.Context(), tn.ID, store.NewAccessKey{Name: "sync job", Role: store.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(k.AccessKeyID, "RAK") || len(secret) < 30 {
		t.Fatalf("CreateAccessKey = %q, secret %q: want an RAK… id and a 30-character secret", k.AccessKeyID, secret)
	}
	got, opened, err := s.AccessKeySecret(t.Context(), k.AccessKeyID)
	if err != nil || string(opened) != secret || got.Role != store.RoleAdmin || got.TenantID != tn.ID {
		t.Fatalf("AccessKeySecret = %+v, %q, %v; want the admin pair with its secret", got, opened, err)
	}
	var sealed []byte
	if err := rawDB(t, dsn).QueryRow(`SELECT secret_sealed FROM access_keys`).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte(secret)) {
		t.Fatal("the stored row holds the secret in the clear")
	}
	l, err := s.ListAccessKeys(t.Context(), tn.ID)
	if err != nil || len(l) != 1 || l[0].AccessKeyID != k.AccessKeyID || l[0].Name != "sync job" || l[0].LastUsedAt != nil {
		t.Fatalf("ListAccessKeys = %+v, %v; want the pair, never used", l, err)
	}
	if err := s.AccessKeyUsed(t.Context(), got); err != nil {
		t.Fatal(err)
	}
	if l, _ := s.ListAccessKeys(t.Context(), tn.ID); l[0].LastUsedAt == nil {
		t.Fatal("a used pair shows as never used")
	}

	// Started with another server key, Roster cannot use the pair, and
	// says why; without one, it refuses AccessKeys altogether.
	other, err := store.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	if _, _, err := other.AccessKeySecret(t.Context(), k.AccessKeyID); !errors.Is(err, store.ErrNoServerKey) {
		t.Errorf("AccessKeySecret without a server key = %v, want ErrNoServerKey", err)
	}
	other.Sealer = serverKey(t)
	if _, _, err := other.AccessKeySecret(t.Context(), k.AccessKeyID); !errors.Is(err, store.ErrWrongServerKey) {
		t.Errorf("AccessKeySecret under another server key = %v, want ErrWrongServerKey", err)
	}
}

func TestAccessKeyInputIsChecked(t *testing.T) {
	t.Parallel()
	s := storetest.Open(t)
	s.Sealer = serverKey(t)
	tn, _ := mustTenant(t, s, "acme")
	_, _, err := s.CreateAccessKey(t.Context(), tn.ID, store.NewAccessKey{Name: " ", Role: "owner"})
	var fe store.FieldErrors
	if !errors.As(err, &fe) || fe["name"] == "" || fe["role"] == "" {
		t.Fatalf("CreateAccessKey(blank name, role owner) = %v, want errors on name and role", err)
	}
}

// A pair revoked through one replica is refused by it at once and by
// every other within a second, though they keep opened pairs in memory;
// another tenant cannot revoke it.
func TestAccessKeyRevokedOnOneReplicaIsRefusedByAnotherWithinASecond(t *testing.T) {
	t.Parallel()
	a, b := storetest.OpenTwice(t)
	sealer := serverKey(t)
	a.Sealer, b.Sealer = sealer, sealer
	tn, _ := mustTenant(t, a, "acme")
	theirs, _ := mustTenant(t, a, "globex")
	k, _, err := a.CreateAccessKey(t.Context(), tn.ID, store.NewAccessKey{Name: "ci", Role: store.RoleViewer})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	setClocks(&now, a, b)
	if _, _, err := b.AccessKeySecret(t.Context(), k.AccessKeyID); err != nil {
		t.Fatalf("AccessKeySecret on b = %v", err)
	}
	if err := a.RevokeAccessKey(t.Context(), theirs.ID, k.AccessKeyID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("RevokeAccessKey by another tenant = %v, want ErrNotFound", err)
	}
	if err := a.RevokeAccessKey(t.Context(), tn.ID, k.AccessKeyID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.AccessKeySecret(t.Context(), k.AccessKeyID); !errors.Is(err, store.ErrInvalidCredentials) {
		t.Errorf("AccessKeySecret on a after revoking = %v, want refused at once", err)
	}
	now = now.Add(time.Second)
	if _, _, err := b.AccessKeySecret(t.Context(), k.AccessKeyID); !errors.Is(err, store.ErrInvalidCredentials) {
		t.Fatalf("AccessKeySecret on b a second after a revoked it = %v, want refused", err)
	}
	if err := a.RevokeAccessKey(t.Context(), tn.ID, k.AccessKeyID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoking twice = %v, want ErrNotFound", err)
	}
}

// A nonce used once is refused on its second use by whichever replica
// sees it, for as long as its request's timestamp would still be
// accepted; then it is forgotten.
func TestReplayedNonceIsRefusedByEveryReplica(t *testing.T) {
	t.Parallel()
	a, b := storetest.OpenTwice(t)
	sealer := serverKey(t)
	a.Sealer, b.Sealer = sealer, sealer
	tn, _ := mustTenant(t, a, "acme")
	k, _, err := a.CreateAccessKey(t.Context(), tn.ID, store.NewAccessKey{Name: "ci", Role: store.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := a.CreateAccessKey(t.Context(), tn.ID, store.NewAccessKey{Name: "other", Role: store.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	setClocks(&now, a, b)
	expires := now.Add(15 * time.Minute)
	if err := a.RememberNonce(t.Context(), k.ID, "3f1c-nonce", expires); err != nil {
		t.Fatalf("first use = %v", err)
	}
	if err := b.RememberNonce(t.Context(), k.ID, "3f1c-nonce", expires); !errors.Is(err, store.ErrNonceUsed) {
		t.Fatalf("replayed through b = %v, want ErrNonceUsed", err)
	}
	if err := b.RememberNonce(t.Context(), other.ID, "3f1c-nonce", expires); err != nil {
		t.Fatalf("the same nonce from another key = %v, want accepted", err)
	}
	now = expires.Add(time.Millisecond)
	if err := b.RememberNonce(t.Context(), k.ID, "3f1c-nonce", now.Add(15*time.Minute)); err != nil {
		t.Fatalf("the nonce after its window = %v, want forgotten and accepted", err)
	}
}

// Lapsed nonces are deleted as new ones arrive, some at a time, so the
// table keeps only about the nonces of the accepted window.
func TestLapsedNoncesArePruned(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	s.Sealer = serverKey(t)
	tn, _ := mustTenant(t, s, "acme")
	k, _, err := s.CreateAccessKey(t.Context(), tn.ID, store.NewAccessKey{Name: "ci", Role: store.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	setClocks(&now, s)
	remember := func(prefix string) {
		for i := range 200 {
			if err := s.RememberNonce(t.Context(), k.ID, fmt.Sprint(prefix, i), now.Add(15*time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
	}
	remember("old-")
	now = now.Add(16 * time.Minute)
	remember("new-")
	if n, err := s.NonceRows(t.Context()); err != nil || n != 200 {
		t.Fatalf("nonces kept: %d, %v; want the 200 of the window", n, err)
	}
}

// Nonces sent at once, some of them twice, are each accepted exactly
// once, however the requests that carry them are written together.
func TestConcurrentNoncesAreEachAcceptedOnce(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	s.Sealer = serverKey(t)
	tn, _ := mustTenant(t, s, "acme")
	k, _, err := s.CreateAccessKey(t.Context(), tn.ID, store.NewAccessKey{Name: "ci", Role: store.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	expires := time.Now().Add(15 * time.Minute)
	const nonces, senders = 50, 4
	var accepted [nonces]atomic.Int32
	var wg sync.WaitGroup
	for range senders {
		wg.Go(func() {
			for i := range nonces {
				err := s.RememberNonce(t.Context(), k.ID, fmt.Sprint("n-", i), expires)
				switch {
				case err == nil:
					accepted[i].Add(1)
				case !errors.Is(err, store.ErrNonceUsed):
					t.Errorf("nonce %d: %v", i, err)
				}
			}
		})
	}
	wg.Wait()
	for i := range accepted {
		if n := accepted[i].Load(); n != 1 {
			t.Errorf("nonce %d accepted %d times by %d senders, want once", i, n, senders)
		}
	}
}
