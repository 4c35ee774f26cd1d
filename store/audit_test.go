package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"roster/store"
)

// auditOf returns a tenant's events (or the system-wide ones, for tenant
// 0) with action, newest first.
func auditOf(t *testing.T, s *store.Store, tenant int64, action string) []store.AuditEvent {
	t.Helper()
	f := store.AuditFilter{Action: action, Page: store.Page{Size: 100}}
	var l store.List[store.AuditEvent]
	var err error
	if tenant == 0 {
		l, err = s.ListSystemAuditEvents(t.Context(), f)
	} else {
		l, err = s.ListAuditEvents(t.Context(), tenant, f)
	}
	if err != nil {
		t.Fatal(err)
	}
	return l.Items
}

func reasonOf(e store.AuditEvent) any { return e.Changes["reason"].After }

func TestConsoleSignInsAreAuditedInEachTenantOfTheAdministrator(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	acme, _ := mustTenant(t, s, "acme")
	globex, _ := mustTenant(t, s, "globex")
	if _, err := s.AddMember(t.Context(), globex.ID, "owner-acme", store.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	ctx := store.WithClient(context.Background(), store.Client{Address: "203.0.113.7", UserAgent: "Browser/" + strings.Repeat("x", 1000)})

	if _, err := s.AuthenticateAdmin(ctx, "owner-acme", "correct horse battery"); err != nil {
		t.Fatalf("AuthenticateAdmin(right password) = %v", err)
	}
	if err := wantInvalid(s.AuthenticateAdmin(ctx, "Owner-Acme", "wrong")); err != nil {
		t.Fatal(err)
	}
	for _, tn := range []store.Tenant{acme, globex} {
		ok := auditOf(t, s, tn.ID, store.ActionAdminSignIn)
		if len(ok) != 1 || ok[0].Actor.Name != "owner-acme" || ok[0].TargetName != "owner-acme" ||
			ok[0].Client.Address != "203.0.113.7" || len(ok[0].Client.UserAgent) != store.MaxUserAgent {
			t.Fatalf("tenant %s's sign-ins = %+v, want one by owner-acme from 203.0.113.7 with the user agent cut to %d bytes",
				tn.Alias, ok, store.MaxUserAgent)
		}
		failed := auditOf(t, s, tn.ID, store.ActionAdminSignInFailed)
		if len(failed) != 1 || reasonOf(failed[0]) != store.SignInWrongPassword || failed[0].TargetID != ok[0].TargetID {
			t.Fatalf("tenant %s's failed sign-ins = %+v, want one wrong password of owner-acme", tn.Alias, failed)
		}
	}

	// A username no administrator has belongs to no tenant: the attempt is
	// system-wide, under the name typed, and no tenant's log gets it.
	if err := wantInvalid(s.AuthenticateAdmin(ctx, "mallory", "guess")); err != nil {
		t.Fatal(err)
	}
	sys := auditOf(t, s, 0, store.ActionAdminSignInFailed)
	if len(sys) != 1 || sys[0].Actor.Name != "mallory" || sys[0].Actor.ID != "" || reasonOf(sys[0]) != store.SignInUnknownUsername ||
		sys[0].Client.Address != "203.0.113.7" {
		t.Fatalf("system-wide failed sign-ins = %+v, want mallory's unknown username", sys)
	}
	if n := len(auditOf(t, s, acme.ID, store.ActionAdminSignInFailed)); n != 1 {
		t.Fatalf("acme's failed sign-ins = %d after mallory's attempt, want still 1", n)
	}

	// Failures up to the lock, then the lock itself, then refusals of a
	// locked account even with the right password.
	for range store.MaxFailedLogins - 1 {
		if err := wantInvalid(s.AuthenticateAdmin(ctx, "owner-acme", "wrong")); err != nil {
			t.Fatal(err)
		}
	}
	if err := wantInvalid(s.AuthenticateAdmin(ctx, "owner-acme", "correct horse battery")); err != nil {
		t.Fatal(err)
	}
	failed := auditOf(t, s, acme.ID, store.ActionAdminSignInFailed)
	if len(failed) != store.MaxFailedLogins+1 || reasonOf(failed[0]) != store.SignInLocked || reasonOf(failed[1]) != store.SignInWrongPassword {
		t.Fatalf("acme's failed sign-ins = %d, newest %v; want %d ending in a refusal of the locked account",
			len(failed), reasonOf(failed[0]), store.MaxFailedLogins+1)
	}
	if n := len(auditOf(t, s, acme.ID, "admin.lock")); n != 1 {
		t.Fatalf("admin.lock events = %d, want 1", n)
	}
}

func TestEndUserSignInsAreAudited(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	tn, _ := mustTenant(t, s, "acme")
	ada := mustUser(t, s, tn.ID, store.NewUser{Username: "ada", DisplayName: "Ada Lovelace", Email: "ada@example.com", Password: "Right-password-1"})
	bob := mustUser(t, s, tn.ID, store.NewUser{Username: "bob", Email: "bob@example.com", Password: "Right-password-1"})
	if _, err := s.ApplyUserAction(t.Context(), tn.ID, store.UserAction{Kind: store.ActionDisable}, []string{bob.PublicID()}); err != nil {
		t.Fatal(err)
	}
	ctx := store.WithClient(context.Background(), store.Client{Address: "198.51.100.4", UserAgent: "Phone"})

	if _, err := s.AuthenticateUser(ctx, tn.ID, "ada", "Right-password-1"); err != nil {
		t.Fatalf("AuthenticateUser(right password) = %v", err)
	}
	ok := auditOf(t, s, tn.ID, store.ActionUserSignIn)
	if len(ok) != 1 || ok[0].TargetID != ada.PublicID() || ok[0].TargetName != "Ada Lovelace" || ok[0].Client != (store.Client{Address: "198.51.100.4", UserAgent: "Phone"}) {
		t.Fatalf("sign-ins = %+v, want ada's from 198.51.100.4", ok)
	}

	tests := []struct {
		login, password string
		target, reason  string
		actorName       string
	}{
		{"ada", "Wrong-password-1", ada.PublicID(), store.SignInWrongPassword, "ada"},
		{"nobody", "Wrong-password-1", "", store.SignInUnknownUsername, "nobody"},
		{"bob", "Right-password-1", bob.PublicID(), store.SignInUnavailable, "bob"},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			if _, err := s.AuthenticateUser(ctx, tn.ID, tt.login, tt.password); err == nil {
				t.Fatalf("AuthenticateUser(%q) succeeded", tt.login)
			}
			e := auditOf(t, s, tn.ID, store.ActionUserSignInFailed)[0]
			if e.TargetID != tt.target || reasonOf(e) != tt.reason || e.Actor.Name != tt.actorName || e.Client.Address != "198.51.100.4" {
				t.Fatalf("newest failed sign-in = %+v, want %s by %q on %q", e, tt.reason, tt.actorName, tt.target)
			}
		})
	}
}

