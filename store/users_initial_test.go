package store_test

import (
	"errors"
	"slices"
	"testing"

	"roster/store"
)

// A user created with an org unit, groups and property values gets all of
// them in one transaction (and, given values at all, one for every
// required property); any refused part leaves no user, no membership,
// no value and no audit event behind, and says which field is at fault.
func TestCreateUserWithGroupsAndPropertiesIsAllOrNothing(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	other, _ := mustTenant(t, s, "other")
	root, err := s.RootOrgUnit(ctx, tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	unit := mustUnit(t, s, tn.ID, root.ID, "Engineering")
	pilots, err := s.CreateGroup(ctx, tn.ID, "Pilots", "")
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := s.CreateGroup(ctx, other.ID, "Theirs", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []store.NewProperty{
		{Key: "team", Type: "select", Options: []store.OptionInput{{Value: "web"}, {Value: "ops"}}},
		{Key: "level", Type: "number"},
		{Key: "skills", Type: "multiselect", Options: []store.OptionInput{{Value: "go"}, {Value: "sql"}}},
		{Key: "site", Type: "text", Required: true},
	} {
		if _, err := s.CreateProperty(ctx, tn.ID, p); err != nil {
			t.Fatal(err)
		}
	}
	good := map[string][]string{"team": {"ops"}, "level": {"3"}, "skills": {"go", "sql"}, "site": {"London"}, "unset": nil}
	with := func(key string, vs []string) map[string][]string {
		m := map[string][]string{}
		for k, v := range good {
			m[k] = v
		}
		m[key] = vs
		return m
	}

	refused := []struct {
		name  string
		in    store.NewUser
		field string
	}{
		{"a number property given words", store.NewUser{Username: "ada", OrgUnitID: unit.ID, Groups: []int64{pilots.ID},
			Properties: with("level", []string{"lots"})}, store.PropertyField("level")},
		{"a value not among a select's", store.NewUser{Username: "ada", OrgUnitID: unit.ID, Groups: []int64{pilots.ID},
			Properties: with("team", []string{"sales"})}, store.PropertyField("team")},
		{"a property the tenant does not define", store.NewUser{Username: "ada", OrgUnitID: unit.ID, Groups: []int64{pilots.ID},
			Properties: with("shoe_size", []string{"9"})}, store.PropertyField("shoe_size")},
		{"a required property left blank", store.NewUser{Username: "ada", OrgUnitID: unit.ID, Groups: []int64{pilots.ID},
			Properties: with("site", []string{" "})}, store.PropertyField("site")},
		{"another tenant's group", store.NewUser{Username: "ada", OrgUnitID: unit.ID, Groups: []int64{pilots.ID, theirs.ID},
			Properties: good}, "group_ids"},
		{"a bad username with good extras", store.NewUser{Username: "a", OrgUnitID: unit.ID, Groups: []int64{pilots.ID},
			Properties: good}, "username"},
	}
	before := len(events(t, s, tn.ID))
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.CreateUser(ctx, tn.ID, tt.in)
			if !isFieldError(err, tt.field) {
				t.Fatalf("CreateUser = %v, want a %s field error", err, tt.field)
			}
			if l, err := s.ListUsers(ctx, tn.ID, store.UserFilter{}); err != nil || l.Total != 0 {
				t.Fatalf("users after a refused creation = %d, %v; want none", l.Total, err)
			}
			if g, _ := s.GetGroup(ctx, tn.ID, pilots.ID); g.MemberCount != 0 {
				t.Fatalf("Pilots has %d members after a refused creation", g.MemberCount)
			}
			props, _ := s.ListProperties(ctx, tn.ID)
			for _, p := range props {
				if p.UserCount != 0 {
					t.Fatalf("property %s has %d users after a refused creation", p.Key, p.UserCount)
				}
			}
			if n := len(events(t, s, tn.ID)); n != before {
				t.Fatalf("audit events = %d after a refused creation, want %d", n, before)
			}
		})
	}

	u, err := s.CreateUser(ctx, tn.ID, store.NewUser{Username: "ada", OrgUnitID: unit.ID,
		Groups: []int64{pilots.ID, pilots.ID}, Properties: good})
	if err != nil {
		t.Fatalf("CreateUser with good extras = %v", err)
	}
	if u.OrgUnitID != unit.ID {
		t.Errorf("org unit = %d, want %d", u.OrgUnitID, unit.ID)
	}
	gs, err := s.UserGroups(ctx, tn.ID, u.ID)
	if err != nil || len(gs) != 1 || gs[0].ID != pilots.ID {
		t.Errorf("groups = %v, %v; want Pilots once", gs, err)
	}
	got := map[string][]string{}
	for k, v := range u.Properties {
		got[k] = slices.Sorted(slices.Values(v.Values))
	}
	want := map[string][]string{"team": {"ops"}, "level": {"3"}, "skills": {"go", "sql"}, "site": {"London"}}
	if len(got) != len(want) || !slices.Equal(got["team"], want["team"]) || !slices.Equal(got["level"], want["level"]) ||
		!slices.Equal(got["skills"], want["skills"]) {
		t.Errorf("properties = %v, want %v", got, want)
	}
	if _, err := s.CreateUser(ctx, tn.ID, store.NewUser{Username: "ada"}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("the username after creation = %v, want taken", err)
	}
	// Callers that leave properties alone (batches, the API) are not held
	// to required properties.
	mustUser(t, s, tn.ID, store.NewUser{Username: "alan"})
	l, err := s.ListAuditEvents(ctx, tn.ID, store.AuditFilter{TargetID: u.PublicID(), Page: store.Page{Size: 10}})
	if err != nil || len(l.Items) != 1 || l.Items[0].Action != "user.create" {
		t.Fatalf("the user's audit events = %v, %v; want their creation alone", l.Items, err)
	}
	ch := l.Items[0].Changes
	if ch["group_ids"].After != pilots.PublicID() || ch["properties.team"].After != "ops" || ch["properties.skills"].After != "go,sql" {
		t.Errorf("the creation event's changes = %v; want the groups and values", ch)
	}
	if evs := events(t, s, tn.ID); !slices.Contains(evs, "group.add_member") {
		t.Errorf("events = %v; want the group to record its new member", evs)
	}
}
