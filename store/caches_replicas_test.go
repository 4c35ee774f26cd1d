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

// The groups of a page of users, read through the read cache, show a
// group renamed or joined through the same replica at once, and one
// created, renamed or joined through another within a second; each
// user's groups stay in name order as the names change.
func TestGroupsOfUsersShowChangesAtOnceAndAnotherReplicasWithinASecond(t *testing.T) {
	t.Parallel()
	a, b := storetest.OpenTwice(t)
	tn, _ := mustTenant(t, a, "acme")
	ids := mustUsers(t, a, tn.ID, "member", "hr", 2)
	pilots := mustGroup(t, a, tn.ID, "Pilots")
	mustJoin(t, a, tn.ID, pilots.ID, ids[0])
	now := time.Now()
	setClocks(&now, b)
	check := func(when string, want ...[]string) {
		t.Helper()
		groups, err := b.GroupsOfUsers(t.Context(), tn.ID, ids)
		if err != nil {
			t.Fatal(err)
		}
		for i, id := range ids {
			var got []string
			for _, g := range groups[id] {
				got = append(got, g.Name)
			}
			if !slices.Equal(got, want[i]) {
				t.Errorf("%s: b's GroupsOfUsers for user %d = %v, want %v", when, i+1, got, want[i])
			}
		}
	}
	check("at first", []string{"Pilots"}, nil)

	aviators := "Aviators"
	if _, err := b.UpdateGroup(t.Context(), tn.ID, pilots.ID, &aviators, nil); err != nil {
		t.Fatal(err)
	}
	mustJoin(t, b, tn.ID, pilots.ID, ids[1])
	check("after b renamed Pilots and added user 2", []string{"Aviators"}, []string{"Aviators"})

	crew := mustGroup(t, a, tn.ID, "Crew")
	mustJoin(t, a, tn.ID, crew.ID, ids[0])
	blimps := "Blimps"
	if _, err := a.UpdateGroup(t.Context(), tn.ID, pilots.ID, &blimps, nil); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Second + time.Millisecond)
	check("a second after a added Crew with user 1 and renamed Aviators", []string{"Blimps", "Crew"}, []string{"Blimps"})
}

func mustGroup(t *testing.T, s *store.Store, tenant int64, name string) store.Group {
	t.Helper()
	g, err := s.CreateGroup(t.Context(), tenant, name, "")
	if err != nil {
		t.Fatalf("CreateGroup(%q) = %v", name, err)
	}
	return g
}

func mustJoin(t *testing.T, s *store.Store, tenant, group, user int64) {
	t.Helper()
	if res, err := s.AddGroupMembers(t.Context(), tenant, group, []string{store.PublicID(store.PrefixUser, user)}); err != nil || len(res.Failed) > 0 {
		t.Fatalf("AddGroupMembers(%d, user %d) = %v, %v", group, user, res.Failed, err)
	}
}
