package store_test

import (
	"testing"

	"roster/store"
)

// Each administrator keeps their own preferences in each tenant; setting
// one again replaces it.
func TestAdminPreferences(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	acme, owner := mustTenant(t, s, "acme")
	other, owner2 := mustTenant(t, s, "other")

	if v, found, err := s.AdminPreference(ctx, owner.ID, acme.ID, store.PrefUserColumns); err != nil || found || v != "" {
		t.Fatalf("AdminPreference before any is set = %q, %v, %v; want none", v, found, err)
	}
	for _, v := range []string{"email,status", "email,org_unit"} {
		if err := s.SetAdminPreference(ctx, owner.ID, acme.ID, store.PrefUserColumns, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetAdminPreference(ctx, owner2.ID, other.ID, store.PrefUserColumns, "created"); err != nil {
		t.Fatal(err)
	}
	if v, found, err := s.AdminPreference(ctx, owner.ID, acme.ID, store.PrefUserColumns); err != nil || !found || v != "email,org_unit" {
		t.Fatalf("AdminPreference(owner, acme) = %q, %v, %v; want the last one set", v, found, err)
	}
	if _, found, _ := s.AdminPreference(ctx, owner.ID, other.ID, store.PrefUserColumns); found {
		t.Fatal("a preference set in acme shows in another tenant")
	}
}

// The org unit column names a page's units in one lookup.
func TestOrgUnitNames(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	acme, _ := mustTenant(t, s, "acme")
	root, err := s.RootOrgUnit(ctx, acme.ID)
	if err != nil {
		t.Fatal(err)
	}
	sales, err := s.CreateOrgUnit(ctx, acme.ID, store.NewOrgUnit{ParentID: root.ID, Name: "Sales"})
	if err != nil {
		t.Fatal(err)
	}
	ada, err := s.CreateUser(ctx, acme.ID, store.NewUser{Username: "ada", OrgUnitID: sales.ID})
	if err != nil {
		t.Fatal(err)
	}
	alan, err := s.CreateUser(ctx, acme.ID, store.NewUser{Username: "alan"})
	if err != nil {
		t.Fatal(err)
	}
	names, err := s.OrgUnitNames(ctx, acme.ID, []store.User{ada, alan})
	if err != nil || names[sales.ID] != "Sales" || names[alan.OrgUnitID] != root.Name {
		t.Fatalf("OrgUnitNames = %v, %v; want Sales and %s", names, err, root.Name)
	}
}
