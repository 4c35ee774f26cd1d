package store_test

import (
	"slices"
	"strings"
	"testing"

	"roster/store"
)

// A nested filter tests the groups a user belongs to and the tenant's
// custom properties, each read from its own index: a group's members, a
// property's holders. A substring or a number's order reads every value of
// a property, so it is refused once more users hold one than a query may
// read; equality, prefixes and dates' order never are.
func TestQueryUsersByGroupsAndProperties(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	other, _ := mustTenant(t, s, "globex")
	for _, p := range []store.NewProperty{
		{Key: "site", Type: "select", Options: []store.OptionInput{{Value: "berlin"}, {Value: "paris"}}},
		{Key: "level", Type: "number"}, {Key: "joined", Type: "date"}, {Key: "badge", Type: "text"},
	} {
		if _, err := s.CreateProperty(ctx, tn.ID, p); err != nil {
			t.Fatal(err)
		}
	}
	users := map[string]int64{}
	for _, u := range []struct {
		name  string
		props map[string]string
	}{
		{"ada", map[string]string{"site": "berlin", "level": "3", "joined": "2024-01-15", "badge": "A-1"}},
		{"alan", map[string]string{"site": "paris", "level": "12", "joined": "2025-03-01", "badge": "B-2"}},
		{"grace", map[string]string{"level": "-1"}},
	} {
		users[u.name] = mustUser(t, s, tn.ID, store.NewUser{Username: u.name}).ID
		for k, v := range u.props {
			if err := s.SetUserProperty(ctx, tn.ID, users[u.name], k, []string{v}); err != nil {
				t.Fatalf("SetUserProperty(%s, %s) = %v", u.name, k, err)
			}
		}
	}
	eng, err := s.CreateGroupWith(ctx, tn.ID, "Engineering", []int64{users["ada"], users["alan"]})
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := s.CreateGroupWith(ctx, other.ID, "Engineering", []int64{mustUser(t, s, other.ID, store.NewUser{Username: "ada"}).ID})
	if err != nil {
		t.Fatal(err)
	}
	test := func(field, op string, v any) store.UserExpr {
		return store.UserExpr{Cond: store.UserCond{Field: field, Op: op, Value: v, Label: "attr:" + field}}
	}
	not := func(e store.UserExpr) store.UserExpr {
		return store.UserExpr{Op: store.ExprNot, Args: []store.UserExpr{e}}
	}
	query := func(e store.UserExpr) ([]string, error) {
		l, err := s.QueryUsers(ctx, tn.ID, store.UserQuery{Where: &e, Sort: []store.QuerySort{{Field: "username"}}})
		var out []string
		for _, u := range l.Items {
			out = append(out, u.Username)
		}
		if err == nil && l.Total != len(out) {
			t.Errorf("QueryUsers(%+v): total %d for %d users", e, l.Total, len(out))
		}
		return out, err
	}
	prop := func(key, op string, v any) store.UserExpr { return test(store.FieldProperty+key, op, v) }
	for _, c := range []struct {
		e    store.UserExpr
		want string
	}{
		{test(store.FieldGroupID, "eq", eng.ID), "ada alan"},
		{test(store.FieldGroupID, "eq", theirs.ID), ""},
		{test(store.FieldGroupName, "eq", "ENGINEERING"), "ada alan"},
		{test(store.FieldGroupID, "not", eng.ID), "grace"},
		{test(store.FieldGroupID, "exists", false), "grace"},
		{prop("site", "eq", "Berlin"), "ada"},
		{prop("SITE", store.OpSuffix, "is"), "alan"},
		{not(prop("site", "exists", true)), "grace"},
		{prop("level", "gt", "2"), "ada alan"},
		{prop("level", "lte", "3"), "ada grace"},
		{prop("level", "eq", "12.0"), "alan"},
		{prop("joined", "gte", "2025-01-01"), "alan"},
		{prop("badge", store.OpPrefix, "A-"), "ada"},
		{prop("badge", "contain", "-"), "ada alan"},
		{prop("badge", "contain", "b-"), ""},
		{prop("badge", store.OpSuffix, "-2"), "alan"},
		{prop("badge", store.OpPrefix, "a"), ""},
		{store.UserExpr{Op: store.ExprAnd, Args: []store.UserExpr{test(store.FieldGroupName, "eq", "Engineering"),
			prop("level", "eq", "3")}}, "ada"},
	} {
		got, err := query(c.e)
		if err != nil || strings.Join(got, " ") != c.want {
			t.Errorf("QueryUsers(%+v) = %v, %v; want %q", c.e, got, err, c.want)
		}
	}
	for _, e := range []store.UserExpr{
		test(store.FieldGroupID, "contain", "x"), test(store.FieldGroupID, "eq", "Engineering"),
		prop("nickname", "eq", "x"), prop("badge", "gt", "A"), prop("site", "lt", "b"), prop("level", "contain", "1"),
		prop("level", "eq", "many"), prop("joined", "lt", "soon"),
	} {
		if _, err := query(e); !isFieldError(err, e.Cond.Label) {
			t.Errorf("QueryUsers(%+v) = %v; want a refusal naming %s", e, err, e.Cond.Label)
		}
	}
	s.SetScanLimit(1)
	for _, e := range []store.UserExpr{prop("level", "gt", "2"), prop("badge", "contain", "-"), test(store.FieldGroupID, "exists", true)} {
		if _, err := query(e); !isFieldError(err, e.Cond.Label) {
			t.Errorf("QueryUsers(%+v) in a large tenant = %v; want a refusal naming %s", e, err, e.Cond.Label)
		}
	}
	for _, c := range []struct {
		e    store.UserExpr
		want string
	}{
		{prop("joined", "lt", "2025-01-01"), "ada"},
		{prop("badge", store.OpPrefix, "B"), "alan"},
		{test(store.FieldGroupName, "eq", "engineering"), "ada alan"},
	} {
		if got, err := query(c.e); err != nil || strings.Join(got, " ") != c.want {
			t.Errorf("QueryUsers(%+v) in a large tenant = %v, %v; want %q", c.e, got, err, c.want)
		}
	}
}

