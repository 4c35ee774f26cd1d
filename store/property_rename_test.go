package store_test

import (
	"errors"
	"slices"
	"testing"

	"roster/store"
)

// A property's key can change: users keep their values, filters and the
// users list's columns follow the new key, another property's key is a
// conflict naming key, and the rename is audited.
func TestRenamingAPropertyKeyKeepsUsersValues(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	tn, owner := mustTenant(t, s, "acme")
	p, err := s.CreateProperty(ctx, tn.ID, store.NewProperty{Key: "dept", Type: "select",
		Options: []store.OptionInput{{Value: "sales"}, {Value: "ops"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateProperty(ctx, tn.ID, store.NewProperty{Key: "site", Type: "text"}); err != nil {
		t.Fatal(err)
	}
	ada := mustUser(t, s, tn.ID, store.NewUser{Username: "ada", Properties: map[string][]string{"dept": {"sales"}}})
	mustUser(t, s, tn.ID, store.NewUser{Username: "bob", Properties: map[string][]string{"dept": {"ops"}}})
	if err := s.SetAdminPreference(ctx, owner.ID, tn.ID, store.PrefUserColumns, "email,prop:dept,prop:site"); err != nil {
		t.Fatal(err)
	}

	key := " department "
	p, err = s.UpdateProperty(ctx, tn.ID, p.ID, store.PropertyUpdate{Key: &key})
	if err != nil {
		t.Fatal(err)
	}
	if p.Key != "department" || p.UserCount != 2 || len(p.Options) != 2 {
		t.Fatalf("renamed property = %+v, want key department with its 2 values and 2 users", p)
	}
	if got := userProps(t, s, tn.ID, ada.ID); got["department"].Values == nil || got["dept"].Values != nil {
		t.Errorf("ada's values after the rename = %v, want them under department", got)
	}
	if got := usernames(t, s, tn.ID, store.UserFilter{Properties: map[string][]string{"department": {"sales"}}}); !slices.Equal(got, []string{"ada"}) {
		t.Errorf("department=sales: %v", got)
	}
	if _, err := s.ListUsers(ctx, tn.ID, store.UserFilter{Properties: map[string][]string{"dept": {"sales"}}}); !isFieldError(err, "property") {
		t.Errorf("filter by the old key = %v, want a property error", err)
	}
	if defs, _ := s.PropertyDefinitions(ctx, tn.ID); defs[0].Key != "department" {
		t.Errorf("cached definitions = %v, want the new key", defs)
	}
	if cols, _, _ := s.AdminPreference(ctx, owner.ID, tn.ID, store.PrefUserColumns); cols != "email,prop:department,prop:site" {
		t.Errorf("columns after the rename = %q, want the property's column kept", cols)
	}
	ev := auditOf(t, s, tn.ID, "property.update")
	if len(ev) != 1 || ev[0].Changes["key"] != (store.Change{Before: "dept", After: "department"}) {
		t.Errorf("audit = %+v, want one property.update with the key's change", ev)
	}

	taken := "site"
	if _, err := s.UpdateProperty(ctx, tn.ID, p.ID, store.PropertyUpdate{Key: &taken}); !errors.Is(err, store.ErrConflict) || !isFieldError(err, "key") {
		t.Errorf("renaming to another property's key = %v, want a conflict on key", err)
	}
	for _, bad := range []string{"", "Dept", "9lives", "a-b"} {
		if _, err := s.UpdateProperty(ctx, tn.ID, p.ID, store.PropertyUpdate{Key: &bad}); !isFieldError(err, "key") || errors.Is(err, store.ErrConflict) {
			t.Errorf("key %q = %v, want a key error", bad, err)
		}
	}
	if p, _ = s.GetProperty(ctx, tn.ID, p.ID); p.Key != "department" {
		t.Errorf("key after refused renames = %q", p.Key)
	}
}
