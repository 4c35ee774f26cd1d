package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"roster/store"
)

// htmx sends these with a request from the users list.
func htmxTo(target string) map[string]string {
	return map[string]string{"HX-Request": "true", "HX-Target": target}
}

// A filter that cannot be used answers htmx with 422 (which htmx swaps):
// the form with the error beside its field in place of the form, and
// results with nobody in them, so no stale results stay on screen. Once
// fixed, the form comes back without the error, with the results.
func TestConsoleUsersListFilterErrors(t *testing.T) {
	a := newTestApp(t)
	mustUsers(t, a.st, a.acme.ID, "ada", "alan")
	b := a.browser(t)
	b.mustSignIn("owner-acme")
	bad := "/users?created_from=2026-12-01&created_to=2026-01-01"

	r := b.do("GET", bad, nil, htmxTo("user-results"))
	wantPage(t, r, http.StatusUnprocessableEntity, `<form id="user-filters"`, `hx-target="this"`,
		`id="created_to-error"`, "The end of the created range must be after its start.",
		`id="user-results" aria-label="Users found" hx-swap-oob="true"`, "No users are shown until the filters above are corrected.",
		"Remove filter </span>Created to: 2026-01-01")
	if r.Header.Get("HX-Retarget") != "#user-filters" || r.Header.Get("HX-Reswap") != "outerHTML" {
		t.Fatalf("error answer retargets to %q with %q, want the form, outerHTML", r.Header.Get("HX-Retarget"), r.Header.Get("HX-Reswap"))
	}
	if strings.Contains(r.body, ">ada</a>") || strings.Contains(r.body, "<html") {
		t.Fatalf("error answer lists users or is a whole page: %.500s", r.body)
	}

	// The form showing the error asks for itself with the results.
	r = b.do("GET", "/users?created_from=2026-01-01", nil, htmxTo("user-filters"))
	wantPage(t, r, http.StatusOK, `<form id="user-filters"`, `hx-target="#user-results"`, `hx-swap-oob="true"`, ">ada</a>")
	if strings.Contains(r.body, "field-error") || r.Header.Get("HX-Retarget") != "" {
		t.Fatalf("the fixed form still shows an error: %.500s", r.body)
	}

	// An unknown value of a select property is an error beside the value.
	mustTeamProperty(t, a)
	r = b.do("GET", "/users?property_key=team&property_value=v0", nil, htmxTo("user-results"))
	wantPage(t, r, http.StatusUnprocessableEntity, `id="property_value-error"`, "&#34;v0&#34; is not one of the values of Team.")

	// A bad sort comes from a link, not a field: its error is said at the
	// top of the form.
	wantPage(t, b.get("/users?sort=nonsense"), http.StatusUnprocessableEntity, `<div class="error-summary" role="alert"><p>Sort must be one of`)
	// Without JavaScript the whole page says it.
	wantPage(t, b.get(bad), http.StatusUnprocessableEntity, "<html", "The end of the created range must be after its start.")
}

// mustTeamProperty adds acme's select property team (web: Web, ops:
// Operations) and puts ada in Operations.
func mustTeamProperty(t *testing.T, a *testApp) {
	t.Helper()
	ctx := t.Context()
	if _, err := a.st.CreateProperty(ctx, a.acme.ID, store.NewProperty{Key: "team", DisplayName: "Team", Type: "select",
		Options: []store.OptionInput{{Value: "web", DisplayName: "Web"}, {Value: "ops", DisplayName: "Operations"}}}); err != nil {
		t.Fatal(err)
	}
	l, err := a.st.ListUsers(ctx, a.acme.ID, store.UserFilter{UsernamePrefix: "ada"})
	if err != nil || len(l.Items) != 1 {
		t.Fatalf("ada: %v", err)
	}
	if err := a.st.SetUserProperty(ctx, a.acme.ID, l.Items[0].ID, "team", []string{"ops"}); err != nil {
		t.Fatal(err)
	}
}

