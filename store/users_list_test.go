package store_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"roster/store"
)

func TestListUsersFilters(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	now := base
	s.SetClock(func() time.Time { return now })
	tn, _ := mustTenant(t, s, "acme")
	other, _ := mustTenant(t, s, "other")
	mk := func(day int, n store.NewUser) store.User {
		now = base.Add(time.Duration(day) * 24 * time.Hour)
		return mustUser(t, s, tn.ID, n)
	}
	ada := mk(0, store.NewUser{Username: "ada", DisplayName: "Ada Lovelace", Email: "ada@analytical.example", PhoneRegion: "44", PhoneNumber: "2079460000"})
	mk(1, store.NewUser{Username: "alan", DisplayName: "Alan Turing", Email: "alan@bletchley.example", SourceType: "ldap", SourceID: "corp", ExternalID: "T-1"})
	grace := mk(2, store.NewUser{Username: "grace", DisplayName: "Grace Hopper", Email: "grace@navy.example", Password: "Str0ng-enough"})
	mk(3, store.NewUser{Username: "linus", DisplayName: "Linus", Email: "linus@kernel.example", SourceType: "csv"})
	mk(4, store.NewUser{Username: "margaret", DisplayName: "Margaret Hamilton", Email: "mh@apollo.example", Status: "disabled"})
	now = base.Add(10 * 24 * time.Hour)
	mustUser(t, s, other.ID, store.NewUser{Username: "ada-elsewhere", DisplayName: "Ada Elsewhere"})
	until := now.Add(time.Hour)
	s.ApplyUserAction(t.Context(), tn.ID, store.UserAction{Kind: store.ActionLock, Until: &until}, []string{grace.PublicID()})

	pilots, err := s.CreateGroup(t.Context(), tn.ID, "Pilots", "")
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := s.CreateGroup(t.Context(), other.ID, "Theirs", "")
	if err != nil {
		t.Fatal(err)
	}
	alan, _ := s.ListUsers(t.Context(), tn.ID, store.UserFilter{Usernames: []string{"alan"}})
	if _, err := s.AddGroupMembers(t.Context(), tn.ID, pilots.ID, []string{ada.PublicID(), alan.Items[0].PublicID()}); err != nil {
		t.Fatal(err)
	}

	yes, no := true, false
	day := func(d int) *time.Time { v := base.Add(time.Duration(d) * 24 * time.Hour); return &v }
	tests := []struct {
		name string
		f    store.UserFilter
		want []string
	}{
		{"none", store.UserFilter{}, []string{"ada", "alan", "grace", "linus", "margaret"}},
		{"ids", store.UserFilter{IDs: []int64{ada.ID, grace.ID}}, []string{"ada", "grace"}},
		{"usernames, any case", store.UserFilter{Usernames: []string{"ADA", "linus", "nobody"}}, []string{"ada", "linus"}},
		{"all but some usernames", store.UserFilter{ExcludeUsernames: []string{"ada", "grace"}}, []string{"alan", "linus", "margaret"}},
		{"not in a group", store.UserFilter{ExcludeGroupID: pilots.ID}, []string{"grace", "linus", "margaret"}},
		{"not in a group, with a status", store.UserFilter{ExcludeGroupID: pilots.ID, Status: "enabled"}, []string{"grace", "linus"}},
		{"in a group but not some usernames", store.UserFilter{GroupID: pilots.ID, ExcludeUsernames: []string{"ada"}}, []string{"alan"}},
		{"username prefix", store.UserFilter{UsernamePrefix: "A"}, []string{"ada", "alan"}},
		{"display name prefix, any case", store.UserFilter{DisplayNamePrefix: "grace h"}, []string{"grace"}},
		{"email exact, any case", store.UserFilter{Email: "ALAN@bletchley.example"}, []string{"alan"}},
		{"phone", store.UserFilter{PhoneRegion: "+44", PhoneNumber: "2079460000"}, []string{"ada"}},
		{"external id", store.UserFilter{ExternalID: "T-1"}, []string{"alan"}},
		{"source type", store.UserFilter{SourceType: "csv"}, []string{"linus"}},
		{"source type and id", store.UserFilter{SourceType: "ldap", SourceID: "corp"}, []string{"alan"}},
		{"status", store.UserFilter{Status: "pending"}, []string{"ada"}},
		{"status enabled", store.UserFilter{Status: "enabled"}, []string{"alan", "grace", "linus"}},
		{"status disabled", store.UserFilter{Status: "disabled"}, []string{"margaret"}},
		{"locked", store.UserFilter{Locked: &yes}, []string{"grace"}},
		{"not locked", store.UserFilter{Locked: &no}, []string{"ada", "alan", "linus", "margaret"}},
		{"created from", store.UserFilter{CreatedFrom: day(3)}, []string{"linus", "margaret"}},
		{"created range", store.UserFilter{CreatedFrom: day(1), CreatedTo: day(3)}, []string{"alan", "grace"}},
		{"keyword substring of a username", store.UserFilter{Query: "inu"}, []string{"linus"}},
		{"keyword in a display name, any case", store.UserFilter{Query: "LOVELACE"}, []string{"ada"}},
		{"keyword in an email", store.UserFilter{Query: "bletchley"}, []string{"alan"}},
		{"short keyword is a prefix", store.UserFilter{Query: "gr"}, []string{"grace"}},
		{"short keyword matches display names too", store.UserFilter{Query: "ma"}, []string{"margaret"}},
		{"keyword with quotes is literal", store.UserFilter{Query: `"ada`}, nil},
		{"combined", store.UserFilter{Status: "enabled", UsernamePrefix: "a", SourceType: "ldap"}, []string{"alan"}},
		{"keyword and status", store.UserFilter{Query: "example", Status: "disabled"}, []string{"margaret"}},
		{"sort -username", store.UserFilter{Sort: "-username"}, []string{"margaret", "linus", "grace", "alan", "ada"}},
		{"sort display_name", store.UserFilter{Sort: "display_name", Query: "a"}, []string{"ada", "alan"}},
		{"sort -created_at", store.UserFilter{Sort: "-created_at", Status: "enabled"}, []string{"linus", "grace", "alan"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := s.ListUsers(t.Context(), tn.ID, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, u := range l.Items {
				got = append(got, u.Username)
			}
			if !slices.Equal(got, tt.want) || l.Total != len(tt.want) {
				t.Fatalf("ListUsers(%s) = %v (total %d), want %v", tt.name, got, l.Total, tt.want)
			}
		})
	}

	bad := []struct {
		f     store.UserFilter
		field string
	}{
		{store.UserFilter{Sort: "email"}, "sort"},
		{store.UserFilter{Status: "gone"}, "status"},
		{store.UserFilter{Query: "a\x01b"}, "q"},
		{store.UserFilter{CreatedFrom: day(3), CreatedTo: day(1)}, "created_to"},
		{store.UserFilter{ExcludeGroupID: theirs.ID}, "exclude_group_id"},
		{store.UserFilter{Usernames: make([]string, store.MaxBatch+1)}, "usernames"},
	}
	for _, b := range bad {
		if _, err := s.ListUsers(t.Context(), tn.ID, b.f); !isFieldError(err, b.field) {
			t.Errorf("ListUsers(%+v) = %v, want a %s field error", b.f, err, b.field)
		}
	}
	for _, c := range []string{"nope", "dTEAeAB4AHgAeA"} {
		if _, err := s.ListUsers(t.Context(), tn.ID, store.UserFilter{Page: store.Page{Cursor: c}}); !errors.Is(err, store.ErrBadCursor) {
			t.Errorf("cursor %q = %v, want ErrBadCursor", c, err)
		}
	}
	l, _ := s.ListUsers(t.Context(), tn.ID, store.UserFilter{Page: store.Page{Size: 2}})
	if _, err := s.ListUsers(t.Context(), tn.ID, store.UserFilter{Sort: "-created_at", Page: store.Page{Cursor: l.Next}}); !errors.Is(err, store.ErrBadCursor) {
		t.Errorf("a username cursor used with -created_at = %v, want ErrBadCursor", err)
	}
}

// Keyset paging visits every user exactly once, in order, in both
// directions and for every sort, while users are being added.
func TestListUsersPaging(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { now = now.Add(time.Minute); return now })
	tn, _ := mustTenant(t, s, "acme")
	var items []store.NewUser
	for i := range 47 {
		// Display names repeat, so the id tie-break is exercised.
		items = append(items, store.NewUser{Username: fmt.Sprintf("user%02d", (i*17)%47), DisplayName: fmt.Sprintf("Name %d", i%5)})
	}
	if _, err := s.CreateUsers(t.Context(), tn.ID, items); err != nil {
		t.Fatal(err)
	}
	for _, sort := range store.UserSorts {
		t.Run(sort, func(t *testing.T) {
			var forward []int64
			seen := map[int64]bool{}
			page := store.Page{Size: 10}
			added := 0
			var last store.UserList
			for {
				l, err := s.ListUsers(t.Context(), tn.ID, store.UserFilter{Sort: sort, Page: page})
				if err != nil {
					t.Fatal(err)
				}
				for _, u := range l.Items {
					if seen[u.ID] {
						t.Fatalf("user %s seen twice", u.Username)
					}
					seen[u.ID] = true
					forward = append(forward, u.ID)
				}
				if added < 2 {
					// New users sort after the current page for ascending
					// username ("zz…") or anywhere else; none may repeat.
					mustUser(t, s, tn.ID, store.NewUser{Username: fmt.Sprintf("zz-%s-%d", strings.ReplaceAll(sort, "-", "desc-"), added), DisplayName: "Name 0"})
					added++
				}
				last = l
				if l.Next == "" {
					break
				}
				page.Cursor = l.Next
			}
			if len(forward) < 47 {
				t.Fatalf("paging saw %d users, want at least the 47 present at the start", len(forward))
			}
			// Walk back from the last page with the Prev cursors.
			var back []int64
			l := last
			for l.Prev != "" {
				l2, err := s.ListUsers(t.Context(), tn.ID, store.UserFilter{Sort: sort, Page: store.Page{Size: 10, Cursor: l.Prev}})
				if err != nil {
					t.Fatal(err)
				}
				back = append(userIDs(l2.Items), back...)
				l = l2
			}
			// Users added behind the forward walk may show up going back; every
			// user of the forward walk must too, in the same order.
			want := forward[:len(forward)-len(last.Items)]
			if !isSubsequence(want, back) || len(slices.Compact(slices.Sorted(slices.Values(back)))) != len(back) {
				t.Fatalf("walking back gave %v, which does not hold the forward walk %v in order, once each", back, want)
			}
		})
	}
	l, err := s.ListUsers(t.Context(), tn.ID, store.UserFilter{Page: store.Page{Number: 2, Size: 10}})
	if err != nil || len(l.Items) != 10 || l.Items[0].Username != "user10" {
		t.Fatalf("page number 2 = %v, %v", l.Items, err)
	}
}

