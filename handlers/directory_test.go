package handlers_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"roster/store"
)

func wantPage(t *testing.T, r response, code int, has ...string) {
	t.Helper()
	if r.StatusCode != code {
		t.Fatalf("status %d, want %d: %.500s", r.StatusCode, code, r.body)
	}
	for _, s := range has {
		if !strings.Contains(r.body, s) {
			t.Fatalf("page lacks %q: %.3000s", s, r.body)
		}
	}
}

func TestConsoleOrganization(t *testing.T) {
	a := newTestApp(t)
	ctx := t.Context()
	b := a.browser(t)
	b.mustSignIn("owner-acme")
	root, _ := a.st.RootOrgUnit(ctx, a.acme.ID)

	r := b.post("/org-units/"+root.PublicID()+"/children", url.Values{"child_name": {"Engineering"}})
	wantPage(t, r, http.StatusSeeOther)
	eng, _ := a.st.ListOrgUnits(ctx, a.acme.ID, store.NameFilter{Name: "Engineering"})
	engID := eng.Items[0].PublicID()
	wantPage(t, b.post("/org-units/"+engID+"/children", url.Values{"child_name": {"Web"}}), http.StatusSeeOther)
	r = b.post("/org-units/"+engID+"/children", url.Values{"child_name": {"Web"}})
	wantPage(t, r, http.StatusUnprocessableEntity, "Another unit under the same parent already has this name.", `value="Web"`)
	wantPage(t, b.post("/org-units/"+root.PublicID()+"/children", url.Values{"child_name": {"Sales"}}), http.StatusSeeOther)

	r = b.get("/org-units?unit=" + engID)
	wantPage(t, r, 200, "Engineering", ">Web</a>", `aria-label="breadcrumb"`, "<dt>Users here</dt><dd>0</dd>", `aria-label="Collapse Engineering"`)
	// The tree opens one layer at a time: an unopened unit's children come
	// as a fragment, and without JavaScript ?open= opens it on the page.
	r = b.get("/org-units/" + engID + "/node")
	wantPage(t, r, 200, `<ul role="group">`, ">Web</a>", `aria-level="3"`)
	if strings.Contains(r.body, "<html") {
		t.Fatal("a tree node came back as a whole page")
	}
	wantPage(t, b.get("/org-units?open="+engID), 200, `aria-label="Collapse Engineering"`, ">Web</a>")
	wantPage(t, b.get("/org-units?unit="+engID+"&closed=1"), 200, `aria-label="Expand Engineering"`)
	wantPage(t, b.get("/org-units?search=we"), 200, "1 unit found")
	wantPage(t, b.get("/pick/org-units?field=parent_id&label=New+parent&parent_id_q=sal"), 200, "Tenant acme / Sales", `type="radio"`)

	web, _ := a.st.ListOrgUnits(ctx, a.acme.ID, store.NameFilter{Name: "Web"})
	webID := web.Items[0].PublicID()
	sales, _ := a.st.ListOrgUnits(ctx, a.acme.ID, store.NameFilter{Name: "Sales"})
	r = b.post("/org-units/"+engID+"/move", url.Values{"parent_id": {webID}})
	wantPage(t, r, http.StatusUnprocessableEntity, "cannot move under itself or its own descendants")
	wantPage(t, b.post("/org-units/"+webID+"/move", url.Values{"parent_id": {sales.Items[0].PublicID()}}), http.StatusSeeOther)
	wantPage(t, b.get("/org-units?unit="+webID), 200, ">Sales</a>")

	us := mustUsers(t, a.st, a.acme.ID, "ada", "alan")
	r = b.post("/users/bulk", url.Values{"action": {"move"}, "user_ids": {us[0].PublicID(), us[1].PublicID()}, "org_unit_id": {webID}})
	wantPage(t, r, http.StatusSeeOther)
	wantPage(t, b.get("/users?org_unit_id="+sales.Items[0].PublicID()+"&include_descendants=true"), 200, "2 users", ">ada</a>", ">alan</a>")
	wantPage(t, b.get("/org-units?unit="+sales.Items[0].PublicID()+"&sub=1"), 200, "<dt>In its subtree</dt><dd>2</dd>", ">ada</a>")

	// From the unit's page: pick users and move them in.
	wantPage(t, b.get("/org-units?unit="+engID+"&user_ids_q=ad"), 200, `value="`+us[0].PublicID()+`"`)
	wantPage(t, b.post("/org-units/"+engID+"/users", nil), http.StatusUnprocessableEntity, "Tick at least one user.")
	wantPage(t, b.post("/org-units/"+engID+"/users", url.Values{"user_ids": {us[0].PublicID()}}), http.StatusSeeOther)
	wantPage(t, b.get("/org-units?unit="+engID), 200, "Moved 1 user here.", "<dt>Users here</dt><dd>1</dd>")
	wantPage(t, b.post("/users/bulk", url.Values{"action": {"move"}, "user_ids": {us[0].PublicID()}, "org_unit_id": {webID}}), http.StatusSeeOther)
	r = b.post("/org-units/"+webID+"/remove", nil)
	wantPage(t, r, http.StatusUnprocessableEntity, "has 2 users")
	wantPage(t, b.post("/org-units/"+webID+"/remove", url.Values{"move_users_to_parent": {"true"}}), http.StatusSeeOther)
	if u, _ := a.st.GetUser(ctx, a.acme.ID, us[0].ID); u.OrgUnitID != sales.Items[0].ID {
		t.Fatalf("ada is in %d after her unit was removed", u.OrgUnitID)
	}
	// Another tenant's unit is not found; viewers cannot change the tree.
	if r := b.get("/org-units?unit=" + sales.Items[0].PublicID()); r.StatusCode != 200 {
		t.Fatal(r.StatusCode)
	}
	other, _ := a.st.RootOrgUnit(ctx, a.other.ID)
	wantPage(t, b.get("/org-units?unit="+other.PublicID()), http.StatusNotFound)
	wantPage(t, b.post("/org-units/"+other.PublicID()+"/children", url.Values{"child_name": {"X"}}), http.StatusNotFound)
}

