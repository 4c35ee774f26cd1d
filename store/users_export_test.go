package store_test

import (
	"cmp"
	"context"
	"reflect"
	"slices"
	"testing"

	"roster/store"
	"roster/store/userfile"
)

// walk collects every user WalkUsers hands for f, checking each page is at
// most ExportPageSize() users of tenant, and returns them and the pages' count.
func walk(t *testing.T, s *store.Store, tenant int64, f store.UserFilter) ([]store.User, []store.UserPage, int) {
	t.Helper()
	var all []store.User
	var pages []store.UserPage
	n := 0
	err := s.WalkUsers(t.Context(), tenant, f, func(p store.UserPage) error {
		n++
		if len(p.Users) == 0 || len(p.Users) > s.ExportPageSize() {
			t.Errorf("page %d holds %d users", n, len(p.Users))
		}
		for _, u := range p.Users {
			if u.TenantID != tenant {
				t.Errorf("user %s of tenant %d walked in tenant %d", u.Username, u.TenantID, tenant)
			}
		}
		all = append(all, p.Users...)
		pages = append(pages, p)
		return nil
	})
	if err != nil {
		t.Fatalf("WalkUsers(%+v) = %v", f, err)
	}
	return all, pages, n
}

// A walk hands every user a filter keeps, once each, in a stable order
// (the filter's sort, or the order the users were added), a page of at
// most 1,000 at a time: the same users the users list and its
// count give for the same filters, and never another tenant's.
func TestWalkUsersKeepsWhatTheListKeeps(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	other, _ := mustTenant(t, s, "other")
	// Enough users to cross page boundaries and for a keyword to match
	// more than it sorts, and the same names in another tenant.
	mustUsers(t, s, tn.ID, "p", "built_in", max(2*s.ExportPageSize(), 2*store.KeywordSortCap)+30)
	mustUsers(t, s, other.ID, "p", "built_in", 50)

	root, err := s.RootOrgUnit(ctx, tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	sales := mustUnit(t, s, tn.ID, root.ID, "Sales")
	emea := mustUnit(t, s, tn.ID, sales.ID, "EMEA/UK")
	admins, err := s.CreateGroup(ctx, tn.ID, "Admins", "")
	if err != nil {
		t.Fatal(err)
	}
	ops, err := s.CreateGroup(ctx, tn.ID, "Ops|Night", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateProperty(ctx, tn.ID, store.NewProperty{Key: "team", Type: "multiselect",
		Options: []store.OptionInput{{Value: "red"}, {Value: "blue"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateProperty(ctx, tn.ID, store.NewProperty{Key: "desk", Type: "text"}); err != nil {
		t.Fatal(err)
	}
	ada := mustUser(t, s, tn.ID, store.NewUser{Username: "ada", Email: "ada@example.com", OrgUnitID: emea.ID,
		Groups: []int64{ops.ID, admins.ID}, Tags: map[string]string{"env": "prod", "cost:centre": ""},
		Properties: map[string][]string{"team": {"red", "blue"}, "desk": {"4.12"}}, RequiredActions: []string{"verify_email"}})
	mustUser(t, s, tn.ID, store.NewUser{Username: "bob", Status: store.StatusDisabled, OrgUnitID: sales.ID,
		Groups: []int64{admins.ID}, Tags: map[string]string{"env": "dev"}, Properties: map[string][]string{"desk": {"1.01"}}})
	mustUser(t, s, tn.ID, store.NewUser{Username: "cyd", Status: store.StatusDisabled})
	mustUser(t, s, other.ID, store.NewUser{Username: "eve", Status: store.StatusDisabled, Tags: map[string]string{"zone": "b"}})

	for _, tt := range []struct {
		name string
		f    store.UserFilter
	}{
		{"everyone", store.UserFilter{}},
		{"status", store.UserFilter{Status: store.StatusDisabled}},
		{"org subtree", store.UserFilter{OrgUnitID: sales.ID, SubUnits: true}},
		{"one unit", store.UserFilter{OrgUnitID: sales.ID}},
		{"group", store.UserFilter{GroupID: admins.ID}},
		{"property", store.UserFilter{Properties: map[string][]string{"team": {"blue"}}}},
		{"tag", store.UserFilter{Tags: []store.TagMatch{{Key: "env"}}}},
		{"short keyword", store.UserFilter{Query: "p-"}},
		{"keyword beyond the sorted cap", store.UserFilter{Query: "p-1"}},
		{"keyword", store.UserFilter{Query: "ada@exam"}},
		{"prefix and status", store.UserFilter{UsernamePrefix: "p-20", Status: store.StatusPending}},
		{"by display name", store.UserFilter{Sort: "-display_name"}},
		{"by username", store.UserFilter{Sort: "username"}},
		{"group by username", store.UserFilter{GroupID: admins.ID, Sort: "username"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, _, pages := walk(t, s, tn.ID, tt.f)
			want, err := s.CountUsers(ctx, tn.ID, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			// Full pages but the last.
			if wantPages := (want + s.ExportPageSize() - 1) / s.ExportPageSize(); len(got) != want || pages != wantPages {
				t.Errorf("walked %d users in %d pages, want %d in %d", len(got), pages, want, wantPages)
			}
			seen := map[int64]bool{}
			for _, u := range got {
				if seen[u.ID] {
					t.Errorf("%s walked twice", u.Username)
				}
				seen[u.ID] = true
			}
			// A second walk gives the same order.
			again, _, _ := walk(t, s, tn.ID, tt.f)
			if !slices.Equal(usernamesOf(got), usernamesOf(again)) {
				t.Error("two walks disagree on the order")
			}
			// Without a sort, the order users were added; with one, its.
			added := slices.IsSortedFunc(got, func(a, b store.User) int { return cmp.Compare(a.ID, b.ID) })
			if tt.f.Sort == "" && !added {
				t.Errorf("not in the order added: %v…", usernamesOf(got)[:5])
			}
			if tt.f.Sort == "username" && !slices.IsSorted(usernamesOf(got)) {
				t.Errorf("not in username order: %v…", usernamesOf(got)[:5])
			}
		})
	}

	got, pages, _ := walk(t, s, tn.ID, store.UserFilter{Usernames: []string{"ada"}})
	if len(got) != 1 {
		t.Fatalf("ada: %d users", len(got))
	}
	row, err := pages[0].Row(0)
	if err != nil {
		t.Fatal(err)
	}
	want := userfile.Row{Username: "ada", Email: "ada@example.com", Status: ada.Status, UserType: "user",
		Language: ada.Language, Timezone: ada.Timezone, RequiredActions: []string{"verify_email"},
		OrgUnit: []string{"Sales", "EMEA/UK"}, Groups: []string{"Admins", "Ops|Night"},
		Tags:       map[string]string{"env": "prod", "cost:centre": ""},
		Properties: map[string][]string{"team": {"red", "blue"}, "desk": {"4.12"}}}
	slices.Sort(row.Properties["team"])
	slices.Sort(want.Properties["team"])
	if !reflect.DeepEqual(row, want) {
		t.Errorf("ada's row\n%#v\nwant\n%#v", row, want)
	}
	// A page's groups are its users' only, though another's id lies between.
	got, pages, _ = walk(t, s, tn.ID, store.UserFilter{Usernames: []string{"ada", "cyd"}})
	if len(got) != 2 || len(pages[0].Groups) != 1 || len(pages[0].Groups[ada.ID]) != 2 {
		t.Errorf("ada and cyd's groups: %v", pages[0].Groups)
	}
	// A user in the root has no unit path; one in no group no groups.
	got, pages, _ = walk(t, s, tn.ID, store.UserFilter{Usernames: []string{"cyd"}})
	if r, err := pages[0].Row(0); err != nil || len(got) != 1 || r.OrgUnit != nil || r.Groups != nil || r.Properties != nil {
		t.Errorf("cyd's row: %#v, %v", r, err)
	}

	// A bad filter is refused before any page, naming the field.
	called := false
	err = s.WalkUsers(ctx, tn.ID, store.UserFilter{GroupID: 999999}, func(store.UserPage) error { called = true; return nil })
	if !isFieldError(err, "group_id") || called {
		t.Errorf("unknown group: %v (called %t)", err, called)
	}
	// The callback's error stops the walk.
	stop := store.ErrConflict
	n := 0
	err = s.WalkUsers(ctx, tn.ID, store.UserFilter{}, func(store.UserPage) error { n++; return stop })
	if err != stop || n != 1 {
		t.Errorf("stopping: %v after %d pages", err, n)
	}

	keys, err := s.TagKeys(ctx, tn.ID)
	if err != nil || !slices.Equal(keys, []string{"cost:centre", "env"}) {
		t.Errorf("TagKeys = %v, %v", keys, err)
	}
	if keys, err := s.TagKeys(ctx, other.ID); err != nil || !slices.Equal(keys, []string{"zone"}) {
		t.Errorf("TagKeys(other) = %v, %v", keys, err)
	}
}

// A walk reads on two connections of the SQLite read pool, whatever its
// length (a connection a query would lend it each keeps a full cache of the
// walk's pages), and gives them back with their cache as they were.
func TestWalkUsersHoldsTwoReadConnections(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	if s.Engine() == "postgres" {
		t.Skip("SQLite only: PostgreSQL keeps its page cache in the server, so a walk pins no connection there (make test runs this on SQLite)")
	}
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	mustUsers(t, s, tn.ID, "p", "built_in", 3*s.ExportPageSize())
	before, err := s.ReadCacheSizes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	most := 0
	err = s.WalkUsers(ctx, tn.ID, store.UserFilter{}, func(store.UserPage) error {
		most = max(most, s.ReadConnsInUse())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if most != 2 {
		t.Errorf("a walk held %d read connections at most, want 2", most)
	}
	after, err := s.ReadCacheSizes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := before[0]
	for _, n := range after {
		if n != want {
			t.Errorf("read connections' caches after a walk: %v, want each %d", after, want)
			break
		}
	}
}

// A walk whose context ends midway says so: however the page reader
// notices, the walk is never reported done with pages left unread.
func TestWalkUsersCutShortReportsIt(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	tn, _ := mustTenant(t, s, "acme")
	mustUsers(t, s, tn.ID, "p", "built_in", 2*s.ExportPageSize()+30)
	for range 20 { // the reader and the walk race differently each time
		ctx, cancel := context.WithCancel(t.Context())
		pages := 0
		err := s.WalkUsers(ctx, tn.ID, store.UserFilter{}, func(store.UserPage) error {
			pages++
			cancel()
			return nil
		})
		cancel()
		if err == nil {
			t.Fatalf("a walk cancelled after page %d of 3 returned no error", pages)
		}
	}
}

// A walk names the groups of every page's users, those of a group
// created and joined while it walks included, in name order.
func TestWalkUsersNamesGroupsCreatedMeanwhile(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	tn, _ := mustTenant(t, s, "acme")
	ids := mustUsers(t, s, tn.ID, "p", "built_in", s.ExportPageSize()+10)
	first, last := ids[0], ids[len(ids)-1]
	crew := mustGroup(t, s, tn.ID, "Crew")
	mustJoin(t, s, tn.ID, crew.ID, first)
	mustJoin(t, s, tn.ID, crew.ID, last)
	got := map[int64][]string{}
	err := s.WalkUsers(t.Context(), tn.ID, store.UserFilter{}, func(p store.UserPage) error {
		for _, u := range p.Users {
			got[u.ID] = p.Groups[u.ID]
		}
		if len(got) == len(p.Users) { // the first page
			mustJoin(t, s, tn.ID, mustGroup(t, s, tn.ID, "Aviators").ID, last)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"Crew"}; !slices.Equal(got[first], want) {
		t.Errorf("first user's groups = %v, want %v", got[first], want)
	}
	if want := []string{"Aviators", "Crew"}; !slices.Equal(got[last], want) {
		t.Errorf("last user's groups = %v, want %v (a group created on the first page)", got[last], want)
	}
}
