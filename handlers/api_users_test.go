package handlers_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"roster/store"
)

// usersAPI is a test app with an admin and a viewer key for acme and an
// admin key for the other tenant.
type usersAPI struct {
	*testApp
	admin, viewer, other string
}

func newUsersAPI(t *testing.T) *usersAPI {
	a := newTestApp(t)
	ctx := t.Context()
	_, admin, _ := a.st.CreateAPIKey(ctx, a.acme.ID, store.NewAPIKey{Name: "writer", Role: store.RoleAdmin})
	_, viewer, _ := a.st.CreateAPIKey(ctx, a.acme.ID, store.NewAPIKey{Name: "reader", Role: store.RoleViewer})
	_, other, _ := a.st.CreateAPIKey(ctx, a.other.ID, store.NewAPIKey{Name: "theirs", Role: store.RoleAdmin})
	return &usersAPI{a, admin, viewer, other}
}

func (a *usersAPI) mustCreate(t *testing.T, body string) map[string]any {
	t.Helper()
	status, _, u := a.apiCall(t, "POST", "/api/v1/users", a.admin, body)
	if status != 201 {
		t.Fatalf("POST /users %s = %d %v", body, status, u)
	}
	return u
}

func TestUsersAPIEndpoints(t *testing.T) {
	a := newUsersAPI(t)
	ada := a.mustCreate(t, `{"username":"Ada","display_name":"Ada Lovelace","email":"ada@example.com",
		"phone_region":"44","phone_number":"2079460000","timezone":"Europe/London","language":"en-gb",
		"tags":{"team":"engines"},"account_expires_at":"2030-01-01","required_actions":["verify_email"]}`)
	if ada["username"] != "ada" || ada["status"] != "pending" || ada["password_set"] != false || ada["language"] != "en-GB" ||
		ada["account_expires_at"] != "2030-01-01T00:00:00Z" || !strings.HasPrefix(ada["org_unit_id"].(string), "ou_") {
		t.Fatalf("created user = %v", ada)
	}
	if _, has := ada["password_hash"]; has {
		t.Fatal("the user object carries a password hash")
	}
	id := ada["id"].(string)

	status, _, got := a.apiCall(t, "GET", "/api/v1/users/"+id, a.viewer, "")
	if status != 200 || got["email"] != "ada@example.com" || got["tags"].(map[string]any)["team"] != "engines" {
		t.Fatalf("GET user = %d %v", status, got)
	}
	status, _, got = a.apiCall(t, "PATCH", "/api/v1/users/"+id, a.admin, `{"display_name":"Countess","account_expires_at":null}`)
	if status != 200 || got["display_name"] != "Countess" || got["account_expires_at"] != nil || got["email"] != "ada@example.com" {
		t.Fatalf("PATCH = %d %v", status, got)
	}
	status, _, got = a.apiCall(t, "PUT", "/api/v1/users/"+id+"/required-actions", a.admin, `{"actions":["update_password","update_profile"]}`)
	if status != 200 || fmt.Sprint(got["required_actions"]) != "[update_password update_profile]" {
		t.Fatalf("PUT required-actions = %d %v", status, got)
	}

	status, _, res := a.apiCall(t, "POST", "/api/v1/users/lock", a.admin, `{"user_ids":["`+id+`"],"until":"2099-01-01T00:00:00Z"}`)
	if status != 200 || len(res["succeeded"].([]any)) != 1 {
		t.Fatalf("lock = %d %v", status, res)
	}
	_, _, got = a.apiCall(t, "GET", "/api/v1/users/"+id, a.admin, "")
	if got["locked"] != true || got["lock_until"] != "2099-01-01T00:00:00Z" || got["lock_reason"] != "admin" {
		t.Fatalf("after lock = %v", got)
	}
	_, _, list := a.apiCall(t, "GET", "/api/v1/users?locked=true", a.admin, "")
	if list["total_count"] != float64(1) {
		t.Fatalf("locked filter = %v", list)
	}
	for _, action := range []string{"unlock", "disable", "enable"} {
		if status, _, res := a.apiCall(t, "POST", "/api/v1/users/"+action, a.admin, `{"user_ids":["`+id+`"]}`); status != 200 || len(res["failed"].([]any)) != 0 {
			t.Fatalf("%s = %d %v", action, status, res)
		}
	}
	_, _, got = a.apiCall(t, "GET", "/api/v1/users/"+id, a.admin, "")
	if got["locked"] != false || got["status"] != "enabled" {
		t.Fatalf("after unlock, disable, enable = %v", got)
	}

	status, _, stats := a.apiCall(t, "GET", "/api/v1/users/stats?group_by=status", a.viewer, "")
	if status != 200 || stats["group_by"] != "status" || fmt.Sprint(stats["items"]) != "[map[count:1 key:enabled]]" {
		t.Fatalf("stats = %d %v", status, stats)
	}

	status, _, batch := a.apiCall(t, "POST", "/api/v1/users/batch", a.admin,
		`{"users":[{"username":"bbb1"},{"username":"bb 2"},{"username":"bbb3","email":"bad"},{"username":"BBB1"},{"display_name":"no name"},{"username":"bbb4"}]}`)
	if status != 200 {
		t.Fatalf("batch = %d %v", status, batch)
	}
	if got := fmt.Sprint(batch["succeeded"]); !strings.Contains(got, "index:0") || !strings.Contains(got, "index:5") || len(batch["succeeded"].([]any)) != 2 {
		t.Fatalf("batch succeeded = %v", got)
	}
	failed := batch["failed"].([]any)
	want := []string{"1 invalid username", "2 invalid email", "3 duplicate username", "4 invalid username"}
	if len(failed) != len(want) {
		t.Fatalf("batch failed = %v, want %v", failed, want)
	}
	for i, f := range failed {
		m := f.(map[string]any)
		if got := fmt.Sprintf("%v %v %v", m["index"], m["code"], m["field"]); got != want[i] || m["message"] == "" {
			t.Errorf("failure %d = %v, want %s", i, m, want[i])
		}
	}

	status, _, res = a.apiCall(t, "POST", "/api/v1/users/delete", a.admin, `{"user_ids":["`+id+`","u_zzzz"]}`)
	if status != 200 || len(res["succeeded"].([]any)) != 1 || res["failed"].([]any)[0].(map[string]any)["code"] != "not_found" {
		t.Fatalf("batch delete = %d %v", status, res)
	}
	b1, _ := a.st.ListUsers(t.Context(), a.acme.ID, store.UserFilter{UsernamePrefix: "bbb1"})
	if status, _, _ := a.apiCall(t, "DELETE", "/api/v1/users/"+b1.Items[0].PublicID(), a.admin, ""); status != 204 {
		t.Fatalf("DELETE one = %d", status)
	}
	if status, _, _ := a.apiCall(t, "DELETE", "/api/v1/users/"+b1.Items[0].PublicID(), a.admin, ""); status != 404 {
		t.Fatalf("DELETE again = %d, want 404", status)
	}
}

