package handlers_test

import (
	"fmt"
	"strings"
	"testing"

	"roster/store"
)

// Microsoft Entra's provisioning requests, with the quirks its
// documentation lists: capitalised op names, booleans as strings,
// path-less PATCH with dotted and URN-prefixed keys, externalId lookups.
func TestSCIMEntraProvisioning(t *testing.T) {
	a := newUsersAPI(t)
	lookup := "/Users?filter=" + filterQuery(`externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"`)
	if l := a.mustSCIM(t, 200, "GET", lookup, ""); l["totalResults"] != 0.0 {
		t.Fatalf("lookup before create = %v", l)
	}
	u := a.mustSCIM(t, 201, "POST", "/Users", `{
		"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
		"externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef","userName":"Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
		"active":true,"emails":[{"primary":true,"type":"work","value":"Test_User_fd0ea19b@testuser.com"}],
		"meta":{"resourceType":"User"},"name":{"formatted":"givenName familyName","familyName":"familyName","givenName":"givenName"},
		"roles":[],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Sales","employeeNumber":"701984","manager":{"value":"u_zz"}}}`)
	id := u["id"].(string)
	ent := u["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]
	if fmt.Sprint(ent) != "map[department:Sales employeeNumber:701984 manager:map[value:u_zz]]" || u["displayName"] != "givenName familyName" {
		t.Fatalf("created = %v", u)
	}
	if l := a.mustSCIM(t, 200, "GET", lookup, ""); l["totalResults"] != 1.0 {
		t.Fatalf("lookup by externalId = %v", l)
	}
	// Entra's and: userName and a second condition.
	both := "/Users?filter=" + filterQuery(`userName eq "test_user_ab6490ee-1e48-479e-a20b-2d77186b5dd1" and externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"`)
	if l := a.mustSCIM(t, 200, "GET", both, ""); l["totalResults"] != 1.0 {
		t.Fatalf("lookup by both = %v", l)
	}
	patch := func(ops string) map[string]any {
		return a.mustSCIM(t, 200, "PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":`+ops+`}`)
	}
	u = patch(`[{"op":"Replace","path":"active","value":"False"}]`)
	if u["active"] != false {
		t.Fatalf("active False = %v", u)
	}
	u = patch(`[{"op":"Add","value":{"name.givenName":"Barbara","name.familyName":"Jensen",
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":"Engineering",
		"emails[type eq \"work\"].value":"babs@example.com","active":"True"}}]`)
	ent = u["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]
	if u["active"] != true || fmt.Sprint(u["name"]) != "map[familyName:Jensen formatted:Barbara Jensen givenName:Barbara]" ||
		!strings.Contains(fmt.Sprint(ent), "department:Engineering") || fmt.Sprint(u["emails"]) != "[map[primary:true type:work value:babs@example.com]]" {
		t.Fatalf("after the path-less add = %v", u)
	}
	dept := "/Users?filter=" + filterQuery(`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Engineering" and name.familyName eq "Jensen"`)
	if l := a.mustSCIM(t, 200, "GET", dept, ""); l["totalResults"] != 1.0 {
		t.Errorf("lookup by department = %v", l)
	}
	got, _ := a.st.GetUser(t.Context(), a.acme.ID, mustID(t, id))
	if got.Tags["department"] != "Engineering" || got.Tags["employeeNumber"] != "701984" || got.SourceType != "scim" {
		t.Errorf("stored user = %+v", got)
	}
	u = patch(`[{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":{"value":"u_yy"}},
		{"op":"Remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"},
		{"op":"Replace","path":"displayName","value":"Babs Jensen"},{"op":"Replace","path":"userName","value":"babs@example.com"}]`)
	ent = u["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]
	if fmt.Sprint(ent) != "map[department:Engineering manager:map[value:u_yy]]" || u["displayName"] != "Babs Jensen" || u["userName"] != "babs@example.com" {
		t.Fatalf("after replace and remove = %v", u)
	}
	// Entra's group requests: create, add a member with a capitalised op,
	// remove it with a value list, and look the group up by name.
	g := a.mustSCIM(t, 201, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159","displayName":"displayName","meta":{"resourceType":"Group"}}`)
	gid := g["id"].(string)
	a.mustSCIM(t, 204, "PATCH", "/Groups/"+gid+"?excludedAttributes=members", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"value":"`+id+`"}]}]}`)
	if g = a.mustSCIM(t, 200, "GET", "/Groups?filter="+filterQuery(`displayName eq "displayName"`)+"&excludedAttributes=members", ""); g["totalResults"] != 1.0 {
		t.Fatalf("group lookup = %v", g)
	} else if r := g["Resources"].([]any)[0].(map[string]any); r["members"] != nil {
		t.Errorf("excludedAttributes=members still lists members: %v", r)
	}
	if grp, _ := a.st.GetGroup(t.Context(), a.acme.ID, mustGroupID(t, gid)); grp.MemberCount != 1 {
		t.Fatalf("member count after add = %d", grp.MemberCount)
	}
	a.mustSCIM(t, 204, "PATCH", "/Groups/"+gid+"?excludedAttributes=members", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Remove","path":"members","value":[{"value":"`+id+`"}]}]}`)
	if grp, _ := a.st.GetGroup(t.Context(), a.acme.ID, mustGroupID(t, gid)); grp.MemberCount != 0 {
		t.Fatalf("member count after remove = %d", grp.MemberCount)
	}
	g = a.mustSCIM(t, 200, "PATCH", "/Groups/"+gid, `{"Operations":[{"op":"Replace","path":"displayName","value":"1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"}]}`)
	if g["displayName"] != "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName" {
		t.Fatalf("renamed group = %v", g)
	}
}

