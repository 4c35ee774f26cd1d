package store_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"roster/store"
	"roster/store/storetest"

	"golang.org/x/crypto/bcrypt"
)

// newTestStore opens a fresh, migrated database file removed after the test.
// On the engine of the run: see storetest.
func newTestStore(t *testing.T) *store.Store {
	t.Helper()
	return storetest.Open(t) // bcrypt at its lowest cost; the timing test sets the real cost back
}

// newSQLiteStore opens a fresh SQLite database whatever the run's engine,
// for tests of SQLite's own behaviour: its query plans, its keyword index,
// its backups.
func newSQLiteStore(t *testing.T) *store.Store {
	t.Helper()
	s, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "roster.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	s.PasswordCost = bcrypt.MinCost
	return s
}

// mustTenant creates a tenant with an owner "owner-<alias>" and returns both.
func mustTenant(t *testing.T, s *store.Store, alias string) (store.Tenant, store.Admin) {
	t.Helper()
	ctx := t.Context()
	tn, err := s.CreateTenant(ctx, "Tenant "+alias, alias)
	if err != nil {
		t.Fatalf("CreateTenant(%q) = %v", alias, err)
	}
	a, err := s.CreateAdmin(ctx, tn.ID, store.NewAdmin{Username: "owner-" + alias, Password: "correct horse battery"}, store.RoleOwner)
	if err != nil {
		t.Fatalf("CreateAdmin(owner-%s) = %v", alias, err)
	}
	return tn, a
}

// events returns the actions of a tenant's audit events, newest first.
func events(t *testing.T, s *store.Store, tenant int64) []string {
	t.Helper()
	l, err := s.ListAuditEvents(t.Context(), tenant, store.AuditFilter{Page: store.Page{Size: 100}})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range l.Items {
		out = append(out, e.Action)
	}
	return out
}

