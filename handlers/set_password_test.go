package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"roster/store"
)

// An administrator sets a user's password on the user page: a policy
// refusal is shown on the field and what was typed never comes back; a
// set password ends the user's sessions and can require a change at next
// sign-in; viewers are not offered the form.
func TestConsoleSetsAUsersPassword(t *testing.T) {
	a := newTestApp(t)
	ctx := t.Context()
	u, err := a.st.CreateUser(ctx, a.acme.ID, store.NewUser{Username: "ada", Email: "ada@example.com", Password: "First-password-1"})
	if err != nil {
		t.Fatal(err)
	}
	ada := a.browser(t)
	wantPage(t, ada.endUserSignIn("ada", "First-password-1"), http.StatusSeeOther)
	wantPage(t, ada.get("/account/acme/"), 200, "Your account")

	b := a.browser(t)
	b.mustSignIn("owner-acme")
	path := "/users/" + u.PublicID()
	wantPage(t, b.get(path+"?tab=access"), 200, `<h2 id="password-title">Set password</h2>`,
		`<label for="password">New password</label> <input id="password" name="password" type="password" value="" required autocomplete="new-password"`,
		`name="require_password_change" value="true"`, `<button type="submit">Set password</button>`)
	r := b.do("POST", path+"/password", url.Values{"password": {"New-password-2"}}, nil)
	wantPage(t, r, http.StatusForbidden)

	r = b.htmxPost(path+"/password", url.Values{"password": {"weak-one"}, "require_password_change": {"true"}})
	wantPage(t, r, http.StatusUnprocessableEntity, `id="password-section"`, "Password must be at least 10 characters.",
		`aria-invalid="true"`, `name="require_password_change" value="true" checked`)
	if strings.Contains(r.body, "weak-one") || strings.Contains(r.body, `id="access-section"`) {
		t.Fatal("the refused set shows the password typed, or the access form")
	}
	wantPage(t, b.htmxPost(path+"/password", url.Values{"password": {"First-password-1"}}), http.StatusUnprocessableEntity,
		"Choose a password you have not used")

	r = b.htmxPost(path+"/password", url.Values{"password": {"New-password-2"}, "require_password_change": {"true"}})
	wantPage(t, r, 200, "Password set; ada is signed out everywhere. They choose a new one at their next sign-in.",
		`id="access-section" class="user-section" aria-labelledby="access-title" hx-swap-oob="true"`,
		`value="update_password" checked`, `id="activity-section"`, "user.set_password")
	if strings.Contains(r.body, "New-password-2") {
		t.Fatal("the answer shows the password set")
	}
	wantPage(t, ada.get("/account/acme/"), http.StatusSeeOther)
	wantPage(t, ada.endUserSignIn("ada", "First-password-1"), http.StatusUnauthorized)
	wantPage(t, ada.endUserSignIn("ada", "New-password-2"), http.StatusSeeOther)
	wantPage(t, ada.get("/account/acme/"), http.StatusSeeOther)
	wantPage(t, ada.get("/account/acme/password"), 200, "Choose a new password to continue")

	// Without htmx the page comes back on the access tab with the news.
	wantPage(t, b.post(path+"/password", url.Values{"password": {"Third-password-3"}}), http.StatusSeeOther)
	wantPage(t, b.get(path+"?tab=access"), 200, "Password set; ada is signed out everywhere.")
	if u, _ := a.st.GetUser(ctx, a.acme.ID, u.ID); fmt.Sprint(u.RequiredActions) != "[]" {
		t.Errorf("required after a set without the box = %v", u.RequiredActions)
	}

	if _, err := a.st.CreateAdmin(ctx, a.acme.ID, store.NewAdmin{Username: "vera", Password: ownerPassword}, store.RoleViewer); err != nil {
		t.Fatal(err)
	}
	v := a.browser(t)
	v.mustSignIn("vera")
	if r := v.get(path + "?tab=access"); strings.Contains(r.body, "Set password") {
		t.Error("a viewer's user page offers Set password")
	}
	wantPage(t, v.post(path+"/password", url.Values{"password": {"Fourth-password-4"}}), http.StatusForbidden)
}

// PUT /api/v1/users/{id}/password sets a password under the tenant's
// policy and answers the user, never the password.
func TestSetPasswordAPI(t *testing.T) {
	a := newUsersAPI(t)
	ada := a.mustCreate(t, `{"username":"ada","password":"First-password-1","required_actions":["verify_email"]}`)["id"].(string)
	path := "/api/v1/users/" + ada + "/password"
	a.wantError(t, 422, "password", "PUT", path, a.admin, `{"password":"short"}`)
	a.wantError(t, 422, "password", "PUT", path, a.admin, `{"require_password_change":true}`)
	a.wantError(t, 422, "password", "PUT", path, a.admin, `{"password":"First-password-1"}`)
	a.call(t, 400, "PUT", path, a.admin, `{"password":"New-password-2","temporary":true}`)
	a.call(t, 403, "PUT", path, a.viewer, `{"password":"New-password-2"}`)
	a.call(t, 404, "PUT", path, a.other, `{"password":"New-password-2"}`)
	u := a.call(t, 200, "PUT", path, a.admin, `{"password":"New-password-2","require_password_change":true}`)
	if fmt.Sprint(u["required_actions"]) != "[update_password verify_email]" || u["password_set"] != true {
		t.Fatalf("user after the set = %v", u)
	}
	if _, err := a.st.AuthenticateUser(t.Context(), a.acme.ID, "ada", "New-password-2"); err != nil {
		t.Fatalf("signing in with the password set = %v", err)
	}
	_, _, body := a.apiCall(t, "PATCH", "/api/v1/users/"+ada, a.admin, `{"password":"Other-password-3"}`)
	if _, msg, _ := errorOf(body); !strings.Contains(msg, "PUT /users/{id}/password") {
		t.Errorf("PATCH with a password = %v, want it to point at PUT /users/{id}/password", body)
	}
}
