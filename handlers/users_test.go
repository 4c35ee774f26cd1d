package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"roster/store"
)

func mustUsers(t *testing.T, st *store.Store, tenant int64, names ...string) []store.User {
	t.Helper()
	var out []store.User
	for _, n := range names {
		u, err := st.CreateUser(t.Context(), tenant, store.NewUser{Username: n, Email: n + "@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, u)
	}
	return out
}

func TestConsoleUsersList(t *testing.T) {
	a := newTestApp(t)
	mustUsers(t, a.st, a.acme.ID, "ada", "alan", "grace")
	b := a.browser(t)
	b.mustSignIn("owner-acme")

	r := b.get("/users?q=gra")
	if r.StatusCode != 200 || !strings.Contains(r.body, ">grace</a>") || strings.Contains(r.body, ">ada</a>") ||
		!strings.Contains(r.body, "User statistics") {
		t.Fatalf("GET /users?q=gra = %d", r.StatusCode)
	}
	// htmx asking for the results gets only them.
	r = b.do("GET", "/users?q=a", nil, map[string]string{"HX-Request": "true", "HX-Target": "user-results"})
	if strings.Contains(r.body, "<html") || !strings.Contains(r.body, ">ada</a>") || !strings.Contains(r.body, ">alan</a>") {
		t.Fatalf("htmx results fragment = %.300s", r.body)
	}
	// A history restore gets the whole page.
	r = b.do("GET", "/users?q=a", nil, map[string]string{"HX-Request": "true", "HX-Target": "user-results", "HX-History-Restore-Request": "true"})
	if !strings.Contains(r.body, "<html") {
		t.Fatal("history restore did not get the whole page")
	}
	r = b.get("/users?max_results=2")
	if !strings.Contains(r.body, "Next page") || !strings.Contains(r.body, "3 users") {
		t.Fatal("paged list has no next link or count")
	}
	// The statistics load when their panel opens (htmx), or as a page.
	r = b.do("GET", "/users/stats", nil, map[string]string{"HX-Request": "true"})
	if strings.Contains(r.body, "<html") || !strings.Contains(r.body, "By status") || !strings.Contains(r.body, "pending") {
		t.Fatalf("stats fragment = %.300s", r.body)
	}
	if r := b.get("/users/stats"); r.StatusCode != 200 || !strings.Contains(r.body, "<h1>User statistics</h1>") {
		t.Fatalf("stats page = %d", r.StatusCode)
	}
	if r := b.get("/users?sort=nonsense"); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Sort must be one of") {
		t.Fatalf("bad sort = %d", r.StatusCode)
	}
	// A filter the page does not know is said, not silently dropped (which
	// would list everyone as if they matched).
	r = b.get("/users?shoe_size=42&q=a")
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "This list cannot filter by shoe_size") ||
		strings.Contains(r.body, ">ada</a>") || strings.Contains(r.body, "highlighted fields") {
		t.Fatalf("unknown filter = %d: %.500s", r.StatusCode, r.body)
	}
	if r := b.get("/users?next_token=garbage"); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "out of date") {
		t.Fatalf("bad cursor = %d", r.StatusCode)
	}
}