func TestUsersAPIIsolationAndRoles(t *testing.T) {
	a := newUsersAPI(t)
	id := a.mustCreate(t, `{"username":"ada"}`)["id"].(string)
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/api/v1/users/" + id, ""},
		{"PATCH", "/api/v1/users/" + id, `{"display_name":"x"}`},
		{"DELETE", "/api/v1/users/" + id, ""},
		{"PUT", "/api/v1/users/" + id + "/required-actions", `{"actions":[]}`},
	} {
		if status, _, body := a.apiCall(t, c.method, c.path, a.other, c.body); status != 404 {
			t.Errorf("other tenant's key %s %s = %d %v, want 404", c.method, c.path, status, body)
		}
	}
	if _, _, res := a.apiCall(t, "POST", "/api/v1/users/disable", a.other, `{"user_ids":["`+id+`"]}`); len(res["failed"].([]any)) != 1 {
		t.Errorf("other tenant's batch disable = %v, want a failed item", res)
	}
	if _, _, l := a.apiCall(t, "GET", "/api/v1/users", a.other, ""); l["total_count"] != float64(0) {
		t.Errorf("other tenant lists acme's users: %v", l)
	}
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/api/v1/users", `{"username":"viewer-made"}`},
		{"PATCH", "/api/v1/users/" + id, `{"display_name":"x"}`},
		{"DELETE", "/api/v1/users/" + id, ""},
		{"POST", "/api/v1/users/batch", `{"users":[]}`},
		{"POST", "/api/v1/users/lock", `{"user_ids":["` + id + `"]}`},
		{"PUT", "/api/v1/users/" + id + "/required-actions", `{"actions":[]}`},
	} {
		if status, _, _ := a.apiCall(t, c.method, c.path, a.viewer, c.body); status != 403 {
			t.Errorf("viewer %s %s = %d, want 403", c.method, c.path, status)
		}
	}
	u, _ := a.st.ListUsers(t.Context(), a.acme.ID, store.UserFilter{})
	if len(u.Items) != 1 || u.Items[0].DisplayName != "" || u.Items[0].Status != "pending" {
		t.Fatalf("refused writes changed something: %+v", u.Items)
	}
}

