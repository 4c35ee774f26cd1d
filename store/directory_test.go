package store_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"roster/store"
)

func mustUnit(t *testing.T, s *store.Store, tenant, parent int64, name string) store.OrgUnit {
	t.Helper()
	o, err := s.CreateOrgUnit(t.Context(), tenant, store.NewOrgUnit{ParentID: parent, Name: name})
	if err != nil {
		t.Fatalf("CreateOrgUnit(%q) = %v", name, err)
	}
	return o
}

func usernames(t *testing.T, s *store.Store, tenant int64, f store.UserFilter) []string {
	t.Helper()
	f.Page.Size = 100
	l, err := s.ListUsers(t.Context(), tenant, f)
	if err != nil {
		t.Fatalf("ListUsers(%+v) = %v", f, err)
	}
	var out []string
	for _, u := range l.Items {
		out = append(out, u.Username)
	}
	if l.Total != len(out) {
		t.Fatalf("ListUsers(%+v): total %d for %d items", f, l.Total, len(out))
	}
	return out
}

func pubIDs(users ...store.User) []string {
	var out []string
	for _, u := range users {
		out = append(out, u.PublicID())
	}
	return out
}

// A random tree is moved around many times; after every move each unit's
// path, each subtree and every count agree with a walk of the parent links.
func TestOrgTreeMovesKeepPathsSubtreesAndCounts(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	root, err := s.RootOrgUnit(ctx, tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	units := []int64{root.ID}
	for i := range 40 {
		o := mustUnit(t, s, tn.ID, units[rng.IntN(len(units))], fmt.Sprintf("unit %d", i))
		units = append(units, o.ID)
	}
	for i := range 60 {
		mustUser(t, s, tn.ID, store.NewUser{Username: fmt.Sprintf("user%02d", i), OrgUnitID: units[rng.IntN(len(units))]})
	}
	check := func(step string) {
		t.Helper()
		parent := map[int64]int64{}
		direct := map[int64]int{}
		for _, id := range units {
			o, err := s.GetOrgUnit(ctx, tn.ID, id)
			if err != nil {
				t.Fatal(err)
			}
			parent[id] = o.ParentID
		}
		all := usernames(t, s, tn.ID, store.UserFilter{})
		unitOf := map[string]int64{}
		l, _ := s.ListUsers(ctx, tn.ID, store.UserFilter{Page: store.Page{Size: 100}})
		for _, u := range l.Items {
			direct[u.OrgUnitID]++
			unitOf[u.Username] = u.OrgUnitID
		}
		inside := func(x, anc int64) bool {
			for ; x != 0; x = parent[x] {
				if x == anc {
					return true
				}
			}
			return false
		}
		for _, id := range units {
			path, err := s.OrgUnitPath(ctx, tn.ID, id)
			if err != nil {
				t.Fatal(err)
			}
			var want []int64
			for x := id; x != 0; x = parent[x] {
				want = append([]int64{x}, want...)
			}
			var got []int64
			for _, p := range path {
				got = append(got, p.ID)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%s: path of %d = %v, want %v", step, id, got, want)
			}
			var wantUsers []string
			subtree := 0
			for _, name := range all {
				if inside(unitOf[name], id) {
					wantUsers = append(wantUsers, name)
					subtree++
				}
			}
			gotUsers := usernames(t, s, tn.ID, store.UserFilter{OrgUnitID: id, SubUnits: true})
			if !slices.Equal(gotUsers, wantUsers) {
				t.Fatalf("%s: subtree users of %d = %v, want %v", step, id, gotUsers, wantUsers)
			}
			o, _ := s.GetOrgUnit(ctx, tn.ID, id)
			if o.UserCount != direct[id] || o.SubtreeUserCount != subtree {
				t.Fatalf("%s: counts of %d = %d/%d, want %d/%d", step, id, o.UserCount, o.SubtreeUserCount, direct[id], subtree)
			}
		}
	}
	check("built")
	for i := range 30 {
		x, y := units[1+rng.IntN(len(units)-1)], units[rng.IntN(len(units))]
		_, err := s.MoveOrgUnit(ctx, tn.ID, x, y)
		var fe store.FieldErrors
		if err != nil && !errors.As(err, &fe) {
			t.Fatal(err)
		}
		check(fmt.Sprintf("move %d", i))
	}
	// Both ways of reading a filtered page give the same users.
	old := s.SetWalkBias(0)
	check("walking")
	s.SetWalkBias(old)
}

func TestOrgUnitRules(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	other, _ := mustTenant(t, s, "other")
	root, _ := s.RootOrgUnit(ctx, tn.ID)
	eng := mustUnit(t, s, tn.ID, 0, "Engineering")
	web := mustUnit(t, s, tn.ID, eng.ID, "Web")
	deep := mustUnit(t, s, tn.ID, web.ID, "Frontend")

	if _, err := s.CreateOrgUnit(ctx, tn.ID, store.NewOrgUnit{ParentID: eng.ID, Name: "Web"}); !isFieldError(err, "name") || !errors.Is(err, store.ErrConflict) {
		t.Errorf("sibling with the same name = %v, want a conflict on name", err)
	}
	if _, err := s.CreateOrgUnit(ctx, tn.ID, store.NewOrgUnit{ParentID: eng.ID, Name: " "}); !isFieldError(err, "name") {
		t.Errorf("blank name = %v", err)
	}
	if _, err := s.CreateOrgUnit(ctx, other.ID, store.NewOrgUnit{ParentID: eng.ID, Name: "X"}); !isFieldError(err, "parent_id") {
		t.Errorf("parent of another tenant = %v", err)
	}
	for _, target := range []int64{eng.ID, web.ID, deep.ID} {
		if _, err := s.MoveOrgUnit(ctx, tn.ID, eng.ID, target); !isFieldError(err, "parent_id") {
			t.Errorf("move Engineering under %d = %v, want refused", target, err)
		}
	}
	if _, err := s.MoveOrgUnit(ctx, tn.ID, root.ID, eng.ID); !isFieldError(err, "parent_id") {
		t.Errorf("moving the root = %v", err)
	}
	if _, err := s.GetOrgUnit(ctx, other.ID, eng.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unit read from another tenant = %v", err)
	}

	u := mustUser(t, s, tn.ID, store.NewUser{Username: "ada", OrgUnitID: deep.ID})
	if err := s.RemoveOrgUnit(ctx, tn.ID, web.ID, true); !isFieldError(err, "id") {
		t.Errorf("remove a unit with a child = %v", err)
	}
	err := s.RemoveOrgUnit(ctx, tn.ID, deep.ID, false)
	if !isFieldError(err, "move_users_to_parent") {
		t.Errorf("remove a unit with a user = %v", err)
	}
	if err := s.RemoveOrgUnit(ctx, tn.ID, deep.ID, true); err != nil {
		t.Fatal(err)
	}
	got, _ := s.GetUser(ctx, tn.ID, u.ID)
	if got.OrgUnitID != web.ID {
		t.Errorf("user after removing their unit is in %d, want the parent %d", got.OrgUnitID, web.ID)
	}
	web, _ = s.GetOrgUnit(ctx, tn.ID, web.ID)
	eng, _ = s.GetOrgUnit(ctx, tn.ID, eng.ID)
	if web.UserCount != 1 || web.ChildCount != 0 || eng.SubtreeUserCount != 1 {
		t.Errorf("counts after removal: web %+v, eng %+v", web, eng)
	}

	res, err := s.MoveUsers(ctx, tn.ID, eng.ID, []string{u.PublicID(), "u_zz", u.PublicID()})
	if err != nil || len(res.Succeeded) != 1 || len(res.Failed) != 2 || res.Failed[0].Code != "not_found" {
		t.Fatalf("MoveUsers = %+v, %v", res, err)
	}
	if _, err := s.MoveUsers(ctx, tn.ID, 99999, []string{u.PublicID()}); !isFieldError(err, "org_unit_id") {
		t.Errorf("move users to an unknown unit = %v", err)
	}
	layer, err := s.OrgUnitChildren(ctx, tn.ID, root.ID, store.Page{})
	if err != nil || len(layer.Items) != 1 || layer.Items[0].Name != "Engineering" || layer.Items[0].ChildCount != 1 ||
		layer.Items[0].SubtreeUserCount != 1 || layer.Items[0].UserCount != 1 {
		t.Errorf("root layer = %+v, %v", layer, err)
	}
	found, _ := s.ListOrgUnits(ctx, tn.ID, store.NameFilter{Name: "WE"})
	if len(found.Items) != 1 || found.Items[0].ID != web.ID {
		t.Errorf("search units by name = %+v", found.Items)
	}
	if ev := events(t, s, tn.ID); !contains(ev, "org_unit.move") && !contains(ev, "user.move") {
		t.Errorf("events = %v", ev)
	}
}

func TestGroupsAndMembers(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	other, _ := mustTenant(t, s, "other")
	ada := mustUser(t, s, tn.ID, store.NewUser{Username: "ada"})
	bob := mustUser(t, s, tn.ID, store.NewUser{Username: "bob"})
	eve := mustUser(t, s, other.ID, store.NewUser{Username: "eve"})
	g, err := s.CreateGroup(ctx, tn.ID, "Admins", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateGroup(ctx, tn.ID, "admins", ""); !errors.Is(err, store.ErrConflict) || !isFieldError(err, "name") {
		t.Errorf("same name in another case = %v", err)
	}
	if _, err := s.CreateGroup(ctx, other.ID, "Admins", ""); err != nil {
		t.Errorf("same name in another tenant = %v", err)
	}
	res, err := s.AddGroupMembers(ctx, tn.ID, g.ID, []string{ada.PublicID(), eve.PublicID(), bob.PublicID(), ada.PublicID()})
	if err != nil || len(res.Succeeded) != 2 || len(res.Failed) != 2 || res.Failed[0].Index != 1 || res.Failed[1].Code != "duplicate" {
		t.Fatalf("AddGroupMembers = %+v, %v", res, err)
	}
	if _, err := s.AddGroupMembers(ctx, tn.ID, g.ID, []string{ada.PublicID()}); err != nil {
		t.Fatal(err)
	}
	g, _ = s.GetGroup(ctx, tn.ID, g.ID)
	if g.MemberCount != 2 {
		t.Errorf("member count = %d, want 2 (adding twice counts once)", g.MemberCount)
	}
	if got := usernames(t, s, tn.ID, store.UserFilter{GroupID: g.ID}); !slices.Equal(got, []string{"ada", "bob"}) {
		t.Errorf("members = %v", got)
	}
	if got := usernames(t, s, tn.ID, store.UserFilter{GroupID: g.ID, Query: "bo"}); !slices.Equal(got, []string{"bob"}) {
		t.Errorf("members searched = %v", got)
	}
	gs, _ := s.UserGroups(ctx, tn.ID, ada.ID)
	if len(gs) != 1 || gs[0].Name != "Admins" {
		t.Errorf("ada's groups = %+v", gs)
	}
	if _, err := s.RemoveGroupMembers(ctx, tn.ID, g.ID, []string{bob.PublicID()}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ApplyUserAction(ctx, tn.ID, store.UserAction{Kind: store.ActionDelete}, []string{ada.PublicID()}); err != nil {
		t.Fatal(err)
	}
	g, _ = s.GetGroup(ctx, tn.ID, g.ID)
	if g.MemberCount != 0 {
		t.Errorf("member count after removing one member and deleting the other = %d", g.MemberCount)
	}
	if _, err := s.ListUsers(ctx, tn.ID, store.UserFilter{GroupID: 999}); !isFieldError(err, "group_id") {
		t.Errorf("filter by an unknown group = %v", err)
	}
	// Searching names takes % and _ literally.
	for _, n := range []string{"50%_off", "500 off"} {
		if _, err := s.CreateGroup(ctx, tn.ID, n, ""); err != nil {
			t.Fatal(err)
		}
	}
	if l, _ := s.ListGroups(ctx, tn.ID, store.NameFilter{Name: "0%_"}); len(l.Items) != 1 || l.Items[0].Name != "50%_off" {
		t.Errorf("search for 0%%_ = %+v", l.Items)
	}
	res, err = s.RemoveGroups(ctx, tn.ID, []string{g.PublicID(), "g_zz"})
	if err != nil || len(res.Succeeded) != 1 || res.Failed[0].Message != "No such group in this tenant." {
		t.Fatalf("RemoveGroups = %+v, %v", res, err)
	}
	if _, err := s.GetGroup(ctx, tn.ID, g.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("removed group = %v", err)
	}
}

func TestPropertyValuesAreValidatedByType(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	u := mustUser(t, s, tn.ID, store.NewUser{Username: "ada"})
	opts := []store.OptionInput{{Value: "red"}, {Value: "green"}, {Value: "blue"}}
	tests := []struct {
		typ     string
		good    [][]string
		stored  []string // canonical form of good[0]
		bad     [][]string
		options []store.OptionInput
	}{
		{"text", [][]string{{" hello "}}, []string{"hello"}, [][]string{{""}, {"a\x00b"}, {"x", "y"}}, nil},
		{"number", [][]string{{"42.50"}, {"-1e3"}}, []string{"42.5"}, [][]string{{"forty"}, {"Inf"}, {"NaN"}}, nil},
		{"boolean", [][]string{{"yes"}, {"false"}}, []string{"true"}, [][]string{{"maybe"}}, nil},
		{"date", [][]string{{"2026-11-23"}}, []string{"2026-11-23"}, [][]string{{"23/11/2026"}, {"2026-02-30"}}, nil},
		{"select", [][]string{{"green"}}, []string{"green"}, [][]string{{"purple"}, {"red", "blue"}}, opts},
		{"multiselect", [][]string{{"red", "blue", "red"}}, []string{"red", "blue"}, [][]string{{"red", "purple"}, {}}, opts},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			p, err := s.CreateProperty(ctx, tn.ID, store.NewProperty{Key: "p_" + tt.typ, Type: tt.typ, Options: tt.options})
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range tt.bad {
				if err := s.SetUserProperty(ctx, tn.ID, u.ID, p.Key, v); !isFieldError(err, "value") {
					t.Errorf("value %q = %v, want refused", v, err)
				}
			}
			for _, v := range tt.good {
				if err := s.SetUserProperty(ctx, tn.ID, u.ID, p.Key, v); err != nil {
					t.Errorf("value %q = %v", v, err)
				}
			}
			if err := s.SetUserProperty(ctx, tn.ID, u.ID, p.Key, tt.good[0]); err != nil {
				t.Fatal(err)
			}
			got := userProps(t, s, tn.ID, u.ID)[p.Key].Values
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tt.stored))
			if !slices.Equal(got, want) {
				t.Errorf("stored %v, want %v", got, want)
			}
		})
	}
	if _, err := s.CreateProperty(ctx, tn.ID, store.NewProperty{Key: "Bad Key", Type: "text"}); !isFieldError(err, "key") {
		t.Errorf("bad key = %v", err)
	}
	if _, err := s.CreateProperty(ctx, tn.ID, store.NewProperty{Key: "kind", Type: "colour"}); !isFieldError(err, "type") {
		t.Errorf("bad type = %v", err)
	}
	if _, err := s.CreateProperty(ctx, tn.ID, store.NewProperty{Key: "kind", Type: "text", Options: opts}); !isFieldError(err, "values") {
		t.Errorf("values on a text property = %v", err)
	}
	if _, err := s.CreateProperty(ctx, tn.ID, store.NewProperty{Key: "kind", Type: "select",
		Options: []store.OptionInput{{Value: "a"}, {Value: "a"}}}); !isFieldError(err, "values[1]") {
		t.Errorf("a value twice = %v", err)
	}
	if _, err := s.CreateProperty(ctx, tn.ID, store.NewProperty{Key: "p_text", Type: "text"}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("key taken = %v", err)
	}
	s.Limits = store.Limits{Properties: 6}
	if _, err := s.CreateProperty(ctx, tn.ID, store.NewProperty{Key: "seventh", Type: "text"}); !isFieldError(err, "key") {
		t.Errorf("past the property limit = %v", err)
	}
}

