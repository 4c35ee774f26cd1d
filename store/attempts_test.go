package store_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"roster/store"
	"roster/store/storetest"
)

// setClocks sets every store's clock to *now, which the test moves.
func setClocks(now *time.Time, stores ...*store.Store) {
	for _, s := range stores {
		s.SetClock(func() time.Time { return *now })
	}
}

func mustReserve(t *testing.T, s *store.Store, qs ...store.Quota) store.Reservation {
	t.Helper()
	r, err := s.ReserveAttempts(t.Context(), qs...)
	if err != nil {
		t.Fatalf("ReserveAttempts(%v) = %v", qs, err)
	}
	return r
}

// Attempts made through two replicas count against one quota: the limit
// is per database, not per process. A refusal says how long until the
// oldest attempt that counts leaves its window, and then one is allowed.
func TestAttemptsThroughTwoReplicasCountTogether(t *testing.T) {
	t.Parallel()
	a, b := storetest.OpenTwice(t)
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	setClocks(&now, a, b)
	q := store.Quota{Key: "signin\x00203.0.113.7\x00ada", Max: 3, Window: time.Minute}

	for i, s := range []*store.Store{a, b, a} {
		if r := mustReserve(t, s, q); !r.OK {
			t.Fatalf("attempt %d = refused (wait %v), want allowed", i+1, r.Wait)
		}
		now = now.Add(10 * time.Second)
	}
	now = now.Add(20 * time.Second) // a minute after the first attempt, less 10 s
	for _, s := range []*store.Store{a, b} {
		if r := mustReserve(t, s, q); r.OK || r.Wait != 10*time.Second {
			t.Fatalf("4th attempt = %+v, want refused for the 10 s until the first leaves its window", r)
		}
	}
	now = now.Add(10 * time.Second)
	if r := mustReserve(t, b, q); !r.OK {
		t.Fatalf("attempt once the first left its window = refused (wait %v), want allowed", r.Wait)
	}
}

// A reservation takes an attempt from every quota or from none, and a
// released one (a successful sign-in, through any replica) no longer
// counts.
func TestAReservationTakesFromEveryQuotaOrNone(t *testing.T) {
	t.Parallel()
	a, b := storetest.OpenTwice(t)
	pair := func(user string) store.Quota {
		return store.Quota{Key: "signin\x00console\x00203.0.113.7\x00" + user, Max: 2, Window: time.Minute}
	}
	addr := store.Quota{Key: "signin\x00203.0.113.7", Max: 3, Window: 5 * time.Minute}

	mustReserve(t, a, pair("ada"), addr)
	mustReserve(t, b, pair("ada"), addr)
	if r := mustReserve(t, a, pair("ada"), addr); r.OK {
		t.Fatal("3rd attempt on ada = allowed, want refused: her pair quota is used up")
	}
	// The refused attempt took nothing from the address: one is left.
	if r := mustReserve(t, b, addr, pair("bob")); !r.OK {
		t.Fatalf("bob's attempt = refused (wait %v), want the address's 3rd attempt", r.Wait)
	}
	r := mustReserve(t, a, pair("cyd"), addr)
	if r.OK {
		t.Fatal("4th attempt from the address = allowed, want refused")
	}
	if err := b.ReleaseAttempts(t.Context(), r); err != nil {
		t.Fatalf("ReleaseAttempts(refused) = %v, want nothing to do", err)
	}
	first := mustReserve(t, a, pair("eve"))
	if err := b.ReleaseAttempts(t.Context(), first); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if r := mustReserve(t, a, pair("eve")); !r.OK {
			t.Fatalf("eve's attempt %d after a released one = refused, want allowed", i+1)
		}
	}
}

// Reservations sent at once through two replicas never pass the quota
// together: of 40 against a quota of 10, exactly 10 are allowed. Each
// also takes its own quota, listed before or after the shared one, so
// replicas taking the same keys in opposite orders must not deadlock.
func TestParallelReservationsAcrossReplicasNeverExceedTheQuota(t *testing.T) {
	t.Parallel()
	a, b := storetest.OpenTwice(t)
	shared := store.Quota{Key: "signin\x00198.51.100.1", Max: 10, Window: time.Minute}
	var allowed atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		s := a
		if i%2 == 1 {
			s = b
		}
		own := store.Quota{Key: fmt.Sprintf("signin\x00console\x00198.51.100.1\x00user-%d", i), Max: 10, Window: time.Minute}
		qs := []store.Quota{shared, own}
		if i%4 >= 2 {
			qs = []store.Quota{own, shared}
		}
		wg.Go(func() {
			r, err := s.ReserveAttempts(t.Context(), qs...)
			if err != nil {
				errs <- err
				return
			}
			if r.OK {
				allowed.Add(1)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("ReserveAttempts = %v", err)
	}
	if n := allowed.Load(); n != 10 {
		t.Fatalf("%d of 40 parallel attempts allowed, want exactly the quota, 10", n)
	}
}

// Attempts that left their window are deleted a few at a time by later
// reservations, more than each adds: the table holds what still counts.
func TestLapsedAttemptsArePruned(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	setClocks(&now, s)
	for i := range 100 {
		mustReserve(t, s, store.Quota{Key: fmt.Sprintf("forgot\x00203.0.113.%d", i), Max: 5, Window: 15 * time.Minute})
	}
	now = now.Add(15 * time.Minute)
	for i := range 10 {
		mustReserve(t, s, store.Quota{Key: fmt.Sprintf("forgot\x00192.0.2.%d", i), Max: 5, Window: 15 * time.Minute})
	}
	if n, err := s.AttemptRows(t.Context()); n != 10 || err != nil {
		t.Fatalf("%d attempts stored (%v), want the 10 that still count", n, err)
	}
}