func TestUsersAPIBadInput(t *testing.T) {
	a := newUsersAPI(t)
	id := a.mustCreate(t, `{"username":"ada","source_type":"ldap","source_id":"corp","external_id":"X1"}`)["id"].(string)
	tooMany := `{"users":[` + strings.TrimSuffix(strings.Repeat(`{"username":"x"},`, 501), ",") + `]}`
	tests := []struct {
		name, method, path, body string
		status                   int
		field                    string
	}{
		{"missing username", "POST", "/api/v1/users", `{}`, 422, "username"},
		{"bad username", "POST", "/api/v1/users", `{"username":"no spaces"}`, 422, "username"},
		{"taken username", "POST", "/api/v1/users", `{"username":"ADA"}`, 409, "username"},
		{"taken external id", "POST", "/api/v1/users", `{"username":"ada2","source_type":"ldap","source_id":"corp","external_id":"X1"}`, 409, "external_id"},
		{"bad email", "POST", "/api/v1/users", `{"username":"user1","email":"a@"}`, 422, "email"},
		{"bad phone", "POST", "/api/v1/users", `{"username":"user1","phone_region":"44","phone_number":"12-34"}`, 422, "phone_number"},
		{"bad time zone", "POST", "/api/v1/users", `{"username":"user1","timezone":"Moon/Base"}`, 422, "timezone"},
		{"bad language", "POST", "/api/v1/users", `{"username":"user1","language":"klingon!"}`, 422, "language"},
		{"bad status", "POST", "/api/v1/users", `{"username":"user1","status":"gone"}`, 422, "status"},
		{"bad user type", "POST", "/api/v1/users", `{"username":"user1","user_type":"robot"}`, 422, "user_type"},
		{"bad tags", "POST", "/api/v1/users", `{"username":"user1","tags":{"a b":"c"}}`, 422, "tags"},
		{"bad required action", "POST", "/api/v1/users", `{"username":"user1","required_actions":["fly"]}`, 422, "required_actions"},
		{"bad expiry", "POST", "/api/v1/users", `{"username":"user1","account_expires_at":"soon"}`, 422, "account_expires_at"},
		{"bad org unit", "POST", "/api/v1/users", `{"username":"user1","org_unit_id":"nope"}`, 422, "org_unit_id"},
		{"unknown org unit", "POST", "/api/v1/users", `{"username":"user1","org_unit_id":"ou_zz"}`, 422, "org_unit_id"},
		{"weak password", "POST", "/api/v1/users", `{"username":"user1","password":"password"}`, 422, "password"},
		{"control character in a name", "POST", "/api/v1/users", `{"username":"user1","display_name":"a\u0007b"}`, 422, "display_name"},
		{"non-UTF-8 body", "POST", "/api/v1/users", "{\"username\":\"u1\",\"display_name\":\"\xff\"}", 400, ""},
		{"wrong type", "POST", "/api/v1/users", `{"username":["u1"]}`, 400, ""},
		{"unknown field", "POST", "/api/v1/users", `{"username":"user1","nickname":"x"}`, 400, ""},
		{"password in PATCH", "PATCH", "/api/v1/users/" + id, `{"password":"Secret-Pass-1"}`, 422, "password"},
		{"status in PATCH", "PATCH", "/api/v1/users/" + id, `{"status":"enabled"}`, 422, "status"},
		{"PATCH bad email", "PATCH", "/api/v1/users/" + id, `{"email":"bad"}`, 422, "email"},
		{"PATCH malformed id", "PATCH", "/api/v1/users/nope", `{"display_name":"x"}`, 404, ""},
		{"batch without users", "POST", "/api/v1/users/batch", `{}`, 422, "users"},
		{"batch of 501", "POST", "/api/v1/users/batch", tooMany, 422, "users"},
		{"action without ids", "POST", "/api/v1/users/lock", `{}`, 422, "user_ids"},
		{"lock until the past", "POST", "/api/v1/users/lock", `{"user_ids":["` + id + `"],"until":"2001-01-01T00:00:00Z"}`, 422, "until"},
		{"until on unlock", "POST", "/api/v1/users/unlock", `{"user_ids":["` + id + `"],"until":"2099-01-01T00:00:00Z"}`, 422, "until"},
		{"verify-email with fields it does not take", "POST", "/api/v1/users/" + id + "/verify-email", `{"email":"new@example.com","force":true}`, 400, ""},
		{"stats with a filter it does not take", "GET", "/api/v1/users/stats?group_by=status&status=locked", "", 400, "status"},
		{"required actions missing", "PUT", "/api/v1/users/" + id + "/required-actions", `{}`, 422, "actions"},
		{"required actions unknown", "PUT", "/api/v1/users/" + id + "/required-actions", `{"actions":["fly"]}`, 422, "actions"},
		{"unknown sort", "GET", "/api/v1/users?sort=email", "", 400, "sort"},
		{"unknown status filter", "GET", "/api/v1/users?status=gone", "", 400, "status"},
		{"bad locked filter", "GET", "/api/v1/users?locked=maybe", "", 400, "locked"},
		{"unknown parameter", "GET", "/api/v1/users?colour=red", "", 400, "colour"},
		{"oversize page", "GET", "/api/v1/users?max_results=101", "", 400, "max_results"},
		{"zero page", "GET", "/api/v1/users?page_size=0", "", 400, "page_size"},
		{"malformed cursor", "GET", "/api/v1/users?next_token=abc", "", 400, "next_token"},
		{"cursor and page number", "GET", "/api/v1/users?next_token=abc&page_number=2", "", 400, "page_number"},
		{"bad user ids", "GET", "/api/v1/users?user_ids=1,2", "", 400, "user_ids"},
		{"bad created range", "GET", "/api/v1/users?created_from=2026-02-01&created_to=2026-01-01", "", 400, "created_to"},
		{"control character in q", "GET", "/api/v1/users?q=" + url.QueryEscape("a\x01"), "", 400, "q"},
		{"stats without group_by", "GET", "/api/v1/users/stats", "", 400, "group_by"},
		{"stats bad group_by", "GET", "/api/v1/users/stats?group_by=colour", "", 400, "group_by"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := a.apiCall(t, tt.method, tt.path, a.admin, tt.body)
			_, msg, field := errorOf(body)
			if status != tt.status || field != tt.field || msg == "" {
				t.Fatalf("%s %s = %d field %q (%v), want %d field %q", tt.method, tt.path, status, field, body, tt.status, tt.field)
			}
		})
	}
	l, _ := a.st.ListUsers(t.Context(), a.acme.ID, store.UserFilter{})
	if l.Total != 1 {
		t.Fatalf("bad requests left %d users, want only ada", l.Total)
	}
}