func TestConsoleBulkActions(t *testing.T) {
	a := newTestApp(t)
	us := mustUsers(t, a.st, a.acme.ID, "ada", "alan", "grace")
	theirs := mustUsers(t, a.st, a.other.ID, "theirs")[0]
	b := a.browser(t)
	b.mustSignIn("owner-acme")
	b.get("/users")
	ids := url.Values{"user_ids": {us[0].PublicID(), us[1].PublicID(), theirs.PublicID()}}

	form := func(action string, extra url.Values) url.Values {
		f := url.Values{"action": {action}, "return": {"?q=a"}}
		for k, v := range ids {
			f[k] = v
		}
		for k, v := range extra {
			f[k] = v
		}
		return f
	}
	r := b.post("/users/bulk/confirm", form("disable", nil))
	if r.StatusCode != 200 || !strings.Contains(r.body, "Disable 3 users?") {
		t.Fatalf("confirm = %d", r.StatusCode)
	}
	r = b.do("POST", "/users/bulk", withCSRF(form("disable", nil), b.csrf), map[string]string{"HX-Request": "true"})
	if r.StatusCode != 200 || !strings.Contains(r.body, "Disabled 2 users") || !strings.Contains(r.body, theirs.PublicID()) ||
		!strings.Contains(r.body, "No such user in this tenant.") {
		t.Fatalf("bulk disable = %d %.500s", r.StatusCode, r.body)
	}
	if u, _ := a.st.GetUser(t.Context(), a.other.ID, theirs.ID); u.Status != store.StatusPending {
		t.Fatal("another tenant's user was disabled")
	}
	// Removal needs the count typed.
	r = b.post("/users/bulk", form("delete", url.Values{"confirm_count": {"2"}}))
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Type 3") {
		t.Fatalf("remove with a wrong count = %d", r.StatusCode)
	}
	if _, err := a.st.GetUser(t.Context(), a.acme.ID, us[0].ID); err != nil {
		t.Fatal("a refused removal removed a user")
	}
	r = b.post("/users/bulk", form("delete", url.Values{"confirm_count": {"3"}}))
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/users?q=a" {
		t.Fatalf("remove = %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	if l, _ := a.st.ListUsers(t.Context(), a.acme.ID, store.UserFilter{}); l.Total != 1 {
		t.Fatalf("users after removing two = %d", l.Total)
	}
	if r := b.post("/users/bulk", url.Values{"action": {"explode"}}); r.StatusCode != http.StatusBadRequest {
		t.Fatalf("unknown action = %d", r.StatusCode)
	}
}

func withCSRF(f url.Values, token string) url.Values {
	f.Set("_csrf", token)
	return f
}