// The plan of every list query reads an index range and never sorts the
// tenant's users (SQLite's planner, without statistics, would).
func TestListUsersQueryPlans(t *testing.T) {
	t.Parallel()
	s := newSQLiteStore(t)
	tn, _ := mustTenant(t, s, "acme")
	mustUser(t, s, tn.ID, store.NewUser{Username: "ada"})
	first, _ := s.ListUsers(t.Context(), tn.ID, store.UserFilter{Page: store.Page{Size: 1}})
	mustUser(t, s, tn.ID, store.NewUser{Username: "bob"})
	first, _ = s.ListUsers(t.Context(), tn.ID, store.UserFilter{Page: store.Page{Size: 1}})
	yes := true
	tests := []struct {
		name      string
		f         store.UserFilter
		index     string
		sortsFine bool // a sort of a few rows (one email's users, ≤1000 keyword matches)
	}{
		{"first page", store.UserFilter{}, "users_username", false},
		{"deep page", store.UserFilter{Page: store.Page{Cursor: first.Next}}, "users_username", false},
		{"username prefix", store.UserFilter{UsernamePrefix: "ad"}, "users_username", false},
		{"status", store.UserFilter{Status: "enabled"}, "users_status", false},
		{"status and prefix", store.UserFilter{Status: "enabled", UsernamePrefix: "a"}, "users_status", false},
		{"locked", store.UserFilter{Locked: &yes}, "users_locked", false},
		{"managed", store.UserFilter{OwnerType: store.OwnerManager}, "users_managed", false},
		{"by created", store.UserFilter{Sort: "-created_at"}, "users_created", false},
		{"by display name", store.UserFilter{Sort: "display_name"}, "users_display_name", false},
		{"email", store.UserFilter{Email: "ada@example.com"}, "users_email", true},
		{"keyword", store.UserFilter{Query: "adalove"}, "VIRTUAL TABLE", true},
		{"short keyword", store.UserFilter{Query: "ad"}, "MULTI-INDEX OR", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := s.ListPlan(t.Context(), tn.ID, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(plan, tt.index) || strings.Contains(plan, "SCAN u") ||
				(!tt.sortsFine && strings.Contains(plan, "TEMP B-TREE")) {
				t.Fatalf("plan:\n%s\nwant %s, no scan of users, no sort", plan, tt.index)
			}
		})
	}
}

