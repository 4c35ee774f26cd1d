package handlers_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"roster/store"
)

// eds-user's DescribeUsers through Alibaba's client: every filter it
// takes, pages of MaxResults with NextToken, and each user with the org
// path, groups and properties it answers.
func TestEdsUserDescribeUsers(t *testing.T) {
	a := newACSApp(t)
	ctx := t.Context()
	root, err := a.st.RootOrgUnit(ctx, a.acme.ID)
	if err != nil {
		t.Fatal(err)
	}
	sales, err := a.st.CreateOrgUnit(ctx, a.acme.ID, store.NewOrgUnit{ParentID: root.ID, Name: "Sales"})
	if err != nil {
		t.Fatal(err)
	}
	pilots, err := a.st.CreateGroup(ctx, a.acme.ID, "Pilots", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.st.CreateProperty(ctx, a.acme.ID, store.NewProperty{Key: "site", Type: "select", Options: []store.OptionInput{{Value: "berlin"}}}); err != nil {
		t.Fatal(err)
	}
	ada, err := a.st.CreateUser(ctx, a.acme.ID, store.NewUser{Username: "ada", DisplayName: "Ada Lovelace", Email: "ada@example.com",
		OrgUnitID: sales.ID, Groups: []int64{pilots.ID}, Properties: map[string][]string{"site": {"berlin"}}})
	if err != nil {
		t.Fatal(err)
	}
	bob, err := a.st.CreateUser(ctx, a.acme.ID, store.NewUser{Username: "bob", Description: "contractor"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.st.CreateUser(ctx, a.acme.ID, store.NewUser{Username: "carol"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.st.ApplyUserAction(ctx, a.acme.ID, store.UserAction{Kind: store.ActionLock}, []string{bob.PublicID()}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.st.CreateUser(ctx, a.other.ID, store.NewUser{Username: "eve"}); err != nil {
		t.Fatal(err)
	}

	for _, sig := range []string{"", "v2"} {
		c := a.client(t, a.viewer.AccessKeyID, a.viewerSecret, sig)
		describe := func(query map[string]any) ([]map[string]any, string) {
			t.Helper()
			got, err := call(c, "DescribeUsers", query, nil)
			if err != nil {
				t.Fatalf("DescribeUsers(%v) (signature %q) = %v", query, sig, err)
			}
			var users []map[string]any
			for _, u := range got["Users"].([]any) {
				users = append(users, u.(map[string]any))
			}
			next, _ := got["NextToken"].(string)
			return users, next
		}
		names := func(users []map[string]any) string {
			var s string
			for _, u := range users {
				s += fmt.Sprint(u["EndUserId"]) + " "
			}
			return s
		}
		first, next := describe(map[string]any{"MaxResults": 2})
		rest, last := describe(map[string]any{"MaxResults": 2, "NextToken": next})
		if names(first) != "ada bob " || next == "" || names(rest) != "carol " || last != "" {
			t.Fatalf("two pages = %q (next %q), %q (next %q); want ada bob, then carol and no NextToken", names(first), next, names(rest), last)
		}
		u := first[0]
		if fmt.Sprint(u["Id"]) != fmt.Sprint(ada.ID) || u["Email"] != "ada@example.com" || u["RealNickName"] != "Ada Lovelace" ||
			u["NickName"] != "Ada Lovelace" || fmt.Sprint(u["Status"]) != "0" {
			t.Errorf("ada = %v", u)
		}
		orgs, groups, props := u["Orgs"].([]any), u["Groups"].([]any), u["Properties"].([]any)
		if len(orgs) != 1 || orgs[0].(map[string]any)["OrgId"] != sales.PublicID() || orgs[0].(map[string]any)["OrgNamePath"] != root.Name+"/Sales" {
			t.Errorf("ada's Orgs = %v", orgs)
		}
		if len(groups) != 1 || groups[0].(map[string]any)["GroupName"] != "Pilots" || groups[0].(map[string]any)["GroupId"] != pilots.PublicID() {
			t.Errorf("ada's Groups = %v", groups)
		}
		if len(props) != 1 || props[0].(map[string]any)["Key"] != "site" || props[0].(map[string]any)["Value"] != "berlin" {
			t.Errorf("ada's Properties = %v", props)
		}
		if b := first[1]; fmt.Sprint(b["Status"]) != "9" || b["NickName"] != "contractor" || b["Orgs"].([]any)[0].(map[string]any)["OrgId"] != "org-aliyun-wy-org-id" {
			t.Errorf("bob = %v, want locked (9), his remark as nickname, in the root", b)
		}
		for _, tt := range []struct {
			query map[string]any
			want  string
		}{
			{map[string]any{"EndUserIds": []string{"carol", "ada", "eve"}}, "ada carol "},
			{map[string]any{"ExcludeEndUserIds": []string{"ada"}}, "bob carol "},
			{map[string]any{"Status": 9}, "bob "},
			{map[string]any{"Status": 0}, "ada carol "},
			{map[string]any{"GroupId": pilots.PublicID()}, "ada "},
			{map[string]any{"ExcludeGroupId": pilots.PublicID()}, "bob carol "},
			{map[string]any{"OrgId": sales.PublicID()}, "ada "},
			{map[string]any{"OrgId": "org-aliyun-wy-org-id", "IsQueryAllSubOrgs": true}, "ada bob carol "},
			{map[string]any{"OrgId": "org-aliyun-wy-org-id"}, "bob carol "},
			{map[string]any{"Filter": "lovelace"}, "ada "},
			{map[string]any{"Filter": "car*"}, "carol "},
		} {
			if users, _ := describe(tt.query); names(users) != tt.want {
				t.Errorf("DescribeUsers(%v) (signature %q) = %q, want %q", tt.query, sig, names(users), tt.want)
			}
		}
		_, err := call(c, "DescribeUsers", map[string]any{"Filter": "a*m"}, nil)
		wantCode(t, "Filter a*m", err, 400, "InvalidParameter")
		_, err = call(c, "DescribeUsers", map[string]any{"MaxResults": 501}, nil)
		wantCode(t, "MaxResults 501", err, 400, "InvalidParameter")
		_, err = call(c, "DescribeUsers", map[string]any{"GroupId": "g_zz"}, nil)
		wantCode(t, "a group of no tenant", err, 400, "InvalidParameter")
	}
}

// eds-user's batch actions by EndUserId: each user done or failed alone,
// a name no user of the tenant has failing with its own code.
func TestEdsUserBatchActionsByUsername(t *testing.T) {
	a := newACSApp(t)
	ctx := t.Context()
	root, _ := a.st.RootOrgUnit(ctx, a.acme.ID)
	sales, err := a.st.CreateOrgUnit(ctx, a.acme.ID, store.NewOrgUnit{ParentID: root.ID, Name: "Sales"})
	if err != nil {
		t.Fatal(err)
	}
	pilots, err := a.st.CreateGroup(ctx, a.acme.ID, "Pilots", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"ada", "bob"} {
		if _, err := a.st.CreateUser(ctx, a.acme.ID, store.NewUser{Username: n}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.st.CreateUser(ctx, a.other.ID, store.NewUser{Username: "eve"}); err != nil {
		t.Fatal(err)
	}
	c := a.client(t, a.admin.AccessKeyID, a.adminSecret, "v2")
	user := func(name string) store.User {
		t.Helper()
		l, err := a.st.ListUsers(ctx, a.acme.ID, store.UserFilter{Usernames: []string{name}})
		if err != nil || len(l.Items) != 1 {
			t.Fatalf("user %s: %v, %v", name, l.Items, err)
		}
		return l.Items[0]
	}
	result := func(got map[string]any, key string) map[string]any {
		t.Helper()
		r, ok := got[key].(map[string]any)
		if !ok {
			t.Fatalf("answer %v has no %s", got, key)
		}
		return r
	}

	got, err := call(c, "LockUsers", nil, map[string]any{"Users": []string{"ada", "eve"}, "LogoutSession": true})
	if err != nil {
		t.Fatal(err)
	}
	r := result(got, "LockUsersResult")
	failed := r["FailedUsers"].([]any)
	if fmt.Sprint(r["LockedUsers"]) != "[ada]" || len(failed) != 1 || failed[0].(map[string]any)["EndUserId"] != "eve" ||
		failed[0].(map[string]any)["ErrorCode"] != "EndUserIdNotFound" {
		t.Fatalf("LockUsers(ada, another tenant's eve) = %v", r)
	}
	if !user("ada").Locked(time.Now()) {
		t.Fatal("ada is not locked")
	}
	got, err = call(c, "UnlockUsers", nil, map[string]any{"Users": []string{"ada"}})
	if r := result(got, "UnlockUsersResult"); err != nil || fmt.Sprint(r["UnlockedUsers"]) != "[ada]" || user("ada").Locked(time.Now()) {
		t.Fatalf("UnlockUsers(ada) = %v, %v", got, err)
	}

	if _, err := call(c, "MoveUserOrg", nil, map[string]any{"EndUserIds": []string{"ada", "bob"}, "OrgId": sales.PublicID()}); err != nil {
		t.Fatal(err)
	}
	if user("ada").OrgUnitID != sales.ID || user("bob").OrgUnitID != sales.ID {
		t.Fatal("MoveUserOrg did not move ada and bob to Sales")
	}
	if _, err := call(c, "UserBatchJoinGroup", nil, map[string]any{"EndUserIds": []string{"ada", "bob"}, "GroupId": pilots.PublicID()}); err != nil {
		t.Fatal(err)
	}
	if _, err := call(c, "UserBatchQuitGroup", nil, map[string]any{"EndUserIds": []string{"bob"}, "GroupId": pilots.PublicID()}); err != nil {
		t.Fatal(err)
	}
	if l, _ := a.st.ListGroupMembers(ctx, a.acme.ID, pilots.ID, store.UserFilter{}); len(l.Items) != 1 || l.Items[0].Username != "ada" {
		t.Fatalf("Pilots after join and quit = %v, want ada", l.Items)
	}
	_, err = call(c, "UserBatchJoinGroup", nil, map[string]any{"EndUserIds": []string{"eve"}, "GroupId": pilots.PublicID()})
	wantCode(t, "joining another tenant's user", err, 400, "EndUserIdNotFound")
	_, err = call(c, "MoveUserOrg", nil, map[string]any{"EndUserIds": []string{"ada"}})
	wantCode(t, "MoveUserOrg without OrgId", err, 400, "MissingParameter")

	got, err = call(c, "RemoveUsers", nil, map[string]any{"Users": []string{"bob"}})
	if r := result(got, "RemoveUsersResult"); err != nil || fmt.Sprint(r["RemovedUsers"]) != "[bob]" {
		t.Fatalf("RemoveUsers(bob) = %v, %v", got, err)
	}
	if l, _ := a.st.ListUsers(ctx, a.acme.ID, store.UserFilter{}); len(l.Items) != 1 {
		t.Fatalf("users after removing bob = %v", l.Items)
	}
	viewer := a.client(t, a.viewer.AccessKeyID, a.viewerSecret, "")
	_, err = call(viewer, "RemoveUsers", nil, map[string]any{"Users": []string{"ada"}})
	wantCode(t, "RemoveUsers as a viewer", err, 403, "Forbidden")
}

// eds-user's property actions: a property created with its values (a
// repeated value reported failed), its values listed, and how many users
// hold it and each value.
func TestEdsUserProperties(t *testing.T) {
	a := newACSApp(t)
	ctx := t.Context()
	c := a.client(t, a.admin.AccessKeyID, a.adminSecret, "")
	got, err := call(c, "CreateProperty", nil, map[string]any{"PropertyKey": "site", "PropertyValues": []string{"berlin", "tokyo", "berlin"}})
	if err != nil {
		t.Fatal(err)
	}
	r := got["CreateResult"].(map[string]any)
	saved := r["SavePropertyValueModel"].(map[string]any)
	values, failed := saved["SavePropertyValues"].([]any), saved["FailedPropertyValues"].([]any)
	if r["PropertyKey"] != "site" || len(values) != 2 || len(failed) != 1 || failed[0].(map[string]any)["ErrorCode"] != "ExistedPropertyValue" {
		t.Fatalf("CreateProperty = %v", r)
	}
	pid := fmt.Sprint(r["PropertyId"])
	berlin := fmt.Sprint(values[0].(map[string]any)["PropertyValueId"])
	if _, err := a.st.CreateUser(ctx, a.acme.ID, store.NewUser{Username: "ada", Properties: map[string][]string{"site": {"berlin"}}}); err != nil {
		t.Fatal(err)
	}
	got, err = call(c, "ListPropertyValue", map[string]any{"PropertyId": pid}, nil)
	if err != nil || len(got["PropertyValueInfos"].([]any)) != 2 {
		t.Fatalf("ListPropertyValue = %v, %v", got, err)
	}
	got, err = call(c, "CheckUsedProperty", map[string]any{"PropertyId": pid}, nil)
	if err != nil || fmt.Sprint(got["UseCount"]) != "1" {
		t.Fatalf("CheckUsedProperty = %v, %v; want 1", got, err)
	}
	got, err = call(c, "CheckUsedPropertyValue", map[string]any{"PropertyId": pid, "PropertyValueId": berlin}, nil)
	if err != nil || fmt.Sprint(got["UseCount"]) != "1" {
		t.Fatalf("CheckUsedPropertyValue(berlin) = %v, %v; want 1", got, err)
	}
	tokyo := fmt.Sprint(values[1].(map[string]any)["PropertyValueId"])
	bob, err := a.st.CreateUser(ctx, a.acme.ID, store.NewUser{Username: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	bobID := fmt.Sprint(bob.ID)
	for _, v := range []string{berlin, tokyo} {
		if _, err := call(c, "SetUserPropertyValue", nil, map[string]any{"PropertyId": pid, "PropertyValueId": v, "UserId": bobID, "UserName": "bob"}); err != nil {
			t.Fatalf("SetUserPropertyValue(bob, %s) = %v", v, err)
		}
	}
	if _, err := call(c, "DeleteUserPropertyValue", nil, map[string]any{"PropertyId": pid, "PropertyValueId": berlin, "UserId": bobID}); err != nil {
		t.Fatal(err)
	}
	if u, _ := a.st.GetUser(ctx, a.acme.ID, bob.ID); fmt.Sprint(u.Properties["site"].Values) != "[tokyo]" {
		t.Fatalf("bob's site after binding berlin and tokyo and unbinding berlin = %v", u.Properties["site"].Values)
	}
	_, err = call(c, "SetUserPropertyValue", nil, map[string]any{"PropertyId": pid, "PropertyValueId": berlin, "UserId": bobID, "UserName": "ada"})
	wantCode(t, "SetUserPropertyValue with another user's name", err, 400, "InvalidParameter")
	_, err = call(c, "SetUserPropertyValue", nil, map[string]any{"PropertyId": pid, "PropertyValueId": 987654, "UserId": bobID})
	wantCode(t, "SetUserPropertyValue of no value", err, 400, "InvalidParameter")
	_, err = call(c, "CheckUsedPropertyValue", map[string]any{"PropertyId": pid, "PropertyValueId": 987654}, nil)
	wantCode(t, "CheckUsedPropertyValue of no value", err, 404, "PropertyValueNotFound")
	_, err = call(c, "CreateProperty", nil, map[string]any{"PropertyKey": "site"})
	wantCode(t, "CreateProperty of an existing key", err, 400, "EntityAlreadyExists")
	_, err = call(c, "ListPropertyValue", map[string]any{"PropertyId": 987654}, nil)
	wantCode(t, "ListPropertyValue of no property", err, 404, "EntityNotExist")
}

// eds-user's CreateUsers: each user created or refused alone, with
// eds-user's own rules and codes; org and groups set on creation; a user
// without a password invited by email.
func TestEdsUserCreateUsers(t *testing.T) {
	a := newACSApp(t)
	ctx := t.Context()
	root, _ := a.st.RootOrgUnit(ctx, a.acme.ID)
	sales, err := a.st.CreateOrgUnit(ctx, a.acme.ID, store.NewOrgUnit{ParentID: root.ID, Name: "Sales"})
	if err != nil {
		t.Fatal(err)
	}
	pilots, err := a.st.CreateGroup(ctx, a.acme.ID, "Pilots", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.st.CreateUser(ctx, a.acme.ID, store.NewUser{Username: "taken"}); err != nil {
		t.Fatal(err)
	}
	for _, sig := range []string{"", "v2"} {
		c := a.client(t, a.admin.AccessKeyID, a.adminSecret, sig)
		suffix := map[string]string{"": "3", "v2": "2"}[sig]
		users := []map[string]any{
			{"EndUserId": "ada_" + suffix, "Email": "ada" + suffix + "@example.com", "RealNickName": "Ada", "Remark": "first",
				"OrgId": sales.PublicID(), "GroupIdList": []string{pilots.PublicID()}, "Password": "Correct-horse-9"},
			{"EndUserId": "bob_" + suffix, "Email": "bob" + suffix + "@example.com"},
			{"EndUserId": "Bad Name", "Email": "x@example.com"},
			{"EndUserId": "taken", "Email": "t@example.com"},
			{"EndUserId": "nomail_" + suffix},
		}
		got, err := call(c, "CreateUsers", nil, map[string]any{"Users": users})
		if err != nil {
			t.Fatalf("CreateUsers (signature %q) = %v", sig, err)
		}
		r := got["CreateResult"].(map[string]any)
		created, failed := r["CreatedUsers"].([]any), r["FailedUsers"].([]any)
		codes := map[string]any{}
		for _, f := range failed {
			codes[f.(map[string]any)["EndUserId"].(string)] = f.(map[string]any)["ErrorCode"]
		}
		if got["AllSucceed"] != false || len(created) != 2 || codes["Bad Name"] != "InvalidUsername" || codes["taken"] != "ExistedEndUserId" ||
			codes["nomail_"+suffix] != "InvalidParameter" {
			t.Fatalf("CreateUsers (signature %q) = %v", sig, got)
		}
		l, err := a.st.ListUsers(ctx, a.acme.ID, store.UserFilter{Usernames: []string{"ada_" + suffix}})
		if err != nil || len(l.Items) != 1 {
			t.Fatal(l.Items, err)
		}
		ada := l.Items[0]
		if ada.OrgUnitID != sales.ID || ada.DisplayName != "Ada" || ada.Description != "first" || !ada.PasswordSet {
			t.Errorf("ada = %+v, want in Sales, named Ada, remark first, with a password", ada)
		}
		if gs, _ := a.st.UserGroups(ctx, a.acme.ID, ada.ID); len(gs) != 1 || gs[0].ID != pilots.ID {
			t.Errorf("ada's groups = %v, want Pilots", gs)
		}
	}
	// bob has no password: he is invited to set one.
	msgs, err := a.st.ListMessages(ctx, a.acme.ID, "", store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	invited := 0
	for _, m := range msgs.Items {
		if strings.HasPrefix(m.Email.To, "bob") && m.Email.Kind == "invitation" {
			invited++
		}
	}
	if invited != 2 {
		t.Errorf("invitations to bob = %d, want one per signature version", invited)
	}
}

// ModifyUser changes contact data only; ResetUserPassword emails a link
// (email only: Roster sends no SMS).
func TestEdsUserModifyAndResetPassword(t *testing.T) {
	a := newACSApp(t)
	ctx := t.Context()
	if _, err := a.st.CreateUser(ctx, a.acme.ID, store.NewUser{Username: "ada", Email: "ada@example.com", Password: "Correct-horse-9"}); err != nil {
		t.Fatal(err)
	}
	c := a.client(t, a.admin.AccessKeyID, a.adminSecret, "v2")
	if _, err := call(c, "ModifyUser", nil, map[string]any{"EndUserId": "ada", "Email": "ada@lovelace.example", "Phone": "+44 2079460000"}); err != nil {
		t.Fatal(err)
	}
	l, _ := a.st.ListUsers(ctx, a.acme.ID, store.UserFilter{Usernames: []string{"ada"}})
	if u := l.Items[0]; u.Email != "ada@lovelace.example" || u.PhoneRegion != "44" || u.PhoneNumber != "2079460000" {
		t.Fatalf("after ModifyUser ada = %+v", u)
	}
	_, err := call(c, "ModifyUser", nil, map[string]any{"EndUserId": "nobody", "Email": "x@example.com"})
	wantCode(t, "ModifyUser of nobody", err, 404, "EndUserIdNotFound")
	_, err = call(c, "ModifyUser", nil, map[string]any{"EndUserId": "ada", "Email": "not an address"})
	wantCode(t, "ModifyUser with a bad email", err, 400, "InvalidParameter")

	got, err := call(c, "ResetUserPassword", nil, map[string]any{"Users": []string{"ada", "nobody"}, "NotifyType": 1})
	if err != nil {
		t.Fatal(err)
	}
	r := got["ResetUsersResult"].(map[string]any)
	if fmt.Sprint(r["ResetUsers"]) != "[ada]" || len(r["FailedUsers"].([]any)) != 1 {
		t.Fatalf("ResetUserPassword(ada, nobody) = %v", r)
	}
	msgs, _ := a.st.ListMessages(ctx, a.acme.ID, "", store.Page{})
	if len(msgs.Items) != 1 || msgs.Items[0].Email.Kind != "password_reset" || msgs.Items[0].Email.To != "ada@lovelace.example" {
		t.Fatalf("messages after the reset = %+v", msgs.Items)
	}
	_, err = call(c, "ResetUserPassword", nil, map[string]any{"Users": []string{"ada"}, "NotifyType": 2})
	wantCode(t, "ResetUserPassword by SMS", err, 400, "InvalidParameter")
}
