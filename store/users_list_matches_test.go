package store_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"roster/store"
	"roster/store/storetest"
)

// mustKeywordUsers creates the users of a search for "match": display
// names that differ in case only or not at all (ties broken by id), users
// created in the same millisecond, and users the search does not find.
func mustKeywordUsers(t *testing.T, s *store.Store, tenant int64, now *time.Time) []store.User {
	t.Helper()
	names := []string{"alice", "Alice", "ALICE", "bob", "Bob", "Émile", "emile", "zoë", "Zed", "", "carol", "Carol"}
	var out []store.User
	for batch := range 4 {
		var items []store.NewUser
		for i := range 12 {
			n := batch*12 + i
			u := store.NewUser{Username: fmt.Sprintf("u%02d", (n*17)%48), DisplayName: names[(n*5)%len(names)],
				Email: fmt.Sprintf("u%d@match.example", n)}
			if n%4 == 3 {
				u.Email = fmt.Sprintf("u%d@other.example", n) // not a match
			}
			if n%6 == 0 {
				u.Username = fmt.Sprintf("match-%02d", n) // found by "ma" too
			}
			items = append(items, u)
		}
		res, err := s.CreateUsers(t.Context(), tenant, items)
		if err != nil || len(res.Failed) > 0 {
			t.Fatalf("CreateUsers = %v %v", err, res.Failed)
		}
		*now = now.Add(time.Millisecond)
		for _, ok := range res.Succeeded {
			id, _ := store.ParseID(store.PrefixUser, ok.ID)
			u, err := s.GetUser(t.Context(), tenant, id)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, u)
		}
	}
	return out
}

// listSummary is what a page says: its users, cursors and count.
func listSummary(l store.UserList) string {
	var users []string
	for _, u := range l.Items {
		users = append(users, fmt.Sprintf("%d:%s:%q", u.ID, u.Username, u.DisplayName))
		if l.Groups != nil {
			users[len(users)-1] += fmt.Sprint(len(l.Groups[u.ID]))
		}
	}
	return fmt.Sprintf("[%s] next %q prev %q total %d capped %v sorted by %s",
		strings.Join(users, " "), l.Next, l.Prev, l.Total, l.TotalCapped, l.SortedBy)
}

