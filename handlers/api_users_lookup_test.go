package handlers_test

import (
	"net/url"
	"testing"
)

// GET /api/v1/users finds one user by exact username, and filters by
// user type and by tags (key=value, or key for any value).
func TestUsersAPILookupAndTypeAndTagFilters(t *testing.T) {
	a := newUsersAPI(t)
	a.mustCreate(t, `{"username":"ada","tags":{"env":"prod","team":"web"}}`)
	a.mustCreate(t, `{"username":"adam","tags":{"env":"dev"}}`)
	a.mustCreate(t, `{"username":"ci_bot","user_type":"api_user","tags":{"env":"prod"}}`)
	list := func(query url.Values) string {
		t.Helper()
		return names(a.call(t, 200, "GET", "/api/v1/users?"+query.Encode(), a.viewer, ""), "username")
	}
	for _, tt := range []struct {
		query url.Values
		want  string
	}{
		{url.Values{"username": {"ADA"}}, "ada"},
		{url.Values{"username": {"ad"}}, ""},
		{url.Values{"user_type": {"api_user"}}, "ci_bot"},
		{url.Values{"user_type": {"user"}}, "ada,adam"},
		{url.Values{"tag": {"env=prod"}}, "ada,ci_bot"},
		{url.Values{"tag": {"env=prod", "team"}}, "ada"},
		{url.Values{"tag": {"team"}}, "ada"},
		{url.Values{"tag": {"env=prod"}, "user_type": {"user"}}, "ada"},
	} {
		if got := list(tt.query); got != tt.want {
			t.Errorf("GET /users?%s = %q, want %q", tt.query.Encode(), got, tt.want)
		}
	}
	a.wantError(t, 400, "user_type", "GET", "/api/v1/users?user_type=robot", a.viewer, "")
	a.wantError(t, 400, "tag", "GET", "/api/v1/users?tag="+url.QueryEscape("bad key=x"), a.viewer, "")
	a.wantError(t, 400, "username", "GET", "/api/v1/users?username=ada&usernames=adam", a.viewer, "")
	if got := names(a.call(t, 200, "GET", "/api/v1/users?username=ada", a.other, ""), "username"); got != "" {
		t.Errorf("another tenant's lookup of ada = %q", got)
	}
}
