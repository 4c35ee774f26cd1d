package handlers_test

import (
	"strings"
	"testing"

	"roster/store"
)

const rosterExt = "urn:ietf:params:scim:schemas:extension:roster:2.0:User"

// scimNames lists a filter's resources by one attribute, sorted by it,
// and checks totalResults agrees.
func (a *usersAPI) scimNames(t *testing.T, path, filter, attr string) []string {
	t.Helper()
	l := a.mustSCIM(t, 200, "GET", path+"?sortBy="+attr+"&filter="+filterQuery(filter), "")
	var out []string
	for _, r := range l["Resources"].([]any) {
		out = append(out, r.(map[string]any)[attr].(string))
	}
	if l["totalResults"] != float64(len(out)) {
		t.Errorf("%s: totalResults %v for %d resources", filter, l["totalResults"], len(out))
	}
	return out
}

// Who is in a group, and who holds a custom property's value, asked the
// way RFC 7644 section 3.4.2.2 writes filters: groups.value and
// groups.display (also as a value filter), the tenant's extension
// attributes by their full URN, combined with and, or and not.
func TestSCIMFilterUsersByGroupsAndProperties(t *testing.T) {
	a := newUsersAPI(t)
	ctx := t.Context()
	for _, p := range []store.NewProperty{
		{Key: "site", Type: "select", Options: []store.OptionInput{{Value: "berlin"}, {Value: "paris"}, {Value: "tokyo"}}},
		{Key: "skills", Type: "multiselect", Options: []store.OptionInput{{Value: "go"}, {Value: "sql"}}},
		{Key: "level", Type: "number"}, {Key: "start_date", Type: "date"}, {Key: "remote", Type: "boolean"}, {Key: "badge", Type: "text"},
	} {
		if _, err := a.st.CreateProperty(ctx, a.acme.ID, p); err != nil {
			t.Fatal(err)
		}
	}
	ids := map[string]string{}
	for _, u := range []struct{ name, ext string }{
		{"alice", `{"site":"berlin","skills":["go","sql"],"level":3,"start_date":"2024-01-15","remote":true,"badge":"A-100"}`},
		{"bob", `{"site":"paris","skills":["go"],"level":10,"start_date":"2025-06-01","remote":false,"badge":"B-200"}`},
		{"carol", `{"site":"berlin","level":7.5,"badge":"a-300"}`},
		{"dave", `{}`},
	} {
		r := a.mustSCIM(t, 201, "POST", "/Users", `{"userName":"`+u.name+`","`+rosterExt+`":`+u.ext+`}`)
		ids[u.name] = r["id"].(string)
	}
	for _, g := range []struct{ name, members string }{
		{"Engineering", `[{"value":"` + ids["alice"] + `"},{"value":"` + ids["bob"] + `"}]`},
		{"Sales", `[{"value":"` + ids["carol"] + `"}]`},
	} {
		r := a.mustSCIM(t, 201, "POST", "/Groups", `{"displayName":"`+g.name+`","members":`+g.members+`}`)
		ids[g.name] = r["id"].(string)
	}
	ext := func(attr string) string { return rosterExt + ":" + attr }
	for _, c := range []struct{ filter, want string }{
		// Who is in a group, as identity providers and administrators ask.
		{`groups.value eq "` + ids["Engineering"] + `"`, "alice bob"},
		{`groups[value eq "` + ids["Sales"] + `"]`, "carol"},
		{`groups.display eq "engineering"`, "alice bob"},
		{`groups.value ne "` + ids["Engineering"] + `"`, "carol dave"},
		{`groups pr`, "alice bob carol"},
		{`not (groups pr)`, "dave"},
		{`groups.value eq "` + ids["Engineering"] + `" and userName sw "a"`, "alice"},
		{`groups.value eq "` + ids["Engineering"] + `" or groups.display eq "Sales"`, "alice bob carol"},
		{`groups.value eq "g_nosuchgroup"`, ""},
		// The tenant's custom properties.
		{ext("site") + ` eq "Berlin"`, "alice carol"},
		{ext("site") + ` ne "berlin"`, "bob dave"},
		{ext("site") + ` sw "pa" or ` + ext("site") + ` ew "yo"`, "bob"},
		{ext("skills") + ` eq "sql"`, "alice"},
		{ext("skills") + ` co "o"`, "alice bob"},
		{ext("SKILLS") + ` pr and not (` + ext("skills") + ` eq "sql")`, "bob"},
		{ext("level") + ` eq 10`, "bob"},
		{ext("level") + ` gt 5`, "bob carol"},
		{ext("level") + ` le 7.5 and ` + ext("level") + ` ge 3`, "alice carol"},
		{ext("start_date") + ` ge "2025-01-01"`, "bob"},
		{ext("start_date") + ` lt "2025-01-01T00:00:00Z"`, "alice"},
		{ext("remote") + ` eq true`, "alice"},
		{ext("remote") + ` eq false or not (` + ext("remote") + ` pr)`, "bob carol dave"},
		{ext("badge") + ` eq "A-100"`, "alice"},
		{ext("badge") + ` sw "B-"`, "bob"},
		{ext("badge") + ` co "-"`, "alice bob carol"},
		{ext("badge") + ` ew "00"`, "alice bob carol"},
		{ext("badge") + ` co "a-"`, "carol"},
		{`not (` + ext("badge") + ` pr)`, "dave"},
		{`groups.display eq "Engineering" and ` + ext("site") + ` eq "paris"`, "bob"},
	} {
		got := strings.Join(a.scimNames(t, "/Users", c.filter, "userName"), " ")
		if got != c.want {
			t.Errorf("filter %s = %q, want %q", c.filter, got, c.want)
		}
	}
	for _, c := range []struct{ filter, detail string }{
		{`groups.display co "eng"`, "groups.display"},
		{`groups.value gt "` + ids["Sales"] + `"`, "groups.value"},
		{ext("badge") + ` gt "A"`, ext("badge")},
		{ext("remote") + ` co "t"`, ext("remote")},
		{ext("level") + ` sw "1"`, ext("level")},
		{ext("level") + ` eq "ten"`, ext("level")},
		{ext("start_date") + ` gt "next week"`, ext("start_date")},
		{ext("site") + ` gt "b"`, ext("site")},
		{ext("nickname") + ` eq "x"`, ext("nickname")},
	} {
		status, body := a.scim(t, "GET", "/Users?filter="+filterQuery(c.filter), "")
		wantSCIMError(t, "filter "+c.filter, status, body, 400, "invalidFilter", c.detail)
	}
	// Text properties are matched as written, choices without case; the
	// schema says so.
	schema := a.mustSCIM(t, 200, "GET", "/Schemas/"+rosterExt, "")
	for _, at := range schema["attributes"].([]any) {
		at := at.(map[string]any)
		if at["caseExact"] != (at["name"] == "badge") {
			t.Errorf("attribute %v: caseExact %v", at["name"], at["caseExact"])
		}
	}
	// Another tenant's key sees none of acme's groups' members.
	if status, l := a.scimAs(t, a.other, "GET", "/Users?filter="+filterQuery(`groups.value eq "`+ids["Engineering"]+`"`), ""); status != 200 ||
		l["totalResults"] != 0.0 {
		t.Errorf("another tenant's filter by acme's group = %d %v", status, l)
	}
}