func TestRemovingAUsedValueNeedsConfirmationAndClearsIt(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	ada := mustUser(t, s, tn.ID, store.NewUser{Username: "ada"})
	bob := mustUser(t, s, tn.ID, store.NewUser{Username: "bob"})
	cy := mustUser(t, s, tn.ID, store.NewUser{Username: "cyd"})
	p, err := s.CreateProperty(ctx, tn.ID, store.NewProperty{Key: "team", Type: "multiselect",
		Options: []store.OptionInput{{Value: "web"}, {Value: "ops"}, {Value: "data"}}})
	if err != nil {
		t.Fatal(err)
	}
	for u, v := range map[int64][]string{ada.ID: {"web", "ops"}, bob.ID: {"ops"}, cy.ID: {"data"}} {
		if err := s.SetUserProperty(ctx, tn.ID, u, "team", v); err != nil {
			t.Fatal(err)
		}
	}
	// Filters: any value of one key.
	if got := usernames(t, s, tn.ID, store.UserFilter{Properties: map[string][]string{"team": {"ops"}}}); !slices.Equal(got, []string{"ada", "bob"}) {
		t.Errorf("team=ops: %v", got)
	}
	if got := usernames(t, s, tn.ID, store.UserFilter{Properties: map[string][]string{"team": {"web", "ops"}}}); !slices.Equal(got, []string{"ada", "bob"}) {
		t.Errorf("team=web or ops: %v", got)
	}
	p, _ = s.GetProperty(ctx, tn.ID, p.ID)
	if p.UserCount != 3 || p.Options[1].UserCount != 2 {
		t.Fatalf("usage = %d, ops %d", p.UserCount, p.Options[1].UserCount)
	}
	keep := []store.OptionInput{{ID: p.Options[0].PublicID(), Value: "frontend"}, {ID: p.Options[2].PublicID(), Value: "data"}, {Value: "sec"}}
	if _, err := s.UpdateProperty(ctx, tn.ID, p.ID, store.PropertyUpdate{Options: &keep}); !errors.Is(err, store.ErrConflict) || !isFieldError(err, "confirm") {
		t.Fatalf("removing a used value without confirmation = %v", err)
	}
	p, err = s.UpdateProperty(ctx, tn.ID, p.ID, store.PropertyUpdate{Options: &keep, ConfirmRemoval: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := optionNames(p); !slices.Equal(got, []string{"frontend:1", "data:1", "sec:0"}) || p.UserCount != 2 {
		t.Errorf("after the edit: %v, %d users", got, p.UserCount)
	}
	if got := userProps(t, s, tn.ID, ada.ID)["team"].Values; !slices.Equal(got, []string{"frontend"}) {
		t.Errorf("ada keeps %v, want the renamed value only", got)
	}
	if vals := userProps(t, s, tn.ID, bob.ID); len(vals) != 0 {
		t.Errorf("bob still has %v", vals)
	}
	if got := usernames(t, s, tn.ID, store.UserFilter{Properties: map[string][]string{"team": {"frontend"}}}); !slices.Equal(got, []string{"ada"}) {
		t.Errorf("filter by the renamed value: %v", got)
	}
	if _, err := s.ListUsers(ctx, tn.ID, store.UserFilter{Properties: map[string][]string{"team": {"ops"}}}); !isFieldError(err, "property") {
		t.Errorf("filter by a removed value = %v", err)
	}
	if err := s.RemoveProperty(ctx, tn.ID, p.ID, false); !isFieldError(err, "confirm") {
		t.Errorf("removing a used property without confirmation = %v", err)
	}
	if err := s.RemoveProperty(ctx, tn.ID, p.ID, true); err != nil {
		t.Fatal(err)
	}
	if vals := userProps(t, s, tn.ID, ada.ID); len(vals) != 0 {
		t.Errorf("values left after removing the property: %v", vals)
	}
	// The next property takes the removed one's id: a value of the old one
	// left in the user's copy would show up as a value of the new one.
	if _, err := s.CreateProperty(ctx, tn.ID, store.NewProperty{Key: "mentor", Type: "text"}); err != nil {
		t.Fatal(err)
	}
	if vals := userProps(t, s, tn.ID, ada.ID); len(vals) != 0 {
		t.Errorf("a new property shows the removed one's values: %v", vals)
	}
	if n, err := s.StalePropertyCopies(ctx); n != 0 || err != nil {
		t.Errorf("%d users' rows hold other property values than the values table (%v)", n, err)
	}
}

// userProps reads a user's property values as the API and the console do.
func userProps(t *testing.T, s *store.Store, tenant, id int64) map[string]store.PropertyValue {
	t.Helper()
	u, err := s.GetUser(t.Context(), tenant, id)
	if err != nil {
		t.Fatal(err)
	}
	return u.Properties
}

func optionNames(p store.Property) []string {
	var out []string
	for _, o := range p.Options {
		out = append(out, fmt.Sprintf("%s:%d", o.Value, o.UserCount))
	}
	return out
}
