package store_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"roster/store"
	"roster/store/storetest"
)

// face is what a cached list's value shows of a user: what the API's
// user object is made of.
func face(u *store.User) string {
	var props []string
	for _, k := range slices.Sorted(maps.Keys(u.Properties)) {
		props = append(props, fmt.Sprintf("%s=%v", k, u.Properties[k].JSON()))
	}
	t := func(p *time.Time) string {
		if p == nil {
			return "-"
		}
		return p.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("%d %s %q %q %s locked %s until %s %q auto %s unit %d password %v login %s tags %v actions %v updated %s props %s",
		u.ID, u.Username, u.DisplayName, u.Email, u.Status, t(u.LockedAt), t(u.LockUntil), u.LockReason, t(u.LockAt),
		u.OrgUnitID, u.PasswordSet, t(u.LastLoginAt), u.Tags, u.RequiredActions, t(&u.UpdatedAt), strings.Join(props, ","))
}

// faces lists a tenant's users through c, counting in made the values it
// made.
func faces(t *testing.T, s *store.Store, c *store.UserCache[string], tenant int64, made *int) map[int64]string {
	t.Helper()
	l, err := store.ListUsersCached(t.Context(), s, c, tenant, store.UserFilter{Page: store.Page{Size: 100}},
		func(u *store.User) string { *made++; return face(u) })
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]string{}
	for i, id := range l.IDs {
		out[id] = l.Items[i]
	}
	return out
}

// A cached list shows each user as a fresh read does, after every kind of
// change to the user or to what the user's values show (their property
// definitions), and makes again only the values of the users changed.
func TestCachedListNeverShowsAStaleUser(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	team, err := s.CreateProperty(ctx, tn.ID, store.NewProperty{Key: "team", Type: "select",
		Options: []store.OptionInput{{Value: "web"}, {Value: "data"}}})
	if err != nil {
		t.Fatal(err)
	}
	unit := mustUnit(t, s, tn.ID, 0, "Sales")
	ada := mustUser(t, s, tn.ID, store.NewUser{Username: "ada", DisplayName: "Ada"})
	bob := mustUser(t, s, tn.ID, store.NewUser{Username: "bob", DisplayName: "Bob"})
	c := store.NewUserCache(1<<20, func(v string) int { return len(v) })
	made := 0
	check := func(change string, changed int) {
		t.Helper()
		before := made
		got := faces(t, s, c, tn.ID, &made)
		for _, id := range []int64{ada.ID, bob.ID} {
			u, err := s.GetUser(ctx, tn.ID, id)
			if err != nil {
				t.Fatal(err)
			}
			if want := face(&u); got[id] != want {
				t.Errorf("after %s, the list shows\n%s\nwant\n%s", change, got[id], want)
			}
		}
		if made-before != changed {
			t.Errorf("after %s, the list made %d users' values, want %d", change, made-before, changed)
		}
	}
	check("the first list", 2)
	check("nothing", 0)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	batch := func(res store.BatchResult, err error) {
		t.Helper()
		must(err)
		if len(res.Failed) > 0 {
			t.Fatalf("batch failed: %v", res.Failed)
		}
	}
	name := "Ada L."
	_, err = s.UpdateUser(ctx, tn.ID, ada.ID, store.UserUpdate{DisplayName: &name})
	must(err)
	check("an update", 1)
	newName := "ada.l"
	_, err = s.UpdateUser(ctx, tn.ID, ada.ID, store.UserUpdate{Username: &newName})
	must(err)
	check("a rename", 1)
	until := time.Now().Add(time.Hour)
	batch(s.ApplyUserAction(ctx, tn.ID, store.UserAction{Kind: store.ActionLock, Until: &until}, []string{ada.PublicID()}))
	check("a lock", 1)
	batch(s.ApplyUserAction(ctx, tn.ID, store.UserAction{Kind: store.ActionUnlock}, []string{ada.PublicID()}))
	check("an unlock", 1)
	batch(s.ApplyUserAction(ctx, tn.ID, store.UserAction{Kind: store.ActionDisable}, []string{bob.PublicID()}))
	check("a disable", 1)
	batch(s.MoveUsers(ctx, tn.ID, unit.ID, []string{bob.PublicID()}))
	check("a move", 1)
	must(s.RemoveOrgUnit(ctx, tn.ID, unit.ID, true))
	check("removing the unit the user was in", 1)
	must(s.SetUserProperty(ctx, tn.ID, ada.ID, "team", []string{"web"}))
	check("a property value", 1)
	_, err = s.SetUserPassword(ctx, tn.ID, ada.ID, "Right-password-1", false)
	must(err)
	check("a password", 1)
	_, err = s.AuthenticateUser(ctx, tn.ID, "ada.l", "Right-password-1")
	must(err)
	check("a sign-in", 1)
	key := "squad"
	_, err = s.UpdateProperty(ctx, tn.ID, team.ID, store.PropertyUpdate{Key: &key})
	must(err)
	check("renaming the property", 2)
	opts := []store.OptionInput{{ID: team.Options[0].PublicID(), Value: "webdev"}, {ID: team.Options[1].PublicID(), Value: "data"}}
	_, err = s.UpdateProperty(ctx, tn.ID, team.ID, store.PropertyUpdate{Options: &opts})
	must(err)
	check("renaming the property's option", 2)
	batch(s.ApplyUserAction(ctx, tn.ID, store.UserAction{Kind: store.ActionDelete}, []string{ada.PublicID()}))
	if got := faces(t, s, c, tn.ID, &made); got[ada.ID] != "" || len(got) != 1 {
		t.Errorf("after a delete, the list shows %v, want bob only", got)
	}
	// A new user may be given the deleted user's id (SQLite gives the
	// largest id again): a different user, never the deleted one's value.
	eve := mustUser(t, s, tn.ID, store.NewUser{Username: "eve"})
	got := faces(t, s, c, tn.ID, &made)
	if u, err := s.GetUser(ctx, tn.ID, eve.ID); err != nil || got[eve.ID] != face(&u) {
		t.Errorf("a new user shows as %q (err %v), want %q", got[eve.ID], err, face(&u))
	}
}