// Cursor paging visits every user exactly once while users are added.
func TestUsersAPICursorPaging(t *testing.T) {
	a := newUsersAPI(t)
	var users []string
	for i := range 45 {
		users = append(users, fmt.Sprintf(`{"username":"p%02d"}`, (i*7)%45))
	}
	if status, _, _ := a.apiCall(t, "POST", "/api/v1/users/batch", a.admin, `{"users":[`+strings.Join(users, ",")+`]}`); status != 200 {
		t.Fatal("seeding failed")
	}
	for _, sort := range []string{"", "-username", "created_at", "-display_name"} {
		seen := map[string]bool{}
		next := ""
		for page := 0; ; page++ {
			_, _, l := a.apiCall(t, "GET", "/api/v1/users?max_results=7&sort="+sort+"&next_token="+url.QueryEscape(next), a.admin, "")
			if l["total_count"] == nil {
				t.Fatalf("sort %q: no total_count in %v", sort, l)
			}
			for _, it := range l["items"].([]any) {
				id := it.(map[string]any)["id"].(string)
				if seen[id] {
					t.Fatalf("sort %q: user %s seen twice", sort, id)
				}
				seen[id] = true
			}
			a.mustCreate(t, fmt.Sprintf(`{"username":"new-%s-%d"}`, strings.ReplaceAll(sort+"x", "-", "d"), page))
			next, _ = l["next_token"].(string)
			if next == "" {
				break
			}
		}
		if len(seen) < 45 {
			t.Fatalf("sort %q: paging saw %d users, want every one of the first 45", sort, len(seen))
		}
	}
	all, _ := a.st.ListUsers(t.Context(), a.acme.ID, store.UserFilter{Page: store.Page{Size: 20}})
	_, _, p2 := a.apiCall(t, "GET", "/api/v1/users?page_number=2&page_size=10", a.admin, "")
	if items := p2["items"].([]any); len(items) != 10 || items[0].(map[string]any)["username"] != all.Items[10].Username {
		t.Fatalf("page 2 = %v, want it to start with %s", p2["items"], all.Items[10].Username)
	}
}
