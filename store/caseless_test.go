package store_test

import (
	"strings"
	"testing"

	"roster/store"
)

// caselessDirectory is a tenant whose display names and emails differ from
// each other in case only where a test needs it: a case-sensitive order
// would put every capital first (Ada, Dave, bob, carl).
func caselessDirectory(t *testing.T, s *store.Store) int64 {
	t.Helper()
	tn, _ := mustTenant(t, s, "acme")
	for _, u := range [][3]string{
		{"user1", "bob", "Bob@Example.com"},
		{"user2", "Dave", "dave@example.com"},
		{"user3", "carl", "CARL@example.com"},
		{"user4", "Ada", "ada@example.com"},
	} {
		mustUser(t, s, tn.ID, store.NewUser{Username: u[0], DisplayName: u[1], Email: u[2]})
	}
	return tn.ID
}

func displayNames(users []store.User) string {
	var names []string
	for _, u := range users {
		names = append(names, u.DisplayName)
	}
	return strings.Join(names, " ")
}

// Display names sort, page and match without case, and emails match
// without case, on both engines.
func TestDisplayNamesAndEmailsCompareWithoutCase(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	tenant := caselessDirectory(t, s)
	ctx := t.Context()

	l, err := s.ListUsers(ctx, tenant, store.UserFilter{Sort: "display_name"})
	if err != nil || displayNames(l.Items) != "Ada bob carl Dave" {
		t.Fatalf("sorted by display name: %q, %v; want Ada bob carl Dave", displayNames(l.Items), err)
	}
	for _, sort := range []string{"display_name", "-display_name"} {
		var walked []store.User
		f := store.UserFilter{Sort: sort, Page: store.Page{Size: 1}}
		for {
			page, err := s.ListUsers(ctx, tenant, f)
			if err != nil {
				t.Fatal(err)
			}
			walked = append(walked, page.Items...)
			if page.Next == "" || len(walked) > 4 {
				break
			}
			f.Page.Cursor = page.Next
		}
		want := "Ada bob carl Dave"
		if sort[0] == '-' {
			want = "Dave carl bob Ada"
		}
		if displayNames(walked) != want {
			t.Errorf("pages of one, %s: %q, want %q", sort, displayNames(walked), want)
		}
	}

	for _, f := range []store.UserFilter{{DisplayNamePrefix: "DA"}, {Email: "DAVE@EXAMPLE.COM"}, {Query: "dA"}} {
		l, err := s.ListUsers(ctx, tenant, f)
		if err != nil || displayNames(l.Items) != "Dave" {
			t.Errorf("%+v: %q, %v; want Dave", f, displayNames(l.Items), err)
		}
	}

	for _, c := range []store.UserCond{
		{Field: "display_name", Op: "eq", Value: "CARL"},
		{Field: "email", Op: "eq", Value: "carl@EXAMPLE.com"},
		{Field: "display_name", Op: "gte", Value: "CARL"},
		{Field: "email", Op: "in", Value: []any{"CARL@EXAMPLE.COM", "nobody@example.com"}},
	} {
		want := "carl"
		if c.Op == "gte" {
			want = "carl Dave"
		}
		q, err := s.QueryUsers(ctx, tenant, store.UserQuery{And: []store.UserCond{c}})
		if err != nil || displayNames(q.Items) != want {
			t.Errorf("%s %s %v: %q, %v; want %s", c.Field, c.Op, c.Value, displayNames(q.Items), err, want)
		}
	}
}

// Sorting by display name, a display name's prefix and an email are read
// from their indexes, never by reading or sorting the tenant's users. On
// PostgreSQL those indexes hold the lower-cased values (ci), so a query
// comparing the citext column itself would find no index to use.
func TestDisplayNamesAndEmailsReadTheirIndexes(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	tenant := caselessDirectory(t, s)
	ctx := t.Context()
	// Enough users, counted, that reading one email's is worth an index.
	mustUsers(t, s, tenant, "more", "", 2000)
	if err := s.ExecRaw(ctx, `ANALYZE users`); err != nil {
		t.Fatal(err)
	}
	first, err := s.ListUsers(ctx, tenant, store.UserFilter{Sort: "-display_name", Page: store.Page{Size: 1}})
	if err != nil {
		t.Fatal(err)
	}
	lists := []struct {
		name  string
		f     store.UserFilter
		index string
	}{
		{"by display name", store.UserFilter{Sort: "display_name"}, "users_display_name"},
		{"by display name, a page after a cursor", store.UserFilter{Sort: "-display_name", Page: store.Page{Cursor: first.Next}}, "users_display_name"},
		{"display name prefix", store.UserFilter{Sort: "display_name", DisplayNamePrefix: "Da"}, "users_display_name"},
		{"email", store.UserFilter{Email: "Dave@example.com"}, "users_email"},
	}
	for _, tt := range lists {
		plan, err := s.ListPlan(ctx, tenant, tt.f)
		if err != nil {
			t.Fatal(err)
		}
		checkIndexPlan(t, tt.name, plan, tt.index, tt.f.Email == "")
	}
	queries := []struct {
		name  string
		c     store.UserCond
		index string
	}{
		{"display name equal", store.UserCond{Field: "display_name", Op: "eq", Value: "dave"}, "users_display_name"},
		{"display name range", store.UserCond{Field: "display_name", Op: "lt", Value: "c"}, "users_display_name"},
		{"email equal", store.UserCond{Field: "email", Op: "eq", Value: "DAVE@example.com"}, "users_email"},
	}
	for _, tt := range queries {
		plan, err := s.QueryPlan(ctx, tenant, store.UserQuery{And: []store.UserCond{tt.c}})
		if err != nil {
			t.Fatal(err)
		}
		checkIndexPlan(t, tt.name, plan, tt.index, tt.c.Field == "display_name")
	}
}

// checkIndexPlan fails unless plan reads index, scans no table, and (if
// sorted) sorts nothing: the index gives the order.
func checkIndexPlan(t *testing.T, name, plan, index string, sorted bool) {
	t.Helper()
	scan := strings.Contains(plan, "Seq Scan") || strings.Contains(plan, "SCAN u")
	sorts := strings.Contains(plan, "Sort") || strings.Contains(plan, "TEMP B-TREE")
	if !strings.Contains(plan, index) || scan || (sorted && sorts) {
		t.Errorf("%s: plan\n%s\nwant %s, no scan of users%s", name, plan, index, map[bool]string{true: ", no sort"}[sorted])
	}
}
