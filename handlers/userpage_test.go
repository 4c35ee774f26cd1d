package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"roster/store"
)

// htmxPost sends a form as htmx does: the CSRF token in a header.
func (b *browser) htmxPost(path string, form url.Values) response {
	b.t.Helper()
	return b.do("POST", path, form, map[string]string{"HX-Request": "true", "X-CSRF-Token": b.csrf})
}

// The user page has a URL per tab and renders every tab, showing one; a
// save made with htmx answers with its own section (and what shows the
// change elsewhere, out of band), never with the other sections' forms,
// so what is typed in them stays.
func TestConsoleUserPageTabsAndSectionSaves(t *testing.T) {
	a := newTestApp(t)
	u := mustUsers(t, a.st, a.acme.ID, "ada")[0]
	b := a.browser(t)
	b.mustSignIn("owner-acme")
	path := "/users/" + u.PublicID()

	wantPage(t, b.get(path), 200, `id="tab-profile" class="user-panel">`, `id="tab-access" class="user-panel" hidden`,
		`href="`+path+`?tab=access"`, "Danger zone")
	wantPage(t, b.get(path+"?tab=access"), 200, `id="tab-access" class="user-panel">`, `id="tab-profile" class="user-panel" hidden`)
	wantPage(t, b.get(path+"?tab=nonsense"), 200, `id="tab-profile" class="user-panel">`)

	profile := url.Values{"username": {"ada"}, "display_name": {"Ada Lovelace"}, "timezone": {"Atlantis/Lost"},
		"language": {"en"}, "source_type": {"built_in"}, "user_type": {"user"}}
	r := b.htmxPost(path+"/profile", profile)
	wantPage(t, r, http.StatusUnprocessableEntity, `id="profile-section"`, "Unknown time zone", `value="Atlantis/Lost"`)
	for _, other := range []string{"<html", `id="access-section"`, `id="properties-section"`, `id="status-section"`} {
		if strings.Contains(r.body, other) {
			t.Fatalf("the refused profile save answers with %s", other)
		}
	}
	profile.Set("timezone", "Europe/London")
	r = b.htmxPost(path+"/profile", profile)
	wantPage(t, r, 200, `id="profile-section"`, "Profile saved.", `id="user-head" class="user-head" hx-swap-oob="true"`,
		"Ada Lovelace", `id="activity-section"`, "user.update")
	if strings.Contains(r.body, `id="access-section"`) {
		t.Fatal("the profile save answers with the access form")
	}

	r = b.htmxPost(path+"/action", url.Values{"action": {"lock"}, "until": {"2099-01-01"}})
	wantPage(t, r, 200, `id="status-section"`, "Locked ada.", "Locked until 2099-01-01", "Unlock user")
}

// Removing a user from their page takes the username typed: a wrong one
// is refused next to the field and removes nothing.
func TestConsoleUserRemovalNeedsTheUsernameTyped(t *testing.T) {
	a := newTestApp(t)
	u := mustUsers(t, a.st, a.acme.ID, "ada")[0]
	b := a.browser(t)
	b.mustSignIn("owner-acme")
	path := "/users/" + u.PublicID()
	b.get(path)

	wantPage(t, b.post(path+"/action", url.Values{"action": {"delete"}}), http.StatusUnprocessableEntity,
		"Type ada, the username, to remove this user.", `id="tab-access" class="user-panel">`)
	wantPage(t, b.htmxPost(path+"/action", url.Values{"action": {"delete"}, "confirm_username": {"alan"}}),
		http.StatusUnprocessableEntity, `id="danger-section"`, "Type ada, the username", `value="alan"`)
	if _, err := a.st.GetUser(t.Context(), a.acme.ID, u.ID); err != nil {
		t.Fatalf("a refused removal removed the user: %v", err)
	}
	r := b.htmxPost(path+"/action", url.Values{"action": {"delete"}, "confirm_username": {" ADA "}})
	if r.StatusCode != http.StatusOK || r.Header.Get("HX-Redirect") != "/users" {
		t.Fatalf("removal = %d, HX-Redirect %q", r.StatusCode, r.Header.Get("HX-Redirect"))
	}
	if _, err := a.st.GetUser(t.Context(), a.acme.ID, u.ID); err == nil {
		t.Fatal("the confirmed removal left the user")
	}
	wantPage(t, b.get("/users"), 200, "Removed ada.")
}