func TestConsoleGroupsAndPickers(t *testing.T) {
	a := newTestApp(t)
	ctx := t.Context()
	b := a.browser(t)
	b.mustSignIn("owner-acme")
	us := mustUsers(t, a.st, a.acme.ID, "ada", "alan", "grace")

	wantPage(t, b.post("/groups", url.Values{"name": {""}}), http.StatusUnprocessableEntity, "Name is required.")
	wantPage(t, b.post("/groups", url.Values{"name": {"Pilots"}, "description": {"Fly"}}), http.StatusSeeOther)
	wantPage(t, b.post("/groups", url.Values{"name": {"pilots"}}), http.StatusUnprocessableEntity, "A group with this name already exists.")
	gs, _ := a.st.ListGroups(ctx, a.acme.ID, store.NameFilter{})
	gid := gs.Items[0].PublicID()

	r := b.post("/users/bulk", url.Values{"action": {"add_group"}, "user_ids": {us[0].PublicID(), us[1].PublicID()}, "group_id": {gid}})
	wantPage(t, r, http.StatusSeeOther)
	r = b.post("/users/bulk/confirm", url.Values{"action": {"add_group"}, "user_ids": {us[2].PublicID()}, "group_id_q": {"pil"}})
	wantPage(t, r, 200, "Add to group 1 user?", `value="`+gid+`"`)
	wantPage(t, b.post("/users/bulk", url.Values{"action": {"add_group"}, "user_ids": {us[2].PublicID()}}), http.StatusUnprocessableEntity, "Choose the group.")
	wantPage(t, b.get("/users?group_id="+gid), 200, "2 users", ">ada</a>", ">alan</a>")

	r = b.get("/groups/" + gid + "?user_ids_q=gra")
	wantPage(t, r, 200, "2 users", ">ada</a>", "grace", `type="checkbox" name="user_ids" value="`+us[2].PublicID()+`"`)
	wantPage(t, b.post("/groups/"+gid+"/members/add", url.Values{"user_ids": {us[2].PublicID()}}), 200, "Added 1 user")
	wantPage(t, b.get("/groups/"+gid+"?q=gra"), 200, "1 user", ">grace</a>")
	// Each member's row says when they joined.
	members, err := a.st.ListGroupMembers(ctx, a.acme.ID, gs.Items[0].ID, store.UserFilter{Query: "grace"})
	if err != nil || len(members.Items) != 1 {
		t.Fatalf("members named grace = %v, %v", members.Items, err)
	}
	wantPage(t, b.get("/groups/"+gid+"?q=gra"), 200, `<th scope="col">Joined</th>`,
		"<td>"+members.JoinedAt[us[2].ID].UTC().Format("2006-01-02 15:04 UTC")+"</td>")
	wantPage(t, b.post("/groups/"+gid+"/members/remove", url.Values{"user_ids": {us[0].PublicID()}}), 200, "Removed 1 user")
	wantPage(t, b.get("/groups?name=pil"), 200, "1 group", ">Pilots</a>", "<td>2</td>")
	wantPage(t, b.get("/users/"+us[1].PublicID()), 200, ">Pilots</a>", "Remove from Pilots")
	wantPage(t, b.get("/pick/users?field=user_ids&multiple=1&user_ids_q=al"), 200, "alan")
	// A new search keeps what was ticked before it: grace stays, ticked,
	// beside the users matching "al"; an id of nobody is dropped.
	r = b.get("/pick/users?field=user_ids&multiple=1&user_ids_q=al&user_ids=" + us[2].PublicID() + "&user_ids=u_zz")
	wantPage(t, r, 200, "alan", `value="`+us[2].PublicID()+`" checked`)
	if strings.Contains(r.body, "u_zz") {
		t.Error("a ticked id of nobody came back as a choice")
	}
	wantPage(t, b.get("/pick/users?field=nope"), http.StatusBadRequest)
	wantPage(t, b.post("/groups/remove", url.Values{"group_ids": {gid, "g_zz"}}), 200, "Removed 1 group", "No such group in this tenant.")
}