func TestConsoleUserPage(t *testing.T) {
	a := newTestApp(t)
	u := mustUsers(t, a.st, a.acme.ID, "ada")[0]
	theirs := mustUsers(t, a.st, a.other.ID, "theirs")[0]
	b := a.browser(t)
	b.mustSignIn("owner-acme")
	path := "/users/" + u.PublicID()
	if r := b.get(path); r.StatusCode != 200 || !strings.Contains(r.body, "user.create") {
		t.Fatalf("user page = %d", r.StatusCode)
	}
	if r := b.get("/users/" + theirs.PublicID()); r.StatusCode != http.StatusNotFound {
		t.Fatalf("another tenant's user page = %d, want 404", r.StatusCode)
	}
	if r := b.post("/users/"+theirs.PublicID()+"/action", url.Values{"action": {"lock"}}); r.StatusCode != http.StatusNotFound {
		t.Fatalf("locking another tenant's user = %d, want 404", r.StatusCode)
	}

	profile := url.Values{"username": {"ada"}, "email": {"ada@example.com"}, "display_name": {"Ada"},
		"timezone": {"Atlantis/Lost"}, "language": {"en"}, "source_type": {"built_in"}, "user_type": {"user"}}
	r := b.post(path+"/profile", profile)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Unknown time zone") || !strings.Contains(r.body, `value="Atlantis/Lost"`) {
		t.Fatalf("bad time zone = %d", r.StatusCode)
	}
	profile.Set("tags", "team=engines\nno equals sign")
	profile.Set("timezone", "Europe/London")
	if r := b.post(path+"/profile", profile); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.body, "Line 2 needs the form key=value.") {
		t.Fatalf("bad tags = %d", r.StatusCode)
	}
	r = b.post(path+"/profile", url.Values{"username": {"ada"}, "email": {"ada@example.com"}, "display_name": {"Ada L"},
		"timezone": {"Europe/London"}, "language": {"en-GB"}, "source_type": {"built_in"}, "user_type": {"user"}, "email_verified": {"true"},
		"tags": {"team=engines\nfloor = 3\n"}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != path+"?tab=profile" {
		t.Fatalf("save profile = %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	r = b.post(path+"/access", url.Values{"required_actions": {"update_password"}, "account_expires_at": {"2031-05-01"}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != path+"?tab=access" {
		t.Fatalf("save access = %d %.300s", r.StatusCode, r.body)
	}
	r = b.post(path+"/action", url.Values{"action": {"lock"}, "until": {"2099-01-01"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("lock = %d", r.StatusCode)
	}
	got, _ := a.st.GetUser(t.Context(), a.acme.ID, u.ID)
	if got.DisplayName != "Ada L" || got.Timezone != "Europe/London" || !got.EmailVerified ||
		strings.Join(got.RequiredActions, ",") != "update_password" || got.AccountExpiresAt == nil ||
		got.Tags["floor"] != "3" || got.Tags["team"] != "engines" || got.LockUntil == nil {
		t.Fatalf("user after the console's changes = %+v", got)
	}
	if r := b.get(path); !strings.Contains(r.body, "Locked until 2099-01-01") {
		t.Fatal("the lock badge is missing")
	}
}

func TestConsoleUsersViewerReadsOnly(t *testing.T) {
	a := newTestApp(t)
	u := mustUsers(t, a.st, a.acme.ID, "ada")[0]
	if _, err := a.st.CreateAdmin(t.Context(), a.acme.ID, store.NewAdmin{Username: "vera", Password: ownerPassword}, store.RoleViewer); err != nil {
		t.Fatal(err)
	}
	v := a.browser(t)
	v.mustSignIn("vera")
	r := v.get("/users")
	if r.StatusCode != 200 || strings.Contains(r.body, "Disable selected") || strings.Contains(r.body, "New user") {
		t.Fatalf("viewer's users page = %d, shows write controls", r.StatusCode)
	}
	for _, p := range []struct {
		path string
		form url.Values
	}{
		{"/users/new", url.Values{"username": {"sneaky"}}},
		{"/users/batch", url.Values{"rows": {"sneaky"}}},
		{"/users/bulk", url.Values{"action": {"disable"}, "user_ids": {u.PublicID()}}},
		{"/users/" + u.PublicID() + "/action", url.Values{"action": {"lock"}}},
		{"/users/" + u.PublicID() + "/profile", url.Values{"username": {"renamed"}}},
	} {
		if r := v.post(p.path, p.form); r.StatusCode != http.StatusForbidden {
			t.Errorf("viewer POST %s = %d, want 403", p.path, r.StatusCode)
		}
	}
}

func TestConsoleBatchCreate(t *testing.T) {
	a := newTestApp(t)
	b := a.browser(t)
	b.mustSignIn("owner-acme")
	b.get("/users/batch")
	r := b.post("/users/batch", url.Values{"rows": {"username,email\nada,ada@example.com\n\"unterminated"}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "comma-separated") {
		t.Fatalf("malformed rows = %d", r.StatusCode)
	}
	if l, _ := a.st.ListUsers(t.Context(), a.acme.ID, store.UserFilter{}); l.Total != 0 {
		t.Fatal("malformed rows created users")
	}
	r = b.post("/users/batch", url.Values{"rows": {strings.Repeat("x\n", 501)}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "At most 500 rows") {
		t.Fatalf("501 rows = %d", r.StatusCode)
	}
	r = b.post("/users/batch", url.Values{"rows": {"ada,ada@example.com,Ada\nada,dup@example.com\nbob,bob@example.com,\"Bob, Jr\",44,2079460000"}})
	if r.StatusCode != 200 || !strings.Contains(r.body, "2 created, 1 failed") || !strings.Contains(r.body, "appears earlier in this batch") {
		t.Fatalf("batch = %d", r.StatusCode)
	}
	l, _ := a.st.ListUsers(t.Context(), a.acme.ID, store.UserFilter{UsernamePrefix: "bob"})
	if len(l.Items) != 1 || l.Items[0].DisplayName != "Bob, Jr" || l.Items[0].PhoneNumber != "2079460000" {
		t.Fatalf("bob = %+v", l.Items)
	}
}
