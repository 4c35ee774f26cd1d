package handlers_test

import (
	"fmt"
	"strings"
	"testing"
)

// call is apiCall that fails the test unless the status is want.
func (a *usersAPI) call(t *testing.T, want int, method, path, key, body string) map[string]any {
	t.Helper()
	status, _, got := a.apiCall(t, method, path, key, body)
	if status != want {
		t.Fatalf("%s %s %s = %d %v, want %d", method, path, body, status, got, want)
	}
	return got
}

// wantError checks a refused call: its status and the field it names.
func (a *usersAPI) wantError(t *testing.T, status int, field, method, path, key, body string) {
	t.Helper()
	got := a.call(t, status, method, path, key, body)
	if _, _, f := errorOf(got); f != field {
		t.Errorf("%s %s %s: error field %q (%v), want %q", method, path, body, f, got, field)
	}
}

func items(m map[string]any) []map[string]any {
	var out []map[string]any
	for _, it := range m["items"].([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}

func names(m map[string]any, field string) string {
	var out []string
	for _, it := range items(m) {
		out = append(out, fmt.Sprint(it[field]))
	}
	return strings.Join(out, ",")
}

func TestOrgUnitsAPI(t *testing.T) {
	a := newUsersAPI(t)
	const base = "/api/v1/org-units"
	eng := a.call(t, 201, "POST", base, a.admin, `{"name":"Engineering","description":"Builders"}`)
	engID := eng["id"].(string)
	if !strings.HasPrefix(eng["parent_id"].(string), "ou_") || eng["subtree_user_count"] != float64(0) {
		t.Fatalf("created unit = %v", eng)
	}
	web := a.call(t, 201, "POST", base, a.admin, `{"name":"Web","parent_id":"`+engID+`"}`)
	webID := web["id"].(string)
	ops := a.call(t, 201, "POST", base, a.admin, `{"name":"Ops"}`)
	opsID := ops["id"].(string)

	a.wantError(t, 409, "name", "POST", base, a.admin, `{"name":"Web","parent_id":"`+engID+`"}`)
	a.wantError(t, 422, "name", "POST", base, a.admin, `{"name":""}`)
	a.wantError(t, 422, "parent_id", "POST", base, a.admin, `{"name":"X","parent_id":"g_1"}`)
	a.wantError(t, 422, "parent_id", "POST", base, a.other, `{"name":"X","parent_id":"`+engID+`"}`)
	a.wantError(t, 400, "", "POST", base, a.admin, `{"name":"X","colour":"red"}`)
	a.wantError(t, 403, "", "POST", base, a.viewer, `{"name":"X"}`)

	got := a.call(t, 200, "GET", base+"/"+webID, a.viewer, "")
	if len(got["path"].([]any)) != 3 || got["path"].([]any)[1].(map[string]any)["name"] != "Engineering" {
		t.Fatalf("unit with path = %v", got)
	}
	a.call(t, 404, "GET", base+"/"+webID, a.other, "")
	a.call(t, 404, "GET", base+"/u_1", a.admin, "")
	root := got["path"].([]any)[0].(map[string]any)["id"].(string)
	if layer := a.call(t, 200, "GET", base+"/"+root+"/children", a.viewer, ""); names(layer, "name") != "Engineering,Ops" {
		t.Fatalf("root layer = %v", layer)
	}
	if found := a.call(t, 200, "GET", base+"?name=eng", a.viewer, ""); names(found, "name") != "Engineering" {
		t.Fatalf("search = %v", found)
	}
	a.wantError(t, 400, "colour", "GET", base+"?colour=red", a.viewer, "")

	a.call(t, 200, "PATCH", base+"/"+webID, a.admin, `{"name":"Frontend"}`)
	a.wantError(t, 422, "parent_id", "PATCH", base+"/"+webID, a.admin, `{"parent_id":"`+opsID+`"}`)
	a.wantError(t, 422, "parent_id", "POST", base+"/"+engID+"/move", a.admin, `{"parent_id":"`+webID+`"}`)
	moved := a.call(t, 200, "POST", base+"/"+webID+"/move", a.admin, `{"parent_id":"`+opsID+`"}`)
	if moved["parent_id"] != opsID {
		t.Fatalf("moved = %v", moved)
	}
	a.call(t, 404, "POST", base+"/"+webID+"/move", a.other, `{"parent_id":"`+opsID+`"}`)

	ada := a.mustCreate(t, `{"username":"ada"}`)["id"].(string)
	bob := a.mustCreate(t, `{"username":"bob","org_unit_id":"`+webID+`"}`)["id"].(string)
	res := a.call(t, 200, "POST", "/api/v1/users/move", a.admin, `{"user_ids":["`+ada+`","u_zz"],"org_unit_id":"`+webID+`"}`)
	if len(res["succeeded"].([]any)) != 1 || len(res["failed"].([]any)) != 1 {
		t.Fatalf("move users = %v", res)
	}
	a.wantError(t, 422, "org_unit_id", "POST", "/api/v1/users/move", a.admin, `{"user_ids":["`+ada+`"]}`)
	if l := a.call(t, 200, "GET", "/api/v1/users?org_unit_id="+opsID+"&include_descendants=true", a.viewer, ""); names(l, "username") != "ada,bob" {
		t.Fatalf("subtree filter = %v", l)
	}
	if l := a.call(t, 200, "GET", "/api/v1/users?org_unit_id="+opsID, a.viewer, ""); l["total_count"] != float64(0) {
		t.Fatalf("unit filter without sub-units = %v", l)
	}
	a.wantError(t, 400, "org_unit_id", "GET", "/api/v1/users?org_unit_id=nope", a.viewer, "")
	a.wantError(t, 400, "org_unit_id", "GET", "/api/v1/users?org_unit_id="+opsID, a.other, "")

	a.wantError(t, 422, "move_users_to_parent", "DELETE", base+"/"+webID, a.admin, "")
	a.wantError(t, 422, "id", "DELETE", base+"/"+opsID+"?move_users_to_parent=true", a.admin, "")
	a.call(t, 204, "DELETE", base+"/"+webID+"?move_users_to_parent=true", a.admin, "")
	if u := a.call(t, 200, "GET", "/api/v1/users/"+bob, a.admin, ""); u["org_unit_id"] != opsID {
		t.Fatalf("bob after removing his unit = %v", u["org_unit_id"])
	}
	a.call(t, 404, "DELETE", base+"/"+webID, a.admin, "")
}

func TestGroupsAPI(t *testing.T) {
	a := newUsersAPI(t)
	const base = "/api/v1/groups"
	g := a.call(t, 201, "POST", base, a.admin, `{"name":"Admins","description":"People with keys"}`)
	gid := g["id"].(string)
	a.wantError(t, 409, "name", "POST", base, a.admin, `{"name":"ADMINS"}`)
	a.wantError(t, 422, "name", "POST", base, a.admin, `{"name":"`+strings.Repeat("x", 65)+`"}`)
	a.call(t, 201, "POST", base, a.other, `{"name":"Admins"}`)
	a.call(t, 404, "GET", base+"/"+gid, a.other, "")

	ada := a.mustCreate(t, `{"username":"ada","display_name":"Ada"}`)["id"].(string)
	bob := a.mustCreate(t, `{"username":"bob"}`)["id"].(string)
	theirs := a.call(t, 201, "POST", "/api/v1/users", a.other, `{"username":"eve"}`)["id"].(string)
	res := a.call(t, 200, "POST", base+"/"+gid+"/members/add", a.admin, `{"user_ids":["`+ada+`","`+bob+`","`+theirs+`"]}`)
	if len(res["succeeded"].([]any)) != 2 || res["failed"].([]any)[0].(map[string]any)["code"] != "not_found" {
		t.Fatalf("add members = %v", res)
	}
	a.call(t, 404, "POST", base+"/"+gid+"/members/add", a.other, `{"user_ids":["`+theirs+`"]}`)
	a.wantError(t, 422, "user_ids", "POST", base+"/"+gid+"/members/add", a.admin, `{}`)
	a.call(t, 404, "GET", base+"/"+gid+"/members", a.other, "")
	m := a.call(t, 200, "GET", base+"/"+gid+"/members", a.viewer, "")
	if names(m, "username") != "ada,bob" || items(m)[0]["joined_at"] == nil || m["total_count"] != float64(2) {
		t.Fatalf("members = %v", m)
	}
	if m := a.call(t, 200, "GET", base+"/"+gid+"/members?q=ad", a.viewer, ""); names(m, "username") != "ada" {
		t.Fatalf("members searched = %v", m)
	}
	if l := a.call(t, 200, "GET", "/api/v1/users?exclude_group_id="+gid, a.viewer, ""); names(l, "username") != "" {
		t.Fatalf("users not in the group = %v, want none (acme has ada and bob, both members)", l)
	}
	if l := a.call(t, 200, "GET", "/api/v1/users?usernames=ADA,nobody", a.viewer, ""); names(l, "username") != "ada" {
		t.Fatalf("users by usernames = %v", l)
	}
	if l := a.call(t, 200, "GET", "/api/v1/users?exclude_usernames=ada", a.viewer, ""); names(l, "username") != "bob" {
		t.Fatalf("users but ada = %v", l)
	}
	a.wantError(t, 400, "exclude_group_id", "GET", "/api/v1/users?exclude_group_id=nope", a.viewer, "")
	if l := a.call(t, 200, "GET", "/api/v1/users?group_id="+gid+"&username_prefix=b", a.viewer, ""); names(l, "username") != "bob" {
		t.Fatalf("group filter = %v", l)
	}
	if u := a.call(t, 200, "GET", "/api/v1/users/"+ada, a.viewer, ""); fmt.Sprint(u["groups"]) != fmt.Sprintf("[map[id:%s name:Admins]]", gid) {
		t.Fatalf("user's groups = %v", u["groups"])
	}
	if l := a.call(t, 200, "GET", base+"?name=adm", a.viewer, ""); names(l, "member_count") != "2" {
		t.Fatalf("groups = %v", l)
	}
	a.call(t, 200, "POST", base+"/"+gid+"/members/remove", a.admin, `{"user_ids":["`+bob+`"]}`)
	renamed := a.call(t, 200, "PATCH", base+"/"+gid, a.admin, `{"name":"Owners"}`)
	if renamed["name"] != "Owners" || renamed["member_count"] != float64(1) || renamed["description"] != "People with keys" {
		t.Fatalf("renamed = %v", renamed)
	}
	other := a.call(t, 201, "POST", base, a.admin, `{"name":"Others"}`)["id"].(string)
	res = a.call(t, 200, "POST", base+"/delete", a.admin, `{"group_ids":["`+other+`","g_zz","u_1"]}`)
	if len(res["succeeded"].([]any)) != 1 || len(res["failed"].([]any)) != 2 {
		t.Fatalf("delete groups = %v", res)
	}
	a.call(t, 403, "DELETE", base+"/"+gid, a.viewer, "")
	a.call(t, 204, "DELETE", base+"/"+gid, a.admin, "")
	a.call(t, 404, "DELETE", base+"/"+gid, a.admin, "")
}

func TestPropertiesAPI(t *testing.T) {
	a := newUsersAPI(t)
	const base = "/api/v1/properties"
	p := a.call(t, 201, "POST", base, a.admin, `{"key":"department","display_name":"Department","type":"select",
		"values":[{"value":"sales","display_name":"Sales"},{"value":"eng"}]}`)
	pid := p["id"].(string)
	vals := p["values"].([]any)
	sales, eng := vals[0].(map[string]any)["id"].(string), vals[1].(map[string]any)["id"].(string)
	a.call(t, 201, "POST", base, a.admin, `{"key":"level","type":"number","required":true}`)
	a.call(t, 201, "POST", base, a.admin, `{"key":"skills","type":"multiselect","values":[{"value":"go"},{"value":"sql"}]}`)
	a.wantError(t, 409, "key", "POST", base, a.admin, `{"key":"department","type":"text"}`)
	a.wantError(t, 422, "key", "POST", base, a.admin, `{"key":"Dept","type":"text"}`)
	a.wantError(t, 422, "type", "POST", base, a.admin, `{"key":"dept2","type":"colour"}`)
	a.wantError(t, 422, "values[1]", "POST", base, a.admin, `{"key":"dept3","type":"select","values":[{"value":"a"},{"value":"a"}]}`)
	a.call(t, 404, "GET", base+"/"+pid, a.other, "")
	if l := a.call(t, 200, "GET", base, a.viewer, ""); names(l, "key") != "department,level,skills" {
		t.Fatalf("properties = %v", l)
	}

	ada := a.mustCreate(t, `{"username":"ada"}`)["id"].(string)
	bob := a.mustCreate(t, `{"username":"bob"}`)["id"].(string)
	u := a.call(t, 200, "PUT", "/api/v1/users/"+ada+"/properties/department", a.admin, `{"value":"eng"}`)
	if fmt.Sprint(u["properties"]) != "map[department:eng]" {
		t.Fatalf("user after PUT = %v", u["properties"])
	}
	a.call(t, 200, "PUT", "/api/v1/users/"+ada+"/properties/level", a.admin, `{"value":3}`)
	a.call(t, 200, "PUT", "/api/v1/users/"+ada+"/properties/skills", a.admin, `{"values":["go","sql"]}`)
	a.call(t, 200, "PUT", "/api/v1/users/"+bob+"/properties/department", a.admin, `{"value":"sales"}`)
	a.wantError(t, 422, "value", "PUT", "/api/v1/users/"+ada+"/properties/department", a.admin, `{"value":"marketing"}`)
	a.wantError(t, 422, "value", "PUT", "/api/v1/users/"+ada+"/properties/level", a.admin, `{"value":"three"}`)
	a.wantError(t, 422, "value", "PUT", "/api/v1/users/"+ada+"/properties/level", a.admin, `{"value":1,"values":[2]}`)
	a.wantError(t, 422, "value", "DELETE", "/api/v1/users/"+ada+"/properties/level", a.admin, "")
	a.call(t, 404, "PUT", "/api/v1/users/"+ada+"/properties/nope", a.admin, `{"value":"x"}`)
	a.call(t, 404, "PUT", "/api/v1/users/"+ada+"/properties/department", a.other, `{"value":"eng"}`)
	got := a.call(t, 200, "GET", "/api/v1/users/"+ada, a.viewer, "")["properties"].(map[string]any)
	if got["level"] != float64(3) || fmt.Sprint(got["skills"]) != "[go sql]" {
		t.Fatalf("typed values = %v", got)
	}
	if l := a.call(t, 200, "GET", "/api/v1/users?property=department:eng&property=department:sales", a.viewer, ""); names(l, "username") != "ada,bob" {
		t.Fatalf("OR within a key = %v", l)
	}
	if l := a.call(t, 200, "GET", "/api/v1/users?property=department:sales&property=skills:go", a.viewer, ""); l["total_count"] != float64(0) {
		t.Fatalf("AND across keys = %v", l)
	}
	a.wantError(t, 400, "property", "GET", "/api/v1/users?property=department", a.viewer, "")
	a.wantError(t, 400, "property", "GET", "/api/v1/users?property=department:hr", a.viewer, "")

	values := a.call(t, 200, "GET", base+"/"+pid+"/values", a.viewer, "")
	if names(values, "user_count") != "1,1" {
		t.Fatalf("usage per value = %v", values)
	}
	// Keep "eng" renamed, drop "sales" (bob has it), add "hr".
	edit := `{"values":[{"id":"` + eng + `","value":"engineering"},{"value":"hr"}]}`
	a.wantError(t, 409, "confirm", "PATCH", base+"/"+pid, a.admin, edit)
	p = a.call(t, 200, "PATCH", base+"/"+pid+"?confirm=true", a.admin, edit)
	if names(map[string]any{"items": p["values"]}, "value") != "engineering,hr" || p["user_count"] != float64(1) {
		t.Fatalf("after the edit = %v", p)
	}
	if u := a.call(t, 200, "GET", "/api/v1/users/"+bob, a.viewer, ""); len(u["properties"].(map[string]any)) != 0 {
		t.Fatalf("bob keeps %v", u["properties"])
	}
	a.wantError(t, 422, "values[0]", "PATCH", base+"/"+pid, a.admin, `{"values":[{"id":"`+sales+`","value":"x"}]}`)
	a.wantError(t, 422, "type", "PATCH", base+"/"+pid, a.admin, `{"type":"text"}`)
	// A new key renames the property; users keep their values under it.
	if p = a.call(t, 200, "PATCH", base+"/"+pid, a.admin, `{"key":"team"}`); p["key"] != "team" || p["user_count"] != float64(1) {
		t.Fatalf("after renaming to team = %v", p)
	}
	if got := a.call(t, 200, "GET", "/api/v1/users/"+ada, a.viewer, "")["properties"].(map[string]any); got["team"] != "engineering" || got["department"] != nil {
		t.Fatalf("ada's values after the rename = %v", got)
	}
	if l := a.call(t, 200, "GET", "/api/v1/users?property=team:engineering", a.viewer, ""); names(l, "username") != "ada" {
		t.Fatalf("filter by the new key = %v", l)
	}
	a.wantError(t, 409, "key", "PATCH", base+"/"+pid, a.admin, `{"key":"level"}`)
	a.wantError(t, 422, "key", "PATCH", base+"/"+pid, a.admin, `{"key":"Team"}`)
	a.call(t, 403, "PATCH", base+"/"+pid, a.viewer, `{"key":"crew"}`)
	a.wantError(t, 409, "confirm", "DELETE", base+"/"+pid, a.admin, "")
	a.call(t, 204, "DELETE", base+"/"+pid+"?confirm=true", a.admin, "")
	a.call(t, 404, "GET", base+"/"+pid, a.admin, "")
}

func TestResourceGroupsAPI(t *testing.T) {
	a := newUsersAPI(t)
	const base = "/api/v1/resource-groups"
	rg := a.call(t, 201, "POST", base, a.admin, `{"name":"Design desktops","platform":"windows"}`)
	id := rg["id"].(string)
	a.wantError(t, 409, "name", "POST", base, a.admin, `{"name":"design desktops"}`)
	a.wantError(t, 422, "name", "POST", base, a.admin, `{"platform":"linux"}`)
	rg = a.call(t, 200, "POST", base+"/"+id+"/resources/add", a.admin, `{"resources":[{"type":"desktop","id":"d-1","name":"Desk 1"},{"type":"app","id":"figma"}]}`)
	if rg["resource_count"] != float64(2) {
		t.Fatalf("after adding resources = %v", rg)
	}
	a.wantError(t, 422, "resources[0]", "POST", base+"/"+id+"/resources/add", a.admin, `{"resources":[{"type":"","id":"x"}]}`)
	a.call(t, 200, "POST", base+"/"+id+"/resources/remove", a.admin, `{"resources":[{"type":"app","id":"figma"}]}`)

	ada := a.mustCreate(t, `{"username":"ada"}`)["id"].(string)
	bob := a.mustCreate(t, `{"username":"bob"}`)["id"].(string)
	g := a.call(t, 201, "POST", "/api/v1/groups", a.admin, `{"name":"Designers"}`)["id"].(string)
	a.call(t, 200, "POST", "/api/v1/groups/"+g+"/members/add", a.admin, `{"user_ids":["`+bob+`"]}`)
	res := a.call(t, 200, "POST", base+"/"+id+"/assignments/add", a.admin, `{"user_ids":["`+ada+`"],"group_ids":["`+g+`","g_zz"]}`)
	if len(res["succeeded"].([]any)) != 2 || res["failed"].([]any)[0].(map[string]any)["index"] != float64(2) {
		t.Fatalf("assign = %v", res)
	}
	one := a.call(t, 200, "GET", base+"/"+id, a.viewer, "")
	if len(one["resources"].([]any)) != 1 || len(one["users"].([]any)) != 1 || len(one["groups"].([]any)) != 1 {
		t.Fatalf("resource group = %v", one)
	}
	mine := a.call(t, 200, "GET", "/api/v1/users/"+bob+"/resource-groups", a.viewer, "")
	if it := items(mine); len(it) != 1 || it[0]["direct"] != false || fmt.Sprint(it[0]["via_groups"]) != fmt.Sprintf("[map[id:%s name:Designers]]", g) {
		t.Fatalf("bob's resource groups = %v", mine)
	}
	a.call(t, 404, "GET", "/api/v1/users/"+bob+"/resource-groups", a.other, "")
	a.call(t, 404, "GET", base+"/"+id, a.other, "")
	if l := a.call(t, 200, "GET", base+"?name=desk", a.viewer, ""); names(l, "name") != "Design desktops" {
		t.Fatalf("list = %v", l)
	}
	a.call(t, 200, "PATCH", base+"/"+id, a.admin, `{"description":"For the design team"}`)
	a.call(t, 403, "DELETE", base+"/"+id, a.viewer, "")
	a.call(t, 204, "DELETE", base+"/"+id, a.admin, "")
	if mine := a.call(t, 200, "GET", "/api/v1/users/"+bob+"/resource-groups", a.viewer, ""); len(items(mine)) != 0 {
		t.Fatalf("after delete = %v", mine)
	}
}