func TestConsolePropertiesAndUserValues(t *testing.T) {
	a := newTestApp(t)
	ctx := t.Context()
	b := a.browser(t)
	b.mustSignIn("owner-acme")
	us := mustUsers(t, a.st, a.acme.ID, "ada", "alan")

	r := b.post("/properties", url.Values{"key": {"Team"}, "type": {"select"}, "values": {"web"}})
	wantPage(t, r, http.StatusUnprocessableEntity, "Key must be 1-40 characters")
	r = b.post("/properties", url.Values{"key": {"team"}, "display_name": {"Team"}, "type": {"select"}, "values": {"web|Web\nops|Operations\nweb"}})
	wantPage(t, r, http.StatusUnprocessableEntity, "The value &#34;web&#34; appears twice.")
	wantPage(t, b.post("/properties", url.Values{"key": {"team"}, "display_name": {"Team"}, "type": {"select"}, "values": {"web|Web\nops|Operations"}}), http.StatusSeeOther)
	wantPage(t, b.post("/properties", url.Values{"key": {"level"}, "type": {"number"}}), http.StatusSeeOther)

	user := "/users/" + us[0].PublicID()
	wantPage(t, b.get(user), 200, `<select id="prop_team" name="prop_team">`, `type="number"`)
	r = b.post(user+"/properties", url.Values{"prop_team": {"ops"}, "prop_level": {"lots"}})
	wantPage(t, r, http.StatusUnprocessableEntity, "&#34;lots&#34; is not a number.")
	if u, _ := a.st.GetUser(ctx, a.acme.ID, us[0].ID); u.ID == 0 {
		t.Fatal("no user")
	} else if len(u.Properties) != 0 {
		t.Fatalf("a refused save wrote %v", u.Properties)
	}
	wantPage(t, b.post(user+"/properties", url.Values{"prop_team": {"ops"}, "prop_level": {"3"}}), http.StatusSeeOther)
	wantPage(t, b.get(user), 200, `<option value="ops" selected>`, `value="3"`)
	wantPage(t, b.get("/users?property_key=team&property_value=ops"), 200, "1 user", ">ada</a>")
	wantPage(t, b.get("/users?property_key=team&property_value=nope"), http.StatusUnprocessableEntity, "is not one of the values of Team")

	props, _ := a.st.ListProperties(ctx, a.acme.ID)
	team := props[1]
	wantPage(t, b.get("/properties"), 200, ">team</a>", "One of a list")
	page := "/properties/" + team.PublicID()
	wantPage(t, b.get(page), 200, `aria-label="1 users with ops"`)
	edit := url.Values{"key": {"team"}, "display_name": {"Team"}, "option_id": {team.Options[0].PublicID(), team.Options[1].PublicID()},
		"option_value": {"web", "ops"}, "option_display_name": {"Web", "Operations"}, "remove": {team.Options[1].PublicID()},
		"new_values": {"data"}}
	wantPage(t, b.post(page, edit), http.StatusUnprocessableEntity, "1 user has one of the removed values", "Clear the removed values from those users")
	edit.Set("confirm", "true")
	wantPage(t, b.post(page, edit), http.StatusSeeOther)
	team, _ = a.st.GetProperty(ctx, a.acme.ID, team.ID)
	if optionNamesOf(team) != "web,data" || team.UserCount != 0 {
		t.Fatalf("after the edit: %s, %d users", optionNamesOf(team), team.UserCount)
	}
	// The key can change: users keep their values, found under the new key.
	wantPage(t, b.post(user+"/properties", url.Values{"prop_team": {"web"}, "prop_level": {"3"}}), http.StatusSeeOther)
	wantPage(t, b.get(page), 200, `<label for="key">Key</label> <input id="key" name="key" type="text" value="team" required`)
	edit.Del("remove")
	edit.Del("new_values")
	edit["option_id"], edit["option_value"], edit["option_display_name"] = []string{team.Options[0].PublicID(), team.Options[1].PublicID()},
		[]string{"web", "data"}, []string{"Web", ""}
	edit.Set("key", "Squad")
	wantPage(t, b.post(page, edit), http.StatusUnprocessableEntity, "Key must be 1-40 characters", `value="Squad"`)
	edit.Set("key", "level")
	wantPage(t, b.post(page, edit), http.StatusUnprocessableEntity, "A property with this key already exists.")
	edit.Set("key", "squad")
	wantPage(t, b.post(page, edit), http.StatusSeeOther)
	wantPage(t, b.get(page), 200, "Property squad saved.", "<code>squad</code>")
	if u, _ := a.st.GetUser(ctx, a.acme.ID, us[0].ID); fmt.Sprint(u.Properties["squad"].Values) != "[web]" {
		t.Fatalf("ada's values after renaming team to squad = %v", u.Properties)
	}
	wantPage(t, b.get("/users?property_key=squad&property_value=web"), 200, "1 user", ">ada</a>")
	wantPage(t, b.post("/properties/"+props[0].PublicID()+"/remove", nil), http.StatusUnprocessableEntity, "confirm to remove the property")
	wantPage(t, b.post("/properties/"+props[0].PublicID()+"/remove", url.Values{"confirm": {"true"}}), http.StatusSeeOther)
}

