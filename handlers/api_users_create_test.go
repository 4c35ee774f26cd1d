package handlers_test

import (
	"fmt"
	"testing"

	"roster/store"
)

// POST /users takes the groups to join and property values, as GET shows
// them, and creates all or nothing.
func TestUsersAPICreatesWithGroupsAndProperties(t *testing.T) {
	a := newUsersAPI(t)
	ctx := t.Context()
	g, _ := a.st.CreateGroup(ctx, a.acme.ID, "Pilots", "")
	for _, p := range []store.NewProperty{{Key: "level", Type: "number"},
		{Key: "skills", Type: "multiselect", Options: []store.OptionInput{{Value: "go"}, {Value: "sql"}}}} {
		if _, err := a.st.CreateProperty(ctx, a.acme.ID, p); err != nil {
			t.Fatal(err)
		}
	}
	a.wantError(t, 422, "properties.level", "POST", "/api/v1/users", a.admin,
		`{"username":"ada","group_ids":["`+g.PublicID()+`"],"properties":{"level":"lots"}}`)
	a.wantError(t, 422, "group_ids", "POST", "/api/v1/users", a.admin, `{"username":"ada","group_ids":["g_zz"]}`)
	a.wantError(t, 422, "properties.skills", "POST", "/api/v1/users", a.admin, `{"username":"ada","properties":{"skills":[{"x":1}]}}`)
	if l, _ := a.st.ListUsers(ctx, a.acme.ID, store.UserFilter{}); l.Total != 0 {
		t.Fatalf("refused creations left %d users", l.Total)
	}
	u := a.mustCreate(t, `{"username":"ada","group_ids":["`+g.PublicID()+`"],"properties":{"level":3,"skills":["go","sql"]}}`)
	got := a.call(t, 200, "GET", "/api/v1/users/"+u["id"].(string), a.viewer, "")
	if fmt.Sprint(got["properties"]) != "map[level:3 skills:[go sql]]" || fmt.Sprint(got["groups"]) != fmt.Sprintf("[map[id:%s name:Pilots]]", g.PublicID()) {
		t.Fatalf("created user = properties %v, groups %v", got["properties"], got["groups"])
	}
	a.wantError(t, 422, "group_ids", "PATCH", "/api/v1/users/"+u["id"].(string), a.admin, `{"group_ids":[]}`)
}