// Groups are filtered by an expression of the users' shape: name, id and
// a member, nested with AND, OR and NOT, in the tenant only.
func TestQueryGroupsWhere(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	other, _ := mustTenant(t, s, "globex")
	ada := mustUser(t, s, tn.ID, store.NewUser{Username: "ada"}).ID
	groups := map[string]int64{}
	for name, members := range map[string][]int64{"Engineering": {ada}, "Sales": nil, "Support": nil} {
		g, err := s.CreateGroupWith(ctx, tn.ID, name, members)
		if err != nil {
			t.Fatal(err)
		}
		groups[name] = g.ID
	}
	if _, err := s.CreateGroupWith(ctx, other.ID, "Sales", nil); err != nil {
		t.Fatal(err)
	}
	test := func(field, op string, v any) store.UserExpr {
		return store.UserExpr{Cond: store.UserCond{Field: field, Op: op, Value: v, Label: "attr:" + field}}
	}
	for _, c := range []struct {
		e    store.UserExpr
		want []string
	}{
		{test(store.GroupFieldName, "eq", "sales"), []string{"Sales"}},
		{test(store.GroupFieldName, store.OpPrefix, "s"), []string{"Sales", "Support"}},
		{test(store.GroupFieldName, store.OpSuffix, "ING"), []string{"Engineering"}},
		{test(store.GroupFieldName, "contain", "p"), []string{"Support"}},
		{test(store.GroupFieldMember, "eq", ada), []string{"Engineering"}},
		{test(store.GroupFieldMember, "exists", false), []string{"Sales", "Support"}},
		{store.UserExpr{Op: store.ExprOr, Args: []store.UserExpr{test(store.GroupFieldID, "eq", groups["Sales"]),
			{Op: store.ExprNot, Args: []store.UserExpr{test(store.GroupFieldName, store.OpPrefix, "s")}}}}, []string{"Engineering", "Sales"}},
	} {
		l, err := s.QueryGroups(ctx, tn.ID, store.GroupQuery{Where: &c.e})
		var got []string
		for _, g := range l.Items {
			got = append(got, g.Name)
		}
		if err != nil || !slices.Equal(got, c.want) || l.Total != len(c.want) {
			t.Errorf("QueryGroups(%+v) = %v (%d), %v; want %v", c.e, got, l.Total, err, c.want)
		}
	}
	for _, e := range []store.UserExpr{test(store.GroupFieldName, "gt", "A"), test(store.GroupFieldMember, "contain", "1"), test("owner", "eq", "x")} {
		if _, err := s.QueryGroups(ctx, tn.ID, store.GroupQuery{Where: &e}); !isFieldError(err, e.Cond.Label) {
			t.Errorf("QueryGroups(%+v) = %v; want a refusal naming %s", e, err, e.Cond.Label)
		}
	}
}

// A group's members and a property value's holders are read from their
// indexes; a set holding much of the tenant is probed for each user
// walked, by the same indexes.
func TestGroupAndPropertyFiltersReadTheirIndexes(t *testing.T) {
	t.Parallel()
	s := newSQLiteStore(t)
	for _, c := range []struct {
		query, index string
		args         []any
	}{
		{`SELECT 1 FROM users u WHERE u.tenant_id = ? AND (u.id IN (SELECT m.user_id FROM user_groups g JOIN group_members m
			ON m.group_id = g.id WHERE g.tenant_id = ? AND g.id = ?))`, "PRIMARY KEY", []any{1, 1, 1}},
		{`SELECT 1 FROM users u WHERE u.tenant_id = ? AND (u.id IN (SELECT m.user_id FROM user_groups g JOIN group_members m
			ON m.group_id = g.id WHERE g.tenant_id = ? AND g.name = ?))`, "user_groups_name", []any{1, 1, "x"}},
		{`SELECT 1 FROM users u WHERE u.tenant_id = ? AND (EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = ?
			AND m.user_id = u.id))`, "PRIMARY KEY (group_id=? AND user_id=?)", []any{1, 1}},
		{`SELECT 1 FROM users u WHERE u.tenant_id = ? AND (u.id IN (SELECT v.user_id FROM user_property_values v
			WHERE v.property_id = ? AND v.option_id = 0 AND v.value >= ? AND v.value < ?))`, "(property_id=? AND option_id=? AND value>? AND value<?)", []any{1, 1, "a", "b"}},
	} {
		plan, err := s.Plan(t.Context(), c.query, c.args...)
		if err != nil || !strings.Contains(plan, c.index) || strings.Contains(plan, "SCAN u") {
			t.Errorf("plan of %s = %s, %v; want %s and no scan of users", c.query, plan, err, c.index)
		}
	}
}