func optionNamesOf(p store.Property) string {
	var out []string
	for _, o := range p.Options {
		out = append(out, o.Value)
	}
	return strings.Join(out, ",")
}

func TestConsoleResourceGroups(t *testing.T) {
	a := newTestApp(t)
	ctx := t.Context()
	b := a.browser(t)
	b.mustSignIn("owner-acme")
	us := mustUsers(t, a.st, a.acme.ID, "ada")
	g, _ := a.st.CreateGroup(ctx, a.acme.ID, "Designers", "")
	if _, err := a.st.AddGroupMembers(ctx, a.acme.ID, g.ID, []string{us[0].PublicID()}); err != nil {
		t.Fatal(err)
	}
	wantPage(t, b.post("/resource-groups", url.Values{"platform": {"windows"}}), http.StatusUnprocessableEntity, "Name is required.")
	wantPage(t, b.post("/resource-groups", url.Values{"name": {"Desktops"}, "platform": {"windows"}}), http.StatusSeeOther)
	l, _ := a.st.ListResourceGroups(ctx, a.acme.ID, store.NameFilter{})
	page := "/resource-groups/" + l.Items[0].PublicID()
	wantPage(t, b.post(page+"/resources", url.Values{"action": {"add"}, "type": {""}, "resource_id": {"d1"}}), http.StatusUnprocessableEntity, "A resource needs a type and an id.")
	wantPage(t, b.post(page+"/resources", url.Values{"action": {"add"}, "type": {"desktop"}, "resource_id": {"d1"}, "resource_name": {"Desk 1"}}), http.StatusSeeOther)
	wantPage(t, b.post(page+"/assignments", url.Values{"action": {"add"}}), http.StatusUnprocessableEntity, "Tick at least one user or group")
	wantPage(t, b.post(page+"/assignments", url.Values{"action": {"add"}, "group_ids": {g.PublicID()}}), 200, "Assigned 1 assignment", ">Designers</a>")
	wantPage(t, b.get(page), 200, "Desk 1", "Unassign Designers")
	wantPage(t, b.get("/users/"+us[0].PublicID()), 200, ">Desktops</a>", "through Designers")
	wantPage(t, b.get("/resource-groups?name=desk"), 200, ">Desktops</a>")
	wantPage(t, b.post(page+"/remove", nil), http.StatusSeeOther)
	wantPage(t, b.get(page), http.StatusNotFound)
}

