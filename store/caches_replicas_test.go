package store_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"roster/store"
	"roster/store/storetest"
)

// An API key revoked through one replica (or by the command line, another
// process) is refused by every other within a second, though they keep
// verified keys in memory.
func TestAPIKeyRevokedOnOneReplicaIsRefusedByAnotherWithinASecond(t *testing.T) {
	t.Parallel()
	a, b := storetest.OpenTwice(t)
	tn, _ := mustTenant(t, a, "acme")
	k, token, err := a.CreateAPIKey(t.Context(), tn.ID, store.NewAPIKey{Name: "ci", Role: store.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	setClocks(&now, b)
	if _, err := b.AuthenticateAPIKey(t.Context(), token); err != nil {
		t.Fatalf("AuthenticateAPIKey on b = %v", err)
	}
	if err := a.RevokeAPIKey(t.Context(), tn.ID, k.PublicID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.AuthenticateAPIKey(t.Context(), token); !errors.Is(err, store.ErrInvalidCredentials) {
		t.Errorf("AuthenticateAPIKey on a after revoking = %v, want refused at once", err)
	}
	now = now.Add(time.Second)
	if _, err := b.AuthenticateAPIKey(t.Context(), token); !errors.Is(err, store.ErrInvalidCredentials) {
		t.Fatalf("AuthenticateAPIKey on b a second after a revoked it = %v, want refused", err)
	}
}

// Property definitions changed through one replica are what every other
// one uses a second later.
func TestPropertyDefinitionsChangedOnOneReplicaReachAnotherWithinASecond(t *testing.T) {
	t.Parallel()
	a, b := storetest.OpenTwice(t)
	tn, _ := mustTenant(t, a, "acme")
	if _, err := a.CreateProperty(t.Context(), tn.ID, store.NewProperty{Key: "floor", Type: "number"}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	setClocks(&now, b)
	if ps := mustDefinitions(t, b, tn.ID); !slices.Equal(ps, []string{"floor"}) {
		t.Fatalf("b's definitions = %v, want [floor]", ps)
	}
	if _, err := a.CreateProperty(t.Context(), tn.ID, store.NewProperty{Key: "desk", Type: "text"}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Second)
	if ps := mustDefinitions(t, b, tn.ID); !slices.Equal(ps, []string{"desk", "floor"}) {
		t.Fatalf("b's definitions a second after a added desk = %v, want [desk floor]", ps)
	}
}

func mustDefinitions(t *testing.T, s *store.Store, tenant int64) []string {
	t.Helper()
	ps, err := s.PropertyDefinitions(t.Context(), tenant)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, p := range ps {
		keys = append(keys, p.Key)
	}
	return keys
}

// The users list's count, cached between writes of its own replica,
// includes users another replica added a second later.
func TestUserCountsIncludeAnotherReplicasUsersWithinASecond(t *testing.T) {
	t.Parallel()
	a, b := storetest.OpenTwice(t)
	tn, _ := mustTenant(t, a, "acme")
	mustUsers(t, a, tn.ID, "first", "hr", 2)
	now := time.Now()
	setClocks(&now, b)
	if n := listTotal(t, b, tn.ID); n != 2 {
		t.Fatalf("b counts %d users, want 2", n)
	}
	mustUsers(t, a, tn.ID, "more", "hr", 3)
	now = now.Add(time.Second + time.Millisecond)
	if n := listTotal(t, b, tn.ID); n != 5 {
		t.Fatalf("b counts %d users a second after a added 3, want 5", n)
	}
}

// listTotal is the total of the first page of a tenant's users, a page
// too short to be its own count.
func listTotal(t *testing.T, s *store.Store, tenant int64) int {
	t.Helper()
	l, err := s.ListUsers(t.Context(), tenant, store.UserFilter{Page: store.Page{Size: 1}})
	if err != nil {
		t.Fatal(err)
	}
	return l.Total
}

// A page of a group's members reads the group from the read cache, so
// its total is the group's member count: a member added through the same
// replica is counted at once, one added through another within a second.
func TestGroupMembersIncludeAnotherReplicasChangesWithinASecond(t *testing.T) {
	t.Parallel()
	a, b := storetest.OpenTwice(t)
	tn, _ := mustTenant(t, a, "acme")
	ids := mustUsers(t, a, tn.ID, "member", "hr", 3)
	g, err := a.CreateGroup(t.Context(), tn.ID, "Pilots", "")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	setClocks(&now, a, b)
	join := func(s *store.Store, id int64) {
		t.Helper()
		if res, err := s.AddGroupMembers(t.Context(), tn.ID, g.ID, []string{store.PublicID(store.PrefixUser, id)}); err != nil || len(res.Failed) > 0 {
			t.Fatalf("AddGroupMembers = %v, %v", res.Failed, err)
		}
	}
	members := func(s *store.Store) int {
		t.Helper()
		l, err := s.ListGroupMembers(t.Context(), tn.ID, g.ID, store.UserFilter{Page: store.Page{Size: 1}})
		if err != nil {
			t.Fatal(err)
		}
		return l.Total
	}
	join(a, ids[0])
	if n := members(b); n != 1 {
		t.Fatalf("b counts %d members, want 1", n)
	}
	join(b, ids[1])
	if n := members(b); n != 2 {
		t.Fatalf("b counts %d members after adding one itself, want 2 at once", n)
	}
	join(a, ids[2])
	now = now.Add(time.Second + time.Millisecond)
	if n := members(b); n != 3 {
		t.Fatalf("b counts %d members a second after a added one, want 3", n)
	}
}
