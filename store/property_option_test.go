package store_test

import (
	"fmt"
	"testing"

	"roster/store"
	"roster/store/storetest"
)

// One value bound or unbound at a time: a multiselect property collects
// values, a single-valued one is replaced, a required one keeps its last
// value, and a value of another property is refused.
func TestChangeUserPropertyOption(t *testing.T) {
	t.Parallel()
	s := storetest.Open(t)
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	opts := []store.OptionInput{{Value: "berlin"}, {Value: "tokyo"}}
	sites, err := s.CreateProperty(ctx, tn.ID, store.NewProperty{Key: "sites", Type: "multiselect", Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	home, err := s.CreateProperty(ctx, tn.ID, store.NewProperty{Key: "home", Type: "select", Required: true, Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	u := mustUser(t, s, tn.ID, store.NewUser{Username: "ada", Properties: map[string][]string{"home": {"berlin"}}})
	values := func(key string) string {
		t.Helper()
		got, err := s.GetUser(ctx, tn.ID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(got.Properties[key].Values)
	}
	change := func(p store.Property, i int, add bool) error {
		return s.ChangeUserPropertyOption(ctx, tn.ID, u.ID, p.ID, p.Options[i].ID, add)
	}
	for _, i := range []int{1, 0, 1} {
		if err := change(sites, i, true); err != nil {
			t.Fatal(err)
		}
	}
	if got := values("sites"); got != "[berlin tokyo]" {
		t.Errorf("sites after adding tokyo, berlin, tokyo = %s", got)
	}
	if err := change(sites, 0, false); err != nil || values("sites") != "[tokyo]" {
		t.Errorf("sites after removing berlin = %s, %v", values("sites"), err)
	}
	if err := change(home, 1, true); err != nil || values("home") != "[tokyo]" {
		t.Errorf("home after adding tokyo = %s, %v; want it replaced", values("home"), err)
	}
	if err := change(home, 1, false); !isFieldError(err, "value") || values("home") != "[tokyo]" {
		t.Errorf("removing the required home's last value = %v (home %s), want refused", err, values("home"))
	}
	if err := s.ChangeUserPropertyOption(ctx, tn.ID, u.ID, sites.ID, home.Options[0].ID, true); !isFieldError(err, "value") {
		t.Errorf("adding home's option to sites = %v, want refused", err)
	}
}