// Groups read the whole grammar: displayName's comparisons, id, and
// members.value, the groups a user belongs to, as Entra asks
// (members[value eq …] with the group's id) and Okta asks (members.value
// eq …), combined with and, or, not and grouping.
func TestSCIMFilterGroups(t *testing.T) {
	a := newUsersAPI(t)
	ids := map[string]string{}
	for _, n := range []string{"ann", "ben"} {
		ids[n] = a.mustSCIM(t, 201, "POST", "/Users", `{"userName":"`+n+`"}`)["id"].(string)
	}
	for _, g := range []struct{ name, members string }{
		{"Engineering", `[{"value":"` + ids["ann"] + `"},{"value":"` + ids["ben"] + `"}]`},
		{"Sales", `[{"value":"` + ids["ben"] + `"}]`},
		{"Empty", `[]`},
	} {
		ids[g.name] = a.mustSCIM(t, 201, "POST", "/Groups", `{"displayName":"`+g.name+`","members":`+g.members+`}`)["id"].(string)
	}
	for _, c := range []struct{ filter, want string }{
		{`displayName eq "sales"`, "Sales"},
		{`displayName ne "Sales"`, "Empty Engineering"},
		{`displayName co "in"`, "Engineering"},
		{`displayName sw "E"`, "Empty Engineering"},
		{`displayName ew "ty"`, "Empty"},
		{`displayName pr`, "Empty Engineering Sales"},
		{`id eq "` + ids["Sales"] + `"`, "Sales"},
		{`id ne "` + ids["Sales"] + `"`, "Empty Engineering"},
		{`id eq "u_notagroup"`, ""},
		{`externalId eq "Sales"`, ""},
		{`members.value eq "` + ids["ann"] + `"`, "Engineering"},
		{`members[value eq "` + ids["ben"] + `"]`, "Engineering Sales"},
		{`id eq "` + ids["Sales"] + `" and members[value eq "` + ids["ann"] + `"]`, ""},
		{`id eq "` + ids["Engineering"] + `" and members[value eq "` + ids["ann"] + `"]`, "Engineering"},
		{`members pr`, "Engineering Sales"},
		{`not (members pr)`, "Empty"},
		{`(displayName sw "E" or displayName eq "Sales") and not (members.value eq "` + ids["ann"] + `")`, "Empty Sales"},
		{`members.value ne "` + ids["ben"] + `"`, "Empty"},
	} {
		got := strings.Join(a.scimNames(t, "/Groups", c.filter, "displayName"), " ")
		if got != c.want {
			t.Errorf("filter %s = %q, want %q", c.filter, got, c.want)
		}
	}
	for _, c := range []struct{ filter, detail string }{
		{`members.display eq "ann"`, "members.display"},
		{`displayName gt "A"`, "displayName"},
		{`members.value co "u_"`, "members.value"},
		{`displayName eq`, "grammar"},
	} {
		status, body := a.scim(t, "GET", "/Groups?filter="+filterQuery(c.filter), "")
		wantSCIMError(t, "filter "+c.filter, status, body, 400, "invalidFilter", c.detail)
	}
	if status, l := a.scimAs(t, a.other, "GET", "/Groups?filter="+filterQuery(`members.value eq "`+ids["ann"]+`"`), ""); status != 200 ||
		l["totalResults"] != 0.0 {
		t.Errorf("another tenant's groups of acme's user = %d %v", status, l)
	}
}
