package seed_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"roster/store"
	"roster/store/seed"
	"roster/store/storetest"
)

// The same seed gives the same directory; another seed, another one.
func TestSameSeedSameData(t *testing.T) {
	t.Parallel()
	o := seed.Options{Users: 400, OrgUnits: 30, Groups: 4, Properties: 8}
	a, b, c := directory(t, o, 1), directory(t, o, 1), directory(t, o, 2)
	if a != b {
		t.Errorf("seed 1 twice gave two directories:\n%s\n---\n%s", a, b)
	}
	if a == c {
		t.Error("seeds 1 and 2 gave the same directory")
	}
}

// directory seeds a new store and describes what it holds: every user's
// fields but the times, every unit, group and property with their counts.
func directory(t *testing.T, o seed.Options, n uint64) string {
	t.Helper()
	ctx := t.Context()
	s, err := store.Open(ctx, storetest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tn, err := s.CreateTenant(ctx, "Acme", "acme")
	if err != nil {
		t.Fatal(err)
	}
	var done []int
	o.Seed, o.Progress = n, func(n int) { done = append(done, n) }
	if err := seed.Users(ctx, s, tn.ID, o); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(done, []int{o.Users}) {
		t.Errorf("progress = %v", done)
	}
	var out strings.Builder
	for page := (store.Page{Size: store.MaxPageSize}); ; {
		l, err := s.ListUsers(ctx, tn.ID, store.UserFilter{Page: page})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range l.Items {
			vals := u.Properties
			groups, err := s.UserGroups(ctx, tn.ID, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&out, "%s %q %s %s %s %v %s %d", u.Username, u.DisplayName, u.Email, u.Status, u.SourceType,
				u.LockedAt != nil, u.Language, u.OrgUnitID)
			for _, g := range groups {
				fmt.Fprintf(&out, " %s", g.Name)
			}
			for _, k := range slices.Sorted(maps.Keys(vals)) {
				if vals[k].Property.Type != "date" { // a number of days before now
					fmt.Fprintf(&out, " %s=%v", k, vals[k].Values)
				}
			}
			out.WriteString("\n")
		}
		if page.Cursor = l.Next; l.Next == "" {
			break
		}
	}
	units, err := s.ListOrgUnits(ctx, tn.ID, store.NameFilter{Page: store.Page{Size: store.MaxPageSize}})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range units.Items {
		fmt.Fprintf(&out, "unit %d %q under %d: %d, %d\n", u.ID, u.Name, u.ParentID, u.UserCount, u.SubtreeUserCount)
	}
	props, err := s.ListProperties(ctx, tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range props {
		fmt.Fprintf(&out, "property %s %s: %d\n", p.Key, p.Type, p.UserCount)
	}
	return out.String()
}

// Identities names users as Users does (first.lastN, "First Last",
// first.lastN@domain), the same for the same seed.
func TestIdentities(t *testing.T) {
	t.Parallel()
	a, b := seed.Identities(1), seed.Identities(1)
	for k := range 50 {
		x, y := a(k), b(k)
		if x != y {
			t.Fatalf("Identities(1)(%d) = %+v, then %+v", k, x, y)
		}
		first, rest, _ := strings.Cut(x.Username, ".")
		if !strings.HasSuffix(x.Username, fmt.Sprint(k)) || !strings.HasPrefix(x.Email, x.Username+"@") ||
			!strings.HasPrefix(strings.ToLower(x.DisplayName), first+" ") || rest == "" {
			t.Errorf("Identities(1)(%d) = %+v, want first.last%d, First Last and first.last%d@domain", k, x, k, k)
		}
	}
}
