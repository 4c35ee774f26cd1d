package handlers_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"roster/store"
)

// scimCall sends a SCIM request to acme's server with a bearer key, the
// body as application/scim+json.
func (a *usersAPI) scim(t *testing.T, method, path, body string) (int, map[string]any) {
	t.Helper()
	return a.scimAs(t, a.admin, method, path, body)
}

func (a *usersAPI) scimAs(t *testing.T, key, method, path, body string) (int, map[string]any) {
	t.Helper()
	status, h, out := a.apiCall(t, method, "/scim/v2"+path, key, body)
	if out != nil && !strings.HasPrefix(h.Get("Content-Type"), "application/scim+json") {
		t.Errorf("%s %s: Content-Type %q, want application/scim+json", method, path, h.Get("Content-Type"))
	}
	return status, out
}

// mustSCIM is scim expecting a status.
func (a *usersAPI) mustSCIM(t *testing.T, want int, method, path, body string) map[string]any {
	t.Helper()
	status, out := a.scim(t, method, path, body)
	if status != want {
		t.Fatalf("%s %s %s = %d %v, want %d", method, path, body, status, out, want)
	}
	return out
}

// wantSCIMError checks an answer in SCIM's error shape.
func wantSCIMError(t *testing.T, what string, status int, body map[string]any, wantStatus int, scimType, detail string) {
	t.Helper()
	schemas := fmt.Sprint(body["schemas"])
	if status != wantStatus || body["status"] != fmt.Sprint(wantStatus) || schemas != "[urn:ietf:params:scim:api:messages:2.0:Error]" ||
		fmt.Sprint(body["scimType"]) != scimType && scimType != "" || !strings.Contains(fmt.Sprint(body["detail"]), detail) {
		t.Errorf("%s = %d %v; want %d %s %q", what, status, body, wantStatus, scimType, detail)
	}
}

func filterQuery(f string) string { return url.QueryEscape(f) }

// Okta's SCIM 2.0 test sequence for users (its "SCIM 2.0 Test App" spec):
// look the user up by userName, create them, read them back, then the
// PATCHes Okta sends for deactivation, a name change and an email change.
func TestSCIMOktaUserSequence(t *testing.T) {
	a := newUsersAPI(t)
	q := "/Users?filter=" + filterQuery(`userName eq "Test.User@example.com"`) + "&startIndex=1&count=100"
	l := a.mustSCIM(t, 200, "GET", q, "")
	if l["totalResults"] != 0.0 || fmt.Sprint(l["Resources"]) != "[]" || fmt.Sprint(l["schemas"]) != "[urn:ietf:params:scim:api:messages:2.0:ListResponse]" {
		t.Fatalf("lookup before create = %v", l)
	}
	create := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"Test.User@example.com",
		"name":{"givenName":"Test","familyName":"User"},"emails":[{"primary":true,"value":"test.user@example.com","type":"work"}],
		"displayName":"Test User","locale":"en-US","externalId":"00ujl29u0le5T6Aj10h7","groups":[],"password":"1mz050nq-Passw0rd","active":true}`
	u := a.mustSCIM(t, 201, "POST", "/Users", create)
	id, _ := u["id"].(string)
	if !strings.HasPrefix(id, "u_") || u["userName"] != "test.user@example.com" || u["active"] != true || u["externalId"] != "00ujl29u0le5T6Aj10h7" ||
		fmt.Sprint(u["name"]) != "map[familyName:User formatted:Test User givenName:Test]" || u["displayName"] != "Test User" ||
		fmt.Sprint(u["emails"]) != "[map[primary:true type:work value:test.user@example.com]]" || u["locale"] != "en-US" {
		t.Fatalf("created = %v", u)
	}
	if _, has := u["password"]; has {
		t.Error("the created user shows its password")
	}
	meta, _ := u["meta"].(map[string]any)
	if meta["resourceType"] != "User" || meta["location"] != "http://roster.test/scim/v2/Users/"+id {
		t.Errorf("meta = %v", meta)
	}
	status, dup := a.scim(t, "POST", "/Users", create)
	wantSCIMError(t, "create again", status, dup, 409, "uniqueness", "userName")

	l = a.mustSCIM(t, 200, "GET", q, "")
	if l["totalResults"] != 1.0 || l["itemsPerPage"] != 1.0 || l["startIndex"] != 1.0 {
		t.Fatalf("lookup after create = %v", l)
	}
	if got := a.mustSCIM(t, 200, "GET", "/Users/"+id, ""); got["userName"] != "test.user@example.com" {
		t.Fatalf("get by id = %v", got)
	}
	status, none := a.scim(t, "GET", "/Users/u_zzzzzzzz", "")
	wantSCIMError(t, "get an unknown id", status, none, 404, "", "not found")

	patch := func(ops string) map[string]any {
		return a.mustSCIM(t, 200, "PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":`+ops+`}`)
	}
	if u = patch(`[{"op":"replace","value":{"active":false}}]`); u["active"] != false {
		t.Fatalf("deactivated = %v", u)
	}
	if got, _ := a.st.GetUser(t.Context(), a.acme.ID, mustID(t, id)); got.Status != store.StatusDisabled {
		t.Fatalf("status after active=false = %s", got.Status)
	}
	if u = patch(`[{"op":"replace","value":{"active":true}}]`); u["active"] != true {
		t.Fatalf("reactivated = %v", u)
	}
	// A display name made of the name's parts follows them.
	if u = patch(`[{"op":"replace","path":"name.givenName","value":"Another"}]`); fmt.Sprint(u["name"]) != "map[familyName:User formatted:Another User givenName:Another]" {
		t.Fatalf("given name replaced = %v", u["name"])
	}
	u = patch(`[{"op":"replace","path":"emails[type eq \"work\"].value","value":"another@example.com"}]`)
	if fmt.Sprint(u["emails"]) != "[map[primary:true type:work value:another@example.com]]" {
		t.Fatalf("email replaced = %v", u["emails"])
	}
	l = a.mustSCIM(t, 200, "GET", "/Users?filter="+filterQuery(`emails.value eq "another@example.com"`), "")
	if l["totalResults"] != 1.0 {
		t.Fatalf("found by the new email = %v", l)
	}
	// Okta deprovisions by PUT of the whole user with active false.
	u = a.mustSCIM(t, 200, "PUT", "/Users/"+id, strings.Replace(create, `"active":true`, `"active":false`, 1))
	if u["active"] != false || fmt.Sprint(u["emails"]) != "[map[primary:true type:work value:test.user@example.com]]" {
		t.Fatalf("put = %v", u)
	}
	// A PUT without active leaves the status as it is.
	if u = a.mustSCIM(t, 200, "PUT", "/Users/"+id, `{"userName":"test.user@example.com","displayName":"T. User"}`); u["active"] != false || u["emails"] != nil {
		t.Fatalf("put without active = %v", u)
	}
}

