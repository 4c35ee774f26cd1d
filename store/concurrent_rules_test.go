package store_test

import (
	"sync"
	"testing"

	"roster/store"
	"roster/store/storetest"
)

// Rules over several rows hold when two processes change them at once:
// of two owners demoting each other at the same moment, one stays owner;
// of two units moved under each other at the same moment, one move is
// refused, so the tree never gets a cycle.
func TestRulesHoldUnderConcurrentChanges(t *testing.T) {
	t.Parallel()
	a, b := storetest.OpenTwice(t)
	ctx := t.Context()
	tn, first := mustTenant(t, a, "acme")
	second, err := a.CreateAdmin(ctx, tn.ID, store.NewAdmin{Username: "second-owner", Password: "correct horse battery"}, store.RoleOwner)
	if err != nil {
		t.Fatal(err)
	}
	for round := range 10 {
		var wg sync.WaitGroup
		wg.Go(func() { _ = a.SetMemberRole(ctx, tn.ID, first.ID, store.RoleAdmin) })
		wg.Go(func() { _ = b.SetMemberRole(ctx, tn.ID, second.ID, store.RoleAdmin) })
		wg.Wait()
		members, err := b.ListMembers(ctx, tn.ID)
		if err != nil {
			t.Fatal(err)
		}
		owners := 0
		for _, m := range members {
			if m.Role == store.RoleOwner {
				owners++
			}
		}
		if owners != 1 {
			t.Fatalf("round %d: %d owners after both demoted each other at once, want 1", round, owners)
		}
		for _, id := range []int64{first.ID, second.ID} {
			if err := a.SetMemberRole(ctx, tn.ID, id, store.RoleOwner); err != nil {
				t.Fatal(err)
			}
		}
	}

	for round := range 10 {
		x, err := a.CreateOrgUnit(ctx, tn.ID, store.NewOrgUnit{Name: "x" + string(rune('a'+round))})
		if err != nil {
			t.Fatal(err)
		}
		y, err := a.CreateOrgUnit(ctx, tn.ID, store.NewOrgUnit{Name: "y" + string(rune('a'+round))})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var errX, errY error
		wg.Go(func() { _, errX = a.MoveOrgUnit(ctx, tn.ID, x.ID, y.ID) })
		wg.Go(func() { _, errY = b.MoveOrgUnit(ctx, tn.ID, y.ID, x.ID) })
		wg.Wait()
		if (errX == nil) == (errY == nil) {
			t.Fatalf("round %d: moving x under y gave %v and y under x gave %v: want exactly one refused", round, errX, errY)
		}
		path, err := b.OrgUnitPath(ctx, tn.ID, x.ID)
		if err != nil || len(path) == 0 || !path[0].IsRoot() {
			t.Fatalf("round %d: x's path %v (%v) does not start at the root", round, path, err)
		}
	}
}
