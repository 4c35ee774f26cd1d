package store_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"roster/store"
)

// A bulk load writes what the ordinary methods would have: rows, the
// copies and counters their triggers keep, the keyword index; and it puts
// every index and trigger back, also when it fails.
func TestBulkLoad(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	other, _ := mustTenant(t, s, "other")
	otherUnit, err := s.CreateOrgUnit(ctx, other.ID, store.NewOrgUnit{Name: "Elsewhere"})
	if err != nil {
		t.Fatal(err)
	}
	// Units, groups and properties the tenant has already are used alike.
	existing := mustUser(t, s, tn.ID, store.NewUser{Username: "zoe"})
	staff, err := s.CreateGroup(ctx, tn.ID, "Staff", "")
	if err != nil {
		t.Fatal(err)
	}
	floor, err := s.CreateProperty(ctx, tn.ID, store.NewProperty{Key: "floor", Type: "number"})
	if err != nil {
		t.Fatal(err)
	}
	schema, err := s.IndexesAndTriggers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkSchema := func(when string) {
		t.Helper()
		if got, err := s.IndexesAndTriggers(ctx); err != nil || !slices.Equal(got, schema) {
			t.Fatalf("%s: indexes and triggers differ from before the load (%v):\n%q\nwant\n%q", when, err, got, schema)
		}
	}

	// Loads that fail leave nothing behind.
	for _, tc := range []struct {
		name string
		fill func(l *store.Loader) error
		want error
	}{
		{"member who is not of the load", func(l *store.Loader) error {
			return l.AddMember(staff.ID, existing.ID)
		}, store.ErrNotFound},
		{"unit of another tenant", func(l *store.Loader) error {
			_, err := l.AddUser(store.BulkUser{Username: "ann", OrgUnitID: otherUnit.ID})
			return err
		}, store.ErrNotFound},
		{"username taken", func(l *store.Loader) error {
			_, err := l.AddUser(store.BulkUser{Username: "zoe"})
			return err
		}, store.ErrConflict},
		{"value not in canonical form", func(l *store.Loader) error {
			id, err := l.AddUser(store.BulkUser{Username: "ann"})
			if err != nil {
				return err
			}
			return l.AddValue(id, floor.ID, 0, "03")
		}, store.FieldErrors{}},
		{"two values of a single-valued property", func(l *store.Loader) error {
			id, err := l.AddUser(store.BulkUser{Username: "ann"})
			if err != nil {
				return err
			}
			if err := l.AddValue(id, floor.ID, 0, "3"); err != nil {
				return err
			}
			return l.AddValue(id, floor.ID, 0, "4")
		}, store.FieldErrors{}},
	} {
		err := s.BulkLoad(ctx, tn.ID, tc.fill)
		var fe store.FieldErrors
		if _, wantFields := tc.want.(store.FieldErrors); wantFields && !errors.As(err, &fe) || !wantFields && !errors.Is(err, tc.want) {
			t.Errorf("%s: BulkLoad = %v, want %v", tc.name, err, tc.want)
		}
		checkSchema(tc.name)
		if l, _ := s.ListUsers(ctx, tn.ID, store.UserFilter{}); l.Total != 1 {
			t.Fatalf("%s: %d users after a failed load, want 1", tc.name, l.Total)
		}
	}

	created := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	var ada, bob, cy, dee int64
	var team store.Property
	var sales, emea, testers int64
	err = s.BulkLoad(ctx, tn.ID, func(l *store.Loader) error {
		var err error
		if sales, err = l.AddOrgUnit(store.NewOrgUnit{Name: "Sales"}); err != nil {
			return err
		}
		if emea, err = l.AddOrgUnit(store.NewOrgUnit{ParentID: sales, Name: " EMEA "}); err != nil {
			return err
		}
		if ada, err = l.AddUser(store.BulkUser{Username: "ada", DisplayName: "Ada Lovelace", Email: "ada@example.com",
			Status: store.StatusEnabled, SourceType: "csv", Language: "en-GB", OrgUnitID: emea, CreatedAt: created}); err != nil {
			return err
		}
		if bob, err = l.AddUser(store.BulkUser{Username: "bob", LockedAt: &created, OrgUnitID: sales}); err != nil {
			return err
		}
		if cy, err = l.AddUser(store.BulkUser{Username: "cy", SourceType: "ldap"}); err != nil {
			return err
		}
		if dee, err = l.AddUser(store.BulkUser{Username: "dee", Status: store.StatusDisabled}); err != nil {
			return err
		}
		if testers, err = l.AddGroup("Testers", "They try things"); err != nil {
			return err
		}
		for _, m := range [][2]int64{{testers, ada}, {testers, cy}, {staff.ID, bob}} {
			if err := l.AddMember(m[0], m[1]); err != nil {
				return err
			}
		}
		if team, err = l.AddProperty(store.NewProperty{Key: "team", Type: "multiselect",
			Options: []store.OptionInput{{Value: "red"}, {Value: "blue"}}}); err != nil {
			return err
		}
		// Out of the copies' order, which the load restores.
		for _, v := range []struct {
			user, property, option int64
			text                   string
		}{
			{ada, floor.ID, 0, "3"}, {ada, team.ID, team.Options[1].ID, ""}, {ada, team.ID, team.Options[0].ID, ""},
			{cy, team.ID, team.Options[1].ID, ""}, {dee, floor.ID, 0, "12"},
		} {
			if err := l.AddValue(v.user, v.property, v.option, v.text); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	checkSchema("after the load")

	get := func(id int64) store.User {
		t.Helper()
		u, err := s.GetUser(ctx, tn.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	root, _ := s.RootOrgUnit(ctx, tn.ID)
	if u := get(ada); u.DisplayName != "Ada Lovelace" || u.Email != "ada@example.com" || u.SourceType != "csv" ||
		u.Language != "en-GB" || u.OrgUnitID != emea || !u.CreatedAt.Equal(created) || u.LockedAt != nil {
		t.Errorf("ada = %+v", u)
	}
	// Empty fields take NewUser's defaults.
	if u := get(bob); u.Status != store.StatusPending || !u.Locked(time.Now()) || u.LockReason != store.LockAdmin ||
		u.SourceType != "built_in" || u.Language != tn.DefaultLanguage {
		t.Errorf("bob = %+v", u)
	}
	if u := get(cy); u.Status != store.StatusEnabled || u.OrgUnitID != root.ID {
		t.Errorf("cy = %+v", u)
	}
	if u := get(dee); u.Status != store.StatusDisabled {
		t.Errorf("dee = %+v", u)
	}
	vals := get(ada).Properties
	if !slices.Equal(vals["team"].Values, []string{"red", "blue"}) || !slices.Equal(vals["floor"].Values, []string{"3"}) {
		t.Errorf("ada's properties = %v", vals)
	}

	// Counters, copies and the keyword index agree with the rows.
	all, _ := s.ListUsers(ctx, tn.ID, store.UserFilter{})
	if all.Total != 5 {
		t.Errorf("total = %d, want 5 from the recomputed counters", all.Total)
	}
	stats, _ := s.UserStats(ctx, tn.ID, "status")
	if !slices.Equal(stats, []store.StatItem{{Key: "disabled", Count: 1}, {Key: "enabled", Count: 2}, {Key: "pending", Count: 2}}) {
		t.Errorf("status counts = %v", stats)
	}
	if l, _ := s.ListUsers(ctx, tn.ID, store.UserFilter{Query: "lovelace"}); l.Total != 1 || l.Items[0].ID != ada {
		t.Errorf("search for lovelace found %d", l.Total)
	}
	if o, _ := s.GetOrgUnit(ctx, tn.ID, sales); o.UserCount != 1 || o.SubtreeUserCount != 2 {
		t.Errorf("sales: %d users, %d in its subtree; want 1 and 2", o.UserCount, o.SubtreeUserCount)
	}
	if g, _ := s.GetGroup(ctx, tn.ID, testers); g.MemberCount != 2 || g.Description != "They try things" {
		t.Errorf("testers = %+v", g)
	}
	if l, _ := s.ListUsers(ctx, tn.ID, store.UserFilter{GroupID: staff.ID}); l.Total != 1 || l.Items[0].ID != bob {
		t.Errorf("staff has %d members, want bob", l.Total)
	}
	checkDirectoryCounts(t, s, tn.ID)
	if p, _ := s.GetProperty(ctx, tn.ID, team.ID); p.UserCount != 2 || p.Options[0].UserCount != 1 || p.Options[1].UserCount != 2 {
		t.Errorf("team = %+v", p)
	}
	if n, err := s.StalePropertyCopies(ctx); n != 0 || err != nil {
		t.Errorf("%d users' rows hold other property values than the values table (%v)", n, err)
	}
	if n, err := s.StaleMemberNames(ctx); n != 0 || err != nil {
		t.Errorf("%d memberships or values hold another username than their user's (%v)", n, err)
	}
	if err := s.CheckSearchIndex(ctx); err != nil {
		t.Errorf("search index out of step: %v", err)
	}
	ev, _ := s.ListAuditEvents(ctx, tn.ID, store.AuditFilter{Action: "tenant.bulk_load"})
	if len(ev.Items) != 1 || ev.Items[0].Changes["users"].After != 4.0 || ev.Items[0].Changes["memberships"].After != 3.0 {
		t.Errorf("audit events = %+v", ev.Items)
	}

	// A second load, of more users than a statement writes: memberships
	// of users whose rows still wait are written after them.
	err = s.BulkLoad(ctx, tn.ID, func(l *store.Loader) error {
		var ids []int64
		for i := range 150 {
			id, err := l.AddUser(store.BulkUser{Username: fmt.Sprintf("load-%03d", i)})
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		for _, id := range ids[50:] {
			if err := l.AddMember(testers, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	checkSchema("after the second load")
	if g, _ := s.GetGroup(ctx, tn.ID, testers); g.MemberCount != 102 {
		t.Errorf("testers has %d members, want 102", g.MemberCount)
	}
	if n, err := s.StaleMemberNames(ctx); n != 0 || err != nil {
		t.Errorf("%d memberships or values hold another username than their user's (%v)", n, err)
	}

	// The triggers are back: a user created now is counted and found.
	mustUser(t, s, tn.ID, store.NewUser{Username: "after-load-zebra"})
	if l, _ := s.ListUsers(ctx, tn.ID, store.UserFilter{Query: "zebra"}); l.Total != 1 {
		t.Error("a user created after the loads is not searchable")
	}
	if l, _ := s.ListUsers(ctx, tn.ID, store.UserFilter{}); l.Total != 156 {
		t.Errorf("total after one more = %d, want 156", l.Total)
	}
	if err := s.CheckSearchIndex(ctx); err != nil {
		t.Errorf("search index out of step: %v", err)
	}
}
