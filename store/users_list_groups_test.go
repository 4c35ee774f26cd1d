package store_test

import (
	"fmt"
	"slices"
	"testing"

	"roster/store"
)

// A list asked WithGroups gives each listed user's groups, by name, on
// every page in either direction and through a group filter; users in no
// group are absent, and nothing of the page's neighbours comes along.
func TestListUsersWithGroups(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	pilots, err := s.CreateGroup(ctx, tn.ID, "Pilots", "")
	if err != nil {
		t.Fatal(err)
	}
	admins, err := s.CreateGroup(ctx, tn.ID, "Admins", "")
	if err != nil {
		t.Fatal(err)
	}
	// userNN is in Pilots when NN is even and in Admins when NN is a
	// multiple of three; created in reverse, so username order is not the
	// order added.
	want := map[string][]string{}
	for i := 11; i >= 0; i-- {
		n := store.NewUser{Username: fmt.Sprintf("user%02d", i)}
		if i%2 == 0 {
			n.Groups = append(n.Groups, pilots.ID)
			want[n.Username] = append(want[n.Username], "Pilots")
		}
		if i%3 == 0 {
			n.Groups = append(n.Groups, admins.ID)
			want[n.Username] = append([]string{"Admins"}, want[n.Username]...)
		}
		mustUser(t, s, tn.ID, n)
	}
	check := func(name string, f store.UserFilter) store.UserList {
		t.Helper()
		f.WithGroups = true
		l, err := s.ListUsers(ctx, tn.ID, f)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(l.Items) == 0 {
			t.Fatalf("%s: no users", name)
		}
		listed := map[int64]bool{}
		for _, u := range l.Items {
			listed[u.ID] = true
			var got []string
			for _, g := range l.Groups[u.ID] {
				got = append(got, g.Name)
			}
			if !slices.Equal(got, want[u.Username]) {
				t.Errorf("%s: %s's groups = %v, want %v", name, u.Username, got, want[u.Username])
			}
		}
		for id := range l.Groups {
			if !listed[id] {
				t.Errorf("%s: groups of user %d, who is not on the page", name, id)
			}
		}
		return l
	}
	first := check("first page", store.UserFilter{Page: store.Page{Size: 5}})
	second := check("second page", store.UserFilter{Page: store.Page{Size: 5, Cursor: first.Next}})
	check("back to the first", store.UserFilter{Page: store.Page{Size: 5, Cursor: second.Prev}})
	check("newest first", store.UserFilter{Sort: "-created_at", Page: store.Page{Size: 4}})
	check("members of Admins", store.UserFilter{GroupID: admins.ID, Page: store.Page{Size: 3}})
	if l, _ := s.ListUsers(ctx, tn.ID, store.UserFilter{}); l.Groups != nil {
		t.Errorf("groups of a list that did not ask for them = %v", l.Groups)
	}
}
