package handlers_test

import (
	"fmt"
	"testing"
	"time"

	"roster/store"
)

// eds-user's lists keep each user in a cache while the user's row is
// unchanged, and still answer at once what changes outside the row: a
// group renamed, an org unit renamed, a lock that ends by time, a
// password's days left. Both DescribeUsers and FilterUsers, each asked
// twice before the change (the second from the cache).
func TestEdsUserListsCachedShowChangesAtOnce(t *testing.T) {
	a := newACSApp(t)
	ctx := t.Context()
	c := a.client(t, a.viewer.AccessKeyID, a.viewerSecret, "")
	root, err := a.st.RootOrgUnit(ctx, a.acme.ID)
	if err != nil {
		t.Fatal(err)
	}
	unit, err := a.st.CreateOrgUnit(ctx, a.acme.ID, store.NewOrgUnit{ParentID: root.ID, Name: "Sales"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	a.st.SetClock(func() time.Time { return now })
	pwExpires := now.Add(24*time.Hour + 2*time.Minute)
	ada, err := a.st.CreateUser(ctx, a.acme.ID, store.NewUser{Username: "ada", Email: "ada@example.com", OrgUnitID: unit.ID,
		PasswordExpiresAt: &pwExpires})
	if err != nil {
		t.Fatal(err)
	}
	group, err := a.st.CreateGroup(ctx, a.acme.ID, "Ops", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.st.AddGroupMembers(ctx, a.acme.ID, group.ID, []string{ada.PublicID()}); err != nil {
		t.Fatal(err)
	}
	// The signature's window is 15 minutes of the server's clock, so the
	// lock ends, and the password's days left drop, within it.
	lockEnd := now.Add(5 * time.Minute)
	if _, err := a.st.ApplyUserAction(ctx, a.acme.ID, store.UserAction{Kind: store.ActionLock, Until: &lockEnd}, []string{ada.PublicID()}); err != nil {
		t.Fatal(err)
	}

	first := func(action string) map[string]any {
		t.Helper()
		got, err := call(c, action, map[string]any{"EndUserIds": []string{"ada"}}, nil)
		if err != nil {
			t.Fatalf("%s = %v", action, err)
		}
		users := got["Users"].([]any)
		if len(users) != 1 {
			t.Fatalf("%s = %v, want ada alone", action, got)
		}
		return users[0].(map[string]any)
	}
	// shows is what a list shows of ada that changes outside her row.
	shows := func(action string) string {
		t.Helper()
		u := first(action)
		orgs := "OrgList"
		if action == "DescribeUsers" {
			orgs = "Orgs"
		}
		s := fmt.Sprintf("status %v, groups %v, orgs %v", u["Status"], u["Groups"], u[orgs])
		if action == "FilterUsers" {
			s += fmt.Sprintf(", days %v", u["PasswordExpireRestDays"])
		}
		return s
	}
	ou := unit.PublicID()
	before := map[string]string{
		"DescribeUsers": fmt.Sprintf("status 9, groups [map[GroupId:%s GroupName:Ops]], orgs [map[OrgId:%s OrgName:Sales OrgNamePath:%s/Sales]]",
			group.PublicID(), ou, root.Name),
		"FilterUsers": fmt.Sprintf("status 9, groups [map[GroupId:%s GroupName:Ops]], orgs [map[OrgId:%s OrgName:Sales OrgNamePath:%s/Sales]], days 2",
			group.PublicID(), ou, root.Name),
	}
	for action, want := range before {
		for range 2 {
			if got := shows(action); got != want {
				t.Fatalf("%s before the changes = %s, want %s", action, got, want)
			}
		}
	}

	operations, emea := "Operations", "EMEA"
	if _, err := a.st.UpdateGroup(ctx, a.acme.ID, group.ID, &operations, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.st.UpdateOrgUnit(ctx, a.acme.ID, unit.ID, store.OrgUnitUpdate{Name: &emea}); err != nil {
		t.Fatal(err)
	}
	a.st.SetClock(func() time.Time { return now.Add(6 * time.Minute) })
	after := map[string]string{
		"DescribeUsers": fmt.Sprintf("status 0, groups [map[GroupId:%s GroupName:Operations]], orgs [map[OrgId:%s OrgName:EMEA OrgNamePath:%s/EMEA]]",
			group.PublicID(), ou, root.Name),
		"FilterUsers": fmt.Sprintf("status 0, groups [map[GroupId:%s GroupName:Operations]], orgs [map[OrgId:%s OrgName:EMEA OrgNamePath:%s/EMEA]], days 1",
			group.PublicID(), ou, root.Name),
	}
	for action, want := range after {
		if got := shows(action); got != want {
			t.Errorf("%s after the renames and the lock's end = %s, want %s", action, got, want)
		}
	}
}

// EIAM's ListUsers keeps each user in a cache while the user's row is
// unchanged, but what it shows of the instance is the caller's own
// naming of it, and a lock that has ended by time shows as ended at once.
func TestEIAMListUsersCachedAtServeTime(t *testing.T) {
	a := newACSApp(t)
	ctx := t.Context()
	now := time.Now().Truncate(time.Millisecond)
	a.st.SetClock(func() time.Time { return now })
	ada, err := a.st.CreateUser(ctx, a.acme.ID, store.NewUser{Username: "ada"})
	if err != nil {
		t.Fatal(err)
	}
	lockEnd := now.Add(5 * time.Minute)
	if _, err := a.st.ApplyUserAction(ctx, a.acme.ID, store.UserAction{Kind: store.ActionLock, Until: &lockEnd}, []string{ada.PublicID()}); err != nil {
		t.Fatal(err)
	}
	shows := func(instance string) string {
		t.Helper()
		got, err := eiamListUsers(a, t, "", map[string]any{"InstanceId": instance})
		if err != nil {
			t.Fatalf("ListUsers in %s = %v", instance, err)
		}
		u := got["Users"].([]any)[0].(map[string]any)
		return fmt.Sprintf("instance %v, source %v, lock %v", u["InstanceId"], u["UserSourceId"], u["LockExpireTime"])
	}
	for _, inst := range []string{"acme", a.acme.PublicID(), "acme"} {
		want := fmt.Sprintf("instance %s, source %s, lock %d", inst, inst, lockEnd.UnixMilli())
		if got := shows(inst); got != want {
			t.Fatalf("ListUsers = %s, want %s", got, want)
		}
	}
	a.st.SetClock(func() time.Time { return now.Add(6 * time.Minute) })
	if got, want := shows("acme"), "instance acme, source acme, lock <nil>"; got != want {
		t.Errorf("ListUsers once the lock ended = %s, want %s", got, want)
	}
}
