package store_test

import (
	"fmt"
	"testing"

	"roster/store"
)

// In a tenant larger than the scan limit, a query may test, sort or group
// by a field no index serves only when an index narrows it: otherwise it
// is refused, naming the field, instead of reading every user.
func TestQueryUsersRefusesScansOfLargeTenants(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	for _, n := range []string{"ada", "alan", "grace"} {
		mustUser(t, s, tn.ID, store.NewUser{Username: n, DisplayName: n + " Example", Language: "en"})
	}
	s.SetScanLimit(2)
	refused := []store.UserQuery{
		{And: []store.UserCond{{Field: "language", Op: "eq", Label: "language", Value: "en"}}},
		{Or: []store.UserCond{{Field: "tags.team", Op: "contain", Value: "blu"}}},
		{And: []store.UserCond{{Field: "display_name", Op: "not_contain", Label: "name", Value: "ada"}}},
		{And: []store.UserCond{{Field: "username", Op: "contain", Label: "user_id", Value: "al"}}},
		{Sort: []store.QuerySort{{Field: "timezone"}}},
	}
	for _, q := range refused {
		if _, err := s.QueryUsers(ctx, tn.ID, q); err == nil {
			t.Errorf("QueryUsers(%+v) was not refused", q)
		}
	}
	_, err := s.QueryUsers(ctx, tn.ID, refused[0])
	if !isFieldError(err, "language") {
		t.Errorf("refusal = %v; want it to name language", err)
	}
	if _, _, err := s.GroupUsers(ctx, tn.ID, store.UserGroupQuery{Keys: []store.GroupKey{{Field: "language", Name: "l"}}}); !isFieldError(err, "language") {
		t.Errorf("grouping by language = %v", err)
	}
	served := []store.UserQuery{
		{And: []store.UserCond{{Field: "username", Op: "contain", Value: "ala"}}},
		{And: []store.UserCond{{Field: "status", Op: "not", Value: "ENABLED"}, {Field: "user_type", Op: "in", Value: []any{"USER"}}}},
		{And: []store.UserCond{{Field: "created_at", Op: "timediff_gt", Value: "now/w - 1w"}}, Sort: []store.QuerySort{{Field: "created_at", Desc: true}}},
		{Keywords: []string{"grace", "al"}},
		{And: []store.UserCond{{Field: "tags.team", Op: "exists", Value: true}}},
		{And: []store.UserCond{{Field: "tags.team", Op: "in", Value: []any{"blue", "red"}}}},
	}
	for _, q := range served {
		if _, err := s.QueryUsers(ctx, tn.ID, q); err != nil {
			t.Errorf("QueryUsers(%+v) = %v", q, err)
		}
	}
	s.SetScanLimit(0)
	l, err := s.QueryUsers(ctx, tn.ID, refused[0])
	if err != nil || l.Total != 3 || len(l.Items) != 3 {
		t.Errorf("under the limit: %+v, %v", l, err)
	}
}

// A filter many users match reads its page in the sort's order, along the
// sort's index; one few users match sorts them. Both give the same order.
func TestQueryUsersPagesOfBroadAndNarrowFilters(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	mustUsers(t, s, tn.ID, "csv", "csv", 1200)
	mustUsers(t, s, tn.ID, "own", "", 5)
	for _, c := range []struct {
		backend, want string
		total         int
		capped        bool
	}{
		{"EXTERNAL", "[csv-999 csv-998 csv-997]", 1200, false},
		{"LOCAL", "[own-5 own-4 own-3]", 5, false},
	} {
		for _, sort := range []string{"email", "created_at", "username"} {
			l, err := s.QueryUsers(ctx, tn.ID, store.UserQuery{
				And:  []store.UserCond{{Field: "backend", Op: "eq", Value: c.backend}},
				Sort: []store.QuerySort{{Field: sort, Desc: true}}, Limit: 3})
			if err != nil || l.Total != c.total || l.TotalCapped != c.capped {
				t.Fatalf("%s by %s: %+v, %v", c.backend, sort, l, err)
			}
			var got []string
			for _, u := range l.Items {
				got = append(got, u.Username)
			}
			want := c.want
			// Without emails, and created in the same instant, users tie
			// on those sorts and come newest first.
			if sort != "username" && c.backend == "EXTERNAL" {
				want = "[csv-1200 csv-1199 csv-1198]"
			}
			if fmt.Sprint(got) != want {
				t.Errorf("%s by %s = %v, want %s", c.backend, sort, got, want)
			}
		}
	}
}

// A tag's equality and existence are answered from the tags' own table,
// in a tenant of any size, with the same users a read of each user's
// tags would give; their negations keep the users without the tag.
func TestQueryUsersByTag(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	other, _ := mustTenant(t, s, "other")
	for n, tags := range map[string]map[string]string{
		"ada": {"team": "blue", "site": "berlin"}, "alan": {"team": "red"}, "grace": {"site": "berlin"}, "edsger": {"team": ""},
	} {
		mustUser(t, s, tn.ID, store.NewUser{Username: n, Tags: tags})
	}
	mustUser(t, s, other.ID, store.NewUser{Username: "mallory", Tags: map[string]string{"team": "blue"}})
	s.SetScanLimit(2)
	defer s.SetScanLimit(0)
	for _, c := range []struct {
		cond store.UserCond
		want string
	}{
		{store.UserCond{Field: "tags.team", Op: "eq", Value: "blue"}, "[ada]"},
		{store.UserCond{Field: "tags.team", Op: "in", Value: []any{"blue", "red"}}, "[ada alan]"},
		{store.UserCond{Field: "tags.team", Op: "exists", Value: true}, "[ada alan]"},
		{store.UserCond{Field: "tags.team", Op: "exists", Value: false}, "[edsger grace]"},
		{store.UserCond{Field: "tags.team", Op: "not", Value: "blue"}, "[alan edsger grace]"},
		{store.UserCond{Field: "tags.site", Op: "not_in", Value: []any{"berlin"}}, "[alan edsger]"},
	} {
		l, err := s.QueryUsers(ctx, tn.ID, store.UserQuery{And: []store.UserCond{c.cond}, Sort: []store.QuerySort{{Field: "username"}}})
		if err != nil {
			t.Errorf("%+v: %v", c.cond, err)
			continue
		}
		var got []string
		for _, u := range l.Items {
			got = append(got, u.Username)
		}
		if fmt.Sprint(got) != c.want || l.Total != len(got) {
			t.Errorf("%+v = %v (total %d), want %s", c.cond, got, l.Total, c.want)
		}
	}
}
