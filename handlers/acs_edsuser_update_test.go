package handlers_test

import (
	"fmt"
	"strings"
	"testing"

	"roster/store"
)

// eds-user's UpdateProperty through Alibaba's client: the property is
// renamed and users keep their values; values are edited by id, an entry
// without an id adds one, and an unknown id or a value the property
// already has fails alone.
func TestEdsUserUpdateProperty(t *testing.T) {
	a := newACSApp(t)
	ctx := t.Context()
	p, err := a.st.CreateProperty(ctx, a.acme.ID, store.NewProperty{Key: "site", Type: "multiselect",
		Options: []store.OptionInput{{Value: "berlin"}, {Value: "tokyo"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.st.CreateProperty(ctx, a.acme.ID, store.NewProperty{Key: "team", Type: "text"}); err != nil {
		t.Fatal(err)
	}
	ada, err := a.st.CreateUser(ctx, a.acme.ID, store.NewUser{Username: "ada", Properties: map[string][]string{"site": {"berlin"}}})
	if err != nil {
		t.Fatal(err)
	}
	berlin, tokyo := p.Options[0].ID, p.Options[1].ID
	for _, sig := range []string{"", "v2"} {
		c := a.client(t, a.admin.AccessKeyID, a.adminSecret, sig)
		key := map[string]string{"": "office", "v2": "location"}[sig]
		got, err := call(c, "UpdateProperty", nil, map[string]any{"PropertyId": p.ID, "PropertyKey": key,
			"PropertyValues": []map[string]any{
				{"PropertyValueId": berlin, "PropertyValue": "berlin_" + key},
				{"PropertyValue": "paris_" + key},
				{"PropertyValueId": 987654, "PropertyValue": "nowhere"},
				{"PropertyValueId": tokyo, "PropertyValue": "paris_" + key},
			}})
		if err != nil {
			t.Fatalf("UpdateProperty (signature %q) = %v", sig, err)
		}
		r := got["UpdateResult"].(map[string]any)
		saved := r["SavePropertyValueModel"].(map[string]any)
		values, failed := saved["SavePropertyValues"].([]any), saved["FailedPropertyValues"].([]any)
		if fmt.Sprint(r["PropertyId"]) != fmt.Sprint(p.ID) || r["PropertyKey"] != key || len(values) != 2 || len(failed) != 2 {
			t.Fatalf("UpdateProperty (signature %q) = %v", sig, r)
		}
		if v := values[0].(map[string]any); fmt.Sprint(v["PropertyValueId"]) != fmt.Sprint(berlin) || v["PropertyValue"] != "berlin_"+key {
			t.Errorf("the edited value = %v, want berlin's id with its new value", v)
		}
		if v := values[1].(map[string]any); v["PropertyValue"] != "paris_"+key || fmt.Sprint(v["PropertyValueId"]) == "0" {
			t.Errorf("the added value = %v, want paris with its new id", v)
		}
		if f := failed[0].(map[string]any); f["ErrorCode"] != "PropertyValueNotFound" || f["PropertyValue"] != "nowhere" {
			t.Errorf("an unknown PropertyValueId = %v", f)
		}
		if f := failed[1].(map[string]any); f["ErrorCode"] != "ExistedPropertyValue" || fmt.Sprint(f["PropertyId"]) != fmt.Sprint(p.ID) {
			t.Errorf("a value the property has = %v", f)
		}
		u, _ := a.st.GetUser(ctx, a.acme.ID, ada.ID)
		if fmt.Sprint(u.Properties[key].Values) != "[berlin_"+key+"]" {
			t.Errorf("ada's values after the rename to %s = %v", key, u.Properties)
		}
		list, err := call(c, "ListProperty", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		first := list["Properties"].([]any)[0].(map[string]any)
		if first["PropertyKey"] != key || len(first["PropertyValues"].([]any)) != map[string]int{"": 3, "v2": 4}[sig] {
			t.Errorf("ListProperty after the update (signature %q) = %v", sig, first)
		}
	}

	c := a.client(t, a.admin.AccessKeyID, a.adminSecret, "v2")
	got, err := call(c, "UpdateProperty", nil, map[string]any{"PropertyId": p.ID, "PropertyKey": "site"})
	if r := got["UpdateResult"].(map[string]any); err != nil || r["PropertyKey"] != "site" ||
		len(r["SavePropertyValueModel"].(map[string]any)["SavePropertyValues"].([]any)) != 0 {
		t.Fatalf("UpdateProperty renaming only = %v, %v", got, err)
	}
	_, err = call(c, "UpdateProperty", nil, map[string]any{"PropertyId": p.ID, "PropertyKey": "team"})
	wantCode(t, "UpdateProperty to another property's key", err, 400, "EntityAlreadyExists")
	_, err = call(c, "UpdateProperty", nil, map[string]any{"PropertyId": p.ID, "PropertyKey": "Bad Key"})
	wantCode(t, "UpdateProperty to a bad key", err, 400, "InvalidParameter")
	_, err = call(c, "UpdateProperty", nil, map[string]any{"PropertyId": p.ID})
	wantCode(t, "UpdateProperty without PropertyKey", err, 400, "MissingParameter")
	_, err = call(c, "UpdateProperty", nil, map[string]any{"PropertyId": 987654, "PropertyKey": "x"})
	wantCode(t, "UpdateProperty of no property", err, 404, "EntityNotExist")
	viewer := a.client(t, a.viewer.AccessKeyID, a.viewerSecret, "")
	_, err = call(viewer, "UpdateProperty", nil, map[string]any{"PropertyId": p.ID, "PropertyKey": "x"})
	wantCode(t, "UpdateProperty as a viewer", err, 403, "Forbidden")
}

// eds-user's ChangeUserPassword through Alibaba's client: the password is
// set under the tenant's policy, a refusal names NewPassword and the rule,
// and the answer is the RequestId alone.
func TestEdsUserChangeUserPassword(t *testing.T) {
	a := newACSApp(t)
	ctx := t.Context()
	if _, err := a.st.CreateUser(ctx, a.acme.ID, store.NewUser{Username: "ada", Password: "First-password-1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.st.CreateUser(ctx, a.other.ID, store.NewUser{Username: "eve"}); err != nil {
		t.Fatal(err)
	}
	for i, sig := range []string{"", "v2"} {
		c := a.client(t, a.admin.AccessKeyID, a.adminSecret, sig)
		pw := fmt.Sprintf("New-password-%d", i)
		got, err := call(c, "ChangeUserPassword", nil, map[string]any{"EndUserId": "ada", "NewPassword": pw})
		if err != nil {
			t.Fatalf("ChangeUserPassword (signature %q) = %v", sig, err)
		}
		if len(got) != 1 || got["RequestId"] == "" {
			t.Errorf("ChangeUserPassword answers %v, want the RequestId alone", got)
		}
		if _, err := a.st.AuthenticateUser(ctx, a.acme.ID, "ada", pw); err != nil {
			t.Errorf("signing in with the password set (signature %q) = %v", sig, err)
		}
	}
	c := a.client(t, a.admin.AccessKeyID, a.adminSecret, "v2")
	_, err := call(c, "ChangeUserPassword", nil, map[string]any{"EndUserId": "ada", "NewPassword": "short"})
	wantCode(t, "ChangeUserPassword with a short password", err, 400, "InvalidParameter")
	if msg := errString(err); !strings.Contains(msg, "NewPassword") || !strings.Contains(msg, "at least 10 characters") {
		t.Errorf("the refusal says %q, want NewPassword and the rule", msg)
	}
	_, err = call(c, "ChangeUserPassword", nil, map[string]any{"EndUserId": "ada", "NewPassword": "New-password-0"})
	wantCode(t, "ChangeUserPassword to a recent password", err, 400, "InvalidParameter")
	_, err = call(c, "ChangeUserPassword", nil, map[string]any{"EndUserId": "eve", "NewPassword": "New-password-9"})
	wantCode(t, "ChangeUserPassword of another tenant's user", err, 404, "EndUserIdNotFound")
	_, err = call(c, "ChangeUserPassword", nil, map[string]any{"EndUserId": "ada"})
	wantCode(t, "ChangeUserPassword without NewPassword", err, 400, "MissingParameter")
	viewer := a.client(t, a.viewer.AccessKeyID, a.viewerSecret, "")
	_, err = call(viewer, "ChangeUserPassword", nil, map[string]any{"EndUserId": "ada", "NewPassword": "New-password-9"})
	wantCode(t, "ChangeUserPassword as a viewer", err, 403, "Forbidden")
}
