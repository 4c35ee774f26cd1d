package handlers_test

import (
	"fmt"
	"testing"

	"roster/store"
)

// eds-user's org actions: the tree built, renamed, moved and pruned by
// OrgId, with the root under its fixed id.
func TestEdsUserOrgs(t *testing.T) {
	a := newACSApp(t)
	c := a.client(t, a.admin.AccessKeyID, a.adminSecret, "v2")
	create := func(name, parent string) string {
		t.Helper()
		q := map[string]any{"OrgName": name}
		if parent != "" {
			q["ParentOrgId"] = parent
		}
		got, err := call(c, "CreateOrg", q, nil)
		if err != nil {
			t.Fatalf("CreateOrg(%s) = %v", name, err)
		}
		return got["OrgId"].(string)
	}
	sales := create("Sales", "org-aliyun-wy-org-id")
	emea := create("EMEA", sales)
	hr := create("HR", "")
	orgs := func(action string, q map[string]any) string {
		t.Helper()
		got, err := call(c, action, q, nil)
		if err != nil {
			t.Fatalf("%s(%v) = %v", action, q, err)
		}
		var s string
		for _, o := range got["Orgs"].([]any) {
			o := o.(map[string]any)
			s += fmt.Sprintf("%v<%v %v; ", o["OrgName"], o["ParentOrgId"] == "org-aliyun-wy-org-id", o["OrgNamePath"])
		}
		return s
	}
	if got := orgs("DescribeOrgByLayer", nil); got != "HR<true <nil>; Sales<true <nil>; " {
		t.Errorf("DescribeOrgByLayer of the root = %q", got)
	}
	if got := orgs("DescribeOrgByLayer", map[string]any{"ParentOrgId": sales}); got != "EMEA<false <nil>; " {
		t.Errorf("DescribeOrgByLayer of Sales = %q", got)
	}
	root, _ := a.st.RootOrgUnit(t.Context(), a.acme.ID)
	if got := orgs("DescribeOrgs", map[string]any{"OrgName": "em"}); got != "EMEA<false "+root.Name+"/Sales/EMEA; " {
		t.Errorf("DescribeOrgs(em) = %q", got)
	}
	if _, err := call(c, "ModifyOrg", map[string]any{"OrgId": hr, "OrgName": "People"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := call(c, "MoveOrg", map[string]any{"OrgId": emea, "NewParentOrgId": hr}, nil); err != nil {
		t.Fatal(err)
	}
	if got := orgs("DescribeOrgs", map[string]any{"ParentOrgId": hr}); got != "EMEA<false "+root.Name+"/People/EMEA; " {
		t.Errorf("after the rename and the move, People holds %q", got)
	}
	_, err := call(c, "RemoveOrg", map[string]any{"OrgId": hr}, nil)
	wantCode(t, "RemoveOrg of an org with an org under it", err, 400, "InvalidParameter")
	if _, err := call(c, "RemoveOrg", map[string]any{"OrgId": emea}, nil); err != nil {
		t.Fatalf("RemoveOrg(EMEA) = %v", err)
	}
	_, err = call(c, "CreateOrg", map[string]any{"OrgName": "X", "ParentOrgId": "nope"}, nil)
	wantCode(t, "CreateOrg under a malformed id", err, 400, "InvalidParameter")
}

// eds-user's group actions: created, renamed, listed by page with their
// member counts, members listed with when they joined, removed.
func TestEdsUserGroups(t *testing.T) {
	a := newACSApp(t)
	c := a.client(t, a.admin.AccessKeyID, a.adminSecret, "")
	var ids []string
	for _, n := range []string{"Pilots", "Crew", "Ground"} {
		got, err := call(c, "CreateGroup", map[string]any{"GroupName": n}, nil)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, got["GroupId"].(string))
	}
	if _, err := a.st.CreateUser(t.Context(), a.acme.ID, store.NewUser{Username: "ada", Email: "ada@example.com"}); err != nil {
		t.Fatal(err)
	}
	if _, err := call(c, "UserBatchJoinGroup", nil, map[string]any{"GroupId": ids[0], "EndUserIds": []string{"ada"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := call(c, "ModifyGroup", map[string]any{"GroupId": ids[1], "NewGroupName": "Cabin crew"}, nil); err != nil {
		t.Fatal(err)
	}
	got, err := call(c, "DescribeGroups", map[string]any{"PageNumber": 2, "PageSize": 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	groups := got["Groups"].([]any)
	if fmt.Sprint(got["Count"]) != "3" || len(groups) != 1 || groups[0].(map[string]any)["GroupName"] != "Pilots" ||
		fmt.Sprint(groups[0].(map[string]any)["UserCount"]) != "1" {
		t.Fatalf("DescribeGroups page 2 of 2 = %v, want Pilots with 1 user, of 3", got)
	}
	got, err = call(c, "DescribeGroupUser", map[string]any{"GroupId": ids[0]}, nil)
	if err != nil {
		t.Fatal(err)
	}
	users := got["Users"].([]any)
	if len(users) != 1 || users[0].(map[string]any)["EndUserId"] != "ada" || users[0].(map[string]any)["GmtJoinGroup"] == "" {
		t.Fatalf("DescribeGroupUser = %v", got)
	}
	if _, err := call(c, "RemoveGroup", map[string]any{"GroupIds": []string{ids[1], ids[2]}}, nil); err != nil {
		t.Fatal(err)
	}
	if l, _ := a.st.ListGroups(t.Context(), a.acme.ID, store.NameFilter{}); len(l.Items) != 1 {
		t.Fatalf("groups after removing two = %v", l.Items)
	}
	_, err = call(c, "RemoveGroup", map[string]any{"GroupId": ids[1]}, nil)
	wantCode(t, "RemoveGroup of a removed group", err, 404, "GroupNotFound")
}

// eds-user's resource group actions, counts as strings as it sends them.
func TestEdsUserResourceGroups(t *testing.T) {
	a := newACSApp(t)
	c := a.client(t, a.admin.AccessKeyID, a.adminSecret, "")
	var ids []string
	for _, n := range []string{"Design desktops", "Dev desktops"} {
		got, err := call(c, "CreateResourceGroup", map[string]any{"ResourceGroupName": n, "Platform": "AliyunConsole"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, got["ResourceGroupId"].(string))
	}
	got, err := call(c, "DescribeResourceGroups", map[string]any{"ResourceGroupName": "dev"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rgs := got["ResourceGroup"].([]any)
	if got["TotalCount"] != "1" || len(rgs) != 1 || rgs[0].(map[string]any)["ResourceGroupName"] != "Dev desktops" ||
		rgs[0].(map[string]any)["ResourceCount"] != "0" {
		t.Fatalf("DescribeResourceGroups(dev) = %v", got)
	}
	if _, err := call(c, "DeleteResourceGroup", map[string]any{"ResourceGroupIds": ids}, nil); err != nil {
		t.Fatal(err)
	}
	if got, err := call(c, "DescribeResourceGroups", nil, nil); err != nil || got["TotalCount"] != "0" {
		t.Fatalf("after deleting both = %v, %v", got, err)
	}
	_, err = call(c, "DeleteResourceGroup", map[string]any{"ResourceGroupId": ids[0]}, nil)
	wantCode(t, "deleting a deleted resource group", err, 404, "EntityNotExist")
}