func TestAuditNamesResolveIDsAndRemovedTargetsKeepTheirNames(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	tn, owner := mustTenant(t, s, "acme")
	_, other := mustTenant(t, s, "globex")
	ctx := store.WithActor(t.Context(), store.Actor{Type: store.ActorAdmin, ID: owner.PublicID(), Name: owner.Username})
	eng, err := s.CreateOrgUnit(ctx, tn.ID, store.NewOrgUnit{Name: "Engineering"})
	if err != nil {
		t.Fatal(err)
	}
	sales, err := s.CreateOrgUnit(ctx, tn.ID, store.NewOrgUnit{Name: "Sales"})
	if err != nil {
		t.Fatal(err)
	}
	ada := mustUser(t, s, tn.ID, store.NewUser{Username: "ada", DisplayName: "Ada Lovelace", OrgUnitID: eng.ID})
	if _, err := s.MoveUsers(ctx, tn.ID, sales.ID, []string{ada.PublicID()}); err != nil {
		t.Fatal(err)
	}
	g, err := s.CreateGroup(ctx, tn.ID, "Pilots", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddGroupMembers(ctx, tn.ID, g.ID, []string{ada.PublicID()}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RemoveGroups(ctx, tn.ID, []string{g.PublicID()}); err != nil {
		t.Fatal(err)
	}

	l, err := s.ListAuditEvents(t.Context(), tn.ID, store.AuditFilter{Page: store.Page{Size: 100}})
	if err != nil {
		t.Fatal(err)
	}
	// An id of another tenant, slipped into the page, must not be named.
	l.Items = append(l.Items, store.AuditEvent{Actor: store.Actor{ID: other.PublicID()}, TargetID: "u_zzzz"})
	names, err := s.AuditNames(t.Context(), tn.ID, l.Items)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{eng.PublicID(): "Engineering", sales.PublicID(): "Sales", ada.PublicID(): "Ada Lovelace",
		owner.PublicID(): "owner-acme"}
	for id, name := range want {
		if names[id] != name {
			t.Errorf("AuditNames()[%s] = %q, want %q", id, names[id], name)
		}
	}
	for _, id := range []string{g.PublicID(), other.PublicID(), "u_zzzz"} {
		if n, ok := names[id]; ok {
			t.Errorf("AuditNames()[%s] = %q, want no name (removed, or not the tenant's)", id, n)
		}
	}

	var moved, deleted *store.AuditEvent
	for i, e := range l.Items {
		switch e.Action {
		case "user.move":
			moved = &l.Items[i]
		case "group.delete":
			deleted = &l.Items[i]
		}
	}
	if moved == nil || moved.Changes["org_unit_id"] != (store.Change{Before: eng.PublicID(), After: sales.PublicID()}) {
		t.Fatalf("user.move = %+v, want org_unit_id %s → %s", moved, eng.PublicID(), sales.PublicID())
	}
	if deleted == nil || deleted.TargetName != "Pilots" {
		t.Fatalf("group.delete = %+v, want the removed group's name kept", deleted)
	}
}

// Every filter of the audit log walks one index newest first, from the
// cursor on: no page sorts the events or scans the table, at any size.
func TestAuditQueryPlansUseAnIndexPerFilter(t *testing.T) {
	t.Parallel()
	s := newSQLiteStore(t)
	tn, _ := mustTenant(t, s, "acme")
	at := time.Now()
	l, err := s.ListAuditEvents(t.Context(), tn.ID, store.AuditFilter{Page: store.Page{Size: 1}})
	if err != nil || l.Next == "" {
		t.Fatalf("first page = %+v, %v; want a next page", l, err)
	}
	cursor := l.Next
	tests := []struct {
		name  string
		f     store.AuditFilter
		index string
	}{
		{"all", store.AuditFilter{}, "audit_events_time"},
		{"a date range", store.AuditFilter{Since: &at, Until: &at}, "audit_events_time"},
		{"by actor", store.AuditFilter{Actor: "alice", Since: &at}, "audit_events_actor"},
		{"by action", store.AuditFilter{Action: "user.move", Until: &at}, "audit_events_action"},
		{"by target", store.AuditFilter{TargetID: "u_1"}, "audit_events_target"},
		{"by target type", store.AuditFilter{TargetType: "org_unit", Since: &at}, "audit_events_target_type"},
	}
	for _, tt := range tests {
		for _, page := range []store.Page{{}, {Cursor: cursor}} {
			tt.f.Page = page
			plan, err := s.AuditPlan(t.Context(), tn.ID, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(plan, "USING INDEX "+tt.index) || strings.Contains(plan, "TEMP B-TREE") {
				t.Errorf("plan of the audit log %s (cursor %t) =\n%s\nwant a walk of %s without a sort", tt.name, page.Cursor != "", plan, tt.index)
			}
		}
	}
}

// BenchmarkAuditLogAtAMillionEvents reads the first and a later page of
// each filter of a tenant with a million events.
func BenchmarkAuditLogAtAMillionEvents(b *testing.B) {
	s, err := store.Open(b.Context(), b.TempDir()+"/audit.db")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	tn, err := s.CreateTenant(b.Context(), "Bench", "bench")
	if err != nil {
		b.Fatal(err)
	}
	if err := s.SeedAuditEvents(b.Context(), tn.ID, 1_000_000); err != nil {
		b.Fatal(err)
	}
	weekAgo := time.Now().Add(-7 * 24 * time.Hour)
	monthAgo := time.Now().Add(-30 * 24 * time.Hour)
	filters := []struct {
		name string
		f    store.AuditFilter
	}{
		{"all", store.AuditFilter{}},
		{"a week a month ago", store.AuditFilter{Since: &monthAgo, Until: &weekAgo}},
		{"by actor", store.AuditFilter{Actor: "admin7"}},
		{"by action", store.AuditFilter{Action: "group.add_member"}},
		{"by target", store.AuditFilter{TargetID: "u_42"}},
		{"by target type", store.AuditFilter{TargetType: "org_unit", Until: &weekAgo}},
	}
	for _, fl := range filters {
		b.Run(fl.name, func(b *testing.B) {
			fl.f.Page.Size = 50
			first, err := s.ListAuditEvents(b.Context(), tn.ID, fl.f)
			if err != nil || first.Next == "" {
				b.Fatalf("first page = %d events, %v; want more pages", len(first.Items), err)
			}
			for b.Loop() {
				f := fl.f
				l, err := s.ListAuditEvents(b.Context(), tn.ID, f)
				if err != nil {
					b.Fatal(err)
				}
				f.Page.Cursor = l.Next
				if _, err := s.ListAuditEvents(b.Context(), tn.ID, f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