// A user's value is never shown to another tenant, nor kept for one: the
// cache is shared by every tenant's lists.
func TestCachedListKeepsTenantsApart(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	a, _ := mustTenant(t, s, "acme")
	b, _ := mustTenant(t, s, "bolt")
	mustUser(t, s, a.ID, store.NewUser{Username: "ada"})
	mustUser(t, s, b.ID, store.NewUser{Username: "bob"})
	c := store.NewUserCache(1<<20, func(v string) int { return len(v) })
	made := 0
	for range 2 {
		for tenant, want := range map[int64]string{a.ID: "ada", b.ID: "bob"} {
			got := faces(t, s, c, tenant, &made)
			if len(got) != 1 {
				t.Fatalf("tenant %d lists %v, want only %s", tenant, got, want)
			}
			for _, f := range got {
				if !strings.Contains(f, " "+want+" ") {
					t.Errorf("tenant %d lists %q, want %s", tenant, f, want)
				}
			}
		}
	}
}

// Two replicas on one PostgreSQL database, each with its own cache, see
// each other's changes at once in their lists: the version comes from the
// database, with the page.
func TestCachedListsOfTwoReplicasSeeEachOthersChanges(t *testing.T) {
	t.Parallel()
	a, b := storetest.OpenTwice(t)
	ctx := t.Context()
	tn, _ := mustTenant(t, a, "acme")
	ada := mustUser(t, a, tn.ID, store.NewUser{Username: "ada", DisplayName: "Ada"})
	ca := store.NewUserCache(1<<20, func(v string) int { return len(v) })
	cb := store.NewUserCache(1<<20, func(v string) int { return len(v) })
	made := 0
	for i, name := range []string{"Ada L.", "Ada Lovelace", "Countess"} {
		writer, reader, cache := a, b, cb
		if i%2 == 1 {
			writer, reader, cache = b, a, ca
		}
		faces(t, reader, cache, tn.ID, &made) // cached as it was
		if _, err := writer.UpdateUser(ctx, tn.ID, ada.ID, store.UserUpdate{DisplayName: &name}); err != nil {
			t.Fatal(err)
		}
		got := faces(t, reader, cache, tn.ID, &made)
		if !strings.Contains(got[ada.ID], fmt.Sprintf("%q", name)) {
			t.Errorf("the other replica lists %q after the change to %q", got[ada.ID], name)
		}
	}
}

