package store_test

import (
	"slices"
	"strings"
	"testing"

	"roster/store"
)

// A nested filter (UserQuery.Where) is answered by the same SQL as flat
// ones: AND, OR and NOT nest; prefixes read the field's index; and in a
// tenant too large to read whole, a test no index serves is refused,
// naming the caller's label for it.
func TestQueryUsersWhere(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	for _, n := range []string{"ada", "alan", "grace"} {
		mustUser(t, s, tn.ID, store.NewUser{Username: n, DisplayName: n + " Example", Language: "en", ExternalID: "x-" + n,
			SourceType: "scim", Tags: map[string]string{"department": n[:1]}})
	}
	test := func(field, op string, v any) store.UserExpr {
		return store.UserExpr{Cond: store.UserCond{Field: field, Op: op, Value: v, Label: "attr:" + field}}
	}
	names := func(e store.UserExpr) []string {
		t.Helper()
		l, err := s.QueryUsers(ctx, tn.ID, store.UserQuery{Where: &e, Sort: []store.QuerySort{{Field: "username"}}})
		if err != nil {
			t.Fatalf("QueryUsers(%+v) = %v", e, err)
		}
		var out []string
		for _, u := range l.Items {
			out = append(out, u.Username)
		}
		return out
	}
	for _, c := range []struct {
		e    store.UserExpr
		want []string
	}{
		{test("username", store.OpPrefix, "A"), []string{"ada", "alan"}},
		{test("display_name", store.OpSuffix, "n example"), []string{"alan"}},
		{test("external_id", "eq", "x-grace"), []string{"grace"}},
		{store.UserExpr{Op: store.ExprAnd, Args: []store.UserExpr{test("username", store.OpPrefix, "a"),
			{Op: store.ExprNot, Args: []store.UserExpr{test("external_id", "eq", "x-ada")}}}}, []string{"alan"}},
		{store.UserExpr{Op: store.ExprOr, Args: []store.UserExpr{test("username", "eq", "grace"), test("tags.department", "eq", "a")}},
			[]string{"ada", "alan", "grace"}},
		{store.UserExpr{Op: store.ExprOr}, nil},
	} {
		if got := names(c.e); !slices.Equal(got, c.want) {
			t.Errorf("QueryUsers(%+v) = %v, want %v", c.e, got, c.want)
		}
	}
	s.SetScanLimit(2)
	if got := names(test("external_id", "eq", "x-ada")); !slices.Equal(got, []string{"ada"}) {
		t.Errorf("external id in a large tenant = %v", got)
	}
	for _, e := range []store.UserExpr{test("tags.department", "contain", "a"), test("username", store.OpSuffix, "an")} {
		_, err := s.QueryUsers(ctx, tn.ID, store.UserQuery{Where: &e})
		if !isFieldError(err, e.Cond.Label) {
			t.Errorf("QueryUsers(%+v) in a large tenant = %v; want a refusal naming %s", e, err, e.Cond.Label)
		}
	}
}

// An identity provider's lookup by external id reads the index of
// external ids, whatever source its user is of.
func TestExternalIDLookupReadsItsIndex(t *testing.T) {
	t.Parallel()
	s := newSQLiteStore(t)
	plan, err := s.Plan(t.Context(), `SELECT 1 FROM users u WHERE u.tenant_id = ? AND (u.external_id = ?)`, 1, "x")
	if err != nil || !strings.Contains(plan, "users_external_id") {
		t.Errorf("plan = %s, %v; want the users_external_id index", plan, err)
	}
}