// Okta's group push: create a group with a member, add and remove members
// by PATCH, rename it, replace it by PUT and delete it.
func TestSCIMOktaGroupSequence(t *testing.T) {
	a := newUsersAPI(t)
	u1 := a.mustSCIM(t, 201, "POST", "/Users", `{"userName":"one@example.com","name":{"givenName":"One","familyName":"User"}}`)["id"].(string)
	u2 := a.mustSCIM(t, 201, "POST", "/Users", `{"userName":"two@example.com"}`)["id"].(string)
	l := a.mustSCIM(t, 200, "GET", "/Groups?filter="+filterQuery(`displayName eq "Engineering"`)+"&startIndex=1&count=100", "")
	if l["totalResults"] != 0.0 {
		t.Fatalf("lookup before create = %v", l)
	}
	g := a.mustSCIM(t, 201, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Engineering","members":[{"value":"`+u1+`","display":"one@example.com"}]}`)
	gid := g["id"].(string)
	if g["displayName"] != "Engineering" || len(g["members"].([]any)) != 1 {
		t.Fatalf("created group = %v", g)
	}
	status, dup := a.scim(t, "POST", "/Groups", `{"displayName":"engineering"}`)
	wantSCIMError(t, "create a group again", status, dup, 409, "uniqueness", "displayName")

	patch := func(ops string) map[string]any {
		return a.mustSCIM(t, 200, "PATCH", "/Groups/"+gid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":`+ops+`}`)
	}
	g = patch(`[{"op":"add","path":"members","value":[{"value":"` + u2 + `","display":"two@example.com"}]}]`)
	if len(g["members"].([]any)) != 2 {
		t.Fatalf("after adding = %v", g)
	}
	if u := a.mustSCIM(t, 200, "GET", "/Users/"+u2, ""); fmt.Sprint(u["groups"]) != "[map[display:Engineering type:direct value:"+gid+"]]" {
		t.Fatalf("the member's groups = %v", u["groups"])
	}
	g = patch(`[{"op":"remove","path":"members[value eq \"` + u1 + `\"]"}]`)
	if fmt.Sprint(g["members"]) != "[map[$ref:http://roster.test/scim/v2/Users/"+u2+" display:two@example.com type:User value:"+u2+"]]" {
		t.Fatalf("after removing = %v", g["members"])
	}
	g = patch(`[{"op":"replace","value":{"id":"` + gid + `","displayName":"Engineering Team"}}]`)
	if g["displayName"] != "Engineering Team" {
		t.Fatalf("renamed = %v", g)
	}
	// One request adding one member and removing another is one
	// transaction: a refused member leaves the group as it was.
	status, bad := a.scim(t, "PATCH", "/Groups/"+gid, `{"Operations":[{"op":"remove","path":"members[value eq \"`+u2+`\"]"},{"op":"add","path":"members","value":[{"value":"u_zzzzzzzz"}]}]}`)
	wantSCIMError(t, "a PATCH with an unknown member", status, bad, 400, "invalidValue", "members")
	if g = a.mustSCIM(t, 200, "GET", "/Groups/"+gid, ""); len(g["members"].([]any)) != 1 {
		t.Fatalf("after a refused PATCH = %v", g)
	}
	g = a.mustSCIM(t, 200, "PUT", "/Groups/"+gid, `{"displayName":"Engineering Team","members":[{"value":"`+u1+`"}]}`)
	if fmt.Sprint(g["members"]) != "[map[$ref:http://roster.test/scim/v2/Users/"+u1+" display:one@example.com type:User value:"+u1+"]]" {
		t.Fatalf("after PUT = %v", g["members"])
	}
	events, _ := a.st.ListAuditEvents(t.Context(), a.acme.ID, store.AuditFilter{TargetID: gid})
	var actions []string
	for _, e := range events.Items {
		actions = append(actions, e.Action)
	}
	if got := strings.Join(actions, " "); strings.Count(got, "group.add_member") != 3 || strings.Count(got, "group.remove_member") != 2 {
		t.Errorf("the group's audit events = %s", got)
	}
	a.mustSCIM(t, 204, "DELETE", "/Groups/"+gid, "")
	status, gone := a.scim(t, "GET", "/Groups/"+gid, "")
	wantSCIMError(t, "get a deleted group", status, gone, 404, "", "not found")
	a.mustSCIM(t, 204, "DELETE", "/Users/"+u2, "")
}

func mustID(t *testing.T, pid string) int64 {
	t.Helper()
	id, ok := store.ParseID(store.PrefixUser, pid)
	if !ok {
		t.Fatalf("%q is not a user id", pid)
	}
	return id
}