// The cache holds at most its bound, the least recently listed users
// leaving first; a user too big for it is made on every list, never kept.
func TestUserCacheStaysWithinItsBound(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	tn, _ := mustTenant(t, s, "acme")
	mustUsers(t, s, tn.ID, "user", "", 60)
	const limit = 20 << 10
	pad := strings.Repeat("x", 200)
	c := store.NewUserCache(limit, func(v string) int { return len(v) })
	made := 0
	conv := func(u *store.User) string { made++; return face(u) + pad }
	for range 3 {
		for page := 1; page <= 3; page++ {
			if _, err := store.ListUsersCached(t.Context(), s, c, tn.ID, store.UserFilter{Page: store.Page{Number: page, Size: 20}}, conv); err != nil {
				t.Fatal(err)
			}
			if c.Bytes() > limit {
				t.Fatalf("the cache holds %d bytes, over its bound of %d", c.Bytes(), limit)
			}
		}
	}
	if c.Bytes() < limit/2 {
		t.Errorf("the cache holds %d bytes, want it used up to near its bound of %d", c.Bytes(), limit)
	}
	// Listing one page again and again makes its users once.
	made = 0
	for range 3 {
		if _, err := store.ListUsersCached(t.Context(), s, c, tn.ID, store.UserFilter{Page: store.Page{Size: 20}}, conv); err != nil {
			t.Fatal(err)
		}
	}
	if made > 20 {
		t.Errorf("listing a page three times made %d values, want at most 20", made)
	}
	tiny := store.NewUserCache(100, func(v string) int { return len(v) })
	if _, err := store.ListUsersCached(t.Context(), s, tiny, tn.ID, store.UserFilter{}, conv); err != nil || tiny.Bytes() != 0 {
		t.Errorf("a cache too small for any user holds %d bytes (err %v), want 0", tiny.Bytes(), err)
	}
}

// A cached list pages exactly as ListUsers does, in every sort, forward
// and back, by cursor and by page number, with filters and a keyword.
func TestCachedListPagesAsListUsersDoes(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	var items []store.NewUser
	for i := range 30 {
		items = append(items, store.NewUser{Username: fmt.Sprintf("user%02d", (i*7)%30), DisplayName: fmt.Sprintf("Name %d", i%4)})
	}
	if res, err := s.CreateUsers(ctx, tn.ID, items); err != nil || len(res.Failed) > 0 {
		t.Fatalf("CreateUsers = %v %v", err, res.Failed)
	}
	c := store.NewUserCache(1<<20, func(v string) int { return len(v) })
	conv := func(u *store.User) string { return u.Username }
	for _, sort := range store.UserSorts {
		for _, f := range []store.UserFilter{{}, {UsernamePrefix: "user1"}, {Query: "ser"}, {Query: "u"}} {
			f.Sort, f.Page = sort, store.Page{Size: 7}
			for page, back := 0, false; page < 12; page++ {
				want, err := s.ListUsers(ctx, tn.ID, f)
				if err != nil {
					t.Fatal(err)
				}
				got, err := store.ListUsersCached(ctx, s, c, tn.ID, f, conv)
				if err != nil {
					t.Fatal(err)
				}
				var names []string
				for _, u := range want.Items {
					names = append(names, u.Username)
				}
				if !slices.Equal(got.Items, names) || got.Next != want.Next || got.Prev != want.Prev ||
					got.Total != want.Total || got.TotalCapped != want.TotalCapped || got.SortedBy != want.SortedBy {
					t.Fatalf("sort %q, filter %+v: cached list %v next %q prev %q total %d; ListUsers %v next %q prev %q total %d",
						sort, f, got.Items, got.Next, got.Prev, got.Total, names, want.Next, want.Prev, want.Total)
				}
				// Forward to the end, then back to the start.
				if want.Next == "" {
					back = true
				}
				if back && want.Prev == "" {
					break
				}
				f.Page.Cursor = want.Next
				if back {
					f.Page.Cursor = want.Prev
				}
			}
		}
	}
	numbered, err := store.ListUsersCached(ctx, s, c, tn.ID, store.UserFilter{Page: store.Page{Number: 3, Size: 7}}, conv)
	if err != nil || len(numbered.Items) != 7 || numbered.Items[0] != "user14" {
		t.Errorf("page 3 of 7 = %v (err %v), want it to start at user14", numbered.Items, err)
	}
}