// Keys, tenants and the log: a viewer key is refused, another tenant's
// user is not found, and each request is logged for the tenant.
func TestSCIMKeysTenantsAndLog(t *testing.T) {
	a := newUsersAPI(t)
	status, body := a.scimAs(t, a.viewer, "GET", "/Users", "")
	wantSCIMError(t, "a viewer key", status, body, 403, "", "read-only")
	status, body = a.scimAs(t, "", "GET", "/Users", "")
	wantSCIMError(t, "no key", status, body, 401, "", "API key")
	id := a.mustSCIM(t, 201, "POST", "/Users", `{"userName":"ada"}`)["id"].(string)
	status, body = a.scimAs(t, a.other, "GET", "/Users/"+id, "")
	wantSCIMError(t, "another tenant's user", status, body, 404, "", "not found")
	status, body = a.scim(t, "POST", "/Users", `{"userName":"x"}`)
	wantSCIMError(t, "a short userName", status, body, 400, "invalidValue", "userName")
	big := `{"userName":"big","displayName":"` + strings.Repeat("x", 1<<20) + `"}`
	status, body = a.scim(t, "POST", "/Users", big)
	wantSCIMError(t, "a body over 1 MiB", status, body, 413, "", "1 MiB") // refused before the key is read: not logged
	log, err := a.st.SCIMRequests(t.Context(), a.acme.ID, 10)
	if err != nil || len(log) != 2 || log[0].Status != 400 || log[1].Method != "POST" || log[1].Path != "/scim/v2/Users" ||
		log[1].Status != 201 || log[1].Result != "Created user ada ("+id+")" {
		t.Fatalf("acme's log = %+v %v", log, err)
	}
	if other, _ := a.st.SCIMRequests(t.Context(), a.testApp.other.ID, 10); len(other) != 1 || other[0].Status != 404 {
		t.Errorf("other's log = %+v", other)
	}
	for range store.SCIMLogSize + 5 {
		if err := a.st.LogSCIMRequest(t.Context(), a.acme.ID, store.SCIMRequest{Method: "GET", Path: "/scim/v2/Users", Status: 200, Result: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	if log, _ = a.st.SCIMRequests(t.Context(), a.acme.ID, 1000); len(log) != store.SCIMLogSize {
		t.Errorf("the log keeps %d requests, want %d", len(log), store.SCIMLogSize)
	}
}

func mustGroupID(t *testing.T, pid string) int64 {
	t.Helper()
	id, ok := store.ParseID(store.PrefixGroup, pid)
	if !ok {
		t.Fatalf("%q is not a group id", pid)
	}
	return id
}
