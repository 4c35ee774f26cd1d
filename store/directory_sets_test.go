package store_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"roster/store"
)

// Filters combine: AND across org subtree, group and properties, OR within
// one property; both ways of reading a page agree.
func TestCombinedDirectoryFilters(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	eng := mustUnit(t, s, tn.ID, 0, "Engineering")
	web := mustUnit(t, s, tn.ID, eng.ID, "Web")
	g, _ := s.CreateGroup(ctx, tn.ID, "On call", "")
	if _, err := s.CreateProperty(ctx, tn.ID, store.NewProperty{Key: "level", Type: "number"}); err != nil {
		t.Fatal(err)
	}
	var users []store.User
	for i, unit := range []int64{eng.ID, web.ID, web.ID, 0, web.ID} {
		u := mustUser(t, s, tn.ID, store.NewUser{Username: fmt.Sprintf("usr%d", i), OrgUnitID: unit})
		users = append(users, u)
		if err := s.SetUserProperty(ctx, tn.ID, u.ID, "level", []string{fmt.Sprint(i % 3)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.AddGroupMembers(ctx, tn.ID, g.ID, pubIDs(users[1], users[2], users[3])); err != nil {
		t.Fatal(err)
	}
	f := store.UserFilter{OrgUnitID: eng.ID, SubUnits: true, GroupID: g.ID, Properties: map[string][]string{"level": {"1", "2"}}}
	// Driving, walking, and walking the group's members in username order.
	for _, way := range []struct {
		cost    float64
		ordered bool
	}{{1e300, false}, {0, false}, {0, true}} {
		cost := way.cost
		old, oldOrdered := s.SetWalkBias(cost), s.SetOrderedReads(way.ordered)
		defer s.SetOrderedReads(oldOrdered)
		if got := usernames(t, s, tn.ID, f); !slices.Equal(got, []string{"usr1", "usr2"}) {
			t.Errorf("walk cost %g: %v", cost, got)
		}
		if got := usernames(t, s, tn.ID, store.UserFilter{OrgUnitID: eng.ID}); !slices.Equal(got, []string{"usr0"}) {
			t.Errorf("walk cost %g: unit without sub-units: %v", cost, got)
		}
		if got := usernames(t, s, tn.ID, store.UserFilter{OrgUnitID: eng.ID, SubUnits: true, Sort: "-username"}); !slices.Equal(got, []string{"usr4", "usr2", "usr1", "usr0"}) {
			t.Errorf("walk cost %g: subtree newest name first: %v", cost, got)
		}
		s.SetWalkBias(old)
	}
	if _, err := s.ListUsers(ctx, tn.ID, store.UserFilter{Properties: map[string][]string{"level": {"high"}}}); !isFieldError(err, "property") {
		t.Errorf("a non-number for a number property = %v", err)
	}
	if _, err := s.ListUsers(ctx, tn.ID, store.UserFilter{Properties: map[string][]string{"nope": {"1"}}}); !isFieldError(err, "property") {
		t.Errorf("an unknown property = %v", err)
	}
}

func TestResourceGroups(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	other, _ := mustTenant(t, s, "other")
	ada := mustUser(t, s, tn.ID, store.NewUser{Username: "ada"})
	bob := mustUser(t, s, tn.ID, store.NewUser{Username: "bob"})
	eve := mustUser(t, s, other.ID, store.NewUser{Username: "eve"})
	g, _ := s.CreateGroup(ctx, tn.ID, "Designers", "")
	if _, err := s.AddGroupMembers(ctx, tn.ID, g.ID, pubIDs(ada)); err != nil {
		t.Fatal(err)
	}
	name, platform := "Design desktops", "windows"
	rg, err := s.CreateResourceGroup(ctx, tn.ID, store.ResourceGroupInput{Name: &name, Platform: &platform})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateResourceGroup(ctx, tn.ID, store.ResourceGroupInput{Name: &name}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("same name = %v", err)
	}
	if _, err := s.ChangeResources(ctx, tn.ID, rg.ID, true, []store.Resource{{Type: "desktop", ID: "d-1", Name: "Desk 1"}, {Type: "", ID: "x"}}); !isFieldError(err, "resources[1]") {
		t.Errorf("resource without a type = %v", err)
	}
	if rg, err = s.ChangeResources(ctx, tn.ID, rg.ID, true, []store.Resource{{Type: "desktop", ID: "d-1"}, {Type: "app", ID: "figma"}}); err != nil || rg.ResourceCount != 2 {
		t.Fatalf("add resources = %+v, %v", rg, err)
	}
	res, err := s.ChangeAssignments(ctx, tn.ID, rg.ID, true, pubIDs(ada, eve), []string{g.PublicID()})
	if err != nil || len(res.Succeeded) != 2 || len(res.Failed) != 1 || res.Failed[0].Index != 1 {
		t.Fatalf("assign = %+v, %v", res, err)
	}
	got, err := s.UserResourceGroups(ctx, tn.ID, ada.ID)
	if err != nil || len(got) != 1 || !got[0].Direct || len(got[0].Via) != 1 || got[0].Via[0].Name != "Designers" {
		t.Fatalf("ada's resource groups = %+v, %v", got, err)
	}
	if got, _ := s.UserResourceGroups(ctx, tn.ID, bob.ID); len(got) != 0 {
		t.Errorf("bob gets %+v", got)
	}
	if _, err := s.ChangeAssignments(ctx, tn.ID, rg.ID, false, pubIDs(ada), nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.UserResourceGroups(ctx, tn.ID, ada.ID); len(got) != 1 || got[0].Direct {
		t.Errorf("after unassigning ada: %+v", got)
	}
	if _, err := s.GetResourceGroup(ctx, other.ID, rg.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("read from another tenant = %v", err)
	}
	if err := s.RemoveResourceGroup(ctx, tn.ID, rg.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.UserResourceGroups(ctx, tn.ID, ada.ID); len(got) != 0 {
		t.Errorf("after removal: %+v", got)
	}
}

// A group's members, and the holders of a property value, are listed in
// username order whichever way the page is read, page after page, and
// follow a renamed user.
func TestMemberSetsInUsernameOrder(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	g, _ := s.CreateGroup(ctx, tn.ID, "Readers", "")
	if _, err := s.CreateProperty(ctx, tn.ID, store.NewProperty{Key: "team", Type: "select",
		Options: []store.OptionInput{{Value: "web"}, {Value: "ops"}}}); err != nil {
		t.Fatal(err)
	}
	var members []store.User
	var want []string
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 30 {
		u := mustUser(t, s, tn.ID, store.NewUser{Username: fmt.Sprintf("%c%c-%d", 'a'+rng.IntN(26), 'a'+rng.IntN(26), i)})
		team := "ops"
		if i%3 == 0 {
			members, want, team = append(members, u), append(want, u.Username), "web"
		}
		if err := s.SetUserProperty(ctx, tn.ID, u.ID, "team", []string{team}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.AddGroupMembers(ctx, tn.ID, g.ID, pubIDs(members...)); err != nil {
		t.Fatal(err)
	}
	filters := map[string]store.UserFilter{"group": {GroupID: g.ID}, "value": {Properties: map[string][]string{"team": {"web"}}}}
	// pages reads every page forward, then back from the last one with the
	// previous-page cursors, and checks both give the same list.
	pages := func(f store.UserFilter) []string {
		t.Helper()
		var got, prev []string
		var lasts []store.UserList
		for f.Page = (store.Page{Size: 3}); ; {
			l, err := s.ListUsers(ctx, tn.ID, f)
			if err != nil {
				t.Fatal(err)
			}
			if l.Total != len(want) {
				t.Fatalf("total %d, want %d", l.Total, len(want))
			}
			got = append(got, usernamesOf(l.Items)...)
			lasts = append(lasts, l)
			if f.Page.Cursor = l.Next; l.Next == "" {
				break
			}
		}
		for l := lasts[len(lasts)-1]; l.Prev != ""; {
			f.Page.Cursor = l.Prev
			var err error
			if l, err = s.ListUsers(ctx, tn.ID, f); err != nil {
				t.Fatal(err)
			}
			prev = append(usernamesOf(l.Items), prev...)
		}
		if last := lasts[len(lasts)-1]; !slices.Equal(append(prev, usernamesOf(last.Items)...), got) {
			t.Errorf("going back: %v, forward: %v", append(prev, usernamesOf(last.Items)...), got)
		}
		return got
	}
	check := func(when string) {
		t.Helper()
		slices.Sort(want)
		back := slices.Clone(want)
		slices.Reverse(back)
		for _, way := range []struct {
			cost    float64
			ordered bool
		}{{1e300, false}, {0, false}, {0, true}, {1, true}} {
			old, oldOrdered := s.SetWalkBias(way.cost), s.SetOrderedReads(way.ordered)
			for name, f := range filters {
				if got := pages(f); !slices.Equal(got, want) {
					t.Errorf("%s, %s %+v: %v, want %v", when, name, way, got, want)
				}
				f.Sort = "-username"
				if got := pages(f); !slices.Equal(got, back) {
					t.Errorf("%s, %s %+v, newest name first: %v, want %v", when, name, way, got, back)
				}
			}
			s.SetWalkBias(old)
			s.SetOrderedReads(oldOrdered)
		}
		if n, err := s.StaleMemberNames(ctx); n != 0 || err != nil {
			t.Errorf("%s: %d memberships or values hold another username than their user's (%v)", when, n, err)
		}
	}
	check("created")
	renamed := "zz-renamed"
	if _, err := s.UpdateUser(ctx, tn.ID, members[0].ID, store.UserUpdate{Username: &renamed}); err != nil {
		t.Fatal(err)
	}
	want = append(slices.DeleteFunc(want, func(n string) bool { return n == members[0].Username }), renamed)
	check("after a rename")

	// A set larger than a page is read that way (forced here: these are
	// small enough to sort). SQLite follows the store's plan; PostgreSQL
	// plans on its own statistics.
	if s.Engine() != "sqlite" {
		return
	}
	old := s.SetWalkBias(0)
	defer s.SetWalkBias(old)
	for name, f := range filters {
		plan, err := s.ListPlan(ctx, tn.ID, f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(plan, "_username") || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("%s: the first page does not read a username index in order:\n%s", name, plan)
		}
	}
}

func usernamesOf(us []store.User) []string {
	var out []string
	for _, u := range us {
		out = append(out, u.Username)
	}
	return out
}