// A cached query answers as QueryUsers does, in every sort, at every
// offset, with conditions and keywords, and shows a changed user as
// changed, making again only that user's value.
func TestCachedQueryAnswersAsQueryUsersDoes(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	var items []store.NewUser
	for i := range 30 {
		items = append(items, store.NewUser{Username: fmt.Sprintf("user%02d", (i*7)%30), DisplayName: fmt.Sprintf("Name %d", i%4),
			Email: fmt.Sprintf("u%d@example.com", i)})
	}
	if res, err := s.CreateUsers(ctx, tn.ID, items); err != nil || len(res.Failed) > 0 {
		t.Fatalf("CreateUsers = %v %v", err, res.Failed)
	}
	c := store.NewUserCache(1<<20, func(v string) int { return len(v) })
	made := 0
	conv := func(u *store.User) string { made++; return face(u) }
	for _, q := range []store.UserQuery{
		{},
		{Sort: []store.QuerySort{{Field: "username", Desc: true}}, Offset: 5, Limit: 10},
		{Sort: []store.QuerySort{{Field: "created_at"}}, Offset: 25, Limit: 10},
		{And: []store.UserCond{{Field: "display_name", Op: "eq", Value: "Name 2"}}},
		{Or: []store.UserCond{{Field: "username", Op: "eq", Value: "user03"}, {Field: "email", Op: "contain", Value: "u1"}}},
		{Keywords: []string{"ser1"}, Sort: []store.QuerySort{{Field: "email"}}},
		{CountOnly: true},
		{Offset: 40},
	} {
		want, err := s.QueryUsers(ctx, tn.ID, q)
		if err != nil {
			t.Fatal(err)
		}
		got, err := store.QueryUsersCached(ctx, s, c, tn.ID, q, conv)
		if err != nil {
			t.Fatal(err)
		}
		faces := make([]string, len(want.Items))
		for i := range want.Items {
			faces[i] = face(&want.Items[i])
		}
		if !slices.Equal(got.Items, faces) || got.Total != want.Total || got.TotalCapped != want.TotalCapped {
			t.Errorf("query %+v: cached %d of %d, QueryUsers %d of %d, or they differ\n%v\n%v",
				q, len(got.Items), got.Total, len(faces), want.Total, got.Items, faces)
		}
	}
	if made != 30 {
		t.Errorf("the queries made %d users' values, want each of the 30 users' once", made)
	}
	u, err := s.ListUsers(ctx, tn.ID, store.UserFilter{Usernames: []string{"user03"}})
	if err != nil || len(u.Items) != 1 {
		t.Fatalf("ListUsers(user03) = %v, %v", u.Items, err)
	}
	name := "Renamed"
	if _, err := s.UpdateUser(ctx, tn.ID, u.Items[0].ID, store.UserUpdate{DisplayName: &name}); err != nil {
		t.Fatal(err)
	}
	made = 0
	got, err := store.QueryUsersCached(ctx, s, c, tn.ID, store.UserQuery{Sort: []store.QuerySort{{Field: "username"}}}, conv)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Items) != 30 || !strings.Contains(got.Items[3], `"Renamed"`) || made != 1 {
		t.Errorf("after a rename, the query shows user03 as %s and made %d values, want Renamed and 1", got.Items[3], made)
	}
}