// Administrators filter by what they read: a select property's values
// by label, offered as a list once the property is chosen; the chips name
// the filter the same way.
func TestConsoleUsersListPropertyByLabel(t *testing.T) {
	a := newTestApp(t)
	mustUsers(t, a.st, a.acme.ID, "ada", "alan")
	mustTeamProperty(t, a)
	b := a.browser(t)
	b.mustSignIn("owner-acme")

	wantPage(t, b.do("GET", "/users?property_key=team", nil, htmxTo("property-value-field")), http.StatusOK,
		`<div id="property-value-field">`, `<select id="property_value" name="property_value">`, `<option value="ops">Operations</option>`)
	for _, v := range []string{"ops", "Operations", "operations"} {
		r := b.get("/users?property_key=team&property_value=" + url.QueryEscape(v))
		wantPage(t, r, http.StatusOK, "1 user", ">ada</a>", "Remove filter </span>Team: Operations", `<option value="ops" selected>`)
		if strings.Contains(r.body, ">alan</a>") {
			t.Fatalf("property_value=%s lists alan, who has no team", v)
		}
	}
	// A results answer carries the chips to swap beside the results.
	wantPage(t, b.do("GET", "/users?property_key=team&property_value=ops&status=pending", nil, htmxTo("user-results")), http.StatusOK,
		`id="active-filters" hx-swap-oob="true"`, "Remove filter </span>Status: pending",
		`href="/users?property=team%3Aops"`, `href="/users?status=pending"`)
}

// The list sorts by the headers it can sort fast, keeps the page size
// in its links, and says why it is empty.
func TestConsoleUsersListSortingPagingAndEmptyStates(t *testing.T) {
	a := newTestApp(t)
	b := a.browser(t)
	b.mustSignIn("owner-acme")
	wantPage(t, b.get("/users"), http.StatusOK, "No users yet.", `href="/users/new">Create a user</a>`)

	mustUsers(t, a.st, a.acme.ID, "ada", "alan", "grace")
	r := b.get("/users?sort=-username&page_size=2")
	wantPage(t, r, http.StatusOK, `<th scope="col" aria-sort="descending">`, `href="/users?page_size=2&amp;sort=username"`,
		`<input type="hidden" name="sort" value="-username">`, `<option value="2" selected>2</option>`)
	if i, j := strings.Index(r.body, ">grace</a>"), strings.Index(r.body, ">alan</a>"); i < 0 || j < 0 || i > j {
		t.Fatal("descending usernames do not list grace before alan")
	}
	if !strings.Contains(r.body, "page_size=2") || !strings.Contains(r.body, "Next page") {
		t.Fatal("the pager lost the page size")
	}
	wantPage(t, b.get("/users?status=disabled"), http.StatusOK, "No users match these filters.", `href="/users">Clear filters</a>`)
}

// The columns an administrator picks are theirs, in this tenant: another
// administrator still sees the default ones.
func TestConsoleUsersListColumns(t *testing.T) {
	a := newTestApp(t)
	mustUsers(t, a.st, a.acme.ID, "ada")
	mustTeamProperty(t, a)
	if _, err := a.st.CreateAdmin(t.Context(), a.acme.ID, store.NewAdmin{Username: "vera", Password: ownerPassword}, store.RoleViewer); err != nil {
		t.Fatal(err)
	}
	b := a.browser(t)
	b.mustSignIn("owner-acme")
	wantPage(t, b.get("/users"), http.StatusOK, `<th scope="col">Email</th>`, `value="email" checked`)

	r := b.post("/users/columns", url.Values{"columns": {"org_unit", "last_sign_in", "prop:team", "no-such-column"}, "return": {"?q=ad"}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/users?q=ad" {
		t.Fatalf("save columns = %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	root, err := a.st.RootOrgUnit(t.Context(), a.acme.ID)
	if err != nil {
		t.Fatal(err)
	}
	r = b.get("/users")
	wantPage(t, r, http.StatusOK, `<th scope="col">Org unit</th>`, `<th scope="col">Last sign-in</th>`, `<th scope="col">Team</th>`,
		"<td>Operations</td>", "<td>"+root.Name+"</td>")
	if strings.Contains(r.body, `<th scope="col">Email</th>`) {
		t.Fatal("the email column is still shown")
	}
	if r := b.post("/users/columns", url.Values{"columns": {"email"}, "return": {"//evil.example"}}); r.Header.Get("Location") != "/users" {
		t.Fatalf("save columns returned to %q", r.Header.Get("Location"))
	}

	v := a.browser(t)
	v.mustSignIn("vera")
	wantPage(t, v.get("/users"), http.StatusOK, `<th scope="col">Email</th>`)
	if strings.Contains(v.get("/users").body, `<th scope="col">Org unit</th>`) {
		t.Fatal("another administrator's columns are shown to vera")
	}
}