// The new-user form creates the user in a unit, in groups and with
// property values; a refused value names its field, keeps what was typed
// and chosen, and creates nothing.
func TestConsoleNewUserWithUnitGroupsAndProperties(t *testing.T) {
	a := newTestApp(t)
	ctx := t.Context()
	root, _ := a.st.RootOrgUnit(ctx, a.acme.ID)
	unit, err := a.st.CreateOrgUnit(ctx, a.acme.ID, store.NewOrgUnit{ParentID: root.ID, Name: "Engineering"})
	if err != nil {
		t.Fatal(err)
	}
	pilots, _ := a.st.CreateGroup(ctx, a.acme.ID, "Pilots", "")
	if _, err := a.st.CreateProperty(ctx, a.acme.ID, store.NewProperty{Key: "level", Type: "number"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.st.CreateProperty(ctx, a.acme.ID, store.NewProperty{Key: "team", DisplayName: "Team", Type: "select",
		Required: true, Options: []store.OptionInput{{Value: "web"}, {Value: "ops"}}}); err != nil {
		t.Fatal(err)
	}
	b := a.browser(t)
	b.mustSignIn("owner-acme")
	wantPage(t, b.get("/users/new"), 200, "Find org unit", "Find groups to join", `name="prop_level"`, "Team (required)")

	form := url.Values{"username": {"ada"}, "org_unit_id": {unit.PublicID()}, "group_ids": {pilots.PublicID()},
		"prop_level": {"lots"}}
	wantPage(t, b.post("/users/new", form), http.StatusUnprocessableEntity, "&#34;lots&#34; is not a number.",
		"Team is required", `value="lots"`, `value="`+unit.PublicID()+`" checked`, `value="`+pilots.PublicID()+`" checked`)
	form.Set("prop_team", "sales")
	form.Set("prop_level", "3")
	wantPage(t, b.post("/users/new", form), http.StatusUnprocessableEntity, "is not one of the values of Team")
	wantPage(t, b.post("/users/new", url.Values{"username": {"ada"}, "org_unit_id_q": {"eng"}, "prop_team": {"ops"}}),
		http.StatusUnprocessableEntity, "Choose one of the units found", " / Engineering")
	if l, _ := a.st.ListUsers(ctx, a.acme.ID, store.UserFilter{}); l.Total != 0 {
		t.Fatalf("refused forms created %d users", l.Total)
	}

	form.Set("prop_team", "ops")
	r := b.post("/users/new", form)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("create = %d: %.500s", r.StatusCode, r.body)
	}
	l, _ := a.st.ListUsers(ctx, a.acme.ID, store.UserFilter{})
	if l.Total != 1 {
		t.Fatalf("users = %d, want 1", l.Total)
	}
	ada := l.Items[0]
	if ada.OrgUnitID != unit.ID || ada.Properties["team"].Values[0] != "ops" || ada.Properties["level"].Values[0] != "3" {
		t.Fatalf("ada = unit %d, properties %v", ada.OrgUnitID, ada.Properties)
	}
	wantPage(t, b.get(r.Header.Get("Location")), 200, "User ada created.", " / Engineering</a>", ">Pilots</a>")
}

// A read-only administrator sees every tab but no save, action or danger
// zone.
func TestConsoleUserPageForAViewer(t *testing.T) {
	a := newTestApp(t)
	u := mustUsers(t, a.st, a.acme.ID, "ada")[0]
	if _, err := a.st.CreateAdmin(t.Context(), a.acme.ID, store.NewAdmin{Username: "vera", Password: ownerPassword}, store.RoleViewer); err != nil {
		t.Fatal(err)
	}
	v := a.browser(t)
	v.mustSignIn("vera")
	r := v.get("/users/" + u.PublicID())
	wantPage(t, r, 200, "Profile", "Sign-in requirements", "Recent changes")
	for _, write := range []string{"Save profile", "Lock user", "Danger zone", "Remove ada", "Send password reset", "Move user", "Save properties"} {
		if strings.Contains(r.body, write) {
			t.Errorf("a viewer's user page offers %q", write)
		}
	}
}