// A layer of more units than a page ends in a "Show more" row that loads
// the next page, or without JavaScript shows the layer from there on.
func TestConsoleOrganizationSaysWhenALayerIsCut(t *testing.T) {
	a := newTestApp(t)
	ctx := t.Context()
	big, err := a.st.CreateOrgUnit(ctx, a.acme.ID, store.NewOrgUnit{Name: "Big"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range store.MaxPageSize + 1 {
		if _, err := a.st.CreateOrgUnit(ctx, a.acme.ID, store.NewOrgUnit{ParentID: big.ID, Name: fmt.Sprintf("unit %03d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	b := a.browser(t)
	b.mustSignIn("owner-acme")
	r := b.get("/org-units?unit=" + big.PublicID())
	wantPage(t, r, 200, "Show more units", "100 of 101", ">unit 099</a>")
	if strings.Contains(r.body, ">unit 100</a>") {
		t.Fatal("the page shows more than 100 units of a layer")
	}
	r = b.get("/org-units/" + big.PublicID() + "/node")
	wantPage(t, r, 200, "Show more units", `aria-posinset="100"`, `aria-setsize="101"`)
	next := regexp.MustCompile(`data-more="([^"]+)"`).FindStringSubmatch(r.body)
	if next == nil {
		t.Fatal("no link to the next page of units")
	}
	r = b.get(html.UnescapeString(next[1]))
	wantPage(t, r, 200, ">unit 100</a>", `aria-posinset="101"`)
	if strings.Contains(r.body, "Show more units") || strings.Contains(r.body, `role="group"`) {
		t.Fatalf("the last page of a layer offers more, or is not just items: %s", r.body)
	}
	href := regexp.MustCompile(`href="(/org-units\?unit=[^"]+&amp;after=[^"]+)"`).FindStringSubmatch(b.get("/org-units?unit=" + big.PublicID()).body)
	if href == nil {
		t.Fatal("no page link to the next units")
	}
	wantPage(t, b.get(html.UnescapeString(href[1])), 200, ">unit 100</a>")
}