func TestUserStats(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	now := time.Date(2026, 1, 31, 23, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	tn, _ := mustTenant(t, s, "acme")
	mustUser(t, s, tn.ID, store.NewUser{Username: "jan1"})
	mustUser(t, s, tn.ID, store.NewUser{Username: "jan2", SourceType: "csv"})
	now = now.Add(2 * time.Hour)
	feb := mustUser(t, s, tn.ID, store.NewUser{Username: "feb1", Password: "Str0ng-enough"})
	s.ApplyUserAction(t.Context(), tn.ID, store.UserAction{Kind: store.ActionDisable}, []string{feb.PublicID()})
	want := map[string][]store.StatItem{
		"status":        {{"disabled", 1}, {"enabled", 1}, {"pending", 1}},
		"source_type":   {{"built_in", 1}, {"csv", 1}},
		"created_month": {{"2026-01", 2}, {"2026-02", 1}},
	}
	// One more to count: the csv user becomes built_in.
	src := "built_in"
	l, _ := s.ListUsers(t.Context(), tn.ID, store.UserFilter{SourceType: "csv"})
	if _, err := s.UpdateUser(t.Context(), tn.ID, l.Items[0].ID, store.UserUpdate{SourceType: &src}); err != nil {
		t.Fatal(err)
	}
	want["source_type"] = []store.StatItem{{"built_in", 3}}
	for dim, w := range want {
		got, err := s.UserStats(t.Context(), tn.ID, dim)
		if err != nil || !slices.Equal(got, w) {
			t.Errorf("UserStats(%s) = %v, %v; want %v", dim, got, err, w)
		}
	}
	ou, err := s.UserStats(t.Context(), tn.ID, "org_unit")
	if err != nil || len(ou) != 1 || ou[0].Count != 3 || !strings.HasPrefix(ou[0].Key, "ou_") {
		t.Errorf("UserStats(org_unit) = %v, %v", ou, err)
	}
	if _, err := s.UserStats(t.Context(), tn.ID, "colour"); !isFieldError(err, "group_by") {
		t.Errorf("unknown group_by = %v", err)
	}
	full, _ := s.ListUsers(t.Context(), tn.ID, store.UserFilter{})
	if full.Total != 3 || full.TotalCapped {
		t.Errorf("total = %d (capped %v), want 3 from the counters", full.Total, full.TotalCapped)
	}
}

func userIDs(us []store.User) []int64 {
	out := make([]int64, len(us))
	for i, u := range us {
		out[i] = u.ID
	}
	return out
}

func isSubsequence(sub, seq []int64) bool {
	i := 0
	for _, v := range seq {
		if i < len(sub) && sub[i] == v {
			i++
		}
	}
	return i == len(sub)
}
