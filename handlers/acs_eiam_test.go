package handlers_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"roster/store"
)

// eiamListUsers runs EIAM's ListUsers as its generated SDK does (every
// parameter in the query) and returns the answer's body or the client's
// error.
func eiamListUsers(a *acsApp, t *testing.T, signature string, query map[string]any) (map[string]any, error) {
	t.Helper()
	return callVersion(a.client(t, a.viewer.AccessKeyID, a.viewerSecret, signature), "2021-12-01", "ListUsers", query, nil)
}

// EIAM's ListUsers through Alibaba's client, in both signature versions:
// InstanceId names the pair's tenant, each user comes with every field of
// EIAM's user object (times in epoch milliseconds), every filter keeps
// what it says, and pages go by PageNumber and PageSize or by NextToken
// and MaxResults, with the total.
func TestEIAMListUsers(t *testing.T) {
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
	expires := time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC)
	ada, err := a.st.CreateUser(ctx, a.acme.ID, store.NewUser{Username: "ada", DisplayName: "Ada Lovelace", Email: "ada@example.com",
		EmailVerified: true, PhoneRegion: "44", PhoneNumber: "7700900123", Password: "Correct-Horse-9", Description: "analyst",
		AccountExpiresAt: &expires, PasswordExpiresAt: &expires, OrgUnitID: sales.ID})
	if err != nil {
		t.Fatal(err)
	}
	bob, err := a.st.CreateUser(ctx, a.acme.ID, store.NewUser{Username: "bob", DisplayName: "Bob", SourceType: "ldap",
		SourceID: "corp", ExternalID: "cn=bob", Status: store.StatusDisabled})
	if err != nil {
		t.Fatal(err)
	}
	carol, err := a.st.CreateUser(ctx, a.acme.ID, store.NewUser{Username: "carol", DisplayName: "Adele Carol"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.st.CreateUser(ctx, a.other.ID, store.NewUser{Username: "eve"}); err != nil {
		t.Fatal(err)
	}
	lockEnd := time.Now().Add(time.Hour).Truncate(time.Millisecond)
	if _, err := a.st.ApplyUserAction(ctx, a.acme.ID, store.UserAction{Kind: store.ActionLock, Until: &lockEnd}, []string{ada.PublicID()}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.st.ApplyUserAction(ctx, a.acme.ID, store.UserAction{Kind: store.ActionLock}, []string{carol.PublicID()}); err != nil {
		t.Fatal(err)
	}
	if ada, err = a.st.GetUser(ctx, a.acme.ID, ada.ID); err != nil {
		t.Fatal(err)
	}

	for _, sig := range []string{"", "v2"} {
		list := func(query map[string]any) ([]map[string]any, map[string]any) {
			t.Helper()
			got, err := eiamListUsers(a, t, sig, query)
			if err != nil {
				t.Fatalf("ListUsers(%v) (signature %q) = %v", query, sig, err)
			}
			var users []map[string]any
			for _, u := range got["Users"].([]any) {
				users = append(users, u.(map[string]any))
			}
			return users, got
		}
		names := func(users []map[string]any) string {
			var s []string
			for _, u := range users {
				s = append(s, fmt.Sprint(u["Username"]))
			}
			return strings.Join(s, " ")
		}

		users, got := list(map[string]any{"InstanceId": "acme"})
		if names(users) != "ada bob carol" || fmt.Sprint(got["TotalCount"]) != "3" || fmt.Sprint(got["MaxResults"]) != "20" ||
			got["RequestId"] == "" || got["Code"] != nil {
			t.Fatalf("ListUsers (signature %q) = %v; want ada, bob and carol of 3, 20 a page, a RequestId and no Code", sig, got)
		}
		ms := func(t time.Time) string { return fmt.Sprint(t.UnixMilli()) }
		for i, want := range []map[string]string{{
			"UserId": ada.PublicID(), "Username": "ada", "DisplayName": "Ada Lovelace", "PasswordSet": "true",
			"PhoneRegion": "44", "PhoneNumber": "7700900123", "PhoneNumberVerified": "false", "Email": "ada@example.com",
			"EmailVerified": "true", "UserExternalId": ada.PublicID(), "UserSourceType": "build_in", "UserSourceId": "acme",
			"Status": "enabled", "AccountExpireTime": ms(expires), "PasswordExpireTime": ms(expires),
			"RegisterTime": ms(*ada.RegisteredAt), "LockExpireTime": ms(lockEnd), "CreateTime": ms(ada.CreatedAt),
			"UpdateTime": ms(ada.UpdatedAt), "Description": "analyst", "InstanceId": "acme",
		}, {
			"UserId": bob.PublicID(), "Username": "bob", "DisplayName": "Bob", "PasswordSet": "false",
			"UserExternalId": "cn=bob", "UserSourceType": "ldap", "UserSourceId": "corp", "Status": "disabled",
			"AccountExpireTime": "<nil>", "PasswordExpireTime": "<nil>", "LockExpireTime": "<nil>",
			"CreateTime": ms(bob.CreatedAt), "InstanceId": "acme",
		}, {
			"Username": "carol", "Status": "pending", "LockExpireTime": "253402300799000", "UserSourceId": "acme",
		}} {
			for k, v := range want {
				if g := fmt.Sprint(users[i][k]); g != v {
					t.Errorf("ListUsers (signature %q) %s's %s = %s, want %s", sig, users[i]["Username"], k, g, v)
				}
			}
		}

		for _, tt := range []struct {
			query map[string]any
			want  string
		}{
			{map[string]any{"UserIds": []string{carol.PublicID(), ada.PublicID()}}, "ada carol"},
			{map[string]any{"UsernameStartsWith": "b"}, "bob"},
			{map[string]any{"DisplayNameStartsWith": "Ad"}, "ada carol"},
			{map[string]any{"PhoneRegion": "44", "PhoneNumber": "7700900123"}, "ada"},
			{map[string]any{"Email": "ADA@example.com"}, "ada"},
			{map[string]any{"UserExternalId": "cn=bob"}, "bob"},
			{map[string]any{"UserSourceType": "ldap", "UserSourceId": "corp"}, "bob"},
			{map[string]any{"UserSourceType": "build_in"}, "ada carol"},
			{map[string]any{"UserSourceId": "acme"}, "ada carol"},
			{map[string]any{"Status": "disabled"}, "bob"},
			{map[string]any{"OrganizationalUnitId": sales.PublicID()}, "ada"},
			{map[string]any{"PageNumber": 2, "PageSize": 2}, "carol"},
		} {
			tt.query["InstanceId"] = "acme"
			if users, _ := list(tt.query); names(users) != tt.want {
				t.Errorf("ListUsers(%v) (signature %q) = %q, want %q", tt.query, sig, names(users), tt.want)
			}
		}
		// The tenant's id names the instance too, and answers name it so.
		if users, _ := list(map[string]any{"InstanceId": a.acme.PublicID(), "UserIds": []string{ada.PublicID()}}); len(users) != 1 ||
			users[0]["InstanceId"] != a.acme.PublicID() || users[0]["UserSourceId"] != a.acme.PublicID() {
			t.Errorf("ListUsers by the tenant's id = %v", users)
		}

		first, got := list(map[string]any{"InstanceId": "acme", "MaxResults": 2})
		next, _ := got["NextToken"].(string)
		rest, last := list(map[string]any{"InstanceId": "acme", "MaxResults": 2, "NextToken": next})
		if names(first) != "ada bob" || next == "" || fmt.Sprint(got["MaxResults"]) != "2" || fmt.Sprint(got["TotalCount"]) != "3" ||
			names(rest) != "carol" || last["NextToken"] != "" {
			t.Errorf("two pages of 2 = %q (%v), %q (%v)", names(first), got, names(rest), last)
		}

		for _, tt := range []struct {
			query        map[string]any
			status       int
			code, naming string
		}{
			{map[string]any{}, 400, "MissingParameter", "InstanceId"},
			{map[string]any{"InstanceId": "other"}, 404, "EntityNotExists.Instance", "other"},
			{map[string]any{"InstanceId": a.other.PublicID()}, 404, "EntityNotExists.Instance", a.other.PublicID()},
			{map[string]any{"InstanceId": "acme", "PageSize": 101}, 400, "InvalidParameter", "PageSize"},
			{map[string]any{"InstanceId": "acme", "MaxResults": 0}, 400, "InvalidParameter", "MaxResults"},
			{map[string]any{"InstanceId": "acme", "NextToken": "bogus"}, 400, "InvalidParameter", "NextToken"},
			{map[string]any{"InstanceId": "acme", "NextToken": next, "PageNumber": 2}, 400, "InvalidParameter", "NextToken"},
			{map[string]any{"InstanceId": "acme", "UserIds": []string{"user_d6sbsuumeta4h66ec3il7y"}}, 400, "InvalidParameter", "UserIds"},
			{map[string]any{"InstanceId": "acme", "OrganizationalUnitId": "ou_"}, 400, "InvalidParameter", "OrganizationalUnitId"},
			{map[string]any{"InstanceId": "acme", "Status": "locked"}, 400, "InvalidParameter", "Status"},
			{map[string]any{"InstanceId": "acme", "UserSourceId": "acme", "UserSourceType": "ldap"}, 400, "InvalidParameter", "UserSourceId"},
		} {
			_, err := eiamListUsers(a, t, sig, tt.query)
			wantCode(t, fmt.Sprintf("ListUsers(%v)", tt.query), err, tt.status, tt.code)
			if err == nil || !strings.Contains(err.Error(), tt.naming) {
				t.Errorf("ListUsers(%v) = %v, want a message naming %s", tt.query, err, tt.naming)
			}
		}
	}
}
