package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"path"
	"testing"

	"roster/store"
)

// mustBoss adds to acme an administrator with an email address, to
// manage the users they create.
func mustBoss(t *testing.T, a *testApp) store.Admin {
	t.Helper()
	boss, err := a.st.CreateAdmin(t.Context(), a.acme.ID, store.NewAdmin{Username: "boss", Email: "boss@example.com",
		Password: ownerPassword}, store.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	return boss
}

// lastMailTo is the address of acme's newest outbox message.
func lastMailTo(t *testing.T, a *testApp) string {
	t.Helper()
	l, err := a.st.ListMessages(t.Context(), a.acme.ID, "", store.Page{})
	if err != nil || len(l.Items) == 0 {
		t.Fatalf("no message: %v", err)
	}
	return l.Items[0].Email.To
}

// owner_type on /api/v1: a user created as "manager" through a key an
// administrator made has their invitation sent to that administrator.
func TestUsersAPIOwnerType(t *testing.T) {
	a := newUsersAPI(t)
	boss := mustBoss(t, a.testApp)
	asBoss := store.WithActor(t.Context(), store.Actor{Type: store.ActorAdmin, ID: boss.PublicID(), Name: boss.Username})
	_, key, err := a.st.CreateAPIKey(asBoss, a.acme.ID, store.NewAPIKey{Name: "boss's", Role: store.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	status, _, u := a.apiCall(t, "POST", "/api/v1/users", key, `{"username":"ada","owner_type":"manager","send_invitation":true}`)
	if status != 201 || u["owner_type"] != "manager" {
		t.Fatalf("create as manager = %d %v", status, u)
	}
	if to := lastMailTo(t, a.testApp); to != "boss@example.com" {
		t.Fatalf("ada's invitation went to %q, want boss's address", to)
	}
	bob := a.mustCreate(t, `{"username":"bob"}`)
	if bob["owner_type"] != "user" {
		t.Fatalf("default owner_type = %v", bob["owner_type"])
	}
	// The key made without an administrator has none to send notices to.
	for body, field := range map[string]string{`{"username":"cyd","owner_type":"manager"}`: "owner_type",
		`{"username":"cyd","owner_type":"boss"}`: "owner_type"} {
		status, _, res := a.apiCall(t, "POST", "/api/v1/users", a.admin, body)
		if _, _, f := errorOf(res); status != 422 || f != field {
			t.Errorf("POST %s = %d %v, want 422 naming %s", body, status, res, field)
		}
	}
	// The list filters on who receives a user's notices.
	for query, want := range map[string]string{"owner_type=manager": "ada", "owner_type=user": "bob"} {
		status, _, l := a.apiCall(t, "GET", "/api/v1/users?"+query, key, "")
		items, _ := l["items"].([]any)
		if status != 200 || len(items) != 1 || items[0].(map[string]any)["username"] != want {
			t.Errorf("GET /users?%s = %d %v, want only %s", query, status, l, want)
		}
	}
	status, _, res := a.apiCall(t, "GET", "/api/v1/users?owner_type=boss", key, "")
	if _, _, f := errorOf(res); status != 400 || f != "owner_type" {
		t.Errorf("GET /users?owner_type=boss = %d %v, want 400 naming owner_type", status, res)
	}
	// PATCH changes it: "manager" makes the key's administrator the
	// manager, which a key without one cannot.
	for _, c := range []struct {
		key, body string
		status    int
	}{
		{a.admin, `{"owner_type":"manager"}`, 422},
		{key, `{"owner_type":"boss"}`, 422},
		{key, `{"owner_type":"manager"}`, 200},
	} {
		status, _, res := a.apiCall(t, "PATCH", "/api/v1/users/"+bob["id"].(string), c.key, c.body)
		if status != c.status || status == 200 && res["owner_type"] != "manager" {
			t.Errorf("PATCH %s = %d %v, want %d", c.body, status, res, c.status)
		} else if _, _, f := errorOf(res); status != 200 && f != "owner_type" {
			t.Errorf("PATCH %s refused naming %q, want owner_type", c.body, f)
		}
	}
}

// The new-user form chooses who receives the notices; "me" is the
// administrator signed in.
func TestConsoleNewUserOwnerType(t *testing.T) {
	a := newTestApp(t)
	mustBoss(t, a)
	b := a.browser(t)
	b.mustSignIn("boss")
	wantPage(t, b.get("/users/new"), 200, `<label for="owner_type">Invitations and password resets go to</label>`,
		"Me, the administrator creating this user")
	r := b.post("/users/new", url.Values{"username": {"ada"}, "owner_type": {"manager"}, "invite": {"true"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("create = %d: %.1000s", r.StatusCode, r.body)
	}
	if to := lastMailTo(t, a); to != "boss@example.com" {
		t.Fatalf("ada's invitation went to %q", to)
	}
	// Her page says where her notices go, and a reset from it goes there.
	page := r.Header.Get("Location")
	wantPage(t, b.get(page), 200, "Invitations and password resets for this user go to the administrator who created them")
	sent := b.post(page+"/mail", url.Values{"action": {"invite"}})
	if sent.StatusCode != http.StatusSeeOther {
		t.Fatalf("invite = %d: %.1000s", sent.StatusCode, sent.body)
	}
	wantPage(t, b.get(sent.Header.Get("Location")), 200, "Invitation for the administrator who created ada queued")
	if to := lastMailTo(t, a); to != "boss@example.com" {
		t.Fatalf("ada's second invitation went to %q", to)
	}
	// The owner has no email address: the choice is refused next to it.
	o := a.browser(t)
	o.mustSignIn("owner-acme")
	o.get("/users/new")
	wantPage(t, o.post("/users/new", url.Values{"username": {"bob"}, "owner_type": {"manager"}}), http.StatusUnprocessableEntity,
		"whose account has no email address")

	// On her page the recipient changes: back to ada herself, then to
	// the administrator choosing it, who must have an address.
	r = b.post(page+"/owner", url.Values{"owner_type": {"user"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("owner to the user = %d: %.1000s", r.StatusCode, r.body)
	}
	wantPage(t, b.get(r.Header.Get("Location")), 200, "Recipient of notices saved.")
	id, _ := store.ParseID(store.PrefixUser, path.Base(page))
	if u, err := a.st.GetUser(t.Context(), a.acme.ID, id); err != nil || u.OwnerType != store.OwnerUser || u.ManagerID != 0 {
		t.Fatalf("after the change: %+v, %v", u, err)
	}
	o.get(page)
	wantPage(t, o.post(page+"/owner", url.Values{"owner_type": {"manager"}}), http.StatusUnprocessableEntity,
		"whose account has no email address")
}

// eds-user's OwnerType: CreateFromManager users may have no email or
// phone, and their notices go to the administrator who made the pair;
// DescribeUsers shows the type.
func TestEdsUserOwnerType(t *testing.T) {
	a := newACSApp(t)
	boss := mustBoss(t, a.testApp)
	asBoss := store.WithActor(t.Context(), store.Actor{Type: store.ActorAdmin, ID: boss.PublicID(), Name: boss.Username})
	k, secret, err := a.st.CreateAccessKey(asBoss, a.acme.ID, store.NewAccessKey{Name: "boss's", Role: store.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	c := a.client(t, k.AccessKeyID, secret, "")
	got, err := call(c, "CreateUsers", nil, map[string]any{"Users": []map[string]any{
		{"EndUserId": "ada", "OwnerType": "CreateFromManager"},
		{"EndUserId": "bob", "Email": "bob@example.com", "OwnerType": "Normal", "Password": "Correct-horse-9"},
		{"EndUserId": "cyd", "Email": "cyd@example.com", "OwnerType": "Boss"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	r := got["CreateResult"].(map[string]any)
	if len(r["CreatedUsers"].([]any)) != 2 || len(r["FailedUsers"].([]any)) != 1 ||
		r["FailedUsers"].([]any)[0].(map[string]any)["EndUserId"] != "cyd" {
		t.Fatalf("CreateUsers = %v", got)
	}
	if to := lastMailTo(t, a.testApp); to != "boss@example.com" {
		t.Fatalf("ada's invitation went to %q, want boss's address", to)
	}
	got, err = call(c, "DescribeUsers", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	types := ""
	for _, u := range got["Users"].([]any) {
		types += fmt.Sprint(u.(map[string]any)["EndUserId"], "=", u.(map[string]any)["OwnerType"], " ")
	}
	if types != "ada=CreateFromManager bob=Normal " {
		t.Fatalf("DescribeUsers owner types = %q", types)
	}
	// A pair made without an administrator has nobody to send them to.
	got, err = call(a.client(t, a.admin.AccessKeyID, a.adminSecret, ""), "CreateUsers", nil,
		map[string]any{"Users": []map[string]any{{"EndUserId": "dan", "OwnerType": "CreateFromManager"}}})
	if err != nil || got["AllSucceed"] != false {
		t.Fatalf("CreateFromManager through a pair without an administrator = %v, %v", got, err)
	}
}
