package store_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"roster/store"
	"roster/store/storetest"
)

// claimAll has workers goroutines on each store claim with claim until it
// finds nothing, and returns every id claimed, as often as it was claimed.
func claimAll(t *testing.T, stores []*store.Store, workers int, claim func(*store.Store) ([]int64, error)) []int64 {
	t.Helper()
	var mu sync.Mutex
	var all []int64
	var wg sync.WaitGroup
	for _, s := range stores {
		for range workers {
			wg.Go(func() {
				for {
					ids, err := claim(s)
					if err != nil {
						t.Errorf("claim: %v", err)
						return
					}
					if len(ids) == 0 {
						return
					}
					mu.Lock()
					all = append(all, ids...)
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	return all
}

// wantEachOnce fails unless got holds each of want exactly once.
func wantEachOnce(t *testing.T, what string, got, want []int64) {
	t.Helper()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		dup := 0
		for i := 1; i < len(got); i++ {
			if got[i] == got[i-1] {
				dup++
			}
		}
		t.Fatalf("%d %s claimed (%d twice), want each of the %d once", len(got), what, dup, len(want))
	}
}

// mustQueueEmails queues a reset email to each of n new users of a new
// tenant, through s, and returns the messages' ids.
func mustQueueEmails(t *testing.T, s *store.Store, n int) []int64 {
	t.Helper()
	s.Compose = plainCompose
	tn, _ := mustTenant(t, s, "acme")
	var batch []store.NewUser
	for i := range n {
		batch = append(batch, store.NewUser{Username: fmt.Sprintf("user-%d", i), Email: fmt.Sprintf("user-%d@example.com", i)})
	}
	res, err := s.CreateUsers(t.Context(), tn.ID, batch)
	if err != nil || len(res.Failed) > 0 {
		t.Fatalf("CreateUsers = %v, %v", res.Failed, err)
	}
	var ids []string
	for _, ok := range res.Succeeded {
		ids = append(ids, ok.ID)
	}
	if res, err := s.SendPasswordResets(t.Context(), tn.ID, ids, false); err != nil || len(res.Failed) > 0 {
		t.Fatalf("SendPasswordResets = %v, %v", res.Failed, err)
	}
	var out []int64
	for p := (store.Page{Size: store.MaxPageSize}); ; {
		l, err := s.ListMessages(t.Context(), tn.ID, store.MessageQueued, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range l.Items {
			out = append(out, m.ID)
		}
		if l.Next == "" {
			if len(out) != n {
				t.Fatalf("%d messages queued, want %d", len(out), n)
			}
			return out
		}
		p.Cursor = l.Next
	}
}

func claimMessages(t *testing.T, n int) func(*store.Store) ([]int64, error) {
	return func(s *store.Store) ([]int64, error) {
		ms, err := s.ClaimMessages(t.Context(), n)
		var ids []int64
		for _, m := range ms {
			ids = append(ids, m.ID)
		}
		return ids, err
	}
}

// Senders of two replicas claiming side by side take every due message,
// each exactly once: while one holds a message, it is due to nobody else.
func TestSendersOfTwoReplicasClaimEachMessageOnce(t *testing.T) {
	t.Parallel()
	a, b := storetest.OpenTwice(t)
	want := mustQueueEmails(t, a, 200)
	got := claimAll(t, []*store.Store{a, b}, 4, claimMessages(t, 7))
	wantEachOnce(t, "messages", got, want)
}

// A sender that stops while it holds messages (a crash) leaves them to be
// tried again when their lease ends: by any sender, and only then.
func TestClaimedMessagesAreDueAgainWhenTheirLeaseEnds(t *testing.T) {
	t.Parallel()
	a, b := storetest.OpenTwice(t)
	ids := mustQueueEmails(t, a, 5)
	now := time.Now()
	setClocks(&now, a, b)
	if ms, err := a.ClaimMessages(t.Context(), 10); len(ms) != 5 || err != nil {
		t.Fatalf("ClaimMessages = %d, %v, want all 5", len(ms), err)
	}
	if err := a.MessageSent(t.Context(), ids[0]); err != nil {
		t.Fatal(err)
	}
	now = now.Add(store.MessageLease - time.Second)
	if ms, _ := b.ClaimMessages(t.Context(), 10); len(ms) != 0 {
		t.Fatalf("within the lease another sender claimed %d messages, want none", len(ms))
	}
	now = now.Add(time.Second)
	ms, err := b.ClaimMessages(t.Context(), 10)
	if len(ms) != 4 || err != nil {
		t.Fatalf("after the lease ClaimMessages = %d, %v, want the 4 not sent", len(ms), err)
	}
	if ms[0].Attempts != 0 {
		t.Errorf("a message whose sender stopped was charged %d attempts, want 0", ms[0].Attempts)
	}
}

// A sender gives back what it claimed and did not try (its round was cut
// short): due again at once, uncharged. What another sender claimed since
// stays that sender's.
func TestReleasedMessagesAreDueAtOnceUnlessClaimedSince(t *testing.T) {
	t.Parallel()
	a, b := storetest.OpenTwice(t)
	mustQueueEmails(t, a, 3)
	now := time.Now()
	setClocks(&now, a, b)
	held, _ := a.ClaimMessages(t.Context(), 10)
	if err := a.ReleaseMessages(t.Context(), held[1:]); err != nil {
		t.Fatal(err)
	}
	ms, err := b.ClaimMessages(t.Context(), 10)
	if len(ms) != 2 || err != nil || ms[0].Attempts != 0 {
		t.Fatalf("after a release ClaimMessages = %+v, %v, want the 2 released, uncharged", ms, err)
	}
	// a's claim of the first lapses, b claims it, and then a (late) gives it back.
	now = now.Add(store.MessageLease)
	if again, _ := b.ClaimMessages(t.Context(), 10); len(again) != 3 {
		t.Fatalf("after the lease b claimed %d, want all 3", len(again))
	}
	if err := a.ReleaseMessages(t.Context(), held[:1]); err != nil {
		t.Fatal(err)
	}
	if ms, _ := a.ClaimMessages(t.Context(), 10); len(ms) != 0 {
		t.Fatalf("a late release freed %d messages another sender holds, want none", len(ms))
	}
}