// pagesAgree lists f through both stores, forward to the end and back to
// the start, each page from the cursor the other store gave, and fails
// on any difference; it returns the pages read.
func pagesAgree(t *testing.T, cached, uncached *store.Store, tenant int64, f store.UserFilter) int {
	t.Helper()
	users := store.NewUserCache(1<<20, func(v string) int { return len(v) })
	back, pages := false, 0
	for ; pages < 30; pages++ {
		got, err := cached.ListUsers(t.Context(), tenant, f)
		if err != nil {
			t.Fatal(err)
		}
		want, err := uncached.ListUsers(t.Context(), tenant, f)
		if err != nil {
			t.Fatal(err)
		}
		if listSummary(got) != listSummary(want) {
			t.Fatalf("sort %q, filter %+v, page %d:\ncached    %s\nthe query %s", f.Sort, f, pages, listSummary(got), listSummary(want))
		}
		if !f.WithGroups {
			// The API's way: the page's keys, then users from a users cache.
			keyed, err := store.ListUsersCached(t.Context(), cached, users, tenant, f, func(u *store.User) string { return u.Username })
			if err != nil {
				t.Fatal(err)
			}
			got := store.UserList{List: store.List[store.User]{Next: keyed.Next, Total: keyed.Total, TotalCapped: keyed.TotalCapped},
				Prev: keyed.Prev, SortedBy: keyed.SortedBy}
			for i, id := range keyed.IDs {
				got.Items = append(got.Items, store.User{ID: id, Username: keyed.Items[i]})
			}
			for i := range want.Items {
				want.Items[i] = store.User{ID: want.Items[i].ID, Username: want.Items[i].Username}
			}
			if listSummary(got) != listSummary(want) {
				t.Fatalf("sort %q, filter %+v, page %d:\ncached keys %s\nthe query   %s", f.Sort, f, pages, listSummary(got), listSummary(want))
			}
		}
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
	return pages
}

// A keyword search's pages cut from its cached matches are the pages its
// query reads, in every sort, forward and back, by cursor and by page
// number, with other filters; and a cursor of either way continues on the
// other (a replica without the cached matches).
func TestKeywordListPagesAsTheQueryDoes(t *testing.T) {
	t.Parallel()
	cached, uncached := storetest.OpenTwice(t)
	uncached.SetKeywordLists(false)
	now := time.Now()
	setClocks(&now, cached, uncached)
	ctx := t.Context()
	tn, _ := mustTenant(t, cached, "acme")
	users := mustKeywordUsers(t, cached, tn.ID, &now)
	g, err := cached.CreateGroup(ctx, tn.ID, "Team", "")
	if err != nil {
		t.Fatal(err)
	}
	var members []string
	for _, u := range users[:30] {
		members = append(members, u.PublicID())
	}
	if _, err := cached.AddGroupMembers(ctx, tn.ID, g.ID, members); err != nil {
		t.Fatal(err)
	}
	var disabled []string
	for i := 0; i < len(users); i += 5 {
		disabled = append(disabled, users[i].PublicID())
	}
	if _, err := cached.ApplyUserAction(ctx, tn.ID, store.UserAction{Kind: store.ActionDisable}, disabled); err != nil {
		t.Fatal(err)
	}
	filters := []store.UserFilter{
		{Query: "match"},
		{Query: "ma"}, // a prefix of the usernames, not an index search
		{Query: "match", Status: store.StatusPending},
		{Query: "match", GroupID: g.ID, WithGroups: true},
		{Query: "nothing like it"},
	}
	for _, sort := range store.UserSorts {
		for _, f := range filters {
			for _, size := range []int{7, 1, 100} {
				f.Sort, f.Page = sort, store.Page{Size: size}
				if pages := pagesAgree(t, cached, uncached, tn.ID, f); f.Query == "match" && size == 7 && pages < 6 {
					t.Fatalf("sort %q, filter %+v: %d pages of 7, want the whole list there and back", sort, f, pages)
				}
				for number := 1; number <= 4; number++ {
					f.Page = store.Page{Size: size, Number: number}
					pagesAgree(t, cached, uncached, tn.ID, f)
				}
			}
		}
	}
}

// Pages after a search's first read no matches, in any sort, forward or
// back: they are cut from those the first page read (of either direction
// of the sort).
func TestKeywordListIsReadOnce(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	now := time.Now()
	setClocks(&now, s)
	tn, _ := mustTenant(t, s, "acme")
	mustKeywordUsers(t, s, tn.ID, &now)
	var queries []string
	s.WatchListQueries(func(q string) { queries = append(queries, q) })
	defer s.WatchListQueries(nil)
	read := 0
	for _, sort := range store.UserSorts {
		queries = queries[:0]
		f := store.UserFilter{Query: "match", Sort: sort, Page: store.Page{Size: 5}}
		var prev string
		for range 5 {
			l, err := s.ListUsers(t.Context(), tn.ID, f)
			if err != nil {
				t.Fatal(err)
			}
			f.Page.Cursor, prev = l.Next, l.Prev
		}
		f.Page.Cursor = prev
		if _, err := s.ListUsers(t.Context(), tn.ID, f); err != nil {
			t.Fatal(err)
		}
		if len(queries) > 1 {
			t.Fatalf("sort %q: six pages ran %d list queries, want 1 (the matches): %q", sort, len(queries), queries)
		}
		read += len(queries)
	}
	// A sort and its reverse share one order of the matches.
	if read != 3 {
		t.Errorf("the six sorts read the matches %d times, want 3 (once a column)", read)
	}
}

// What is changed through the store shows in a search's next page at
// once: a user created into its matches, renamed into or out of them, or
// moved in its order, and a user deleted. A cursor made before a change
// continues where the query would.
func TestKeywordListFollowsChanges(t *testing.T) {
	t.Parallel()
	s, uncached := storetest.OpenTwice(t)
	uncached.SetKeywordLists(false)
	// The store compared with reads all afresh: its clock passes the read
	// cache's TTL at every read.
	now, later := time.Now(), time.Now()
	setClocks(&now, s)
	uncached.SetClock(func() time.Time { later = later.Add(2 * time.Second); return later })
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	users := mustKeywordUsers(t, s, tn.ID, &now)
	f := store.UserFilter{Query: "match", Sort: "display_name", Page: store.Page{Size: 5}}
	names := func(when string) []string {
		t.Helper()
		var out []string
		g := f
		g.Page.Size = store.MaxPageSize
		l, err := s.ListUsers(ctx, tn.ID, g)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range l.Items {
			out = append(out, u.Username)
		}
		want, err := uncached.ListUsers(ctx, tn.ID, g)
		if err != nil {
			t.Fatal(err)
		}
		if listSummary(l) != listSummary(want) {
			t.Fatalf("after %s:\ncached    %s\nthe query %s", when, listSummary(l), listSummary(want))
		}
		return out
	}
	before := names("nothing")
	second, err := s.ListUsers(ctx, tn.ID, f)
	if err != nil {
		t.Fatal(err)
	}
	pagesAgree(t, s, uncached, tn.ID, f)

	mustUser(t, s, tn.ID, store.NewUser{Username: "new-match", DisplayName: "Aaron"})
	if got := names("a create"); !slices.Contains(got, "new-match") || len(got) != len(before)+1 {
		t.Errorf("after a create: %v", got)
	}
	out, in := "nomore", "matches-now"
	var outside store.User
	for _, u := range users {
		if strings.HasSuffix(u.Email, "@other.example") {
			outside = u
			break
		}
	}
	moved := users[0]
	if _, err := s.UpdateUser(ctx, tn.ID, moved.ID, store.UserUpdate{Username: &out, Email: new("x@x.example")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateUser(ctx, tn.ID, outside.ID, store.UserUpdate{Username: &in}); err != nil {
		t.Fatal(err)
	}
	if got := names("renames"); slices.Contains(got, out) || slices.Contains(got, moved.Username) || !slices.Contains(got, in) {
		t.Errorf("after renaming %s out of the matches and %s into them: %v", moved.Username, outside.Username, got)
	}
	// The user the second page starts after goes to the end of the order:
	// its cursor continues after the name it had, as the query's would.
	l, _ := s.ListUsers(ctx, tn.ID, store.UserFilter{Query: "match", Sort: "display_name", Page: store.Page{Size: 5}})
	last := l.Items[len(l.Items)-1]
	if _, err := s.UpdateUser(ctx, tn.ID, last.ID, store.UserUpdate{DisplayName: new("zzz last")}); err != nil {
		t.Fatal(err)
	}
	names("a change of a sort key")
	g := f
	g.Page.Cursor = l.Next
	pagesAgree(t, s, uncached, tn.ID, g)
	g.Page.Cursor = second.Next // made before every change
	pagesAgree(t, s, uncached, tn.ID, g)

	if _, err := s.ApplyUserAction(ctx, tn.ID, store.UserAction{Kind: store.ActionDelete}, []string{users[1].PublicID()}); err != nil {
		t.Fatal(err)
	}
	if got := names("a delete"); slices.Contains(got, users[1].Username) {
		t.Errorf("after deleting %s: %v", users[1].Username, got)
	}
}

// A search's matches are never another tenant's, though the keyword, the
// filters and the sort are the same.
func TestKeywordListKeepsTenantsApart(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	now := time.Now()
	setClocks(&now, s)
	a, _ := mustTenant(t, s, "acme")
	b, _ := mustTenant(t, s, "bolt")
	mustKeywordUsers(t, s, a.ID, &now)
	mustUser(t, s, b.ID, store.NewUser{Username: "bolt-match"})
	for range 2 {
		for tenant, want := range map[int64]int{a.ID: 36, b.ID: 1} {
			l, err := s.ListUsers(t.Context(), tenant, store.UserFilter{Query: "match", Page: store.Page{Size: store.MaxPageSize}})
			if err != nil {
				t.Fatal(err)
			}
			if l.Total != want || len(l.Items) != want {
				t.Fatalf("tenant %d: total %d, %d users; want %d", tenant, l.Total, len(l.Items), want)
			}
			for _, u := range l.Items {
				if u.TenantID != tenant {
					t.Fatalf("tenant %d lists %s of tenant %d", tenant, u.Username, u.TenantID)
				}
			}
		}
	}
}

// What another store on the database (another replica, roster seed)
// changes shows in a search within the read cache's TTL.
func TestKeywordListShowsAnotherStoresChangesWithinASecond(t *testing.T) {
	t.Parallel()
	a, b := storetest.OpenTwice(t)
	now := time.Now()
	setClocks(&now, a)
	ctx := t.Context()
	tn, _ := mustTenant(t, a, "acme")
	mustUsers(t, a, tn.ID, "match", "", 3)
	list := func() store.UserList {
		t.Helper()
		l, err := a.ListUsers(ctx, tn.ID, store.UserFilter{Query: "match", Sort: "-username"})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	list()
	id := mustUsers(t, b, tn.ID, "match-b", "", 1)[0]
	name := "match-0"
	mine := mustUsers(t, b, tn.ID, "other", "", 1)[0]
	if _, err := b.UpdateUser(ctx, tn.ID, mine, store.UserUpdate{Username: &name}); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		now = now.Add(countRenewAge)
		time.Sleep(5 * time.Millisecond) // let a renewal run, or not
		list()
	}
	l := list()
	if l.Total != 5 || len(l.Items) != 5 || l.Items[0].ID != id || l.Items[4].ID != mine {
		t.Fatalf("over a second after another store's changes: %s", listSummary(l))
	}
}

// A search's matches are read up to KeywordSortCap+1, then sorted: never
// every match sorted to keep the first ones (SQLite would fold the read
// into the sort).
func TestKeywordMatchesAreReadThenSorted(t *testing.T) {
	t.Parallel()
	s := newSQLiteStore(t)
	tn, _ := mustTenant(t, s, "acme")
	mustUser(t, s, tn.ID, store.NewUser{Username: "ada"})
	for _, q := range []string{"adalove", "ad"} {
		plan, err := s.ListPlan(t.Context(), tn.ID, store.UserFilter{Query: q, Sort: "display_name"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(plan, "MATERIALIZE") {
			t.Fatalf("q=%s plan:\n%s\nwant the matches read before they are sorted", q, plan)
		}
	}
}
