package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"roster/store"
)

// The users list filters by user type (a select named as administrators
// read it) and by a tag (key=value, or key); the chips say so, and a
// filter that cannot be used is refused next to its field.
func TestConsoleUsersListByTypeAndTag(t *testing.T) {
	a := newTestApp(t)
	ctx := t.Context()
	for _, n := range []store.NewUser{{Username: "ada", Tags: map[string]string{"env": "prod"}},
		{Username: "alan", Tags: map[string]string{"env": "dev"}}, {Username: "ci_bot", UserType: "api_user"}} {
		if _, err := a.st.CreateUser(ctx, a.acme.ID, n); err != nil {
			t.Fatal(err)
		}
	}
	b := a.browser(t)
	b.mustSignIn("owner-acme")
	wantPage(t, b.get("/users"), http.StatusOK, `<label for="user_type">User type</label>`, `<option value="api_user">API user</option>`,
		`<label for="tag">Tag</label>`, "key=value, or key for any value.")

	r := b.get("/users?user_type=api_user")
	wantPage(t, r, http.StatusOK, "1 user", ">ci_bot</a>", `<option value="api_user" selected>API user</option>`,
		"Remove filter </span>User type: API user")
	if strings.Contains(r.body, ">ada</a>") {
		t.Fatal("the api_user filter lists ada")
	}
	r = b.get("/users?tag=" + url.QueryEscape("env=prod"))
	wantPage(t, r, http.StatusOK, "1 user", ">ada</a>", `name="tag" type="text" value="env=prod"`, "Remove filter </span>Tag: env=prod")
	if strings.Contains(r.body, ">alan</a>") {
		t.Fatal("the tag env=prod lists alan")
	}
	wantPage(t, b.get("/users?tag=env"), http.StatusOK, "2 users", ">ada</a>", ">alan</a>")
	wantPage(t, b.get("/users?user_type=user&tag=env"), http.StatusOK, "2 users")
	// The filter form sends its fields empty when not filled in.
	wantPage(t, b.get("/users?user_type=&tag=&q="), http.StatusOK, "3 users")

	wantPage(t, b.get("/users?user_type=robot"), http.StatusUnprocessableEntity, `id="user_type-error"`, "User type must be user or api_user.")
	wantPage(t, b.get("/users?tag="+url.QueryEscape("bad key=1")), http.StatusUnprocessableEntity, `id="tag-error"`, "Give tags as key=value or key")
}