func TestMigrationsApplyFromEmptyAndAreIdempotent(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "roster.db")
	for i := range 3 {
		s, err := store.Open(t.Context(), path)
		if err != nil {
			t.Fatalf("Open #%d = %v", i+1, err)
		}
		if i == 0 {
			mustTenant(t, s, "first")
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var applied, tenants int
	if err := db.QueryRow(`SELECT count(*) FROM goose_db_version WHERE version_id > 0`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM tenants`).Scan(&tenants); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("migrations/sqlite/*.sql")
	if applied != len(files) || tenants != 1 {
		t.Fatalf("after three opens: %d migrations recorded, %d tenants; want %d and 1 (nothing re-applied, nothing lost)", applied, tenants, len(files))
	}
}

func TestFailedChangeLeavesNoRowAndNoAuditEvent(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	tn, _ := mustTenant(t, s, "acme")
	before := events(t, s, tn.ID)

	// The administrator row is written, then the membership insert fails on
	// the foreign key of a tenant that does not exist: all of it must go.
	_, err := s.CreateAdmin(t.Context(), 999, store.NewAdmin{Username: "ghost", Password: "correct horse battery"}, store.RoleAdmin)
	if err == nil {
		t.Fatal("CreateAdmin into a missing tenant succeeded")
	}
	if _, err := s.AddMember(t.Context(), tn.ID, "ghost", store.RoleAdmin); err == nil {
		t.Fatal("the administrator row of the failed change survived")
	}
	if after := events(t, s, tn.ID); len(after) != len(before) {
		t.Fatalf("audit events %v after a failed change, want %v", after, before)
	}

	// A refused change (alias taken) leaves the tenant and the log as they were.
	mustTenant(t, s, "taken")
	_, err = s.UpdateTenant(t.Context(), tn.ID, store.TenantUpdate{Name: new("Renamed"), Alias: new("taken")})
	var fe store.FieldErrors
	if !errors.As(err, &fe) || fe["alias"] == "" {
		t.Fatalf("UpdateTenant to a taken alias = %v, want an alias field error", err)
	}
	got, _ := s.GetTenant(t.Context(), tn.ID)
	if got.Name != "Tenant acme" || got.Alias != "acme" {
		t.Fatalf("tenant after refused change = %+v", got)
	}
	if after := events(t, s, tn.ID); len(after) != len(before) {
		t.Fatalf("audit events %v after a refused change, want %v", after, before)
	}
}

func TestCommittedChangeHasItsAuditEvent(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	tn, owner := mustTenant(t, s, "acme")
	ctx := store.WithRequestID(store.WithActor(t.Context(),
		store.Actor{Type: store.ActorAdmin, ID: owner.PublicID(), Name: owner.Username}), "req-1")
	if _, err := s.UpdateTenant(ctx, tn.ID, store.TenantUpdate{Alias: new("acme-corp")}); err != nil {
		t.Fatal(err)
	}
	l, err := s.ListAuditEvents(t.Context(), tn.ID, store.AuditFilter{Action: "tenant.update"})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Items) != 1 {
		t.Fatalf("tenant.update events = %d, want 1", len(l.Items))
	}
	e := l.Items[0]
	if e.Actor.Name != owner.Username || e.Actor.Type != store.ActorAdmin || e.RequestID != "req-1" ||
		e.TargetID != tn.PublicID() {
		t.Fatalf("event = %+v, want actor %s, request req-1, target %s", e, owner.Username, tn.PublicID())
	}
	if c := e.Changes["alias"]; c.Before != "acme" || c.After != "acme-corp" {
		t.Fatalf("alias change = %+v, want acme -> acme-corp", c)
	}
	if _, ok := e.Changes["name"]; ok {
		t.Fatal("an unchanged field was recorded as changed")
	}
}

func TestAliasRules(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	tn, _ := mustTenant(t, s, "acme")
	mustTenant(t, s, "other")
	tests := []struct {
		alias   string
		wantErr bool
	}{
		{"abc", false},
		{"a-b-c-123", false},
		{"abcdefghijklmnopqrstuvwxyz012345", false}, // 32
		{"ab", true},
		{"abcdefghijklmnopqrstuvwxyz0123456", true}, // 33
		{"Upper", true},
		{"under_score", true},
		{"spa ce", true},
		{"ünï", true},
		{"other", true}, // taken by another tenant
	}
	for _, tt := range tests {
		t.Run(tt.alias, func(t *testing.T) {
			_, err := s.UpdateTenant(t.Context(), tn.ID, store.TenantUpdate{Alias: &tt.alias})
			var fe store.FieldErrors
			if got := errors.As(err, &fe) && fe["alias"] != ""; got != tt.wantErr {
				t.Fatalf("UpdateTenant(alias %q) = %v, want field error %v", tt.alias, err, tt.wantErr)
			}
		})
	}
}

func TestBootstrapCreatesDefaultTenantAndOwnerOnce(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	created, err := s.Bootstrap(ctx, "first-password-123")
	if err != nil || !created {
		t.Fatalf("Bootstrap = %v, %v; want created", created, err)
	}
	again, err := s.Bootstrap(ctx, "second-password-123")
	if err != nil || again {
		t.Fatalf("second Bootstrap = %v, %v; want nothing done", again, err)
	}
	a, err := s.AuthenticateAdmin(ctx, "admin", "first-password-123")
	if err != nil {
		t.Fatalf("first owner cannot sign in: %v", err)
	}
	ms, err := s.Memberships(ctx, a.ID)
	if err != nil || len(ms) != 1 || ms[0].Tenant.Alias != "default" || ms[0].Role != store.RoleOwner || !a.IsSystem {
		t.Fatalf("first owner memberships = %+v, system %v, err %v", ms, a.IsSystem, err)
	}
}

func TestAuthenticateAdmin(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	mustTenant(t, s, "acme")
	tests := []struct {
		name, username, password string
		wantErr                  error
	}{
		{"right password", "owner-acme", "correct horse battery", nil},
		{"username is case-insensitive", "Owner-ACME", "correct horse battery", nil},
		{"wrong password", "owner-acme", "wrong horse battery", store.ErrInvalidCredentials},
		{"unknown user", "nobody", "correct horse battery", store.ErrInvalidCredentials},
		{"empty password", "owner-acme", "", store.ErrInvalidCredentials},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := s.AuthenticateAdmin(t.Context(), tt.username, tt.password)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("AuthenticateAdmin(%q) = %v, want %v", tt.username, err, tt.wantErr)
			}
			if err == nil && a.LastLoginAt == nil {
				t.Fatal("sign-in not recorded")
			}
		})
	}
}

func TestAdministratorRules(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	tn, owner := mustTenant(t, s, "acme")
	other, otherOwner := mustTenant(t, s, "other")

	bad := []struct {
		name  string
		in    store.NewAdmin
		field string
	}{
		{"short username", store.NewAdmin{Username: "ab", Password: "long enough pw"}, "username"},
		{"username with space", store.NewAdmin{Username: "a b c", Password: "long enough pw"}, "username"},
		{"username starting with dot", store.NewAdmin{Username: ".abc", Password: "long enough pw"}, "username"},
		{"taken username, other case", store.NewAdmin{Username: "OWNER-ACME", Password: "long enough pw"}, "username"},
		{"bad email", store.NewAdmin{Username: "carol", Email: "carol@", Password: "long enough pw"}, "email"},
		{"short password", store.NewAdmin{Username: "carol", Password: "short"}, "password"},
		{"password over 72 bytes", store.NewAdmin{Username: "carol", Password: string(make([]byte, 73))}, "password"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.CreateAdmin(ctx, tn.ID, tt.in, store.RoleAdmin)
			var fe store.FieldErrors
			if !errors.As(err, &fe) || fe[tt.field] == "" {
				t.Fatalf("CreateAdmin = %v, want a %s field error", err, tt.field)
			}
		})
	}

	// The last owner can be neither demoted nor removed.
	if err := s.SetMemberRole(ctx, tn.ID, owner.ID, store.RoleAdmin); !isFieldError(err, "role") {
		t.Fatalf("demoting the last owner = %v, want a role field error", err)
	}
	if err := s.RemoveMember(ctx, tn.ID, owner.ID); !isFieldError(err, "role") {
		t.Fatalf("removing the last owner = %v, want a role field error", err)
	}
	// With a second owner, the first may step down.
	bob, err := s.CreateAdmin(ctx, tn.ID, store.NewAdmin{Username: "bob", Password: "long enough pw"}, store.RoleOwner)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetMemberRole(ctx, tn.ID, owner.ID, store.RoleViewer); err != nil {
		t.Fatalf("demoting one of two owners = %v", err)
	}

	// Tenant isolation: another tenant's administrator is not found here.
	if err := s.SetMemberRole(ctx, tn.ID, otherOwner.ID, store.RoleViewer); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("changing another tenant's administrator = %v, want ErrNotFound", err)
	}
	if err := s.RemoveMember(ctx, other.ID, bob.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("removing a non-member = %v, want ErrNotFound", err)
	}

	// An existing administrator joins a second tenant by username.
	if _, err := s.AddMember(ctx, other.ID, "BOB", store.RoleViewer); err != nil {
		t.Fatalf("AddMember(bob) = %v", err)
	}
	if _, err := s.AddMember(ctx, other.ID, "bob", store.RoleViewer); !isFieldError(err, "username") {
		t.Fatalf("adding bob twice = %v, want a username field error", err)
	}
	ms, _ := s.Memberships(ctx, bob.ID)
	if len(ms) != 2 {
		t.Fatalf("bob's memberships = %+v, want 2", ms)
	}
	members, _ := s.ListMembers(ctx, tn.ID)
	if len(members) != 2 || members[0].Username != "bob" || members[1].Role != store.RoleViewer {
		t.Fatalf("members of acme = %+v", members)
	}
}

func isFieldError(err error, field string) bool {
	var fe store.FieldErrors
	return errors.As(err, &fe) && fe[field] != ""
}

func TestAPIKeys(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	tn, _ := mustTenant(t, s, "acme")
	other, _ := mustTenant(t, s, "other")

	k, token, err := s.CreateAPIKey(ctx, tn.ID, store.NewAPIKey{Name: "sync", Role: store.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	expiry := now.Add(time.Hour)
	_, expiring, err := s.CreateAPIKey(ctx, tn.ID, store.NewAPIKey{Name: "temp", Role: store.RoleViewer, ExpiresAt: &expiry})
	if err != nil {
		t.Fatal(err)
	}

	got, err := s.AuthenticateAPIKey(ctx, token)
	if err != nil || got.ID != k.ID || got.TenantID != tn.ID || got.Role != store.RoleAdmin {
		t.Fatalf("AuthenticateAPIKey(token) = %+v, %v", got, err)
	}
	keys, _ := s.ListAPIKeys(ctx, tn.ID)
	if len(keys) != 2 || keys[1].LastUsedAt == nil {
		t.Fatalf("keys after use = %+v, want last_used_at recorded", keys)
	}

	for name, bad := range map[string]string{
		"empty":        "",
		"no prefix":    token[4:],
		"wrong secret": token[:len(token)-1] + map[bool]string{true: "b", false: "a"}[strings.HasSuffix(token, "a")],
		"unknown id":   "rst_key_aaaaaaaaaaaaaaaa.secret",
		"no secret":    "rst_" + k.PublicID + ".",
	} {
		if _, err := s.AuthenticateAPIKey(ctx, bad); !errors.Is(err, store.ErrInvalidCredentials) {
			t.Errorf("AuthenticateAPIKey(%s) = %v, want ErrInvalidCredentials", name, err)
		}
	}

	if _, err := s.AuthenticateAPIKey(ctx, expiring); err != nil {
		t.Fatalf("unexpired key refused: %v", err)
	}
	now = now.Add(2 * time.Hour)
	if _, err := s.AuthenticateAPIKey(ctx, expiring); !errors.Is(err, store.ErrInvalidCredentials) {
		t.Fatalf("expired key = %v, want ErrInvalidCredentials", err)
	}

	if err := s.RevokeAPIKey(ctx, other.ID, k.PublicID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("revoking from another tenant = %v, want ErrNotFound", err)
	}
	if _, err := s.AuthenticateAPIKey(ctx, token); err != nil {
		t.Fatalf("key stopped working after another tenant's failed revoke: %v", err)
	}
	if err := s.RevokeAPIKey(ctx, tn.ID, k.PublicID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AuthenticateAPIKey(ctx, token); !errors.Is(err, store.ErrInvalidCredentials) {
		t.Fatalf("revoked key = %v, want ErrInvalidCredentials", err)
	}
	if err := s.RevokeAPIKey(ctx, tn.ID, k.PublicID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("revoking twice = %v, want ErrNotFound", err)
	}

	bad := []struct {
		name  string
		in    store.NewAPIKey
		field string
	}{
		{"no name", store.NewAPIKey{Role: store.RoleViewer}, "name"},
		{"owner role", store.NewAPIKey{Name: "x", Role: store.RoleOwner}, "role"},
		{"past expiry", store.NewAPIKey{Name: "x", Role: store.RoleViewer, ExpiresAt: new(now.Add(-time.Minute))}, "expires_at"},
	}
	for _, tt := range bad {
		if _, _, err := s.CreateAPIKey(ctx, tn.ID, tt.in); !isFieldError(err, tt.field) {
			t.Errorf("CreateAPIKey(%s) = %v, want a %s field error", tt.name, err, tt.field)
		}
	}
	if evs := events(t, s, other.ID); contains(evs, "apikey.create") || contains(evs, "apikey.revoke") {
		t.Fatalf("another tenant's log shows acme's key events: %v", evs)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestListAuditEventsFiltersAndPages(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	base := time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)
	now := base
	s.SetClock(func() time.Time { return now })
	tn, _ := mustTenant(t, s, "acme") // tenant.create, admin.create, admin.add
	ctx := store.WithActor(context.Background(), store.Actor{Type: store.ActorAdmin, ID: "adm_1", Name: "alice"})
	for i := range 25 {
		now = base.Add(time.Duration(i+1) * 24 * time.Hour)
		if _, _, err := s.CreateAPIKey(ctx, tn.ID, store.NewAPIKey{Name: "k", Role: store.RoleViewer}); err != nil {
			t.Fatal(err)
		}
	}
	day := func(d int) *time.Time { v := base.Add(time.Duration(d) * 24 * time.Hour); return &v }
	tests := []struct {
		name string
		f    store.AuditFilter
		want int
	}{
		{"all", store.AuditFilter{}, 28},
		{"by actor", store.AuditFilter{Actor: "alice"}, 25},
		{"by unknown actor", store.AuditFilter{Actor: "mallory"}, 0},
		{"by action", store.AuditFilter{Action: "apikey.create"}, 25},
		{"by action prefix", store.AuditFilter{Action: "admin."}, 2},
		{"by target", store.AuditFilter{TargetID: tn.PublicID()}, 1},
		{"since", store.AuditFilter{Since: day(20)}, 6},
		{"until", store.AuditFilter{Until: day(3)}, 5},
		{"since and until", store.AuditFilter{Since: day(5), Until: day(10)}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.f.Page.Size = 100
			l, err := s.ListAuditEvents(t.Context(), tn.ID, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if len(l.Items) != tt.want || l.Total != tt.want {
				t.Fatalf("ListAuditEvents(%s) = %d items, total %d; want %d", tt.name, len(l.Items), l.Total, tt.want)
			}
		})
	}

	// Cursor paging visits every event once, newest first, while events are added.
	seen := map[int64]bool{}
	last := int64(1 << 62)
	page := store.Page{Size: 10}
	for pages := 0; ; pages++ {
		l, err := s.ListAuditEvents(t.Context(), tn.ID, store.AuditFilter{Page: page})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range l.Items {
			if seen[e.ID] || e.ID >= last {
				t.Fatalf("event %d repeated or out of order", e.ID)
			}
			seen[e.ID], last = true, e.ID
		}
		if pages == 0 {
			if _, _, err := s.CreateAPIKey(ctx, tn.ID, store.NewAPIKey{Name: "late", Role: store.RoleViewer}); err != nil {
				t.Fatal(err)
			}
		}
		if l.Next == "" {
			break
		}
		page.Cursor = l.Next
	}
	if len(seen) != 28 {
		t.Fatalf("cursor paging saw %d events, want the 28 that existed at the start", len(seen))
	}
	// Page numbers work too.
	l, err := s.ListAuditEvents(t.Context(), tn.ID, store.AuditFilter{Page: store.Page{Number: 3, Size: 10}})
	if err != nil || len(l.Items) != 9 {
		t.Fatalf("page 3 of 29 events by 10 = %d items, %v; want 9", len(l.Items), err)
	}
	for _, c := range []string{"garbage", "MTow", "!!"} {
		_, err := s.ListAuditEvents(t.Context(), tn.ID, store.AuditFilter{Page: store.Page{Cursor: c}})
		if !errors.Is(err, store.ErrBadCursor) {
			t.Errorf("cursor %q = %v, want ErrBadCursor", c, err)
		}
	}
}

func TestPublicIDs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		id   int64
		okay bool
	}{
		{store.PublicID("t", 1), 1, true},
		{store.PublicID("t", 123456789), 123456789, true},
		{"t_0", 0, false},
		{"t_-1", 0, false},
		{"t_01", 0, false}, // not canonical
		{"u_1", 0, false},  // another kind
		{"t_", 0, false},
		{"t_zzzzzzzzzzzzzzzz", 0, false},
	}
	for _, tt := range tests {
		id, ok := store.ParseID("t", tt.in)
		if id != tt.id || ok != tt.okay {
			t.Errorf("ParseID(t, %q) = %d, %v; want %d, %v", tt.in, id, ok, tt.id, tt.okay)
		}
	}
}
