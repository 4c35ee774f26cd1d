package store_test

import (
	"testing"

	"roster/store"
)

// Every way a user changes org unit keeps each unit's counts exact, the
// users directly in it and those in its whole subtree: a batch move
// bringing users together from below the target, from a sibling subtree,
// from another subtree and from the root (the units above both ends
// counting each user once, or not at all), a batch spread over every
// unit, a move to the root, a single user's update, a replacement as SCIM
// and the seed protocols make it, and the removal of a unit moving its
// users to its parent. Another tenant's counts stay as they were.
func TestMovingUsersKeepsUnitCountsExact(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	other, _ := mustTenant(t, s, "other")
	root, err := s.RootOrgUnit(ctx, tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	sales := mustUnit(t, s, tn.ID, root.ID, "Sales")
	emea := mustUnit(t, s, tn.ID, sales.ID, "EMEA")
	paris := mustUnit(t, s, tn.ID, emea.ID, "Paris")
	apac := mustUnit(t, s, tn.ID, sales.ID, "APAC")
	ops := mustUnit(t, s, tn.ID, root.ID, "Ops")
	support := mustUnit(t, s, tn.ID, ops.ID, "Support")
	units := []store.OrgUnit{root, sales, emea, paris, apac, ops, support}
	mustUser(t, s, other.ID, store.NewUser{Username: "theirs"})

	users := map[string]store.User{}
	var all []string
	for _, u := range []struct {
		name string
		unit int64
	}{{"pia", paris.ID}, {"pat", paris.ID}, {"eva", emea.ID}, {"amy", apac.ID}, {"ann", apac.ID},
		{"sam", support.ID}, {"rob", root.ID}, {"oli", ops.ID}} {
		users[u.name] = mustUser(t, s, tn.ID, store.NewUser{Username: u.name, OrgUnitID: u.unit})
		all = append(all, users[u.name].PublicID())
	}
	ids := func(names ...string) []string {
		var out []string
		for _, n := range names {
			out = append(out, users[n].PublicID())
		}
		return out
	}
	exact := func(step string) {
		t.Helper()
		for _, tenant := range []int64{tn.ID, other.ID} {
			drift, err := s.CounterDrift(ctx, tenant)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range drift {
				t.Errorf("after %s: %s", step, d)
			}
		}
	}
	move := func(unit store.OrgUnit, ids []string) {
		t.Helper()
		res, err := s.MoveUsers(ctx, tn.ID, unit.ID, ids)
		if err != nil || len(res.Failed) > 0 {
			t.Fatalf("MoveUsers(%s) = %+v, %v", unit.Name, res.Failed, err)
		}
	}
	exact("creating")

	move(emea, ids("pia", "amy", "sam", "rob", "eva"))
	exact("moving users into EMEA from below it, beside it, another subtree and the root")
	want := map[string][2]int{root.Name: {0, 8}, "Sales": {0, 7}, "EMEA": {5, 6}, "Paris": {1, 1}, "APAC": {1, 1},
		"Ops": {1, 1}, "Support": {0, 0}}
	for _, u := range units {
		o, err := s.GetOrgUnit(ctx, tn.ID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := [2]int{o.UserCount, o.SubtreeUserCount}; got != want[o.Name] {
			t.Errorf("after moving into EMEA, %s counts %v (in it, in its subtree), want %v", o.Name, got, want[o.Name])
		}
	}

	move(support, all)
	exact("moving everyone into Support")
	move(paris, ids("pia", "pat", "eva"))
	move(root, ids("amy", "pia", "oli"))
	exact("moving users to the root")

	toParis, toAPAC := paris.ID, apac.ID
	if _, err := s.UpdateUser(ctx, tn.ID, users["sam"].ID, store.UserUpdate{OrgUnitID: &toParis}); err != nil {
		t.Fatal(err)
	}
	exact("updating a user into another subtree")
	if _, err := s.ReplaceUser(ctx, tn.ID, users["sam"].ID, store.UserReplace{Update: store.UserUpdate{OrgUnitID: &toAPAC}}); err != nil {
		t.Fatal(err)
	}
	exact("replacing a user with another unit")

	if err := s.RemoveOrgUnit(ctx, tn.ID, support.ID, true); err != nil {
		t.Fatal(err)
	}
	exact("removing Support, its users moved to Ops")
	if o, err := s.GetOrgUnit(ctx, tn.ID, ops.ID); err != nil || o.UserCount != 2 || o.SubtreeUserCount != 2 {
		t.Errorf("Ops after taking Support's users = %+v, %v; want 2 users", o, err)
	}
}
